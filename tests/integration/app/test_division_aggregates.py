"""Divisions on the aggregate screens (issue 15): on the Los Angeles profile an analyst of Central (01) gets figures of
Central only (response-time KPIs, hotspot forecasts, placement demand, near-repeat alerts), and adding data to West
Los Angeles (08) changes nothing in their answer; an RTCC-wide analyst sees the city and narrows it with
``?division=``; a divisional analyst reaching into West LA needs a purpose and is audited.

The route walk of ``test_division_scope`` looks for another division's identifiers in every answer: a count carries
none, so these tests compare the figures themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from rtcc.analytics import service as analytics
from rtcc.analytics.adapters.incidents import IncidentRow
from rtcc.audit.models import AuditEntry
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.dispatch import assignment, calls, calltypes, chain, units
from rtcc.dispatch.logic import AssignmentStatus, Disposition
from rtcc.dispatch.schemas import AssignRequest, CallCreate, CloseRequest, RuleCreate, StepRequest
from rtcc.dispatch.unit_schemas import UnitCreate
from rtcc.identity.logic import SYSTEM, Principal, Role, permissions_for
from rtcc.oversight import columns
from rtcc.patrol.models import PatrolPlan
from rtcc.places import service as places
from rtcc.settings import Settings
from rtcc_testing import login_as

API = "/api/v1"
#: (division, lat, lon): Central around City Hall, West Los Angeles around Westwood.
CENTRAL = ("01", 34.0537, -118.2427)
WEST = ("08", 34.045, -118.445)
DISPATCHER = Principal(kind="user", id=str(uuid.uuid4()), name="dana", role="dispatcher",
                       permissions=permissions_for(Role.dispatcher.value))  # fmt: skip


@pytest.fixture
def la(settings: Settings, db: Database) -> Iterator[TestClient]:
    """The app on the Los Angeles profile (Cerritos active again afterwards), with fresh KPI columns."""
    from rtcc.app import create_app

    columns.forget()
    with TestClient(create_app(settings.model_copy(update={"city_profile": "los_angeles"}))) as client:
        yield client
    columns.forget()
    places.activate(settings.city_profile)


_login = login_as  # a staff user of a role (and division) signed in


def _closed_call(db: Database, settings: Settings, spec: tuple[str, float, float], n: int) -> None:
    """A call at the division's point taken, dispatched, answered and closed (a KPI row of that division)."""
    code, lat, lon = spec
    sign = f"K{code}{n}"
    la_settings = settings.model_copy(update={"city_profile": "los_angeles"})
    with db.uow() as s:
        units.create(s, None, UnitCreate(call_sign=sign, unit_type="deputy_car", home_area=code), actor=SYSTEM)
        body = {"call_type": "FIGHT", "location": {"kind": "coordinates", "lat": lat + n * 1e-4, "lon": lon},
                "source": "911"}  # fmt: skip
        call = calls.intake(s, None, la_settings, CallCreate.model_validate(body), actor=DISPATCHER).call
    assert call.location.division == code
    with db.uow() as s:
        assignment.assign(s, None, call.id, AssignRequest(units=[sign]), actor=DISPATCHER)
    for status in ("en_route", "on_scene", "cleared"):
        with db.uow() as s:
            chain.step(s, None, call.id, StepRequest(status=AssignmentStatus(status), unit=sign), actor=DISPATCHER)
    with db.uow() as s:
        chain.close(s, None, call.id, CloseRequest(disposition=Disposition.report_taken), actor=DISPATCHER)


def _kpis(client: TestClient, headers: dict[str, str], **params: Any) -> Any:
    resp = client.get(f"{API}/oversight/kpis", params={"n_boot": 10, **params}, headers=headers)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    body.pop("computed_ms")
    return body


def _reaches(db: Database) -> list[tuple[str | None, str, str]]:
    with db.read() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "division.reach").order_by(AuditEntry.seq))
        return [(e.target_id, e.details["purpose"], e.details["path"]) for e in entries]


@pytest.mark.slow  # five calls through their whole life, then the KPI screen as four users
def test_a_division_analyst_kpis_count_their_division_calls_only(
    la: TestClient, db: Database, settings: Settings
) -> None:
    for n in range(2):
        _closed_call(db, settings, CENTRAL, n)
    _closed_call(db, settings, WEST, 0)
    me = _login(la, db, "analyst", CENTRAL[0])
    mine = _kpis(la, me)
    assert mine["total"]["calls"] == 2
    assert [(r["key"], r["calls"]) for r in _kpis(la, me, group_by="division")["rows"]] == [("01", 2)]

    rtcc = _login(la, db, "rtcc_analyst")
    assert _kpis(la, rtcc)["total"]["calls"] == 3
    by_division = _kpis(la, rtcc, group_by="division")["rows"]
    assert [(r["key"], r["calls"]) for r in by_division] == [("01", 2), ("08", 1)]
    assert _kpis(la, rtcc, division=WEST[0])["total"]["calls"] == 1  # narrowed, no purpose needed, not audited
    assert _reaches(db) == []

    # Another division's calls change nothing in Central's answer (the figures, not only the count).
    _closed_call(db, settings, WEST, 1)
    assert _kpis(la, me) == mine
    assert _kpis(la, rtcc)["total"]["calls"] == 4

    refused = la.get(f"{API}/oversight/kpis", params={"division": WEST[0]}, headers=me)
    assert refused.status_code == 403 and "purpose" in refused.json()["detail"]
    reached = _kpis(la, me, division=WEST[0], purpose="mutual aid, case 26-0042")
    assert reached["total"]["calls"] == 2
    assert _reaches(db) == [(WEST[0], "mutual aid, case 26-0042", f"{API}/oversight/kpis")]

    # A rule change's before/after counts the same calls.
    fight = calltypes.catalogue().call_type("FIGHT")
    assert fight is not None
    with db.uow() as s:
        since = utcnow() - timedelta(days=1)
        body = RuleCreate(call_type="FIGHT", priority=fight.default_priority, effective_from=since, reason="test")
        rule = calltypes.add_rule(s, None, body, actor=SYSTEM)
    for headers, calls_seen in ((me, 2), (rtcc, 4)):
        change = la.get(f"{API}/oversight/rules/{rule.id}/change", headers=headers)
        assert change.status_code == 200, change.text
        assert change.json()["after"]["calls"] == calls_seen
        assert sum(m["calls"] for m in change.json()["monthly"]) == calls_seen

    # The council report is the city's filed document: filed by Central's supervisor, it counts every call.
    month = utcnow().astimezone(places.city_zone()).strftime("%Y-%m")
    filed = la.post(f"{API}/oversight/reports", json={"month": month}, headers=_login(la, db, "supervisor", "01"))
    assert filed.status_code == 201, filed.text
    assert filed.json()["figures"]["calls"] == 4


def _incidents(spec: tuple[str, float, float], n: int, tag: str) -> list[IncidentRow]:
    """``n`` burglaries around the division's point over the last 120 days (a forecast needs 12 weeks of history)."""
    code, lat, lon = spec
    now = utcnow()
    rows = []
    for i in range(n):
        la_, lo = lat + ((i * 7) % 9 - 4) * 4e-4, lon + ((i * 5) % 9 - 4) * 4e-4
        assert places.division_of(la_, lo) == code
        rows.append(IncidentRow(external_id=f"{tag}-{i}", category="burglary", category_raw="BURGLARY",
                                occurred_at=now - timedelta(days=1 + (i * 3) % 120, hours=i % 24), address=None,
                                lat=la_, lon=lo, line=i + 2))  # fmt: skip
    return rows


def _store(db: Database, rows: list[IncidentRow]) -> None:
    with db.uow() as s:
        analytics.store_incidents(s, rows, source="test")


def _refresh(client: TestClient, headers: dict[str, str], **params: str) -> Any:
    body = {"categories": ["burglary"], "horizon_days": 7}
    resp = client.post(f"{API}/analytics/forecasts/refresh", json=body, params=params, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _comparable(forecast: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in forecast.items() if k not in ("id", "computed_at", "seconds")}


@pytest.mark.slow  # three forecasts of a division's grid, each with its backtest
def test_a_division_analyst_forecasts_are_their_division_events_on_their_division_grid(
    la: TestClient, db: Database
) -> None:
    _store(db, _incidents(CENTRAL, 40, "cen"))
    _store(db, _incidents(WEST, 30, "wst"))

    me = _login(la, db, "analyst", CENTRAL[0])
    [mine] = _refresh(la, me)
    assert (mine.get("division"), mine["status"], mine["events"]) == ("01", "ok", 40)
    flagged = [c for a in mine["areas"] for c in a["cells"]]
    assert flagged
    for cell in flagged:  # every flagged cell of Central's forecast lies in Central
        lon = sum(p[0] for p in cell["ring"][:4]) / 4
        lat = sum(p[1] for p in cell["ring"][:4]) / 4
        assert places.division_of(lat, lon) == "01", cell

    # West LA's history grows: Central's forecast is the same.
    _store(db, _incidents(WEST, 30, "wst2"))
    [again] = _refresh(la, me)
    assert _comparable(again) == _comparable(mine)

    # The RTCC-wide analyst computes West LA's (no purpose needed); the Central analyst's screen shows Central's only.
    rtcc = _login(la, db, "rtcc_analyst")
    [west] = _refresh(la, rtcc, division=WEST[0])
    assert (west["division"], west["events"]) == ("08", 60)
    listed = la.get(f"{API}/analytics/forecasts", headers=me).json()
    assert {f["division"] for f in listed} == {"01"}
    assert la.get(f"{API}/analytics/forecasts", headers=rtcc).json() == []  # no city-wide forecast stored yet
    narrowed = la.get(f"{API}/analytics/forecasts", params={"division": "08"}, headers=rtcc).json()
    assert {f["division"] for f in narrowed} == {"08"}
    refused = la.get(f"{API}/analytics/forecasts", params={"division": "08"}, headers=me)
    assert refused.status_code == 403
    reached = la.get(f"{API}/analytics/forecasts", params={"division": "08", "purpose": "task force 26-7"}, headers=me)
    assert reached.status_code == 200 and {f["division"] for f in reached.json()} == {"08"}
    assert _reaches(db) == [("08", "task force 26-7", f"{API}/analytics/forecasts")]


@pytest.mark.slow  # two placement models on the Los Angeles gazetteer
def test_a_division_analyst_placement_counts_and_places_in_their_division(la: TestClient, db: Database) -> None:
    _store(db, _incidents(CENTRAL, 12, "cen"))
    _store(db, _incidents(WEST, 9, "wst"))
    me = _login(la, db, "analyst", CENTRAL[0])
    resp = la.get(f"{API}/analytics/placement/alpr", headers=me)
    assert resp.status_code == 200, resp.text
    alpr = resp.json()
    assert alpr["parameters"]["incidents"] == 12
    for site in alpr["proposed"]:
        assert places.division_of(site["lat"], site["lon"]) == "01", site
    rtcc = _login(la, db, "rtcc_analyst")
    resp = la.get(f"{API}/analytics/placement/alpr", params={"division": WEST[0]}, headers=rtcc)
    assert resp.status_code == 200 and resp.json()["parameters"]["incidents"] == 9
    _store(db, _incidents(WEST, 9, "wst2"))
    assert la.get(f"{API}/analytics/placement/alpr", headers=me).json() == alpr


@pytest.mark.slow  # a burglary call taken and a patrol plan made in each division
def test_near_repeat_alerts_and_patrol_plans_are_their_division(la: TestClient, db: Database) -> None:
    admin = _login(la, db, "admin")
    numbers = {}
    now = utcnow()
    for code, lat, lon in (CENTRAL, WEST):
        body = {"call_type": "BURGLARY_RPT", "location": {"kind": "point", "lat": lat, "lon": lon}, "source": "911"}
        resp = la.post(f"{API}/dispatch/calls", json=body, headers=admin)
        assert resp.status_code == 201, resp.text
        numbers[code] = resp.json()["call"]["number"]
        unit = {"call_sign": f"P{code}", "unit_type": "cso", "home_area": code}
        assert la.post(f"{API}/dispatch/units", json=unit, headers=admin).status_code == 201
        with db.uow() as s:  # a plan of the unit (its stops do not matter here)
            s.add(PatrolPlan(call_sign=f"P{code}", kind="cso", area=code, starts_at=now - timedelta(hours=2),
                             ends_at=now - timedelta(hours=1), routing_method="straight_line", forecast_model="test",
                             comparison=[], created_by="test", created_at=now))  # fmt: skip
    me = _login(la, db, "analyst", CENTRAL[0])
    rtcc = _login(la, db, "rtcc_analyst")
    listed = la.get(f"{API}/patrol/near-repeats", headers=me)
    assert listed.status_code == 200, listed.text
    assert [a["call_number"] for a in listed.json()] == [numbers["01"]]
    every_alert = la.get(f"{API}/patrol/near-repeats", headers=rtcc).json()
    assert {a["call_number"] for a in every_alert} == set(numbers.values())

    assert [p["call_sign"] for p in la.get(f"{API}/patrol/plans", headers=me).json()] == ["P01"]
    assert {p["call_sign"] for p in la.get(f"{API}/patrol/plans", headers=rtcc).json()} == {"P01", "P08"}
    window = {"since": (now - timedelta(days=1)).isoformat(), "until": (now + timedelta(hours=1)).isoformat()}
    mine, every = (la.get(f"{API}/patrol/report", params=window, headers=h).json() for h in (me, rtcc))
    assert (mine["plans"], every["plans"]) == (1, 2)

    # by id as well: another division's plan and near-repeat alert are not found (not only left out of the lists)
    plan_ids = {p["call_sign"]: p["id"] for p in la.get(f"{API}/patrol/plans", headers=rtcc).json()}
    assert la.get(f"{API}/patrol/plans/{plan_ids['P01']}", headers=me).status_code == 200
    assert la.get(f"{API}/patrol/plans/{plan_ids['P08']}", headers=me).status_code == 404
    assert la.post(f"{API}/patrol/plans/{plan_ids['P08']}/measure", headers=me).status_code == 404
    assert la.get(f"{API}/patrol/plans/{plan_ids['P08']}", headers=rtcc).status_code == 200
    west_alert = next(a["id"] for a in every_alert if a["call_number"] == numbers["08"])
    boss = _login(la, db, "supervisor", CENTRAL[0])
    refused = la.post(f"{API}/patrol/near-repeats/{west_alert}/publish", headers=boss)
    assert refused.status_code == 404, refused.text
