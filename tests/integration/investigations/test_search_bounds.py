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
