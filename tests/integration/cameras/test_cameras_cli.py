"""``rtcc registry``: add, list, canvass (audited) and withdraw from the command line, with clear errors."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from rtcc.audit.models import AuditEntry
from rtcc.cameras.cli import registry
from rtcc.core.db import Database
from rtcc.settings import get_settings


@pytest.fixture
def cli(database_url: str, db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)
    monkeypatch.setenv("RTCC_BUS_URL", "memory://")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_add_list_canvass_withdraw(cli: CliRunner, db: Database) -> None:
    added = cli.invoke(
        registry,
        ["add", "--name", "Gridley cam", "--lat", "33.8579", "--lon", "-118.09", "--code", "CLI-1",
         "--direction", "0", "--fov", "90", "--range", "150", "--retention-days", "10"],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "registered CLI-1" in added.output
    dup = cli.invoke(registry, ["add", "--name", "x", "--lat", "33.86", "--lon", "-118.09", "--code", "CLI-1"])
    assert dup.exit_code == 1 and "already registered" in dup.output
    bad = cli.invoke(registry, ["add", "--name", "x", "--lat", "33.86", "--lon", "-118.09", "--fov", "0"])
    assert bad.exit_code == 1 and "fov_deg" in bad.output

    listed = cli.invoke(registry, ["list"])
    assert listed.exit_code == 0 and "CLI-1" in listed.output and "1 of 1 cameras" in listed.output

    window = ["--start", "2026-11-20T10:00:00Z", "--end", "2026-11-20T11:00:00Z"]
    found = cli.invoke(registry, ["canvass", "--place", "E Gridley Rd & South St", "--json", *window])
    assert found.exit_code == 0, found.output
    doc = json.loads(found.output)
    assert [h["camera"]["code"] for h in doc["items"]] == ["CLI-1"]
    assert doc["items"][0]["request_deadline"].startswith("2026-11-30T10:00:00")
    nowhere = cli.invoke(registry, ["canvass", "--place", "Nowhere & Noplace", *window])
    assert nowhere.exit_code == 1 and "place" in nowhere.output

    gone = cli.invoke(registry, ["withdraw", "CLI-1"])
    assert gone.exit_code == 0 and "withdrawn CLI-1" in gone.output
    empty = cli.invoke(registry, ["canvass", "--lat", "33.858", "--lon", "-118.09", *window])
    assert empty.exit_code == 0 and "0 of 0 shared cameras" in empty.output
    missing = cli.invoke(registry, ["withdraw", "NOPE"])
    assert missing.exit_code == 1 and "not found" in missing.output
    with db.read() as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert actions.count("canvass.run") == 2 and "registry.camera.withdraw" in actions
