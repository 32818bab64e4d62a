"""Security test findings (issue 15, part 2): listing the camera registry showed residents' and businesses' names,
e-mail addresses and home coordinates to every role with ``registry:read``, unlogged; a live stream opened for any
made-up case number, and for city programme staff. Now personal data needs ``registry:contact`` (coordinates are
coarsened without it), every listing is audited, and a live view needs ``liveview:open`` and a real incident: an
open alert or call the user may see, or a case on record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from rtcc.audit.models import AuditEntry
from rtcc.core.db import Database

Login = Callable[..., dict[str, str]]
LAT, LON = 33.873456, -118.072345


def _home_camera(client: TestClient, login: Login) -> dict[str, Any]:
    resident = login("resident")
    doc = {"name": "Porch", "lat": LAT, "lon": LON, "direction_deg": 0, "fov_deg": 90, "range_m": 30,
           "owner_retention_days": 14, "address": "12 Elm St", "contact": "alice@example.org",
           "sharing_level": "live_linked", "stream_url": "https://alice.example/live"}  # fmt: skip
    resp = client.post("/api/v1/me/cameras", json=doc, headers=resident)
    assert resp.status_code == 201, resp.text
    cam: dict[str, Any] = resp.json()
    return cam


def test_registry_listing_minimises_personal_data_and_is_audited(
    app_client: TestClient, db: Database, login: Login
) -> None:
    cam = _home_camera(app_client, login)
    analyst, coordinator = login("analyst", "anna"), login("program_staff", "carl")
    [seen] = app_client.get("/api/v1/registry/cameras", headers=analyst).json()["items"]
    assert seen["id"] == cam["id"] and seen["personal_withheld"] is True
    assert seen["owner_name"] is None and seen["contact"] is None and seen["address"] is None
    assert seen["owner_user_id"] is None
    assert (seen["lat"], seen["lon"]) == (round(LAT, 3), round(LON, 3))
    assert "alice@example.org" not in app_client.get(f"/api/v1/registry/cameras/{cam['id']}", headers=analyst).text
    assert app_client.get("/api/v1/registry/cameras", params={"q": "elm"}, headers=analyst).json()["total"] == 0
    owner_filter = {"owner_user_id": cam["owner_user_id"]}
    assert app_client.get("/api/v1/registry/cameras", params=owner_filter, headers=analyst).status_code == 403

    [full] = app_client.get("/api/v1/registry/cameras", headers=coordinator).json()["items"]
    assert full["contact"] == "alice@example.org" and full["address"] == "12 Elm St"
    assert (full["lat"], full["lon"]) == (LAT, LON) and full["personal_withheld"] is False
    assert app_client.get("/api/v1/registry/cameras", params={"q": "elm"}, headers=coordinator).json()["total"] == 1

    with db.read() as s:
        listed = select(AuditEntry).where(AuditEntry.action == "registry.cameras.list").order_by(AuditEntry.seq)
        rows = [(e.actor, e.details) for e in s.scalars(listed)]
    assert [a for a, _ in rows] == ["anna", "anna", "carl", "carl"]
    assert rows[0][1]["personal_data_of"] == [] and rows[0][1]["returned"] == 1
    assert rows[2][1]["personal_data_of"] == [cam["id"]]


def test_live_view_needs_law_enforcement_and_a_real_incident(
    app_client: TestClient, db: Database, login: Login
) -> None:
    cam = _home_camera(app_client, login)
    live = f"/api/v1/registry/cameras/{cam['id']}/live"
    analyst = login("analyst")
    case = {"purpose": "felony_investigation", "case_number": "26-424242"}
    assert app_client.get(live, params=case, headers=login("program_staff")).status_code == 403
    made_up = app_client.get(live, params=case, headers=analyst)
    assert made_up.status_code == 422 and "not a case on record" in made_up.json()["detail"]

    dispatcher = login("dispatcher")
    body = {"call_type": "FIGHT", "location": {"kind": "point", "lat": LAT, "lon": LON}, "source": "911"}
    made = app_client.post("/api/v1/dispatch/calls", json=body, headers=dispatcher)
    assert made.status_code == 201, made.text
    call = made.json()["call"]
    by_call = app_client.get(live, params={"call_id": call["id"]}, headers=analyst)
    assert by_call.status_code == 200 and by_call.json()["incident"] == f"call:{call['id']}"
    by_number = app_client.get(live, params={"purpose": "felony_investigation", "case_number": call["number"]},
                               headers=analyst)  # fmt: skip
    assert by_number.status_code == 200, by_number.text
    guard_call = app_client.get(live, params={"call_id": call["id"]}, headers=login("officer", unit="41A"))
    assert guard_call.status_code == 422  # an officer who may not see the call cannot use it
