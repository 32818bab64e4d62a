"""Alarm companies end to end with the app running: an alarm event becomes one Priority call under the Cerritos rule,
a resent event is the same call, a cancel before dispatch closes the call and one after dispatch is only noted, a
malformed message is a 422 naming the field and a dead letter, a company cannot see or cancel another's event, and an
alarm company's key reaches nothing but the alarm routes."""

from __future__ import annotations

from typing import Any

from alarm_support import cancel, cerritos_rule, company, event, permitted_premise
from dispatch_support import CORNER, PARK
from fastapi.testclient import TestClient

from rtcc.audit import service as audit
from rtcc.core.db import Database

API = "/api/v1/dispatch"


def _send(client: TestClient, key: dict[str, str], msg: Any, status: int) -> dict[str, Any]:
    resp = client.post(f"{API}/alarms", json=msg, headers=key)
    assert resp.status_code == status, resp.text
    out: dict[str, Any] = resp.json()
    return out


def test_an_alarm_event_becomes_one_priority_call(app_client: TestClient, login: Any, db: Database) -> None:
    cerritos_rule(db)
    permitted_premise(db)
    acme = company(db, "acme")
    disp = login("dispatcher")
    msg = event(event_id="CS/2026/000123")  # event ids may hold slashes
    first = _send(app_client, acme, msg, 201)
    assert first["outcome"] == "created" and first["alarm"]["permit_flag"] is None
    call = app_client.get(f"{API}/calls/{first['alarm']['call_id']}", headers=disp).json()
    assert (call["call_type"], call["priority"], call["priority_basis"]) == ("ALARM_BURG_RES", "Priority", "rule")
    assert call["priority_rule_version"] == 1 and call["source"] == "alarm_company"
    assert call["source_ref"] == msg["event_id"] and call["location"]["kind"] == "premise"
    again = _send(app_client, acme, msg, 200)
    assert again["outcome"] == "duplicate" and again["alarm"]["call_id"] == call["id"]
    assert app_client.get(f"{API}/calls", headers=disp).json()["total"] == 1
    own = app_client.get(f"{API}/alarms/{msg['event_id']}", headers=acme).json()
    assert own["call_number"] == call["number"] and own["call_priority"] == "Priority"
    detail = app_client.get(f"{API}/calls/{call['id']}/alarm", headers=disp).json()
    assert detail["contacts"][0]["name"] == "Pat Doe" and detail["zone"] == "3"
    assert app_client.get(f"{API}/calls/{call['id']}/alarm", headers=login("cso")).status_code == 404  # not its call
    assert app_client.get(f"{API}/calls/{call['id']}/alarm", headers=login("guard")).status_code == 403
    with db.read() as s:
        assert audit.search(s, action="dispatch.call.alarm.view", target_id=call["id"])


def test_before_the_rule_a_burglary_alarm_is_routine(app_client: TestClient, login: Any, db: Database) -> None:
    permitted_premise(db)  # no rule set up: the catalogue's default decides
    acme = company(db, "acme")
    made = _send(app_client, acme, event(), 201)
    assert made["alarm"]["call_priority"] == "Routine"


def test_a_cancel_before_dispatch_closes_the_call(app_client: TestClient, login: Any, db: Database) -> None:
    cerritos_rule(db)
    permitted_premise(db)
    acme = company(db, "acme")
    msg = event()
    made = _send(app_client, acme, msg, 201)
    done = _send(app_client, acme, cancel(msg["event_id"]), 200)
    assert done["outcome"] == "closed"
    assert (done["alarm"]["call_status"], done["alarm"]["disposition"]) == ("closed", "cancelled")
    call = app_client.get(f"{API}/calls/{made['alarm']['call_id']}", headers=login("dispatcher")).json()
    assert any("Cancelled by alarm company" in n["text"] for n in call["notes"])
    with db.read() as s:
        (entry,) = audit.search(s, action="dispatch.call.close", target_id=call["id"])
        assert entry.details["by"] == "alarm_company" and entry.actor.startswith("apikey:")
    assert _send(app_client, acme, cancel(msg["event_id"]), 200)["outcome"] == "closed"  # a resent cancel: the same


def test_a_cancel_after_dispatch_is_noted_for_the_dispatcher(app_client: TestClient, login: Any, db: Database) -> None:
    cerritos_rule(db)
    permitted_premise(db)
    acme = company(db, "acme")
    disp, sup = login("dispatcher"), login("supervisor")
    assert app_client.post(f"{API}/units", json={"call_sign": "41A", "unit_type": "deputy_car"}, headers=sup).is_success
    app_client.post(f"{API}/units/41A/position", json={"lat": CORNER[0], "lon": CORNER[1]}, headers=sup)
    msg = event()
    call_id = _send(app_client, acme, msg, 201)["alarm"]["call_id"]
    assert app_client.post(f"{API}/calls/{call_id}/assign", json={"units": ["41A"]}, headers=disp).status_code == 200
    noted = _send(app_client, acme, cancel(msg["event_id"]), 200)
    assert noted["outcome"] == "noted" and noted["alarm"]["call_status"] == "dispatched"
    call = app_client.get(f"{API}/calls/{call_id}", headers=disp).json()
    assert call["status"] == "dispatched" and call["disposition"] is None
    assert any("ALARM COMPANY CANCEL after dispatch" in n["text"] for n in call["notes"])
    assert any(e["kind"] == "alarm" and e["detail"].get("cancel_requested") for e in call["timeline"])


def test_a_malformed_message_is_422_and_a_dead_letter(app_client: TestClient, login: Any, db: Database) -> None:
    acme = company(db, "acme")
    sup = login("supervisor")
    bad = event(address={"street": "1 Main St", "city": "Cerritos", "state": "California"})
    resp = app_client.post(f"{API}/alarms", json=bad, headers=acme)
    assert resp.status_code == 422 and resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["errors"][0]["field"] == "address.state"
    resp = app_client.post(f"{API}/alarms", content=b"{not json", headers=acme)
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "message"
    resp = app_client.post(f"{API}/alarms", json=event(category="fire", permit_number=None), headers=acme)
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "category"
    letters = app_client.get("/api/v1/dead-letters", params={"source": "alarm"}, headers=sup).json()
    assert letters["total"] == 3
    assert {"address.state" in i["reason"] for i in letters["items"]} == {True, False}
    assert all(i["context"]["company"] == "acme" for i in letters["items"])
    assert app_client.get(f"{API}/calls", headers=login("dispatcher")).json()["total"] == 0


def test_unknown_and_expired_permits_are_flagged_not_refused(app_client: TestClient, login: Any, db: Database) -> None:
    from datetime import date

    cerritos_rule(db)
    permitted_premise(db, "AP-OLD", expires_on=date(2020, 1, 1))
    acme = company(db, "acme")
    unknown = _send(
        app_client,
        acme,
        event(permit_number="AP-NOPE", address={"street": "1 Elm", "city": "Cerritos", "state": "CA",
                                               "lat": CORNER[0], "lon": CORNER[1]}),
        201,
    )  # fmt: skip
    assert unknown["alarm"]["permit_flag"] == "unknown" and unknown["alarm"]["call_priority"] == "Priority"
    expired = _send(app_client, acme, event(permit_number="AP-OLD"), 201)
    assert expired["alarm"]["permit_flag"] == "expired"
    call = app_client.get(f"{API}/calls/{unknown['alarm']['call_id']}", headers=login("dispatcher")).json()
    assert any("ALARM PERMIT AP-NOPE: unknown" in n["text"] for n in call["notes"])


def test_a_company_sees_and_cancels_only_its_own_events(app_client: TestClient, login: Any, db: Database) -> None:
    cerritos_rule(db)
    permitted_premise(db)
    acme, other = company(db, "acme"), company(db, "rival")
    msg = event()
    made = _send(app_client, acme, msg, 201)
    resp = app_client.post(f"{API}/alarms", json=cancel(msg["event_id"]), headers=other)
    assert resp.status_code == 404
    assert app_client.get(f"{API}/alarms/{msg['event_id']}", headers=other).status_code == 404
    call = app_client.get(f"{API}/calls/{made['alarm']['call_id']}", headers=login("dispatcher")).json()
    assert call["status"] == "queued"
    # the same event id from another company is another company's event: its own call
    theirs = _send(app_client, other, msg, 201)
    assert theirs["alarm"]["call_id"] != made["alarm"]["call_id"]


def test_an_inactive_company_is_refused(app_client: TestClient, login: Any, db: Database) -> None:
    acme = company(db, "acme")
    sup = login("supervisor")
    assert app_client.patch(f"{API}/alarm-companies/acme", json={"active": False}, headers=sup).status_code == 200
    assert app_client.post(f"{API}/alarms", json=event(), headers=acme).status_code == 403


def test_alarm_company_keys_reach_only_alarm_routes(app_client: TestClient, db: Database) -> None:
    import re

    from rtcc.app import api_routes
    from rtcc.identity.deps import Require
    from rtcc.live.routes import STREAMING_PATHS

    headers = company(db, "acme")
    checked = 0
    for route in api_routes(app_client.app):  # type: ignore[arg-type]
        perms = [d.call.perm for d in route.dependant.dependencies if isinstance(d.call, Require)]
        if not perms or perms[0].value == "alarms:write" or route.path in STREAMING_PATHS:
            continue
        for method in route.methods:
            path = re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", route.path)
            resp = app_client.request(method, path, headers=headers, json={})
            assert resp.status_code == 403, f"alarm company key got {resp.status_code} on {method} {route.path}"
            checked += 1
    assert checked > 50


def test_companies_and_keys_are_managed_by_supervisors_and_admins(
    app_client: TestClient, login: Any, db: Database
) -> None:
    sup, admin, disp = login("supervisor"), login("admin"), login("dispatcher")
    body = {"code": "acme", "name": "Acme Monitoring"}
    assert app_client.post(f"{API}/alarm-companies", json=body, headers=disp).status_code == 403
    assert app_client.post(f"{API}/alarm-companies", json=body, headers=sup).status_code == 201
    assert app_client.post(f"{API}/alarm-companies", json=body, headers=sup).status_code == 409
    assert app_client.post(f"{API}/alarm-companies/acme/keys", json={"name": "a"}, headers=sup).status_code == 403
    key = app_client.post(f"{API}/alarm-companies/acme/keys", json={"name": "a"}, headers=admin).json()
    assert key["scopes"] == ["alarm_company"]
    permitted_premise(db)
    made = app_client.post(f"{API}/alarms", json=event(), headers={"X-API-Key": key["secret"]})
    assert made.status_code == 201, made.text
    assert PARK  # the premise of the permit


def test_the_same_event_sent_at_once_is_one_call(db: Database, settings: Any) -> None:
    import orjson
    from dispatch_support import race

    from rtcc.dispatch import alarms
    from rtcc.identity.logic import ALARM_COMPANY_PERMISSIONS, Principal

    cerritos_rule(db)
    permitted_premise(db)
    company(db, "acme")
    key = Principal(kind="apikey", id="k", name="acme", role="alarm_company", permissions=ALARM_COMPANY_PERMISSIONS,
                    unit="acme")  # fmt: skip
    payload = orjson.dumps(event())
    results = race(4, lambda _i: alarms.receive_message(db, None, settings, payload, actor=key))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.outcome for r in results) == ["created", "duplicate", "duplicate", "duplicate"]
    assert len({r.alarm.call_id for r in results}) == 1
