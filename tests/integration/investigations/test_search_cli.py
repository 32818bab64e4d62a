"""``rtcc search``: searches act as a named user (the audit names them), need a purpose, and the index commands."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from search_world import T0, World
from sqlalchemy import select
from typer.testing import CliRunner

from rtcc.audit.models import AuditEntry
from rtcc.core.db import Database
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM, Role
from rtcc.identity.schemas import UserCreate
from rtcc.investigations.cli import search
from rtcc.settings import get_settings


@pytest.fixture
def cli(database_url: str, db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)
    monkeypatch.setenv("RTCC_SEARCH_INDEX_CATCHUP_S", "0")  # one process for every test: catch up each time
    get_settings.cache_clear()
    with db.uow() as s:
        for name, role in (("det_lee", Role.analyst), ("ofc_kim", Role.officer)):
            identity.create_user(
                s,
                UserCreate(username=name, display_name=name, password="correct horse battery", role=role, unit="RTCC"),
                actor=SYSTEM,
            )
    try:
        yield CliRunner()
    finally:
        get_settings.cache_clear()


def test_search_as_a_named_user(cli: CliRunner, world: World, db: Database) -> None:
    args = ["plates", "7AB*123", "--user", "det_lee", "--purpose", "felony_investigation", "--case", "CER26-7"]
    result = cli.invoke(search, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["result_count"] == 6 and data["matched_plates"] == ["7ABC123", "7ABD123"]
    window = ["--from", T0.isoformat(), "--to", (T0 + timedelta(hours=3)).isoformat()]  # case-free: 24 h at most
    text = cli.invoke(search, ["history", "7ABC123", "--user", "det_lee", "--purpose", "amber_alert", *window])
    assert text.exit_code == 0 and "stop dwell" in text.stdout and "result_count: 5" in text.stdout
    with db.read() as s:
        entries = [
            (e.actor, e.details["kind"])
            for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "alpr.search"))
        ]
    assert entries == [("det_lee", "plate"), ("det_lee", "history")]


def test_refusals_exit_1(cli: CliRunner, world: World, db: Database) -> None:
    no_purpose = cli.invoke(search, ["plates", "7ABC123", "--user", "det_lee"])
    assert no_purpose.exit_code == 1 and "purpose:" in no_purpose.stderr
    officer = cli.invoke(search, ["plates", "7ABC123", "--user", "ofc_kim", "--purpose", "amber_alert"])
    assert officer.exit_code == 1 and "lacks permission search:run" in officer.stderr
    nobody = cli.invoke(search, ["plates", "7ABC123", "--user", "ghost", "--purpose", "amber_alert"])
    assert nobody.exit_code == 1 and "no active user" in nobody.stderr
    with db.read() as s:
        refused = [e.actor for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "alpr.search.refused"))]
    assert refused == ["det_lee"]


def test_reindex_and_index(cli: CliRunner, world: World) -> None:
    result = cli.invoke(search, ["reindex"])
    assert result.exit_code == 0 and "10 distinct plates" in result.stdout
    assert "10 distinct plates" in cli.invoke(search, ["index"]).stdout
    stake = cli.invoke(
        search,
        [
            "stakeout",
            "--user",
            "det_lee",
            "--purpose",
            "amber_alert",
            "--near",
            "33.86,-118.08,200",
            "--from",
            "2026-11-01T10:00:00+00:00",
            "--to",
            "2026-11-01T11:00:00+00:00",
            "--json",
        ],
    )
    assert stake.exit_code == 0, stake.output
    assert json.loads(stake.stdout)["total_reads"] == 7
