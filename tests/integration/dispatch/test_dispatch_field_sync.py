"""What the field view relies on: a status step or a note sent with a client id (queued while offline) and sent again
is answered, never applied twice; a client id is bound to its call; nearby verified ALPR hits are for deputies only
(the API refuses CSOs and guards)."""

from __future__ import annotations

import uuid
from typing import Any

from dispatch_support import CORNER, PARK
from fastapi.testclient import TestClient

API = "/api/v1/dispatch"


def _assigned_call(client: TestClient, login: Any, sign: str = "41A", kind: str = "deputy_car") -> dict[str, Any]:
    disp, sup = login("dispatcher"), login("supervisor")
    resp = client.post(f"{API}/units", json={"call_sign": sign, "unit_type": kind, "home_area": "CER"}, headers=sup)
    assert resp.status_code == 201, resp.text
    assert client.post(f"{API}/units/{sign}/position", json={"lat": CORNER[0], "lon": CORNER[1]}, headers=sup)
    body = {"call_type": "FIGHT", "location": {"kind": "point", "lat": PARK[0], "lon": PARK[1]}, "source": "911"}
    call: dict[str, Any] = client.post(f"{API}/calls", json=body, headers=disp).json()["call"]
    assert client.post(f"{API}/calls/{call['id']}/assign", json={"units": [sign]}, headers=disp).status_code == 200
    return call


def test_a_resent_step_is_answered_and_not_applied_twice(app_client: TestClient, login: Any) -> None:
    call = _assigned_call(app_client, login)
    deputy = login("officer", unit="41A")
    key = str(uuid.uuid4())
    first = app_client.post(
        f"{API}/calls/{call['id']}/step", json={"status": "en_route", "client_id": key}, headers=deputy
    )
    assert first.status_code == 200 and first.json()["status"] == "en_route"
    again = app_client.post(
        f"{API}/calls/{call['id']}/step", json={"status": "en_route", "client_id": key}, headers=deputy
    )
    assert again.status_code == 200 and again.json()["status"] == "en_route"
    # without the key the same step is a second (illegal) transition: the key is what made the resend safe
    plain = app_client.post(f"{API}/calls/{call['id']}/step", json={"status": "en_route"}, headers=deputy)
    assert plain.status_code == 409
    timeline = app_client.get(f"{API}/calls/{call['id']}", headers=deputy).json()["timeline"]
    assert [e["status"] for e in timeline if e["kind"] == "unit"].count("en_route") == 1
    on = app_client.post(
        f"{API}/calls/{call['id']}/step", json={"status": "on_scene", "client_id": key}, headers=deputy
    )
    assert on.status_code == 200 and on.json()["status"] == "en_route"  # the key's step, answered as the call is now


def test_a_resent_note_is_kept_once_and_a_key_belongs_to_one_call(app_client: TestClient, login: Any) -> None:
    call = _assigned_call(app_client, login)
    deputy = login("officer", unit="41A")
    key = uuid.uuid4().hex
    one = app_client.post(
        f"{API}/calls/{call['id']}/notes", json={"text": "gate code 1234", "client_id": key}, headers=deputy
    )
    two = app_client.post(
        f"{API}/calls/{call['id']}/notes", json={"text": "gate code 1234", "client_id": key}, headers=deputy
    )
    assert one.status_code == 201 and two.status_code == 201 and one.json()["id"] == two.json()["id"]
    notes = app_client.get(f"{API}/calls/{call['id']}", headers=deputy).json()["notes"]
    assert [n["text"] for n in notes] == ["gate code 1234"]
    disp = login("dispatcher")
    body = {"call_type": "FIGHT", "location": {"kind": "point", "lat": CORNER[0], "lon": CORNER[1]}, "source": "911"}
    other = app_client.post(f"{API}/calls", json=body, headers=disp).json()["call"]
    reuse = app_client.post(f"{API}/calls/{other['id']}/notes", json={"text": "x", "client_id": key}, headers=disp)
    assert reuse.status_code == 409
    bad = app_client.post(
        f"{API}/calls/{call['id']}/notes", json={"text": "x", "client_id": "no spaces!"}, headers=deputy
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].endswith("client_id")


def test_verified_alpr_hits_are_for_deputies_only(app_client: TestClient, login: Any) -> None:
    assert (
        app_client.get(
            "/api/v1/alerts",
            params={"kind": "hit", "purpose": "hit_verification"},
            headers=login("officer", unit="41A"),
        ).status_code
        == 200
    )
    for role, sign in (("cso", "C1"), ("guard", "G1")):
        resp = app_client.get(
            "/api/v1/alerts", params={"kind": "hit", "purpose": "hit_verification"}, headers=login(role, unit=sign)
        )
        assert resp.status_code == 403, role
    directions = {"start": {"lat": CORNER[0], "lon": CORNER[1]}, "end": {"lat": PARK[0], "lon": PARK[1]}}
    resp = app_client.post("/api/v1/routing/route", json=directions, headers=login("guard", unit="G1"))
    assert resp.status_code == 200, resp.text  # every field role gets directions to its call
    assert len(resp.json()["polyline"]) >= 2
