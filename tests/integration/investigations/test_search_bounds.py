"""Security test finding (issue 15, part 3): a city-wide stakeout without a case number (purpose officer_safety over
a 50 km radius) returned every plate in the city. An area search now stays inside its purpose's case-free bounds
(policy data on the purpose: radius and window) or names a case on record; a made-up case number does not lift them.
Administrators change the bounds through the purpose list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from search_world import CAMERAS, T0, World
from sqlalchemy import select

from rtcc.audit.models import AuditEntry
from rtcc.core.db import Database
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM
from rtcc.identity.schemas import ApiKeyCreate

Login = Callable[..., dict[str, str]]


def _stakeout(radius_m: float, hours: float, **purpose: Any) -> dict[str, Any]:
    lat, lon = CAMERAS["A"]
    return {
        "area": {"lat": lat, "lon": lon, "radius_m": radius_m},
        "start": (T0 - timedelta(minutes=5)).isoformat(),
        "end": (T0 - timedelta(minutes=5) + timedelta(hours=hours)).isoformat(),
        **purpose,
    }


def _case_on_record(client: TestClient, admin: dict[str, str], case_number: str) -> None:
    made = client.post("/api/v1/hotlists", json={"name": "Cases", "category": "bolo"}, headers=admin)
    entry = {"plate": "6REC000", "case_number": case_number}
    assert client.post(f"/api/v1/hotlists/{made.json()['id']}/entries", json=entry, headers=admin).status_code == 201


def test_city_wide_stakeout_needs_a_case_on_record(
    app_client: TestClient, login: Login, world: World, db: Database
) -> None:
    analyst, admin = login("analyst"), login("admin")
    url = "/api/v1/search/stakeout"
    wide = app_client.post(url, json=_stakeout(50_000, 3, purpose="officer_safety"), headers=analyst)
    assert wide.status_code == 422, wide.text
    assert wide.json()["detail"].startswith("case_number:") and "1000 m and 4 h" in wide.json()["detail"]
    long = app_client.post(url, json=_stakeout(500, 12, purpose="officer_safety"), headers=analyst)
    assert long.status_code == 422 and long.json()["detail"].startswith("case_number:")
    made_up = _stakeout(50_000, 3, purpose="officer_safety", case_number="26-999999")
    refused = app_client.post(url, json=made_up, headers=analyst)
    assert refused.status_code == 422 and "not a case on record" in refused.json()["detail"]
    with db.read() as s:
        refusals = s.scalars(select(AuditEntry).where(AuditEntry.action == "alpr.search.refused")).all()
        assert len(refusals) == 3

    local = app_client.post(url, json=_stakeout(500, 3, purpose="officer_safety"), headers=analyst)
    assert local.status_code == 200, local.text
    _case_on_record(app_client, admin, "26-999999")
    with_case = app_client.post(url, json=made_up, headers=analyst)
    assert with_case.status_code == 200, with_case.text
    assert with_case.json()["total_plates"] >= local.json()["total_plates"]

    many_cameras = {
        "camera_ids": [str(world.cameras[c]) for c in ("A", "B", "C", "D")],
        "start": T0.isoformat(),
        "end": (T0 + timedelta(hours=1)).isoformat(),
        "purpose": "hit_verification",
    }
    spread = app_client.post(url, json=many_cameras, headers=analyst)
    assert spread.status_code == 422 and spread.json()["detail"].startswith("case_number:")


def test_bounds_are_policy_data_an_administrator_changes(app_client: TestClient, login: Login, world: World) -> None:
    analyst, admin = login("analyst"), login("admin")
    listed = {p["code"]: p for p in app_client.get("/api/v1/governance/purposes", headers=admin).json()}
    assert (listed["officer_safety"]["case_free_radius_m"], listed["officer_safety"]["case_free_window_h"]) == (
        1000,
        4,
    )
    assert listed["audit_review"]["case_free_radius_m"] is None
    change = {
        "label": "Officer safety / BOLO",
        "requires_case": False,
        "case_free_radius_m": 200,
        "case_free_window_h": 1,
    }
    assert app_client.put("/api/v1/governance/purposes/officer_safety", json=change, headers=admin).status_code == 200
    got = app_client.post("/api/v1/search/stakeout", json=_stakeout(500, 1, purpose="officer_safety"), headers=analyst)
    assert got.status_code == 422 and "200 m and 1 h" in got.json()["detail"]
    common = {
        "purpose": "audit_review",
        "places": [
            {"lat": 33.87, "lon": -118.07, "at": T0.isoformat()},
            {"lat": 33.88, "lon": -118.06, "at": T0.isoformat()},
        ],
    }
    refused = app_client.post("/api/v1/search/common", json=common, headers=analyst)
    assert refused.status_code == 422 and "allows no area search without a case" in refused.json()["detail"]


# --- plate searches (issue 15, part 1 follow-up) ----------------------------------------------------------------------
# An exact or pattern plate search, its export, a vehicle history and co-travel had no bound at all: without a case
# number, officer_safety returned a plate's whole city-wide history. Without a case on record they now span no more
# than the purpose's case-free window (officer_safety: 4 h), and need a start; a case on record lifts the bound.

MONTH = {"start": (T0 - timedelta(days=30)).isoformat(), "end": (T0 + timedelta(hours=3)).isoformat()}
THREE_HOURS = {
    "start": (T0 - timedelta(minutes=5)).isoformat(),
    "end": (T0 + timedelta(hours=2, minutes=55)).isoformat(),
}
PLATE_SEARCHES: list[tuple[str, dict[str, Any]]] = [
    ("/api/v1/search/plates", {"plate": "7ABC123"}),
    ("/api/v1/search/plates", {"plate": "7AB*123", "mode": "wildcard"}),
    ("/api/v1/search/plates", {"plate": "XYZ", "mode": "partial"}),
    ("/api/v1/search/export", {"plate": "7ABC123"}),
    ("/api/v1/search/history", {"plate": "7ABC123"}),
    ("/api/v1/search/cotravel", {"plate": "7ABC123", "window_s": 60, "min_cameras": 2}),
]


def _count(path: str, got: Any) -> int:
    if path.endswith("/export"):
        return len(got.text.strip().splitlines()) - 1
    return int(got.json()["result_count"])


def test_case_free_plate_searches_are_bounded_in_time(
    app_client: TestClient, login: Login, world: World, db: Database
) -> None:
    analyst, admin = login("analyst"), login("admin")
    free = {"purpose": "officer_safety"}
    for path, body in PLATE_SEARCHES:
        month = app_client.post(path, json={**body, **MONTH, **free}, headers=analyst)
        assert month.status_code == 422, (path, month.text)
        assert month.headers["content-type"].startswith("application/problem+json")
        problem = month.json()
        assert problem["detail"].startswith("case_number: required") and "at most 4 h" in problem["detail"], problem
        assert [e["field"] for e in problem["errors"]] == ["case_number"]
        no_start = app_client.post(path, json={**body, **free}, headers=analyst)  # all time
        assert no_start.status_code == 422 and "no start given" in no_start.json()["detail"], no_start.text
        made_up = app_client.post(path, json={**body, **MONTH, **free, "case_number": "26-777777"}, headers=analyst)
        assert made_up.status_code == 422 and "not a case on record" in made_up.json()["detail"]
        inside = app_client.post(path, json={**body, **THREE_HOURS, **free}, headers=analyst)
        assert inside.status_code == 200, (path, inside.text)
        assert _count(path, inside) > 0, path
    with db.read() as s:
        refusals = s.scalars(select(AuditEntry).where(AuditEntry.action == "alpr.search.refused")).all()
    assert len(refusals) == 3 * len(PLATE_SEARCHES)

    _case_on_record(app_client, admin, "26-777777")
    for path, body in PLATE_SEARCHES:
        with_case = app_client.post(path, json={**body, **MONTH, **free, "case_number": "26-777777"}, headers=analyst)
        assert with_case.status_code == 200, (path, with_case.text)
        whole = app_client.post(path, json={**body, **free, "case_number": "26-777777"}, headers=analyst)
        assert whole.status_code == 200, (path, whole.text)


def test_case_free_window_is_the_purposes_and_an_audit_review_needs_a_case(
    app_client: TestClient, login: Login, world: World
) -> None:
    analyst = login("analyst")
    # hit_verification: 2 h without a case; 7ABC123's reads over 2.5 h are refused, over 1 h answered
    short = {"start": T0.isoformat(), "end": (T0 + timedelta(hours=1)).isoformat(), "purpose": "hit_verification"}
    long = {**short, "end": (T0 + timedelta(hours=2, minutes=30)).isoformat()}
    got = app_client.post("/api/v1/search/plates", json={"plate": "7ABC123", **short}, headers=analyst)
    assert got.status_code == 200 and got.json()["result_count"] == 4
    refused = app_client.post("/api/v1/search/plates", json={"plate": "7ABC123", **long}, headers=analyst)
    assert refused.status_code == 422 and "at most 2 h" in refused.json()["detail"]
    review = app_client.post(
        "/api/v1/search/history", json={"plate": "7ABC123", **short, "purpose": "audit_review"}, headers=analyst
    )
    assert review.status_code == 422 and "allows no plate search without a case" in review.json()["detail"]
    # the purposes the search forms read carry the bounds
    listed = {p["code"]: p for p in app_client.get("/api/v1/search/purposes", headers=analyst).json()}
    assert listed["hit_verification"]["case_free_window_h"] == 2


def test_a_sharing_request_beyond_the_window_needs_a_case_on_our_record(
    app_client: TestClient, login: Login, world: World, db: Database
) -> None:
    admin = login("admin")
    agency = {"code": "LBPD", "name": "Long Beach PD", "data_classes": ["reads_nonhit"], "purposes": ["stolen_vehicle"]}
    assert app_client.post("/api/v1/sharing/agencies", json=agency, headers=admin).status_code == 201
    with db.uow() as s:
        _, secret = identity.create_api_key(s, ApiKeyCreate(name="lbpd-key", agency="LBPD"), actor=SYSTEM)
    key = {"X-API-Key": secret}
    ask = {"data_class": "reads_nonhit", "purpose": "stolen_vehicle", "case_number": "LB-2026-9"}
    whole = app_client.post("/api/v1/sharing/requests", json={**ask, "query": {"plate": "7ABC123"}}, headers=key)
    assert whole.status_code == 200, whole.text
    assert (whole.json()["decision"], whole.json()["reason_code"]) == ("deny", "case_required")
    assert whole.json()["results"] is None and "not a case on record" in whole.json()["reason"]
    day = {"plate": "7ABC123", "start": T0.isoformat(), "end": (T0 + timedelta(hours=3)).isoformat()}
    within = app_client.post("/api/v1/sharing/requests", json={**ask, "query": day}, headers=key)
    assert within.json()["decision"] == "allow" and within.json()["result_count"] == 5, within.text
    _case_on_record(app_client, admin, "LB-2026-9")
    whole = app_client.post("/api/v1/sharing/requests", json={**ask, "query": {"plate": "7ABC123"}}, headers=key)
    assert whole.json()["decision"] == "allow" and whole.json()["result_count"] == 5, whole.text
