"""The dispatch API end to end with the app running: intake, the 409 problem+json naming a unit taken by another
dispatcher, role scoping (guards see only what is assigned to them and no ALPR data; deputies their calls and their
area's open calls), the audited caller read, priority rules only for supervisors, the unit's own live topic told of
its assignment at once, positions and tracks."""

from __future__ import annotations

from typing import Any

from dispatch_support import CORNER, PARK
from fastapi.testclient import TestClient

from rtcc.core.db import Database
from rtcc.identity.logic import Principal, permissions_for
from rtcc.live import service as live
from rtcc.live.hub import visible

API = "/api/v1/dispatch"


def _call(
    client: TestClient,
    headers: dict[str, str],
    call_type: str = "ALARM_BURG_RES",
    at: tuple[float, float] = PARK,
    **kw: Any,
) -> dict[str, Any]:
    body = {"call_type": call_type, "location": {"kind": "point", "lat": at[0], "lon": at[1]}, "source": "911", **kw}
    resp = client.post(f"{API}/calls", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    call: dict[str, Any] = resp.json()["call"]
    return call


def _units(client: TestClient, admin: dict[str, str], *specs: tuple[str, str, tuple[float, float]]) -> None:
    for sign, kind, at in specs:
        resp = client.post(
            f"{API}/units", json={"call_sign": sign, "unit_type": kind, "home_area": "CER"}, headers=admin
        )
        assert resp.status_code == 201, resp.text
        resp = client.post(f"{API}/units/{sign}/position", json={"lat": at[0], "lon": at[1]}, headers=admin)
        assert resp.status_code == 201, resp.text


def test_intake_errors_are_named_problems(app_client: TestClient, login: Any) -> None:
    disp = login("dispatcher")
    resp = app_client.post(
        f"{API}/calls",
        json={"call_type": "NOPE", "location": {"kind": "point", "lat": PARK[0], "lon": PARK[1]}, "source": "911"},
        headers=disp,
    )
    assert resp.status_code == 422 and resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["errors"][0]["field"] == "call_type"
    resp = app_client.post(
        f"{API}/calls", json={"call_type": "FIGHT", "location": {"kind": "point"}, "source": "911"}, headers=disp
    )
    assert resp.status_code == 422 and "lat and lon" in resp.text


def test_a_unit_taken_by_another_dispatcher_answers_409_naming_it(app_client: TestClient, login: Any) -> None:
    disp, sup = login("dispatcher"), login("supervisor")
    _units(app_client, sup, ("41A", "deputy_car", CORNER))
    one, two = _call(app_client, disp), _call(app_client, disp, at=CORNER)
    rec = app_client.get(f"{API}/calls/{one['id']}/recommendation", headers=disp).json()
    assert rec["suggested"] == ["41A"] and rec["ranked"][0]["reasons"]
    assert app_client.post(f"{API}/calls/{one['id']}/assign", json={"units": ["41A"]}, headers=disp).status_code == 200
    resp = app_client.post(f"{API}/calls/{two['id']}/assign", json={"units": ["41A"]}, headers=sup)
    assert resp.status_code == 409 and resp.headers["content-type"].startswith("application/problem+json")
    assert "41A" in resp.json()["detail"]


def test_guards_see_only_what_is_assigned_to_them(app_client: TestClient, login: Any, db: Database) -> None:
    disp, sup = login("dispatcher"), login("supervisor")
    guard = login("guard", unit="G1")
    _units(app_client, sup, ("G1", "guard", PARK), ("41A", "deputy_car", CORNER))
    patrol = _call(app_client, disp, "PATROL_CHECK", caller_name="Mall security")
    other = _call(app_client, disp, "FIGHT", at=CORNER)
    assert app_client.get(f"{API}/calls", headers=guard).json()["total"] == 0
    assert app_client.get(f"{API}/calls/{patrol['id']}", headers=guard).status_code == 404
    assert (
        app_client.post(f"{API}/calls/{patrol['id']}/assign", json={"units": ["G1"]}, headers=disp).status_code == 200
    )
    seen = app_client.get(f"{API}/calls", headers=guard).json()
    assert [c["id"] for c in seen["items"]] == [patrol["id"]]
    assert app_client.get(f"{API}/calls/{other['id']}", headers=guard).status_code == 404
    me = app_client.get(f"{API}/me", headers=guard).json()
    assert me["unit"]["call_sign"] == "G1" and [c["id"] for c in me["calls"]] == [patrol["id"]]
    for path in ("/api/v1/alerts", "/api/v1/cameras", f"{API}/calls/{patrol['id']}/caller", f"{API}/units"):
        assert app_client.get(path, headers=guard).status_code == 403, path  # no ALPR data, no caller, no board
    step = app_client.post(f"{API}/calls/{patrol['id']}/step", json={"status": "en_route"}, headers=guard)
    assert step.status_code == 200 and step.json()["status"] == "en_route"
    # the guard's own live topic was told of the assignment; the guard receives nothing of other calls
    with db.read() as s:
        events = live.events_after(s, 0)
    g1 = Principal(kind="user", id="g", name="g", role="guard", permissions=permissions_for("guard"), unit="G1")
    told = [e for e in events if e.topic == "unit-G1" and e.type == "assignment"]
    assert told and told[0].data["number"] == patrol["number"] and visible(g1, told[0])
    board = [e for e in events if e.topic == "dispatch"]
    assert {e.data["id"] for e in board if visible(g1, e)} == {patrol["id"]}
    g2 = Principal(kind="user", id="h", name="h", role="guard", permissions=permissions_for("guard"), unit="G2")
    assert not visible(g2, told[0])


def test_deputies_see_their_calls_and_their_areas_open_calls(app_client: TestClient, login: Any) -> None:
    disp, sup = login("dispatcher"), login("supervisor")
    _units(app_client, sup, ("41A", "deputy_car", CORNER))
    inside = login("officer", unit="41A", division="CER")
    elsewhere = login("officer", unit="41A")  # no division of its own: its unit's home area
    call = _call(app_client, disp, "FIGHT")
    assert app_client.get(f"{API}/calls/{call['id']}", headers=inside).status_code == 200  # an open call of the area
    assert app_client.get(f"{API}/calls/{call['id']}", headers=elsewhere).status_code == 200  # unit home area CER
    cso = login("cso", unit="C9")
    assert app_client.get(f"{API}/calls/{call['id']}", headers=cso).status_code == 404


def test_caller_reads_are_audited_and_rules_are_for_supervisors(app_client: TestClient, login: Any) -> None:
    disp, sup, auditor = login("dispatcher"), login("supervisor"), login("auditor")
    call = _call(app_client, disp, caller_name="Ana Ruiz", caller_phone="562-555-0100")
    assert "Ana Ruiz" not in app_client.get(f"{API}/calls/{call['id']}", headers=disp).text
    caller = app_client.get(f"{API}/calls/{call['id']}/caller", headers=disp).json()
    assert caller["caller_name"] == "Ana Ruiz"
    log = app_client.get("/api/v1/audit/entries", params={"action": "dispatch.call.caller.view"}, headers=auditor)
    assert log.status_code == 200 and call["id"] in log.text
    rule = {
        "call_type": "ALARM_BURG_RES",
        "priority": "Priority",
        "effective_from": "2024-11-01T00:00:00-07:00",
        "reason": "Cerritos council",
    }
    assert app_client.post(f"{API}/priority-rules", json=rule, headers=disp).status_code == 403
    resp = app_client.post(f"{API}/priority-rules", json=rule, headers=sup)
    assert resp.status_code == 201 and resp.json()["version"] == 1
    types = {t["code"]: t for t in app_client.get(f"{API}/call-types", headers=disp).json()}
    assert types["ALARM_BURG_RES"]["priority_now"] == "Priority"
    assert _call(app_client, disp)["priority"] == "Priority"


def test_positions_and_tracks(app_client: TestClient, login: Any) -> None:
    sup = login("supervisor")
    _units(app_client, sup, ("41A", "deputy_car", CORNER))
    deputy = login("officer", unit="41A")
    for i in range(3):
        body = {"lat": PARK[0] + 0.001 * i, "lon": PARK[1], "at": f"2026-01-01T08:0{i}:00Z", "speed_mps": 10}
        assert app_client.post(f"{API}/units/41A/position", json=body, headers=deputy).status_code == 201
    assert app_client.post(f"{API}/units/41B/position", json={"lat": 1, "lon": 1}, headers=deputy).status_code == 404
    track = app_client.get(f"{API}/units/41A/track", headers=sup).json()
    assert len(track) == 4 and track[-1]["lat"] != track[0]["lat"]
    unit = app_client.get(f"{API}/units/41A", headers=sup).json()
    assert unit["lat"] == CORNER[0]  # the newest fix (the setup's, taken now) stays the unit's last position


def test_names_come_in_every_language_the_catalogue_has(app_client: TestClient, login: Any) -> None:
    """The catalogue's Spanish names travel with the English ones: call types, priorities, unit types and calls."""
    admin, taker = login("admin"), login("dispatcher")
    types = {t["code"]: t for t in app_client.get(f"{API}/call-types", headers=taker).json()}
    assert types["ALARM_BURG_RES"]["names"]["es"] == "Alarma de robo, residencial"
    scheme = app_client.get(f"{API}/scheme", headers=taker).json()
    assert all(p["names"].get("es") for p in scheme["priorities"])
    kinds = {u["code"]: u for u in app_client.get(f"{API}/unit-types", headers=taker).json()}
    assert kinds["cso"]["names"]["es"] == "Oficial de Servicios Comunitarios"
    call = _call(app_client, taker)
    assert call["call_type_names"]["es"] == "Alarma de robo, residencial"
    assert call["priority_names"]["es"] == {"Routine": "Rutina", "Priority": "Prioritaria"}[call["priority"]]
    _units(app_client, admin, ("41A", "deputy_car", CORNER))
    unit = app_client.get(f"{API}/units/41A", headers=admin).json()
    assert unit["unit_type_names"]["es"] == "Patrulla de alguacil"
