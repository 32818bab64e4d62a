"""The alerts HTTP API: role-filtered list and detail, the lifecycle actions with their problem+json answers
(422 naming unchecked checklist items, 409 for illegal transitions, 404 for what a role may not see)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from rtcc.alerts.schemas import HitInput
from rtcc.alpr.models import Camera, Read
from rtcc.audit.models import AuditEntry
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.plates import forms
from rtcc.hotlists.models import Hotlist, HotlistEntry
from rtcc.matching import service as matching

CHECKED = {"plate_matches_crop": True, "state_confirmed": True, "entry_current": True, "vehicle_consistent": True}


def _hit(db: Database, client: TestClient, plate: str = "7ABC123", kind: str = "exact") -> uuid.UUID:
    """Store a camera, an entry and a read, and record the hit as the matcher does; returns the alert id."""
    now = utcnow()
    suffix = uuid.uuid4().hex[:6]
    with db.uow() as s:
        cam = Camera(code=f"CAM-{suffix}", name="Studebaker & 183rd", created_at=now)
        hl = Hotlist(
            name=f"SVS {suffix}",
            source="CLEW",
            category="stolen_vehicle",
            priority=2,
            owner="x",
            created_at=now,
            updated_at=now,
        )
        s.add_all([cam, hl])
        s.flush()
        f = forms(plate)
        entry = HotlistEntry(
            hotlist_id=hl.id,
            plate=plate,
            plate_norm=f.norm,
            plate_ocr=f.ocr,
            region="CA",
            reason="stolen",
            case_number="24-001",
            added_by="clew",
            added_at=now,
            vehicle_make="TOYT",
            vehicle_color="WHI",
        )
        read = Read(
            id=uuid.uuid4(),
            camera_id=cam.id,
            plate=plate,
            plate_norm=f.norm,
            plate_ocr=f.ocr,
            region="CA",
            confidence=88.5,
            observed_at=now,
            received_at=now,
            source="rest",
            crop_ref="s3://crop/1.jpg",
            image_ref="s3://img/1.jpg",
        )
        s.add_all([entry, read])
        s.flush()
        hit = HitInput(
            read_id=read.id,
            camera_id=cam.id,
            camera_code=cam.code,
            plate_read=plate,
            region_read="CA",
            observed_at=now,
            received_at=now,
            entry_id=entry.id,
            hotlist_id=hl.id,
            hotlist_name=hl.name,
            category=hl.category,
            priority=hl.priority,
            plate_listed=plate,
            region_listed="CA",
            match_kind=kind,
            diff_positions=[1] if kind == "fuzzy" else [],
            reason="stolen",
            case_number="24-001",
        )
        bus = client.app.state.runtime.bus  # type: ignore[attr-defined]
        [alert] = matching.record_hits(s, bus, [hit], dedup_window_s=600)
        return alert.id


def test_detail_shows_read_and_entry_side_by_side_and_is_audited(
    app_client: TestClient, db: Database, login: Callable[..., dict[str, str]]
) -> None:
    analyst = login("analyst", "alice")
    alert_id = _hit(db, app_client, kind="fuzzy")
    resp = app_client.get(f"/api/v1/alerts/{alert_id}", headers=analyst)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["state"] == "new" and body["fuzzy"] is True and body["diff_positions"] == [1]
    assert body["read"]["plate"] == "7ABC123" and body["read"]["crop_ref"] == "s3://crop/1.jpg"
    assert body["read"]["confidence"] == 88.5 and body["read"]["image_ref"] == "s3://img/1.jpg"
    assert body["entry"]["case_number"] == "24-001" and body["entry"]["vehicle_make"] == "TOYT"
    assert body["entry"]["current"] is True and body["camera"]["name"] == "Studebaker & 183rd"
    assert body["transitions"][0]["to_state"] == "new" and body["allowed_actions"] == ["verify", "reject"]
    with db.read() as s:
        views = s.scalars(select(AuditEntry).where(AuditEntry.action == "alert.view")).all()
        assert [(v.actor, v.target_id) for v in views] == [("alice", str(alert_id))]
    assert app_client.get(f"/api/v1/alerts/{uuid.uuid4()}", headers=analyst).status_code == 404


def test_lifecycle_over_http(app_client: TestClient, db: Database, login: Callable[..., dict[str, str]]) -> None:
    analyst, officer = login("analyst", "alice"), login("officer", "otto")
    alert_id = _hit(db, app_client)
    url = f"/api/v1/alerts/{alert_id}"

    partial = app_client.post(f"{url}/verify", headers=analyst, json={"checklist": {"plate_matches_crop": True}})
    assert partial.status_code == 422
    assert partial.headers["content-type"].startswith("application/problem+json")
    named = {e["loc"][-1] for e in partial.json()["errors"]}
    assert named == {"state_confirmed", "entry_current", "vehicle_consistent"}

    assert app_client.post(f"{url}/verify", headers=officer, json={"checklist": CHECKED}).status_code == 403
    early = app_client.post(f"{url}/dispatch", headers=analyst, json={"unit": "1A12"})
    assert early.status_code == 409 and early.json()["title"] == "Conflict"

    ok = app_client.post(f"{url}/verify", headers=analyst, json={"checklist": CHECKED, "note": "crop matches"})
    assert ok.status_code == 200 and ok.json()["state"] == "verified"
    again = app_client.post(f"{url}/verify", headers=analyst, json={"checklist": CHECKED})
    assert again.status_code == 409  # stale: someone verified it already

    d = app_client.post(f"{url}/dispatch", headers=analyst, json={"unit": "1A12", "note": "en route"})
    assert d.status_code == 200 and d.json()["dispatched_to"] == "1A12"
    c = app_client.post(f"{url}/close", headers=officer, json={"note": "recovered"})
    assert c.status_code == 200 and c.json()["state"] == "closed"
    assert [(t["actor"], t["to_state"]) for t in c.json()["transitions"]] == [
        ("system", "new"),
        ("alice", "verified"),
        ("alice", "dispatched"),
        ("otto", "closed"),
    ]
    with db.read() as s:
        actions = [(e.action, e.actor) for e in s.scalars(select(AuditEntry).where(AuditEntry.action.like("alert.%")))]
    assert ("alert.verify", "alice") in actions and ("alert.dispatch", "alice") in actions
    assert ("alert.close", "otto") in actions


def test_reject_validation(app_client: TestClient, db: Database, login: Callable[..., dict[str, str]]) -> None:
    analyst = login("analyst")
    alert_id = _hit(db, app_client)
    url = f"/api/v1/alerts/{alert_id}/reject"
    assert app_client.post(url, headers=analyst, json={"reason": "looked odd"}).status_code == 422
    assert app_client.post(url, headers=analyst, json={"reason": "other"}).status_code == 422
    resp = app_client.post(url, headers=analyst, json={"reason": "misread", "note": "8 read as B"})
    assert resp.status_code == 200 and resp.json()["reject_reason"] == "misread"
    assert resp.json()["allowed_actions"] == []


def test_officers_see_only_verified_hits(
    app_client: TestClient, db: Database, login: Callable[..., dict[str, str]]
) -> None:
    analyst, officer = login("analyst"), login("officer")
    fresh, misread, good = (_hit(db, app_client, p) for p in ("1AAA111", "2BBB222", "3CCC333"))
    app_client.post(f"/api/v1/alerts/{misread}/reject", headers=analyst, json={"reason": "misread"})
    app_client.post(f"/api/v1/alerts/{good}/verify", headers=analyst, json={"checklist": CHECKED})

    mine = app_client.get("/api/v1/alerts?purpose=hit_verification", headers=officer).json()
    assert [a["id"] for a in mine["items"]] == [str(good)] and mine["total"] == 1
    assert app_client.get(f"/api/v1/alerts/{fresh}", headers=officer).status_code == 404
    assert app_client.get(f"/api/v1/alerts/{misread}", headers=officer).status_code == 404
    assert app_client.get(f"/api/v1/alerts/{good}", headers=officer).status_code == 200
    assert app_client.get("/api/v1/alerts?state=new&purpose=hit_verification", headers=officer).json()["total"] == 0

    everything = app_client.get("/api/v1/alerts?purpose=hit_verification", headers=analyst).json()
    assert everything["total"] == 3
    only_new = app_client.get(
        "/api/v1/alerts", headers=analyst, params={"purpose": "hit_verification", "state": "new", "kind": "hit"}
    ).json()
    assert [a["id"] for a in only_new["items"]] == [str(fresh)]
    paged: dict[str, Any] = app_client.get(
        "/api/v1/alerts", headers=analyst, params={"purpose": "hit_verification", "limit": 2, "offset": 2}
    ).json()
    assert len(paged["items"]) == 1 and paged["total"] == 3
    assert (
        app_client.get(
            "/api/v1/alerts", headers=analyst, params={"purpose": "hit_verification", "state": "bogus"}
        ).status_code
        == 422
    )
    naive = app_client.get(
        "/api/v1/alerts", headers=analyst, params={"purpose": "hit_verification", "since": "2020-01-01T00:00:00"}
    )
    assert naive.status_code == 422
    since = app_client.get(
        "/api/v1/alerts", headers=analyst, params={"purpose": "hit_verification", "since": "2020-01-01T00:00:00Z"}
    ).json()
    assert since["total"] == 3
    future = app_client.get(
        "/api/v1/alerts", headers=analyst, params={"purpose": "hit_verification", "since": "2999-01-01T00:00:00+00:00"}
    )
    assert future.json()["total"] == 0
