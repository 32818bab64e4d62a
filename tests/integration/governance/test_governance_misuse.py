"""The misuse scan over crafted audit histories on the real database (each detector flagged and not flagged), the
deduplication of flags, and the auditor queue (list, view, resolve) through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from _gov_helpers import frozen, put, search_details
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from rtcc.core.db import Database
from rtcc.governance import misuse, repository, service
from rtcc.governance.models import MisuseFlag
from rtcc.governance.schemas import DutyScheduleIn, MisuseFlagRead
from rtcc.hotlists import entries as hotlists_entries
from rtcc.hotlists import lists as hotlists_lists
from rtcc.hotlists.schemas import EntryCreate, HotlistCreate
from rtcc.identity.logic import SYSTEM
from rtcc.settings import Settings

# Wednesday 2026-11-18 10:00 in Los Angeles
NOON = datetime(2026, 11, 18, 18, 0, tzinfo=UTC)
NIGHT = datetime(2026, 11, 18, 11, 0, tzinfo=UTC)  # 03:00 Los Angeles
NOW = NOON + timedelta(days=20)


def _scan(db: Database, settings: Settings, now: datetime = NOW) -> Any:
    with db.uow() as session:
        return misuse.scan(session, settings=settings, actor=SYSTEM, now=now)


def _flags(db: Database, detector: str | None = None) -> list[MisuseFlagRead]:
    with db.read() as session:
        q = select(MisuseFlag).order_by(MisuseFlag.subject)
        if detector:
            q = q.where(MisuseFlag.detector == detector)
        return [MisuseFlagRead.model_validate(f) for f in session.scalars(q)]


def test_off_duty_search_is_flagged_and_on_duty_search_is_not(db: Database, settings: Settings) -> None:
    night = put(db, [(NIGHT, "ana", "analyst", "alpr.search", search_details())])
    put(db, [(NOON, "bob", "analyst", "alpr.search", search_details())])
    result = _scan(db, settings)
    flags = _flags(db, "off_duty")
    assert [f.subject for f in flags] == ["ana"]
    assert flags[0].evidence["seqs"] == night and flags[0].status == "open"
    assert result.by_detector.get("off_duty") == 1


def test_a_duty_schedule_changes_the_verdict(db: Database, settings: Settings) -> None:
    put(db, [(NIGHT, "nina", "analyst", "alpr.search", search_details())])
    with db.uow() as session:
        service.set_duty_schedule(
            session, "nina", DutyScheduleIn(weekdays=[0, 1, 2, 3, 4, 5, 6], start="20:00", end="08:00"), actor=SYSTEM
        )
    _scan(db, settings)
    assert _flags(db, "off_duty") == []


def test_volume_outlier_is_flagged(db: Database, settings: Settings) -> None:
    entries = []
    for actor, n in {"a1": 3, "a2": 4, "a3": 5, "a4": 4, "heavy": 45}.items():
        entries += [(NOON + timedelta(seconds=i), actor, "analyst", "alpr.search", search_details()) for i in range(n)]
    put(db, entries)
    _scan(db, settings)
    flags = _flags(db, "volume")
    assert [f.subject for f in flags] == ["heavy"]
    assert flags[0].evidence["count"] == 45 and flags[0].evidence["peer_median"] == 4


def test_similar_volumes_are_not_flagged(db: Database, settings: Settings) -> None:
    entries = []
    for actor, n in {"a1": 25, "a2": 22, "a3": 27, "a4": 24}.items():
        entries += [(NOON + timedelta(seconds=i), actor, "analyst", "alpr.search", search_details()) for i in range(n)]
    put(db, entries)
    _scan(db, settings)
    assert _flags(db, "volume") == []


def test_repeated_plate_without_case(db: Database, settings: Settings) -> None:
    no_case = search_details(plate="8XYZ999", purpose="officer_safety", case=None)
    with_case = search_details(plate="5QQQ555", purpose="stolen_vehicle", case="2026-0777")
    put(db, [(NOON + timedelta(hours=i), "ana", "analyst", "alpr.search", no_case) for i in range(3)])
    put(db, [(NOON + timedelta(hours=i), "ana", "analyst", "alpr.search", with_case) for i in range(5)])
    _scan(db, settings)
    flags = _flags(db, "repeated_plate")
    assert [f.subject for f in flags] == ["ana|8XYZ999"]
    assert flags[0].evidence["count"] == 3 and flags[0].evidence["purposes"] == ["officer_safety"]


def test_case_with_no_later_activity_is_flagged_and_followed_case_is_not(db: Database, settings: Settings) -> None:
    put(
        db,
        [
            (NOON, "ana", "analyst", "alpr.search", search_details(case="2026-0100")),
            (NOON, "ana", "analyst", "alpr.search", search_details(case="2026-0200")),
            (NOON, "ana", "analyst", "alpr.search", search_details(case="2026-0300")),
            # follow-up on 0200: a hold request carrying the case number, three days later
            (NOON + timedelta(days=3), "ana", "analyst", "hold.request", {"case_number": "2026-0200", "purpose": "x"}),
        ],
    )
    # follow-up on 0300: a hotlist entry added for the case (read from the hotlists table)

    with db.uow() as session, frozen(NOON + timedelta(days=2)):
        from rtcc.bus.memory import MemoryBus

        bus = MemoryBus()
        hl = hotlists_lists.create_hotlist(
            session, bus, HotlistCreate(name="local", category="stolen_vehicle"), actor=SYSTEM, refresh_root=None
        )
        hotlists_entries.add_entry(
            session, bus, hl.id, EntryCreate(plate="7ABC123", case_number="2026-0300"), actor=SYSTEM
        )
    with db.read() as session:
        [(case, added_at, _id)] = repository.hotlist_case_activity(session, ["2026-0300", "2026-0100"])
    assert case == "2026-0300" and added_at == NOON + timedelta(days=2)
    _scan(db, settings)
    flags = _flags(db, "inactive_case")
    assert [f.subject for f in flags] == ["2026-0100"]
    assert flags[0].evidence["actors"] == ["ana"]


def test_forbidden_purpose_refusal_is_flagged(db: Database, settings: Settings) -> None:
    refused = {"kind": "plate", "query": {"plate": "1AAA111"}, "purpose": "immigration_enforcement", "reason": "x"}
    put(db, [(NOON, "ana", "analyst", "alpr.search.refused", refused)])
    put(db, [(NOON, "bob", "analyst", "alpr.search.refused", {**refused, "purpose": "nonsense"})])
    _scan(db, settings)
    flags = _flags(db, "forbidden_purpose")
    assert [f.subject for f in flags] == ["ana"] and flags[0].severity == "high"


def test_flags_are_deduplicated_and_open_flags_get_new_evidence(db: Database, settings: Settings) -> None:
    amber = search_details(purpose="amber_alert", case=None)
    first = put(db, [(NIGHT, "ana", "analyst", "alpr.search", amber)])
    _scan(db, settings)
    again = _scan(db, settings)
    assert again.flags_created == 0 and again.flags_updated == 0
    second = put(db, [(NIGHT + timedelta(minutes=10), "ana", "analyst", "alpr.search", amber)])
    third = _scan(db, settings)
    assert third.flags_created == 0 and third.flags_updated == 1
    flags = _flags(db, "off_duty")
    assert len(flags) == 1 and flags[0].evidence["seqs"] == first + second
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(MisuseFlag)) == 1


def test_queue_list_view_and_resolve(app_client: TestClient, login: Any, db: Database, settings: Settings) -> None:
    put(db, [(NIGHT, "ana", "analyst", "alpr.search", search_details(purpose="amber_alert", case=None))])
    _scan(db, settings)
    auditor = login("auditor", username="aud1")
    page = app_client.get("/api/v1/governance/misuse-flags?status=open", headers=auditor).json()
    assert page["total"] == 1
    flag_id = page["items"][0]["id"]
    one = app_client.get(f"/api/v1/governance/misuse-flags/{flag_id}", headers=auditor)
    assert one.status_code == 200 and one.json()["evidence"]["count"] == 1

    bad = app_client.post(
        f"/api/v1/governance/misuse-flags/{flag_id}/resolve",
        json={"disposition": "maybe", "note": "x"},
        headers=auditor,
    )
    assert bad.status_code == 422
    assert (
        app_client.post(
            f"/api/v1/governance/misuse-flags/{flag_id}/resolve",
            json={"disposition": "no_issue", "note": "called in for a pursuit"},
            headers=login("supervisor"),
        ).status_code
        == 403
    )
    ok = app_client.post(
        f"/api/v1/governance/misuse-flags/{flag_id}/resolve",
        json={"disposition": "no_issue", "note": "called in for a pursuit"},
        headers=auditor,
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "resolved" and ok.json()["resolved_by"] == "aud1"
    twice = app_client.post(
        f"/api/v1/governance/misuse-flags/{flag_id}/resolve",
        json={"disposition": "training", "note": "again"},
        headers=auditor,
    )
    assert twice.status_code == 409
    assert app_client.get("/api/v1/governance/misuse-flags?status=open", headers=auditor).json()["total"] == 0
    trail = app_client.get("/api/v1/audit/entries?action=misuse.flag.", headers=auditor).json()
    assert [e["action"] for e in trail] == ["misuse.flag.resolve", "misuse.flag.view"]
    assert trail[0]["details"]["disposition"] == "no_issue"


def test_a_flag_about_yourself_needs_another_auditor(
    app_client: TestClient, login: Any, db: Database, settings: Settings
) -> None:
    auditor = login("auditor", username="selfie")
    put(db, [(NIGHT, "selfie", "auditor", "alpr.export", {"purpose": "audit_review", "case_number": None})])
    _scan(db, settings)
    [flag] = _flags(db, "off_duty")
    resp = app_client.post(
        f"/api/v1/governance/misuse-flags/{flag.id}/resolve",
        json={"disposition": "no_issue", "note": "it was me"},
        headers=auditor,
    )
    assert resp.status_code == 409


def test_scan_route_and_cli(
    app_client: TestClient, login: Any, db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    put(
        db,
        [
            (
                datetime.now(UTC) - timedelta(days=1),
                "zed",
                "analyst",
                "alpr.search.refused",
                {"purpose": "immigration_enforcement"},
            )
        ],
    )
    resp = app_client.post("/api/v1/governance/misuse-scans", headers=login("auditor"))
    assert resp.status_code == 200, resp.text
    assert resp.json()["by_detector"] == {"forbidden_purpose": 1} and resp.json()["flags_created"] == 1

    from typer.testing import CliRunner

    from rtcc import cli
    from rtcc.settings import get_settings

    monkeypatch.setenv("RTCC_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        cli._register_domains()
        out = CliRunner().invoke(cli.app, ["governance", "misuse", "scan"])
        assert out.exit_code == 0, out.output
        assert "1 flags (0 new, 0 updated)" in out.output
        listed = CliRunner().invoke(cli.app, ["governance", "misuse", "list"])
        assert listed.exit_code == 0 and "forbidden_purpose" in listed.output
    finally:
        get_settings.cache_clear()
