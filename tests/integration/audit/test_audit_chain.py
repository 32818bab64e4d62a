"""The audit chain: entries link by hash; editing, deleting or inserting an entry is detected and located."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from rtcc.audit import service
from rtcc.audit.logic import GENESIS
from rtcc.core.db import Database


def _write(db: Database, n: int) -> None:
    for i in range(n):
        with db.uow() as s:
            service.record(
                s,
                actor="ana",
                actor_role="analyst",
                action="test.action",
                target_type="thing",
                target_id=str(i),
                details={"i": i, "nested": {"b": 1, "a": [1, 2]}},
            )


def test_chain_links_and_verifies(db: Database) -> None:
    _write(db, 5)
    with db.read() as s:
        entries = service.search(s, limit=10)[::-1]
        assert entries[0].prev_hash == GENESIS
        for a, b in itertools.pairwise(entries):
            assert b.prev_hash == a.hash
        result = service.verify(s)
    assert result.ok and result.checked == 5


def test_rolled_back_action_leaves_no_entry(db: Database) -> None:
    with pytest.raises(RuntimeError), db.uow() as s:
        service.record(s, actor="ana", actor_role="analyst", action="x")
        raise RuntimeError("boom")
    with db.read() as s:
        assert service.verify(s).checked == 0


@pytest.mark.parametrize(
    ("tamper", "bad_seq", "word"),
    [
        ("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 3", 3, "edited"),
        ("DELETE FROM audit_entries WHERE seq = 2", 3, "deleted"),
        ("UPDATE audit_entries SET details = '{\"i\": 99}' WHERE seq = 4", 4, "edited"),
    ],
)
def test_tampering_is_located(db: Database, tamper: str, bad_seq: int, word: str) -> None:
    _write(db, 5)
    with db.engine.begin() as conn:
        conn.execute(text(tamper))
    with db.read() as s:
        result = service.verify(s)
    assert not result.ok
    assert result.first_bad_seq == bad_seq
    assert word in (result.problem or "")


def test_inserted_entry_is_detected(db: Database) -> None:
    _write(db, 3)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET seq = seq + 10 WHERE seq >= 2"))
        conn.execute(
            text(
                "INSERT INTO audit_entries (seq, at, actor, actor_role, action, details, prev_hash, hash) "
                "SELECT 2, at, 'mallory', 'admin', 'forged', '{}', "
                f"'{'e' * 64}', '{'f' * 64}' "
                "FROM audit_entries "
                "WHERE seq = 1"
            )
        )
    with db.read() as s:
        result = service.verify(s)
    assert not result.ok
    assert result.first_bad_seq == 2


def test_verify_route_and_cli(
    app_client: TestClient, login: Any, db: Database, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    auditor = login("auditor")
    resp = app_client.post("/api/v1/audit/verify", headers=auditor)
    assert resp.status_code == 200 and resp.json()["ok"] is True
    entries = app_client.get("/api/v1/audit/entries?action=audit.verify", headers=auditor).json()
    assert entries and entries[0]["actor"].startswith("auditor_")

    from rtcc import cli
    from rtcc.settings import get_settings

    monkeypatch.setenv("RTCC_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        cli._register_domains()
        runner = CliRunner()
        ok = runner.invoke(cli.app, ["audit", "verify"])
        assert ok.exit_code == 0, ok.output
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_entries SET action = 'x' WHERE seq = 1"))
        broken = runner.invoke(cli.app, ["audit", "verify"])
        assert broken.exit_code == 1
        assert "seq 1" in broken.output
    finally:
        get_settings.cache_clear()


def test_record_many_continues_the_chain(db: Database) -> None:
    _write(db, 2)
    with db.uow() as s:
        n = service.record_many(
            s,
            [
                service.AuditDraft(
                    actor="system",
                    actor_role="system",
                    action="alert.create",
                    target_type="alert",
                    target_id=str(i),
                    details={"i": i},
                )
                for i in range(5)
            ],
        )
    assert n == 5
    _write(db, 1)
    with db.read() as s:
        result = service.verify(s)
        assert [e.seq for e in service.search(s, limit=3)] == [8, 7, 6]
    assert result.ok and result.checked == 8
