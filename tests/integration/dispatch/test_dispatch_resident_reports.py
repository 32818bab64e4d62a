"""Residents follow the calls and online reports they made (objective 7.1): coarse statuses only (received, assigned,
visited, closed), nothing of units, notes or callers; another account's report answers 404; only online-report call
types may be filed from the portal; staff cannot use the community route."""

from __future__ import annotations

from typing import Any

from dispatch_support import CORNER, PARK
from fastapi.testclient import TestClient

from rtcc.dispatch.logic import CallStatus
from rtcc.dispatch.reports import coarse_status

R = "/api/v1/community/reports"
API = "/api/v1/dispatch"


def test_every_call_status_has_a_coarse_status() -> None:
    got = {s.value: coarse_status(s.value) for s in CallStatus}
    assert got["queued"] == "received" and got["en_route"] == "assigned"
    assert got["on_scene"] == "visited" and got["cleared"] == "visited" and got["closed"] == "closed"
    assert set(got.values()) == {"received", "assigned", "visited", "closed"}


def test_a_resident_follows_their_own_report_and_no_one_elses(app_client: TestClient, login: Any) -> None:
    ana, ben = login("resident"), login("resident")
    types = app_client.get(f"{R}/types", headers=ana).json()
    assert "THEFT_RPT" in {t["code"] for t in types} and "FIGHT" not in {t["code"] for t in types}
    body = {"call_type": "THEFT_RPT", "lat": PARK[0], "lon": PARK[1], "narrative": "bicycle taken from the rack"}
    made = app_client.post(R, json=body, headers=ana)
    assert made.status_code == 201, made.text
    report = made.json()
    assert (
        report["status"] == "received"
        and report["online_report"]
        and [s["status"] for s in report["steps"]] == ["received"]
    )
    assert [r["id"] for r in app_client.get(R, headers=ana).json()] == [report["id"]]
    assert app_client.get(R, headers=ben).json() == []
    assert app_client.get(f"{R}/{report['id']}", headers=ben).status_code == 404
    assert app_client.get(f"{R}/{report['id']}", headers=login("dispatcher")).status_code == 403

    # a CSO takes it, visits, clears; the dispatcher closes it: the resident sees the coarse steps, nothing else
    disp, sup = login("dispatcher"), login("supervisor")
    resp = app_client.post(
        f"{API}/units", json={"call_sign": "C7", "unit_type": "cso", "home_area": "CER"}, headers=sup
    )
    assert resp.status_code == 201, resp.text
    cso = login("cso", unit="C7")
    assert app_client.post(f"{API}/calls/{report['id']}/take", headers=cso).status_code == 200
    assert app_client.get(f"{R}/{report['id']}", headers=ana).json()["status"] == "assigned"
    for step in ("en_route", "on_scene"):
        assert (
            app_client.post(f"{API}/calls/{report['id']}/step", json={"status": step}, headers=cso).status_code == 200
        )
    assert app_client.post(f"{API}/calls/{report['id']}/notes", json={"text": "suspect: J. Doe"}, headers=cso)
    seen = app_client.get(f"{R}/{report['id']}", headers=ana)
    assert seen.json()["status"] == "visited"
    assert "C7" not in seen.text and "J. Doe" not in seen.text and "narrative" not in seen.text
    assert (
        app_client.post(f"{API}/calls/{report['id']}/step", json={"status": "cleared"}, headers=cso).status_code == 200
    )
    closed = app_client.post(f"{API}/calls/{report['id']}/close", json={"disposition": "report_taken"}, headers=disp)
    assert closed.status_code == 200, closed.text
    final = app_client.get(R, headers=ana).json()[0]
    assert final["status"] == "closed"
    assert [s["status"] for s in final["steps"]] == ["received", "assigned", "visited", "closed"]


def test_only_online_report_types_inside_the_city(app_client: TestClient, login: Any) -> None:
    ana = login("resident")
    fight = {"call_type": "FIGHT", "lat": CORNER[0], "lon": CORNER[1], "narrative": "two men fighting"}
    resp = app_client.post(R, json=fight, headers=ana)
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "call_type"
    away = {"call_type": "THEFT_RPT", "lat": 34.2, "lon": -118.6, "narrative": "far away"}
    resp = app_client.post(R, json=away, headers=ana)
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "location"
