"""The demo seed (every stage, budget partly used, idempotent) and the ``rtcc rebates`` commands."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rebates_support import STAFF, Resident, apply_fixture, resident_fixture  # noqa: F401 (fixtures)
from typer.testing import CliRunner

from rtcc.cameras import service as cameras
from rtcc.core.db import Database
from rtcc.demo import seed_rebates
from rtcc.rebates import budget, review
from rtcc.rebates.cli import rebates
from rtcc.rebates.logic import Status
from rtcc.settings import Settings, get_settings

Make = Callable[..., Resident]
Apply = Callable[..., uuid.UUID]


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)
    monkeypatch.setenv("RTCC_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        yield tmp_path
    finally:
        get_settings.cache_clear()


def test_demo_seed_has_every_stage_and_is_idempotent(db: Database, env: Path) -> None:
    now = datetime.now(UTC)
    with db.uow() as s:
        counts = seed_rebates.seed(s, now=now, rng=random.Random(4))
    assert counts == {"households": 9, "applications": 9, "approved": 1, "paid": 1, "waitlisted": 1}
    settings = get_settings()
    with db.read() as s:
        statuses = sorted(a.status for a in review.queue(s, statuses=[x.value for x in Status], limit=500).items)
        program = budget.program(s, settings)
    assert statuses == sorted(
        ["draft", "ineligible", "eligible", "eligible", "approved", "paid", "denied", "withdrawn", "waitlisted"]
    )
    assert program.paid_cents > 0 and program.committed_cents > 0
    assert 0 < program.available_cents < 20_000 and program.waitlisted == 1
    assert len([p for p in (env / "rebates").rglob("*.pdf")]) == 8  # every one but the ineligible one
    with db.uow() as s:
        again = seed_rebates.seed(s, now=now, rng=random.Random(4))
    assert again["applications"] == 0
    with db.read() as s:
        assert review.queue(s, statuses=["draft", "eligible"]).total == 3


def test_cli_program_report_and_compliance(
    db: Database, settings: Settings, env: Path, resident: Make, apply: Apply
) -> None:
    cli = CliRunner()
    out = cli.invoke(rebates, ["program", "--set-total", "100000"])
    assert out.exit_code == 0, out.output
    assert "total $1,000.00" in out.stdout and "available $1,000.00" in out.stdout

    res = resident()
    app_id = apply(res)
    with db.uow() as s:
        review.approve(s, settings, app_id, actor=STAFF)
    out = cli.invoke(rebates, ["report", "--format", "json"])
    assert out.exit_code == 0, out.output
    rep = json.loads(out.stdout)
    assert (rep["approvals"], rep["committed_cents"], rep["cameras_added"]) == (1, 20_000, 1)
    csv_out = cli.invoke(rebates, ["report", "--format", "csv", "--from", "2020-01-01"])
    assert csv_out.exit_code == 0 and "total,committed,,20000" in csv_out.stdout
    assert cli.invoke(rebates, ["report", "--from", "yesterday"]).exit_code != 0

    ok = cli.invoke(rebates, ["compliance"])
    assert ok.exit_code == 0 and "keep their registration commitment" in ok.stdout
    with db.uow() as s:
        cameras.withdraw_own_camera(s, res.camera_id, owner=res.principal)
    flagged = cli.invoke(rebates, ["compliance", "--json"])
    assert flagged.exit_code == 2
    rows = json.loads(flagged.stdout)
    assert [(r["application_id"], r["problem"]) for r in rows] == [(str(app_id), "camera_withdrawn")]

    too_low = cli.invoke(rebates, ["program", "--set-total", "100"])
    assert too_low.exit_code == 1 and "total_cents" in too_low.stderr
