"""The footage HTTP API end to end on a real database: staff request footage from a resident's camera, the owner is
notified and approves, uploads a clip, staff download it and export the evidence package (zip contents and manifest
hashes checked), with custody, audit and camera-access-log entries at every step; owner isolation; the agency's own
cameras; illegal transitions answer 409 naming the state; tampering is caught by verify, download and export."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from rtcc.audit.models import AuditEntry
from rtcc.cameras import service as cameras
from rtcc.cameras.schemas import CameraCreate
from rtcc.core.db import Database
from rtcc.footage.models import CustodyEntry, FootageClip
from rtcc.identity import repository as identity_repo
from rtcc.identity.logic import SYSTEM
from rtcc.settings import Settings

BASE = "/api/v1/footage"
ME = "/api/v1/me/footage"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(1000)


def _user_id(db: Database, username: str) -> uuid.UUID:
    with db.read() as s:
        user = identity_repo.user_by_username(s, username)
        assert user is not None
        return user.id


def _camera(db: Database, owner: uuid.UUID | None, **kw: Any) -> uuid.UUID:
    doc: dict[str, Any] = {
        "name": "Front door, 123 Elm St" if owner else "City cam at Towne Center",
        "owner_type": "residential" if owner else "city",
        "owner_name": "Household" if owner else "City of Cerritos",
        "owner_user_id": owner,
        "lat": 33.87,
        "lon": -118.07,
        "owner_retention_days": 30,
        "sharing_level": "on_request",
    }
    doc.update(kw)
    with db.uow() as s:
        return cameras.create_camera(s, CameraCreate.model_validate(doc), actor=SYSTEM).id


def _window(hours_ago: int = 3) -> dict[str, str]:
    end = datetime.now(UTC) - timedelta(hours=hours_ago)
    return {"window_start": (end - timedelta(hours=1)).isoformat(), "window_end": end.isoformat()}


def _request_body(camera_id: uuid.UUID, **kw: Any) -> dict[str, Any]:
    return {
        "camera_id": str(camera_id),
        "case_number": "CR-2026-0042",
        "purpose": "felony_investigation",
        "reason": "Burglary on Elm St; the suspect vehicle may have passed your door.",
        **_window(),
        **kw,
    }


@pytest.fixture
def world(app_client: TestClient, db: Database, login: Callable[..., dict[str, str]]) -> dict[str, Any]:
    analyst_name = f"ana_{uuid.uuid4().hex[:6]}"
    analyst = login("analyst", username=analyst_name)
    username = f"res_{uuid.uuid4().hex[:6]}"
    resident = login("resident", username=username)
    owner_id = _user_id(db, username)
    return {
        "analyst": analyst,
        "analyst_id": _user_id(db, analyst_name),
        "resident": resident,
        "owner_id": owner_id,
        "camera": _camera(db, owner_id),
    }


def _custody_actions(db: Database, request_id: str) -> list[str]:
    with db.read() as s:
        rows = s.scalars(
            select(CustodyEntry).where(CustodyEntry.request_id == uuid.UUID(request_id)).order_by(CustodyEntry.seq)
        ).all()
        return [r.action for r in rows]


def _audit_actions(db: Database, target_id: str) -> list[str]:
    with db.read() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.target_id == target_id).order_by(AuditEntry.seq)).all()
        return [r.action for r in rows]


def test_full_flow_request_approve_upload_download_package(
    app_client: TestClient, db: Database, world: dict[str, Any], login: Callable[..., dict[str, str]]
) -> None:
    analyst, resident = world["analyst"], world["resident"]
    created = app_client.post(f"{BASE}/requests", json=_request_body(world["camera"]), headers=analyst)
    assert created.status_code == 201, created.text
    req = created.json()
    rid = req["id"]
    assert req["state"] == "requested" and req["agency_owned"] is False and req["due_at"]

    # the owner was notified in their portal inbox (C5)
    inbox = app_client.get("/api/v1/community/messages", headers=resident)
    assert inbox.status_code == 200, inbox.text
    notes = [m for m in inbox.json() if m["category"] == "footage_request"]
    assert len(notes) == 1 and "CR-2026-0042" in notes[0]["body"] and rid in notes[0]["link"]

    mine = app_client.get(f"{ME}/requests", headers=resident)
    assert mine.status_code == 200 and [r["id"] for r in mine.json()] == [rid]
    assert mine.json()[0]["state"] == "requested"

    # uploading before approval is refused with 409 naming the state
    early = app_client.post(f"{ME}/requests/{rid}/clips", files={"file": ("a.png", PNG, "image/png")}, headers=resident)
    assert early.status_code == 409 and "requested" in early.json()["detail"]

    ok = app_client.post(f"{ME}/requests/{rid}/approve", json={"reason": "happy to help"}, headers=resident)
    assert ok.status_code == 200, ok.text
    assert ok.json()["state"] == "approved"
    again = app_client.post(f"{ME}/requests/{rid}/decline", json={}, headers=resident)
    assert again.status_code == 409 and "approved" in again.json()["detail"]

    up = app_client.post(
        f"{ME}/requests/{rid}/clips",
        files={"file": ("door cam.mp4", MP4, "video/mp4")},
        data={"note": "front door", "recorded_start": _window()["window_start"]},
        headers=resident,
    )
    assert up.status_code == 201, up.text
    clip = up.json()
    assert clip["sha256"] == hashlib.sha256(MP4).hexdigest()
    assert clip["size_bytes"] == len(MP4) and clip["content_type"] == "video/mp4"
    assert clip["filename"] == "door cam.mp4" and clip["note"] == "front door"
    up2 = app_client.post(f"{ME}/requests/{rid}/clips", content=PNG, params={"filename": "still.png"}, headers=resident)
    assert up2.status_code == 201, up2.text
    dup = app_client.post(f"{ME}/requests/{rid}/clips", files={"file": ("x.png", PNG, "image/png")}, headers=resident)
    assert dup.status_code == 409

    got = app_client.get(f"{BASE}/requests/{rid}", headers=analyst).json()
    assert got["state"] == "fulfilled" and got["clip_count"] == 2 and len(got["clips"]) == 2

    dl = app_client.get(f"{BASE}/clips/{clip['id']}", headers=analyst)
    assert dl.status_code == 200 and dl.content == MP4
    assert dl.headers["x-content-sha256"] == clip["sha256"]

    auditor = login("auditor")
    assert app_client.get(f"{BASE}/clips/{clip['id']}", headers=auditor).status_code == 200
    # auditors read footage but cannot export packages
    assert app_client.get(f"{BASE}/requests/{rid}/package", headers=auditor).status_code == 403

    pkg = app_client.get(f"{BASE}/requests/{rid}/package", headers=analyst)
    assert pkg.status_code == 200 and pkg.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(pkg.content)) as zf:
        names = set(zf.namelist())
        assert {"manifest.json", "custody_log.json"} <= names
        manifest = json.loads(zf.read("manifest.json"))
        custody = json.loads(zf.read("custody_log.json"))
        assert manifest["request"]["id"] == rid and manifest["request"]["case_number"] == "CR-2026-0042"
        assert len(manifest["clips"]) == 2
        for entry in manifest["clips"]:
            data = zf.read(entry["file"])
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            assert len(data) == entry["size_bytes"]
            assert entry["uploaded_by"] and entry["uploaded_at"] and entry["upload_started_at"]
        assert {e["sha256"] for e in manifest["clips"]} == {clip["sha256"], hashlib.sha256(PNG).hexdigest()}
        assert [e["action"] for e in custody][-1] == "export"
        assert [e["seq"] for e in custody] == list(range(1, len(custody) + 1))

    actions = _custody_actions(db, rid)
    assert actions == ["requested", "approved", "upload", "upload", "download", "download", "export"]
    log = app_client.get(f"{BASE}/requests/{rid}/custody", headers=auditor).json()
    assert [e["action"] for e in log] == actions
    assert log[4]["sha256"] == clip["sha256"] and log[4]["client_ip"]
    assert log[0]["prev_hash"] == "0" * 64 and log[1]["prev_hash"] == log[0]["hash"]

    assert _audit_actions(db, rid) == [
        "footage.request",
        "footage.approve",
        "footage.upload",
        "footage.upload",
        "footage.download",
        "footage.download",
        "footage.export",
    ]
    # the owner sees every request, decision, upload and view of their camera (C4 access log)
    with db.read() as s:
        access, _n = cameras.access_log(s, world["camera"], limit=100, offset=0)
    logged = sorted(a.action for a in access)
    assert logged.count("footage.request") == 1 and logged.count("footage.approve") == 1
    assert logged.count("footage.upload") == 2 and logged.count("footage.view") == 2
    assert logged.count("footage.export") == 1

    closed = app_client.post(f"{BASE}/requests/{rid}/close", headers=analyst)
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    late = app_client.post(f"{ME}/requests/{rid}/clips", content=MP4 + b"x", headers=resident)
    assert late.status_code == 409 and "closed" in late.json()["detail"]

    verified = app_client.post(f"{BASE}/requests/{rid}/verify", headers=auditor)
    assert verified.status_code == 200 and verified.json()["ok"] is True
    assert verified.json()["custody_ok"] is True


def test_other_residents_and_staff_see_only_what_they_may(
    app_client: TestClient, db: Database, world: dict[str, Any], login: Callable[..., dict[str, str]]
) -> None:
    rid = app_client.post(f"{BASE}/requests", json=_request_body(world["camera"]), headers=world["analyst"]).json()[
        "id"
    ]
    other = login("resident")
    business = login("business")
    for h in (other, business):
        assert app_client.get(f"{ME}/requests", headers=h).json() == []
        assert app_client.get(f"{ME}/requests/{rid}", headers=h).status_code == 404
        assert app_client.post(f"{ME}/requests/{rid}/approve", json={}, headers=h).status_code == 404
        up = app_client.post(f"{ME}/requests/{rid}/clips", files={"file": ("a.png", PNG, "image/png")}, headers=h)
        assert up.status_code == 404
    # residents reach no staff route; staff cannot act as the owner
    assert app_client.get(f"{BASE}/requests/{rid}", headers=world["resident"]).status_code == 403
    assert app_client.post(f"{ME}/requests/{rid}/approve", json={}, headers=world["analyst"]).status_code == 403
    # nor may staff upload to an owner's camera's request
    staff_up = app_client.post(f"{BASE}/requests/{rid}/clips", content=PNG, headers=world["analyst"])
    assert staff_up.status_code == 403
    # officers hold no footage permission at all
    assert app_client.get(f"{BASE}/requests", headers=login("officer")).status_code == 403
    assert _custody_actions(db, rid) == ["requested"]


def test_decline_is_terminal_and_the_requester_is_told(
    app_client: TestClient, db: Database, world: dict[str, Any]
) -> None:
    rid = app_client.post(f"{BASE}/requests", json=_request_body(world["camera"]), headers=world["analyst"]).json()[
        "id"
    ]
    d = app_client.post(f"{ME}/requests/{rid}/decline", json={"reason": "camera was off"}, headers=world["resident"])
    assert d.status_code == 200 and d.json()["state"] == "declined" and d.json()["decision_reason"] == "camera was off"
    again = app_client.post(f"{ME}/requests/{rid}/approve", json={}, headers=world["resident"])
    assert again.status_code == 409 and "declined" in again.json()["detail"]
    staff = app_client.get(f"{BASE}/requests", params={"state": "declined"}, headers=world["analyst"]).json()
    assert [r["id"] for r in staff["items"]] == [rid] and staff["items"][0]["allowed_events"] == []
    assert _custody_actions(db, rid) == ["requested", "declined"]
    from rtcc.notify.models import OutboxMessage

    with db.read() as s:
        told = s.scalars(select(OutboxMessage).where(OutboxMessage.user_id == world["analyst_id"])).all()
        assert any("declined" in m.subject and "camera was off" in m.body for m in told)


def test_agency_camera_is_approved_at_once_and_staff_upload(
    app_client: TestClient, db: Database, login: Callable[..., dict[str, str]]
) -> None:
    analyst = login("analyst")
    cam = _camera(db, None)
    resp = app_client.post(f"{BASE}/requests", json=_request_body(cam, purpose="hit_verification"), headers=analyst)
    assert resp.status_code == 201, resp.text
    req = resp.json()
    assert req["state"] == "approved" and req["agency_owned"] is True and req["decided_by"] == "agency"
    up = app_client.post(f"{BASE}/requests/{req['id']}/clips", files={"file": ("c.png", PNG, "image/png")},
                         headers=analyst)  # fmt: skip
    assert up.status_code == 201, up.text
    assert app_client.get(f"{BASE}/requests/{req['id']}", headers=analyst).json()["state"] == "fulfilled"
    cancel = app_client.post(f"{BASE}/requests/{req['id']}/cancel", json={"reason": "x"}, headers=analyst)
    assert cancel.status_code == 409 and "fulfilled" in cancel.json()["detail"]
    assert _custody_actions(db, req["id"]) == ["requested", "approved", "upload"]


def test_requests_are_checked(app_client: TestClient, db: Database, world: dict[str, Any]) -> None:
    analyst = world["analyst"]
    withdrawn = _camera(db, world["owner_id"], sharing_level="withdrawn")
    r = app_client.post(f"{BASE}/requests", json=_request_body(withdrawn), headers=analyst)
    assert r.status_code == 409 and "withdrawn" in r.json()["detail"]
    missing = app_client.post(f"{BASE}/requests", json=_request_body(uuid.uuid4()), headers=analyst)
    assert missing.status_code == 404
    no_purpose = app_client.post(f"{BASE}/requests", json=_request_body(world["camera"], purpose="curiosity"),
                                 headers=analyst)  # fmt: skip
    assert no_purpose.status_code in (403, 422) and "purpose" in no_purpose.text
    start = datetime.now(UTC) - timedelta(hours=2)
    backwards = _request_body(
        world["camera"], window_start=start.isoformat(), window_end=(start - timedelta(minutes=5)).isoformat()
    )
    bad = app_client.post(f"{BASE}/requests", json=backwards, headers=analyst)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "window_end"
    old = datetime.now(UTC) - timedelta(days=60)
    too_old = _request_body(
        world["camera"], window_start=old.isoformat(), window_end=(old + timedelta(hours=1)).isoformat()
    )
    r = app_client.post(f"{BASE}/requests", json=too_old, headers=analyst)
    assert r.status_code == 422 and "30 days" in r.json()["detail"]
    naive = _request_body(world["camera"], window_start="2026-11-20T10:00:00", window_end="2026-11-20T11:00:00")
    assert app_client.post(f"{BASE}/requests", json=naive, headers=analyst).status_code == 422
    page = app_client.get(f"{BASE}/requests", headers=analyst).json()
    assert page["total"] == 0


def test_overdue_request_reads_expired_and_cannot_be_approved(
    app_client: TestClient, db: Database, world: dict[str, Any]
) -> None:
    rid = app_client.post(f"{BASE}/requests", json=_request_body(world["camera"]), headers=world["analyst"]).json()[
        "id"
    ]
    from rtcc.footage.models import FootageRequest

    with db.uow() as s:
        row = s.get(FootageRequest, uuid.UUID(rid))
        assert row is not None
        row.due_at = datetime.now(UTC) - timedelta(minutes=1)
    assert app_client.get(f"{ME}/requests/{rid}", headers=world["resident"]).json()["state"] == "expired"
    r = app_client.post(f"{ME}/requests/{rid}/approve", json={}, headers=world["resident"])
    assert r.status_code == 409 and "expired" in r.json()["detail"]
    listed = app_client.get(f"{BASE}/requests", params={"state": "expired"}, headers=world["analyst"]).json()
    assert [x["id"] for x in listed["items"]] == [rid]
    assert (
        app_client.get(f"{BASE}/requests", params={"state": "requested"}, headers=world["analyst"]).json()["total"] == 0
    )

    from rtcc.footage import service

    with db.uow() as s:
        assert service.expire_overdue(s, actor=SYSTEM) == 1
    with db.uow() as s:
        assert service.expire_overdue(s, actor=SYSTEM) == 0
    assert _custody_actions(db, rid) == ["requested", "expired"]


def test_tampered_file_is_caught_by_verify_download_and_export(
    app_client: TestClient, db: Database, world: dict[str, Any], settings: Settings
) -> None:
    analyst, resident = world["analyst"], world["resident"]
    rid = app_client.post(f"{BASE}/requests", json=_request_body(world["camera"]), headers=analyst).json()["id"]
    app_client.post(f"{ME}/requests/{rid}/approve", json={}, headers=resident)
    clip = app_client.post(f"{ME}/requests/{rid}/clips", content=MP4, headers=resident).json()
    with db.read() as s:
        row = s.get(FootageClip, uuid.UUID(clip["id"]))
        assert row is not None
        path = Path(settings.data_dir) / "evidence" / row.storage_key
    assert path.read_bytes() == MP4
    path.write_bytes(MP4[:-1] + b"\x01")  # one byte changed on disk

    v = app_client.post(f"{BASE}/requests/{rid}/verify", headers=analyst).json()
    assert v["ok"] is False and v["custody_ok"] is True
    assert v["clips"][0]["ok"] is False and v["clips"][0]["actual_sha256"] != clip["sha256"]
    dl = app_client.get(f"{BASE}/clips/{clip['id']}", headers=analyst)
    assert dl.status_code == 409 and "verification" in dl.json()["detail"]
    pkg = app_client.get(f"{BASE}/requests/{rid}/package", headers=analyst)
    assert pkg.status_code == 409
    actions = _custody_actions(db, rid)
    assert actions == ["requested", "approved", "upload", "verify", "verify", "verify"]
    assert "download" not in actions and "export" not in actions
    leftovers = [p for p in (Path(settings.data_dir) / "evidence" / ".incoming").iterdir()]
    assert leftovers == []


def test_edited_custody_entry_breaks_the_chain(app_client: TestClient, db: Database, world: dict[str, Any]) -> None:
    rid = app_client.post(f"{BASE}/requests", json=_request_body(world["camera"]), headers=world["analyst"]).json()[
        "id"
    ]
    app_client.post(f"{ME}/requests/{rid}/approve", json={}, headers=world["resident"])
    with db.uow() as s:
        first = s.scalars(
            select(CustodyEntry).where(CustodyEntry.request_id == uuid.UUID(rid), CustodyEntry.seq == 1)
        ).one()
        first.actor = "someone_else"
    v = app_client.post(f"{BASE}/requests/{rid}/verify", headers=world["analyst"]).json()
    assert v["custody_ok"] is False and "entry 1" in v["custody_problem"] and v["ok"] is False


def test_close_keeps_its_reason_in_the_custody_log(
    app_client: TestClient, db: Database, login: Callable[..., dict[str, str]]
) -> None:
    analyst = login("analyst")
    cam = _camera(db, None)
    req = app_client.post(f"{BASE}/requests", json=_request_body(cam), headers=analyst).json()
    up = app_client.post(f"{BASE}/requests/{req['id']}/clips", content=PNG, params={"filename": "c.png"},
                         headers=analyst)  # fmt: skip
    assert up.status_code == 201, up.text
    closed = app_client.post(f"{BASE}/requests/{req['id']}/close", json={"reason": "case filed"}, headers=analyst)
    assert closed.status_code == 200 and closed.json()["state"] == "closed", closed.text
    log = app_client.get(f"{BASE}/requests/{req['id']}/custody", headers=analyst).json()
    assert log[-1]["action"] == "closed" and log[-1]["details"]["reason"] == "case filed"
    bad = app_client.post(f"{BASE}/requests/{req['id']}/close", json={"why": "x"}, headers=analyst)
    assert bad.status_code == 422
