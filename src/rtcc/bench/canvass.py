"""``rtcc bench canvass``: canvass over a Los Angeles-scale registry (default 100,000 cameras).

Setup: cameras spread over the Los Angeles basin (33.70-34.34 N, 118.67-118.15 W) with a realistic mix of owner
types, mountings (10-150 m range; 60-120 degree cones, some 360-degree domes) and sharing levels (5 % withdrawn),
bulk-inserted into a scratch database, and the in-memory index built once (start-up work, reported as ``build_ms``).
Measured, per query: the whole ``rtcc.cameras.canvass.canvass`` call in a read session, exactly what
``POST /api/v1/canvass`` does minus HTTP and the audit entry: the registry-version check, the kernel query, loading
the hit rows and building the result. Queries are at random points, half of them in front of a random camera
within its range, so results are not empty. Baseline in the same run: the same kernel geometry over ALL cameras
with no prefilter (``brute_p95_ms``).
Keys: cameras, p50_ms, p95_ms, build_ms, brute_p50_ms, brute_p95_ms, mean_hits, queries, database.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import insert

from rtcc.bench._support import scratch_database
from rtcc.cameras import canvass as canvass_uc
from rtcc.cameras import repository
from rtcc.cameras.kernel import M_PER_DEG_LAT, bearings_deg, haversine_m
from rtcc.cameras.models import RegisteredCamera
from rtcc.cameras.schemas import CanvassQuery
from rtcc.core.clock import utcnow
from rtcc.core.db import Database

LAT_RANGE = (33.70, 34.34)
LON_RANGE = (-118.67, -118.15)
QUERIES = 1000
CHUNK = 10_000
#: owner type -> (share of cameras, range min, range max)
MIX = {"residential": (0.55, 10.0, 40.0), "business": (0.30, 15.0, 60.0), "city": (0.12, 40.0, 150.0),
       "alpr": (0.03, 30.0, 60.0)}  # fmt: skip


def _rows(rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    now = utcnow()
    types = rng.choice(list(MIX), size=n, p=[v[0] for v in MIX.values()])
    lat = rng.uniform(*LAT_RANGE, n)
    lon = rng.uniform(*LON_RANGE, n)
    direction = rng.uniform(0, 360, n)
    fov = np.where(rng.random(n) < 0.1, 360.0, rng.choice([60.0, 90.0, 110.0, 120.0], n))
    u = rng.random(n)
    level = np.where(u < 0.05, "withdrawn", np.where(u < 0.55, "registered", np.where(u < 0.9, "on_request",
                                                                                      "live_linked")))  # fmt: skip
    keep = rng.choice([3, 7, 14, 30, 60, 90], n)
    rows = []
    for i in range(n):
        t = str(types[i])
        lo, hi = MIX[t][1], MIX[t][2]
        rows.append(
            {
                "id": uuid.uuid4(), "code": f"LA-{i:06d}", "name": f"Camera {i}", "owner_type": t,
                "owner_user_id": None, "owner_name": "Bench owner", "contact": None, "address": None,
                "lat": float(lat[i]), "lon": float(lon[i]), "direction_deg": float(direction[i]),
                "fov_deg": float(fov[i]), "range_m": float(lo + (hi - lo) * rng.random()),
                "owner_retention_days": int(keep[i]), "sharing_level": str(level[i]),
                "stream_url": "https://bench.example/live" if level[i] == "live_linked" else None,
                "snapshot_url": None, "alpr_camera_code": None, "notes": None, "registered_at": now,
                "updated_at": now, "withdrawn_at": now if level[i] == "withdrawn" else None, "last_seen_at": None,
                "last_checked_at": None, "last_ok_at": None, "last_error": None,
            }
        )  # fmt: skip
    return rows


def _pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(values), q)), 3)


def run(*, rows: int | None = None, database_url: str | None = None) -> dict[str, Any]:
    """Measure canvass latency over ``rows`` cameras (default 100,000) and the no-prefilter baseline."""
    n = rows or 100_000
    rng = np.random.default_rng(20261122)
    with scratch_database(database_url) as url:
        db = Database(url)
        data = _rows(rng, n)
        with db.uow() as s:
            for i in range(0, n, CHUNK):
                s.execute(insert(RegisteredCamera), data[i : i + CHUNK])
            repository.bump_version(s)

        index = canvass_uc.CanvassIndex()
        t0 = time.perf_counter()
        with db.read() as s:
            built = index.ensure_current(s)
        build_ms = (time.perf_counter() - t0) * 1000.0

        points: list[tuple[float, float]] = []
        for q in range(QUERIES):
            if q % 2 == 0:  # in front of a random camera, within its range
                cam = data[int(rng.integers(n))]
                dist = cam["range_m"] * float(rng.uniform(0.1, 0.9))
                heading = np.radians(cam["direction_deg"] + float(rng.normal(0, 10)))
                dlat = dist * np.cos(heading) / M_PER_DEG_LAT
                dlon = dist * np.sin(heading) / (M_PER_DEG_LAT * np.cos(np.radians(cam["lat"])))
                points.append((cam["lat"] + float(dlat), cam["lon"] + float(dlon)))
            else:
                points.append((float(rng.uniform(*LAT_RANGE)), float(rng.uniform(*LON_RANGE))))
        del data  # the generator's rows are not part of a running server's heap
        now = utcnow()
        start = now - timedelta(days=5)
        queries = [CanvassQuery(lat=la, lon=lo, start=start, end=start + timedelta(hours=1)) for la, lo in points]

        times: list[float] = []
        hits = 0
        with db.read() as s:
            canvass_uc.canvass(s, index, queries[0], now=now)  # warm the connection and statement caches
            for query in queries:
                t = time.perf_counter()
                result = canvass_uc.canvass(s, index, query, now=now)
                times.append((time.perf_counter() - t) * 1000.0)
                hits += len(result.items)

        # Baseline: the same geometry over every shared camera, no prefilter.
        arrays = built.arrays
        brute: list[float] = []
        for la, lo in points[:200]:
            t = time.perf_counter()
            d = haversine_m(arrays.lat, arrays.lon, la, lo)
            b = bearings_deg(arrays.lat, arrays.lon, la, lo)
            off = np.abs((b - arrays.direction + 180.0) % 360.0 - 180.0)
            seen = np.flatnonzero((d <= arrays.range_m) & ((arrays.fov >= 360.0) | (off <= arrays.fov / 2.0)))
            seen[np.lexsort((off[seen], np.round(d[seen], 1)))]
            brute.append((time.perf_counter() - t) * 1000.0)
        db.dispose()
    return {
        "cameras": n,
        "shared_cameras": index.size,
        "p50_ms": _pct(times, 50),
        "p95_ms": _pct(times, 95),
        "max_ms": round(max(times), 3),
        "build_ms": round(build_ms, 1),
        "brute_p50_ms": _pct(brute, 50),
        "brute_p95_ms": _pct(brute, 95),
        "mean_hits": round(hits / len(queries), 2),
        "queries": len(queries),
        "database": "postgresql" if database_url and database_url.startswith("postgresql") else "sqlite",
    }
