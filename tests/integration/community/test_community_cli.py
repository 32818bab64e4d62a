"""``rtcc community``: neighborhoods install/list, alert send/list, tips list, and ``rtcc notify outbox status/run``
that delivers the alerts, against the test database (no SMTP host, so e-mail stays queued; SMS set to the old 'log'
provider, which sends nothing, so SMS stays unsent with its reason)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner, Result

from rtcc.community.cli import community
from rtcc.core.db import Database
from rtcc.demo import seed_community
from rtcc.notify.cli import notify
from rtcc.settings import get_settings


@pytest.fixture
def cli(database_url: str, db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)
    monkeypatch.setenv("RTCC_SMS_PROVIDER", "log")
    monkeypatch.delenv("RTCC_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    try:
        yield CliRunner()
    finally:
        get_settings.cache_clear()


def _ok(result: Result) -> str:
    assert result.exit_code == 0, f"{result.output}\n{result.stderr}"
    return result.stdout


def test_alert_outbox_and_tips_commands(cli: CliRunner, db: Database) -> None:
    assert _ok(cli.invoke(community, ["neighborhoods", "install"])).strip() == "4 neighborhoods added or updated"
    assert "Northwest Cerritos" in _ok(cli.invoke(community, ["neighborhoods", "list"]))
    with db.uow() as s:
        seed_community.seed(s, now=datetime.now(UTC), rng=random.Random(3))
    out = _ok(
        cli.invoke(
            community,
            ["alert", "send", "--category", "burglary", "--headline", "Break-ins", "--body", "Lock up",
             "--lat", "33.877", "--lon", "-118.089", "--radius-m", "600"],
        )
    )  # fmt: skip
    assert out.strip().endswith("messages queued") and int(out.split()[1]) >= 1
    assert "Break-ins" in _ok(cli.invoke(community, ["alert", "list"]))
    bad = cli.invoke(community, ["alert", "send", "--category", "burglary", "--headline", "x y", "--body", "b"])
    assert bad.exit_code == 2 and "neighborhood_code" in bad.stderr

    status = json.loads(_ok(cli.invoke(notify, ["outbox", "status"])))
    assert status["by_channel"]["email"]["pending"] >= 1 and status["by_channel"]["sms"]["pending"] >= 1
    ran = json.loads(_ok(cli.invoke(notify, ["outbox", "run"])))
    assert ran["sent"] == 0 and ran["failed"] == 0 and ran["not_sent"] == status["by_channel"]["sms"]["pending"]
    after = json.loads(_ok(cli.invoke(notify, ["outbox", "status"])))
    assert "sent" not in after["by_channel"]["sms"] and after["by_channel"]["email"]["pending"] >= 1
    assert after["not_sent"] == {"sms": {"no SMS provider configured": status["by_channel"]["sms"]["pending"]}}

    tips = _ok(cli.invoke(community, ["tips", "list"])).splitlines()
    assert len(tips) == 4 and any("anonymous" in t for t in tips)
    assert len(_ok(cli.invoke(community, ["tips", "list", "--status", "closed"])).splitlines()) == 1
