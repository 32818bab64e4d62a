"""The demo's read history on a real database, through the ingest path and the running app: reads days back that
search, track, stakeout, common plates and co-travel find; no alert from history; a second run adds only what is
new; each day's reads the same on every run."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from rtcc.app import create_app
from rtcc.core.db import Database
from rtcc.demo import history, world
from rtcc.demo.seed import DEMO_PASSWORD, SeedResult
from rtcc.demo.traffic import demo_hotlist
from rtcc.runtime import Runtime
from rtcc.settings import Settings

DAYS = 2


@pytest.fixture
def demo(settings: Settings, db: Database) -> Iterator[tuple[TestClient, Runtime, SeedResult]]:
    """The app with the demo city seeded at start-up; the history is loaded by the test (``db``: emptied after)."""
    from rtcc.demo.seed import seed

    got: list[tuple[Runtime, SeedResult]] = []

    async def start(rt: Runtime) -> None:
        import anyio

        def work() -> SeedResult:
            with rt.db.uow() as session:
                return seed(session, rt.bus, settings=rt.settings)

        got.append((rt, await anyio.to_thread.run_sync(work)))

    async def stop(rt: Runtime) -> None:
        return None

    with TestClient(create_app(settings, extra_hooks=[(start, stop)])) as client:
        yield client, got[0][0], got[0][1]


def _token(client: TestClient, user: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": user, "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_history_feeds_the_investigation_tools_and_raises_no_alert(
    demo: tuple[TestClient, Runtime, SeedResult],
) -> None:
    client, rt, seeded = demo
    now = datetime.now(UTC)
    first = history.seed_history(rt.db, rt.bus, rt.settings, hotlist=seeded.hotlist_entries, days=DAYS, now=now)
    assert first.days == DAYS and first.rejected == 0 and first.duplicates == 0
    assert first.accepted == first.generated > 2 * 4000  # about 5,000 reads a day at 3 % of the city's volume
    analyst = _token(client, "analyst")
    # the plate searches below reach over days: they name a case on record (a demo hotlist entry's case number)
    purpose = {"purpose": "stolen_vehicle", "case_number": seeded.hotlist_entries[0].case_number}

    # a regular plate recurs on every day of the history, at its own cameras
    model = history.history_model(seeded.hotlist_entries, 7)
    pairs = history._convoy_plates(model, np.random.default_rng([7, 2]))
    lead, follow = pairs[0]
    found: dict[str, Any] = {}
    deadline = datetime.now(UTC) + timedelta(seconds=30)  # the search index follows the stored-reads events
    while datetime.now(UTC) < deadline:
        found = client.post("/api/v1/search/plates", json={"plate": lead, **purpose}, headers=analyst).json()
        if found.get("items") and len({h["observed_at"][:10] for h in found["items"]}) >= 2:
            break
        time.sleep(0.2)
    days_seen = {h["observed_at"][:10] for h in found["items"]}
    assert len(days_seen) >= 2, found

    # co-travel finds the convoy partner; the track has the lead's reads
    cot = client.post(
        "/api/v1/search/cotravel",
        json={"plate": lead, "start": (now - timedelta(days=DAYS + 1)).isoformat(), "end": now.isoformat(), **purpose},
        headers=analyst,
    )
    assert cot.status_code == 200, cot.text
    assert follow in {p["plate_norm"] for p in cot.json()["plates"]}
    track = client.post("/api/v1/search/history", json={"plate": lead, **purpose}, headers=analyst)
    assert track.status_code == 200, track.text

    # stakeout at a busy camera an hour yesterday afternoon sees dozens of plates
    cam = world.cameras()[0]
    yesterday = (now - timedelta(days=1)).replace(hour=22, minute=0, second=0, microsecond=0)  # 2-3 pm Pacific
    so = client.post(
        "/api/v1/search/stakeout",
        json={"area": {"lat": cam.lat, "lon": cam.lon, "radius_m": 300}, "start": yesterday.isoformat(),
              "end": (yesterday + timedelta(hours=1)).isoformat(), **purpose},
        headers=analyst,
    )  # fmt: skip
    assert so.status_code == 200, so.text
    assert so.json()["total_plates"] >= 5

    # no hotlisted plate (or look-alike) in the history: no alert
    assert client.get("/api/v1/alerts?purpose=hit_verification", headers=analyst).json()["total"] == 0

    # a second run stores only the reads observed since the first
    again = history.seed_history(
        rt.db, rt.bus, rt.settings, hotlist=seeded.hotlist_entries, days=DAYS, now=now + timedelta(minutes=5)
    )
    assert again.duplicates == first.accepted and again.accepted == again.generated - first.accepted


def test_a_day_of_history_is_the_same_on_every_run_and_holds_no_listed_look_alike() -> None:
    hotlist = demo_hotlist(np.random.default_rng(7))
    day = datetime(2026, 11, 3, tzinfo=UTC).date()
    pairs: list[tuple[str, str]] = [("1AAA111", "2BBB222")]
    a = history.day_reads(history.history_model(hotlist, 7), pairs, day, 7)
    b = history.day_reads(history.history_model(hotlist, 7), pairs, day, 7)
    assert [(r.plate, r.observed_at, r.camera_code) for r in a] == [(r.plate, r.observed_at, r.camera_code) for r in b]
    assert 3000 < len(a) < 8000
    near = history._near_listed(hotlist)
    listed = hotlist[0].plate
    look_alike = listed[:-1] + ("1" if listed[-1] != "1" else "2")
    assert near([listed, look_alike, "ZZZZZZZ"]) == [True, True, False]
    convoy = [r for r in a if r.plate in ("1AAA111", "2BBB222")]
    assert len(convoy) >= 4 and {r.plate for r in convoy} == {"1AAA111", "2BBB222"}
