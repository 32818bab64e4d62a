"""The alarm context of a burglary alarm call: the ALPR reads near the premise from 15 minutes before the alarm and the
registered cameras that cover it, through the investigations stakeout and the camera canvass, under purpose
``alarm_response`` and audited like any search; dispatchers and analysts see it, guards and CSOs never."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from alarm_support import cerritos_rule, company, event, permitted_premise
from dispatch_support import CORNER, PARK
from fastapi.testclient import TestClient

from rtcc.alpr.models import Camera, Read
from rtcc.audit import service as audit
from rtcc.cameras import service as registry
from rtcc.cameras.schemas import CameraCreate
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.plates import forms
from rtcc.identity.logic import SYSTEM

API = "/api/v1/dispatch"
#: About 110 m north of the premise, and about 2.3 km away.
NEAR = (PARK[0] + 0.001, PARK[1])
FAR = CORNER


def _alpr(db: Database, code: str, at: tuple[float, float], reads: list[tuple[str, float]]) -> None:
    """An ALPR camera and its reads (plate, minutes before now)."""
    now = utcnow()
    with db.uow() as s:
        cam = Camera(code=code, name=f"ALPR {code}", lat=at[0], lon=at[1], created_at=now - timedelta(days=1))
        s.add(cam)
        s.flush()
        for plate, minutes in reads:
            f = forms(plate)
            seen = now - timedelta(minutes=minutes)
            s.add(
                Read(id=uuid.uuid4(), camera_id=cam.id, plate=plate, plate_norm=f.norm, plate_ocr=f.ocr, region="CA",
                     confidence=90.0, observed_at=seen, received_at=seen, source="rest")
            )  # fmt: skip


def _doorbell(db: Database) -> None:
    doc = {
        "name": "Neighbour's doorbell",
        "owner_type": "residential",
        "owner_name": "A neighbour",
        "lat": PARK[0] + 0.0002,
        "lon": PARK[1],
        "fov_deg": 360.0,
        "range_m": 60.0,
    }
    with db.uow() as s:
        registry.create_camera(s, CameraCreate.model_validate(doc), actor=SYSTEM)


def test_the_alarm_context_shows_reads_and_cameras_and_is_audited(
    app_client: TestClient, login: Any, db: Database
) -> None:
    cerritos_rule(db)
    permitted_premise(db)
    _alpr(db, "CER-N", NEAR, [("7ABC123", 5), ("8DEF456", 12), ("6OLD001", 40)])
    _alpr(db, "CER-F", FAR, [("9FAR999", 3)])
    _doorbell(db)
    resp = app_client.post(f"{API}/alarms", json=event(), headers=company(db, "acme"))
    call_id = resp.json()["alarm"]["call_id"]
    disp = login("dispatcher")
    got = app_client.get(f"{API}/calls/{call_id}/alarm-context", headers=disp)
    assert got.status_code == 200, got.text
    ctx = got.json()
    assert ctx["purpose"] == "alarm_response"
    assert sorted(p["plate"] for p in ctx["reads"]["plates"]) == ["7ABC123", "8DEF456"]  # not too old, not too far
    assert [h["camera"]["name"] for h in ctx["cameras"]["items"]] == ["Neighbour's doorbell"]
    with db.read() as s:
        (search,) = audit.search(s, action="alpr.search")
        assert search.details["purpose"] == "alarm_response" and search.details["kind"] == "stakeout"
        assert search.details["case_number"] == ctx["call_number"] and search.actor.startswith("dispatcher")
        (mine,) = audit.search(s, action="dispatch.call.alarm_context", target_id=call_id)
        assert mine.details["purpose"] == "alarm_response" and mine.details["cameras"] == 1
        assert len(audit.search(s, action="canvass.run")) == 1
    assert app_client.get(f"{API}/calls/{call_id}/alarm-context", headers=login("analyst")).status_code == 200
    assert app_client.get(f"{API}/calls/{call_id}/alarm-context", headers=login("supervisor")).status_code == 200


def test_guards_and_csos_never_get_the_alarm_context(app_client: TestClient, login: Any, db: Database) -> None:
    permitted_premise(db)
    resp = app_client.post(f"{API}/alarms", json=event(), headers=company(db, "acme"))
    call_id = resp.json()["alarm"]["call_id"]
    for role in ("guard", "cso", "officer"):
        got = app_client.get(f"{API}/calls/{call_id}/alarm-context", headers=login(role))
        assert got.status_code == 403, role
    with db.read() as s:
        assert audit.search(s, action="alpr.search") == []


def test_only_a_burglary_alarm_has_an_alarm_context(app_client: TestClient, login: Any, db: Database) -> None:
    disp = login("dispatcher")
    body = {"call_type": "FIGHT", "location": {"kind": "point", "lat": PARK[0], "lon": PARK[1]}, "source": "911"}
    call = app_client.post(f"{API}/calls", json=body, headers=disp).json()["call"]
    assert app_client.get(f"{API}/calls/{call['id']}/alarm-context", headers=disp).status_code == 409
    body = {**body, "call_type": "ALARM_BURG_COM"}  # a burglary alarm taken by phone has one too
    call = app_client.post(f"{API}/calls", json=body, headers=disp).json()["call"]
    assert app_client.get(f"{API}/calls/{call['id']}/alarm-context", headers=disp).status_code == 200
