"""Audit log filters (actor, role, unit, action prefix, purpose, case number, target, time range), keyset pagination,
and the audited CSV/JSONL export, through the API on the real database."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from _gov_helpers import put, search_details
from fastapi.testclient import TestClient

from rtcc.core.db import Database

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _seed(db: Database) -> list[int]:
    return put(
        db,
        [
            (T0, "ana", "analyst", "alpr.search", search_details(purpose="stolen_vehicle", case="2026-0001")),
            (
                T0 + timedelta(hours=1),
                "ana",
                "analyst",
                "alpr.search",
                search_details(purpose="amber_alert", case=None),
            ),
            (
                T0 + timedelta(hours=2),
                "bob",
                "supervisor",
                "alpr.export",
                {"purpose": "felony_investigation", "case_number": "cer26-0042", "unit": "DET"},
            ),
            (T0 + timedelta(hours=3), "bob", "supervisor", "hotlist.create", {"name": "=cmd|' /C calc'!A0"}),
            (T0 + timedelta(days=2), "carl", "analyst", "alpr.search", search_details(unit="PATROL")),
        ],
    )


def _seqs(resp: Any) -> list[int]:
    assert resp.status_code == 200, resp.text
    return [e["seq"] for e in resp.json()]


def test_filters_combine_and_work_on_details(app_client: TestClient, login: Any, db: Database) -> None:
    s = _seed(db)
    auditor = login("auditor")
    get = lambda q: _seqs(app_client.get(f"/api/v1/audit/entries?{q}", headers=auditor))  # noqa: E731
    assert get("actor=ana") == [s[1], s[0]]
    assert get("role=supervisor") == [s[3], s[2]]
    assert get("unit=PATROL") == [s[4]]
    assert get("unit=DET") == [s[2]]
    assert get("action=alpr.") == [s[4], s[2], s[1], s[0]]
    assert get("action=alpr.search") == [s[4], s[1], s[0]]
    assert get("purpose=amber_alert") == [s[1]]
    assert get("case_number=CER26-0042") == [s[2]]  # case-insensitive
    assert get("case_number=2026-0001&actor=carl") == [s[4]]
    since = (T0 + timedelta(minutes=30)).isoformat()
    until = (T0 + timedelta(hours=2, minutes=30)).isoformat()
    assert get(f"since={since.replace('+', '%2B')}&until={until.replace('+', '%2B')}") == [s[2], s[1]]
    assert get("purpose=nothing") == []


def test_target_filter_and_naive_times_are_refused(app_client: TestClient, login: Any, db: Database) -> None:
    [seq] = put(db, [(T0, "ana", "analyst", "alpr.read.open", {"purpose": "x"})], target=("read", "r-1"))
    put(db, [(T0, "ana", "analyst", "alpr.read.open", {"purpose": "x"})], target=("read", "r-2"))
    auditor = login("auditor")
    assert _seqs(app_client.get("/api/v1/audit/entries?target_type=read&target_id=r-1", headers=auditor)) == [seq]
    bad = app_client.get("/api/v1/audit/entries?since=2026-11-01T00:00:00", headers=auditor)
    assert bad.status_code == 422


def test_keyset_pagination_walks_every_entry_once(app_client: TestClient, login: Any, db: Database) -> None:
    seqs = _seed(db)
    auditor = login("auditor")
    seen: list[int] = []
    url = "/api/v1/audit/entries?action=alpr.&limit=2"
    while True:
        resp = app_client.get(url, headers=auditor)
        seen += _seqs(resp)
        nxt = resp.headers.get("X-Next-Before-Seq")
        if not nxt:
            break
        url = f"/api/v1/audit/entries?action=alpr.&limit=2&before_seq={nxt}"
    assert seen == sorted([seqs[0], seqs[1], seqs[2], seqs[4]], reverse=True)


def test_export_csv_and_jsonl_are_filtered_and_audited(app_client: TestClient, login: Any, db: Database) -> None:
    s = _seed(db)
    auditor = login("auditor", username="audrey")
    resp = app_client.get("/api/v1/audit/export?format=csv&actor=bob", headers=auditor)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/csv")
    assert resp.headers["X-Entry-Count"] == "2"
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert [int(r["seq"]) for r in rows] == [s[2], s[3]]  # chain order
    assert rows[0]["case_number"] == "cer26-0042" and rows[0]["unit"] == "DET"
    assert rows[1]["details"].startswith("{")  # the formula-looking value sits inside JSON, not at a cell start
    assert json.loads(rows[1]["details"])["name"].startswith("=")

    jl = app_client.get("/api/v1/audit/export?format=jsonl&purpose=stolen_vehicle", headers=auditor)
    assert jl.status_code == 200
    lines = [json.loads(line) for line in jl.text.splitlines()]
    assert [e["seq"] for e in lines] == [s[0], s[4]]
    assert lines[0]["details"]["query"] == {"plate": "7ABC123"}

    exports = app_client.get("/api/v1/audit/entries?action=audit.export", headers=auditor).json()
    assert len(exports) == 2
    assert exports[0]["actor"] == "audrey" and exports[0]["details"]["format"] == "jsonl"
    assert exports[0]["details"]["count"] == 2 and exports[0]["details"]["filters"] == {"purpose": "stolen_vehicle"}
    assert exports[1]["details"]["first_seq"] == s[2] and exports[1]["details"]["last_seq"] == s[3]


def test_export_needs_audit_export(app_client: TestClient, login: Any, db: Database) -> None:
    supervisor = login("supervisor")  # may read the log, may not export it
    assert app_client.get("/api/v1/audit/entries", headers=supervisor).status_code == 200
    assert app_client.get("/api/v1/audit/export", headers=supervisor).status_code == 403
    assert app_client.get("/api/v1/audit/export?format=xml", headers=login("auditor")).status_code == 422
