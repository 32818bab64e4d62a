"""The drones API with the app running: the fleet and the policy in force, the drone line of the dispatch
recommendation, a dispatcher recording a decision and requesting a launch, a pilot accepting it, a supervisor's
override of an excluded call type, and the roles that may not do each step."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from drones_support import CORNER, SUPERVISOR, make_unit, new_call, setup_program
from fastapi.testclient import TestClient
from sqlalchemy import select

from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.drones import service
from rtcc.drones.schemas import PilotCreate
from rtcc.live.models import LiveEvent
from rtcc.settings import Settings


def _pilot(db: Database, login: Any) -> dict[str, str]:
    headers: dict[str, str] = login("pilot", "pia_pilot")
    with db.uow() as s:
        service.register_pilot(
            s,
            PilotCreate(
                username="pia_pilot",
                certificate_number="4410001",
                certificate_expires=utcnow().date() + timedelta(days=90),
            ),
            actor=SUPERVISOR,
        )
    return headers


def test_dispatcher_decides_and_requests_the_pilot_accepts(
    app_client: TestClient, login: Any, db: Database, settings: Settings
) -> None:
    setup_program(db, pilot=False)
    pilot = _pilot(db, login)
    dispatcher, officer = login("dispatcher"), login("officer")
    make_unit(db, "41A", CORNER)
    call = new_call(db, settings).call

    fleet = app_client.get("/api/v1/drones/fleet", headers=pilot).json()
    assert [d["code"] for d in fleet["docks"]] == ["DK-E", "DK-W"] and len(fleet["drones"]) == 2
    assert app_client.get("/api/v1/drones/policy", headers=dispatcher).json()["version"] == 1
    zones = app_client.get("/api/v1/drones/policies/1/zones", headers=dispatcher).json()
    assert zones["type"] == "FeatureCollection"
    assert app_client.get("/api/v1/drones/fleet", headers=officer).status_code == 403

    rec = app_client.get(f"/api/v1/dispatch/calls/{call.id}/recommendation", headers=dispatcher).json()
    assert rec["drone"]["outcome"] == "recommended" and rec["drone"]["dock_code"] == "DK-E"
    assert rec["drone"]["lead_s"] is not None

    assert app_client.post(f"/api/v1/drones/calls/{call.id}/decisions", headers=pilot).status_code == 403
    resp = app_client.post(f"/api/v1/drones/calls/{call.id}/decisions", headers=dispatcher)
    assert resp.status_code == 201, resp.text
    decision = resp.json()
    assert decision["outcome"] == "recommended" and decision["policy_version"] == 1

    resp = app_client.post("/api/v1/drones/launch-requests", json={"decision_id": decision["id"]}, headers=dispatcher)
    assert resp.status_code == 201, resp.text
    req = resp.json()
    with db.read() as s:
        shown = s.scalars(select(LiveEvent.type).where(LiveEvent.topic == "drones").order_by(LiveEvent.id)).all()
    assert shown == ["drones.decision.recorded", "drones.launch.requested"]
    queue = app_client.get("/api/v1/drones/launch-requests", params={"state": "pending"}, headers=pilot).json()
    assert [r["id"] for r in queue] == [req["id"]]
    assert (
        app_client.post(f"/api/v1/drones/launch-requests/{req['id']}/accept", json={}, headers=dispatcher).status_code
        == 403
    )
    resp = app_client.post(f"/api/v1/drones/launch-requests/{req['id']}/accept", json={}, headers=pilot)
    assert resp.status_code == 200, resp.text
    assert resp.json()["state"] == "accepted"
    drones = app_client.get("/api/v1/drones/fleet", headers=pilot).json()["drones"]
    assert {d["code"]: d["status"] for d in drones} == {"D-E1": "in_flight", "D-W1": "docked"}


def test_excluded_call_type_refused_then_overridden_by_a_supervisor(
    app_client: TestClient, login: Any, db: Database, settings: Settings
) -> None:
    setup_program(db)
    dispatcher, supervisor, auditor = login("dispatcher"), login("supervisor"), login("auditor")
    call = new_call(db, settings, "FOCUSED_PATROL").call
    refused = app_client.post(f"/api/v1/drones/calls/{call.id}/decisions", headers=dispatcher).json()
    assert refused["outcome"] == "refused" and refused["rule_id"] == "T-1" and refused["overridable"]
    resp = app_client.post("/api/v1/drones/launch-requests", json={"decision_id": refused["id"]}, headers=dispatcher)
    assert resp.status_code == 409 and "T-1" in resp.json()["detail"]
    body = {"decision_id": refused["id"], "reason": "shots reported by a caller on the patrol route"}
    assert app_client.post(f"/api/v1/drones/calls/{call.id}/override", json=body, headers=dispatcher).status_code == 403
    short = {"decision_id": refused["id"], "reason": "because"}
    resp = app_client.post(f"/api/v1/drones/calls/{call.id}/override", json=short, headers=supervisor)
    assert resp.status_code == 422 and "reason" in resp.text
    resp = app_client.post(f"/api/v1/drones/calls/{call.id}/override", json=body, headers=supervisor)
    assert resp.status_code == 201, resp.text
    assert resp.json()["outcome"] == "overridden" and resp.json()["override_reason"] == body["reason"]
    page = app_client.get("/api/v1/drones/decisions", params={"call_id": str(call.id)}, headers=auditor).json()
    assert page["total"] == 2 and {d["outcome"] for d in page["items"]} == {"refused", "overridden"}
    audit = app_client.get("/api/v1/audit/entries", params={"action": "drones.decision.override"}, headers=auditor)
    assert audit.status_code == 200, audit.text
    assert "shots reported by a caller" in audit.text


def test_admin_changes_a_dock_and_a_drone(app_client: TestClient, login: Any, db: Database) -> None:
    setup_program(db, pilot=False)
    supervisor, dispatcher = login("supervisor"), login("dispatcher")
    fleet = app_client.get("/api/v1/drones/fleet", headers=supervisor).json()
    dock, drone = fleet["docks"][0], fleet["drones"][0]
    resp = app_client.patch(
        f"/api/v1/drones/docks/{dock['id']}", json={"wind_mps": 4.5, "gust_mps": 7}, headers=supervisor
    )
    assert resp.status_code == 200 and resp.json()["wind_mps"] == 4.5 and resp.json()["weather_at"]
    bad = app_client.patch(f"/api/v1/drones/drones/{drone['id']}", json={"status": "flying"}, headers=supervisor)
    assert bad.status_code == 422 and "status" in bad.text
    resp = app_client.patch(f"/api/v1/drones/drones/{drone['id']}", json={"status": "maintenance"}, headers=dispatcher)
    assert resp.status_code == 403
    resp = app_client.patch(f"/api/v1/drones/drones/{drone['id']}", json={"status": "maintenance"}, headers=supervisor)
    assert resp.status_code == 200 and resp.json()["status"] == "maintenance"
    assert app_client.get("/api/v1/drones/pilots", headers=dispatcher).status_code == 403
    listed = app_client.get("/api/v1/drones/pilots", headers=supervisor)
    assert listed.status_code == 200 and listed.json() == []
    audit = app_client.get("/api/v1/audit/entries", params={"action": "drones.pilots.view"}, headers=supervisor)
    assert len(audit.json()) == 1


def test_a_dispatcher_cancels_a_pending_request(
    app_client: TestClient, login: Any, db: Database, settings: Settings
) -> None:
    setup_program(db)
    dispatcher = login("dispatcher")
    call = new_call(db, settings).call
    decision = app_client.post(f"/api/v1/drones/calls/{call.id}/decisions", headers=dispatcher).json()
    req = app_client.post("/api/v1/drones/launch-requests", json={"decision_id": decision["id"]}, headers=dispatcher)
    rid = req.json()["id"]
    done = app_client.post(
        f"/api/v1/drones/launch-requests/{rid}/cancel", json={"reason": "units on scene"}, headers=dispatcher
    )
    assert done.status_code == 200 and done.json()["state"] == "cancelled"
    again = app_client.post(f"/api/v1/drones/launch-requests/{rid}/cancel", json={}, headers=dispatcher)
    assert again.status_code == 409 and "already cancelled" in again.json()["detail"]
