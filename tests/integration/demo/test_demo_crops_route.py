"""The simulated-crop route: deny by default (anonymous 401, community 403, staff with alerts:read_verified 200),
a proper SVG response, 404 problem+json for anything that is not a crop token, and the demo feeder's reads carrying
a crop_ref that resolves on the real app, showing the plate the car carries when the camera misread it."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from rtcc.app import create_app
from rtcc.demo import crops, feeder, world
from rtcc.demo.accounts import DEMO_PASSWORD
from rtcc.demo.runner import demo_routers
from rtcc.demo.seed import SeedResult
from rtcc.demo.traffic import TrafficModel
from rtcc.runtime import Runtime
from rtcc.settings import Settings

CROP = crops.crop_ref("8JOV417", "CA")


@pytest.fixture
def app_client(settings: Settings, db: Any) -> Iterator[TestClient]:
    """The app as the demo builds it: the production app plus the demo's own routes (``demo_routers``)."""
    with TestClient(create_app(settings, extra_routers=demo_routers())) as client:
        yield client


def _svg_texts(body: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(body).iter("{http://www.w3.org/2000/svg}text")]


def test_anonymous_is_401_problem(app_client: TestClient) -> None:
    resp = app_client.get(CROP)
    assert resp.status_code == 401
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert "<svg" not in resp.text


@pytest.mark.parametrize("role", ["resident", "business", "program_staff"])
def test_roles_without_alert_access_are_403(app_client: TestClient, login: Any, role: str) -> None:
    resp = app_client.get(CROP, headers=login(role))
    assert resp.status_code == 403
    assert resp.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("role", ["analyst", "officer", "dispatcher", "auditor"])
def test_staff_who_read_alerts_get_the_svg(app_client: TestClient, login: Any, role: str) -> None:
    resp = app_client.get(CROP, headers=login(role))
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("image/svg+xml")
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in resp.headers["content-security-policy"]
    texts = _svg_texts(resp.text)
    assert "8JOV417" in texts and "California" in texts and "SIMULATED" in texts
    assert app_client.get(CROP, headers=login(role)).content == resp.content  # deterministic


@pytest.mark.parametrize(
    "token",
    [
        "CA-8JOV417",
        "Q0E6OEpPVjQxNw.000000",  # the token of CA 8JOV417 with a wrong check tag
        "Q0E6OEpPVjQxNw",
        "Q0E6OEpPVjQxNw.57bfa2.svg",
        "%3Cscript%3E.57bfa2",
        "CA-8JOV%20417",
        "x" * 600,
    ],
)
def test_bad_tokens_are_404_problem(app_client: TestClient, login: Any, token: str) -> None:
    assert CROP == "/api/v1/demo/crops/Q0E6OEpPVjQxNw.57bfa2"  # the tokens above are its near misses
    resp = app_client.get(f"/api/v1/demo/crops/{token}", headers=login("analyst"))
    assert resp.status_code == 404, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["status"] == 404 and "<svg" not in resp.text  # JSON, never an image of the input


@pytest.fixture
def demo_client(settings: Settings) -> Iterator[tuple[TestClient, SeedResult]]:
    """The app with the demo city seeded at start-up (users, the 19 cameras, the demo hotlists, the sensor key)."""
    from rtcc.demo.seed import seed

    seeded: list[SeedResult] = []

    async def start(rt: Runtime) -> None:
        import anyio

        def work() -> SeedResult:
            with rt.db.uow() as session:
                return seed(session, rt.bus, settings=rt.settings)

        seeded.append(await anyio.to_thread.run_sync(work))

    async def stop(rt: Runtime) -> None:
        return None

    with TestClient(create_app(settings, extra_hooks=[(start, stop)], extra_routers=demo_routers())) as client:
        yield client, seeded[0]


def test_feeder_reads_carry_crops_that_resolve(demo_client: tuple[TestClient, SeedResult], db: Any) -> None:
    client, seeded = demo_client
    token = client.post("/api/v1/auth/login", json={"username": "analyst", "password": DEMO_PASSWORD}).json()["token"]
    analyst = {"Authorization": f"Bearer {token}"}

    model = TrafficModel(np.random.default_rng(5), world.cameras(), hotlist=seeded.hotlist_entries, circulating=0)
    start = datetime.now(UTC) - timedelta(minutes=15)  # the scripted routes end well before now
    reads = model.schedule_hotlisted(start) + model.reads_between(start, start + timedelta(seconds=20))
    batch = [feeder.read_json(r) for r in reads]
    resp = client.post("/api/v1/reads", json={"reads": batch}, headers={"X-API-Key": seeded.api_key})
    assert resp.status_code == 202, resp.text
    assert resp.json()["accepted"] == len(batch)

    # The misread raises a hit on the listed 8JDV417; its crop shows the car's real plate 8JOV417.
    deadline = time.monotonic() + 20
    hit: dict[str, Any] | None = None
    while hit is None:
        items = client.get("/api/v1/alerts?kind=hit&limit=100&purpose=hit_verification", headers=analyst).json()[
            "items"
        ]
        hit = next((a for a in items if a.get("plate_read") == "8JDV417"), None)
        if hit is None:
            assert time.monotonic() < deadline, f"no hit on 8JDV417 among {[a.get('plate_read') for a in items]}"
            time.sleep(0.1)
    detail = client.get(f"/api/v1/alerts/{hit['id']}", headers=analyst).json()
    assert detail["read"]["plate"] == "8JDV417"
    ref = detail["read"]["crop_ref"]
    assert ref == CROP
    crop = client.get(ref, headers=analyst)
    assert crop.status_code == 200 and crop.headers["content-type"].startswith("image/svg+xml")
    texts = _svg_texts(crop.text)
    assert "8JOV417" in texts and "8JDV417" not in texts

    # Every read's stored crop_ref is a relative URL that loads.
    from sqlalchemy import select

    from rtcc.alpr.models import Read

    with db.read() as session:
        refs = set(session.scalars(select(Read.crop_ref)))
    assert len(refs) >= 3 and all(isinstance(r, str) and r.startswith("/api/v1/demo/crops/") for r in refs)
    for r in sorted(refs)[:25]:
        got = client.get(r, headers=analyst)
        assert got.status_code == 200 and got.headers["content-type"].startswith("image/svg+xml"), r
