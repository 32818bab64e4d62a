"""The flights half of ``rtcc bench drones`` (``rtcc.bench.drones.run`` merges these parts): telemetry with the
geofence check on every message, and the public flight log's first page over 100,000 flights.

**Telemetry** (``telemetry_*``): a scratch database with 50 drones in flight and a policy of ``ZONES`` (500) random
geofence polygons (half no-fly, half camera-restricted, 100-400 m across) inside the city; each drone flies a random
straight leg at 15 m/s reporting at 5 Hz, its camera alternating up and down every 20 fixes. The fixes are encoded by
pymavlink as real MAVLink datagrams (GIMBAL_DEVICE_ATTITUDE_STATUS, SYS_STATUS, VFR_HUD, GLOBAL_POSITION_INT) and
timed through the real ingest path: ``MavlinkAssembler.feed_bytes`` (decoding) -> ``TelemetryWriter`` (batches, one
transaction each) -> ``rtcc.drones.ingest`` (geofence check of each leg, breaches with their alerts, track points,
live events). ``telemetry_msgs_per_s`` counts fixes (one position each) stored per second; ``geofence_checks`` is how
many checks ran (one per fix). Baseline in the same run: the same datagrams through the same path with a policy of
no zones (``telemetry_no_geofence_msgs_per_s``: what the check costs). Correctness (``geofence_correct``): the breach
events stored equal a brute-force replay over every zone (each leg against every zone's edges, no index).

**Public log** (``log_page_*``): 100,000 landed flights written in bulk (then ANALYZEd, as a live database is), a real
server (``uvicorn``, scratch database, in-process bus); ``GET /api/v1/public/drones/flights?limit=50`` (no login)
``REQUESTS`` times: ``log_page_p95_ms``. Same run: a page deep in the log through its keyset cursor
(``log_deep_page_p95_ms``, the same cost however deep) and the server's floor, ``GET /healthz``
(``log_floor_p95_ms``). Correctness (``log_page_correct``): the first page and the deep page hold exactly the flights
a direct ``ORDER BY launched_at DESC, id DESC`` query returns there.

Targets from the issue: >= 2,000 messages/s with the geofence check on each; the first page p95 <= 300 ms.
Benchmarks assert nothing about time.
"""

from __future__ import annotations

import math
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sqlalchemy import insert, select, text

from rtcc.bench._server import free_port, start_server, stop_server, wait_ready
from rtcc.bench._support import CollectingBus, scratch_database
from rtcc.core.db import Database
from rtcc.drones import flight_repo, ingest, mavlink
from rtcc.drones.flight_models import Flight, FlightEvent
from rtcc.drones.geofence import polygon_rings
from rtcc.drones.models import Dock, Drone, Geofence, LaunchPolicy
from rtcc.drones.telemetry import TelemetryFix, camera_down
from rtcc.drones.writer import TelemetryWriter
from rtcc.places import service as places
from rtcc.runtime import Runtime
from rtcc.settings import Settings

DRONES = 50
ZONES = 500
FIXES_PER_DRONE = 200  # 40 s at 5 Hz
LOG_FLIGHTS = 100_000
PAGE = 50
REQUESTS = 200
M_PER_DEG = 111_320.0


def _square(lat: float, lon: float, side_m: float, rng: np.random.Generator) -> dict[str, Any]:
    """A random quadrilateral about ``side_m`` across around a point (GeoJSON)."""
    dlat = side_m / 2 / M_PER_DEG
    dlon = side_m / 2 / (M_PER_DEG * math.cos(math.radians(lat)))
    j = rng.uniform(0.7, 1.0, 4)
    ring = [
        [lon - dlon * j[0], lat - dlat * j[0]],
        [lon + dlon * j[1], lat - dlat * j[1]],
        [lon + dlon * j[2], lat + dlat * j[2]],
        [lon - dlon * j[3], lat + dlat * j[3]],
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _fleet(db: Database, rng: np.random.Generator, *, zones: int, version: int) -> list[tuple[uuid.UUID, str]]:
    """Docks, ``DRONES`` drones each with a flight in progress under a policy ``version`` of ``zones`` zones."""
    now = datetime.now(UTC)
    sites = places.random_points(DRONES + zones, rng)
    out = []
    with db.uow() as s:
        policy = LaunchPolicy(
            version=version, name=f"bench v{version}", eligible_call_types=[], excluded_call_types=[],
            max_wind_mps=12, max_gust_mps=None, daylight_only=False, min_battery_pct=30, max_range_m=8000,
            reserve_pct=20, effective_from=now - timedelta(days=1), created_at=now, created_by="bench",
        )  # fmt: skip
        s.add(policy)
        s.flush()
        for i in range(zones):
            lat, lon = sites[DRONES + i]
            geo = _square(lat, lon, float(rng.uniform(100, 400)), rng)
            xs = [p[0] for p in geo["coordinates"][0]]
            ys = [p[1] for p in geo["coordinates"][0]]
            s.add(
                Geofence(
                    id=uuid.uuid4(), policy_id=policy.id, policy_version=version,
                    kind="no_fly" if i % 2 == 0 else "camera_restricted", name=f"zone {i}", geometry=geo,
                    min_lon=min(xs), min_lat=min(ys), max_lon=max(xs), max_lat=max(ys),
                )
            )  # fmt: skip
        for i in range(DRONES):
            lat, lon = sites[i]
            code = f"B{version}-{i:03d}"
            dock = Dock(
                id=uuid.uuid4(), code=f"DK{version}-{i:03d}", name=code, lat=lat, lon=lon, status="online",
                launch_time_s=20, created_at=now, updated_at=now,
            )  # fmt: skip
            drone = Drone(
                id=uuid.uuid4(), code=code, model="bench", cruise_speed_mps=15, endurance_s=2400, battery_pct=100,
                status="in_flight", status_at=now, dock_id=dock.id, created_at=now, updated_at=now,
            )  # fmt: skip
            s.add_all([dock, drone])
            s.flush()
            flight = Flight(
                id=uuid.uuid4(), drone_id=drone.id, drone_code=code, dock_id=dock.id, policy_version=version,
                status="in_flight", launched_at=now - timedelta(minutes=5), camera_down_s=0.0, points=0,
                zones_inside=[], zones_alerted=[], flagged=False, flags=[], call_closed=False, footage="none",
                created_by="bench",
            )  # fmt: skip
            s.add(flight)
            out.append((flight.id, code))
    return out


def _datagrams(codes: list[str], rng: np.random.Generator, start: datetime) -> tuple[list[bytes], list[TelemetryFix]]:
    """Each drone's MAVLink datagrams (one fix each), interleaved in time order, and the fixes they carry."""
    sites = places.random_points(len(codes), rng)
    encoders = [mavlink.encoder(i + 1) for i in range(len(codes))]
    boot_us = int(start.timestamp() * 1e6)
    grams: list[bytes] = [mav.system_time_encode(boot_us, 0).pack(mav) for mav in encoders]
    fixes: list[TelemetryFix] = []
    heads = rng.uniform(0, 360, len(codes))
    for k in range(FIXES_PER_DRONE):
        for i, code in enumerate(codes):
            d = 15.0 * 0.2 * k
            h = math.radians(heads[i])
            lat = sites[i][0] + d * math.cos(h) / M_PER_DEG
            lon = sites[i][1] + d * math.sin(h) / (M_PER_DEG * math.cos(math.radians(sites[i][0])))
            pitch = -70.0 if (k // 20) % 2 else -5.0
            fix = TelemetryFix(code, None, lat, lon, 60.0, float(heads[i]), 15.0, 90.0, pitch, "bench")
            grams.append(mavlink.encode_fix(encoders[i], fix, time_boot_ms=k * 200))
            fixes.append(fix)
    return grams, fixes


def _push(url: str, settings: Settings, codes: list[str], grams: list[bytes]) -> tuple[float, int, int]:
    """Decode and store every datagram through the real path; (seconds, fixes stored, geofence checks)."""
    db = Database(url)
    runtime = Runtime(settings=settings, db=db, bus=CollectingBus())
    asm = mavlink.MavlinkAssembler({i + 1: c for i, c in enumerate(codes)}.get)
    writer = TelemetryWriter(runtime, "bench")
    writer.start()
    t0 = time.perf_counter()
    for g in grams:
        for fix in asm.feed_bytes(g):
            writer.put(fix)
            while writer._queue.qsize() > 5000:
                time.sleep(0.001)
    writer.stop(600)
    elapsed = time.perf_counter() - t0
    db.dispose()
    return elapsed, writer.stats.stored, writer.stats.geofence_checks


Edge = tuple[float, float, float, float]


def _inside(edges: list[Edge], x: float, y: float) -> bool:
    """Even-odd ray casting, plain Python (independent of the kernel)."""
    c = False
    for x1, y1, x2, y2 in edges:
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            c = not c
    return c


def _crosses(edges: list[Edge], ax: float, ay: float, bx: float, by: float) -> bool:
    """Whether segment a-b touches any edge (orientation tests, plain Python)."""

    def orient(px: float, py: float, qx: float, qy: float, rx: float, ry: float) -> float:
        return (qx - px) * (ry - py) - (qy - py) * (rx - px)

    for x1, y1, x2, y2 in edges:
        if (
            max(x1, x2) < min(ax, bx)
            or min(x1, x2) > max(ax, bx)
            or max(y1, y2) < min(ay, by)
            or min(y1, y2) > max(ay, by)
        ):
            continue
        d1, d2 = orient(x1, y1, x2, y2, ax, ay), orient(x1, y1, x2, y2, bx, by)
        d3, d4 = orient(ax, ay, bx, by, x1, y1), orient(ax, ay, bx, by, x2, y2)
        if d1 * d2 <= 0 and d3 * d4 <= 0:
            return True
    return False


@dataclass(frozen=True)
class _Z:
    key: str
    kind: str
    edges: list[Edge]


def _brute_force(db: Database, version: int, settings: Settings) -> set[tuple[str, str, str]]:
    """(flight, zone, kind) of every breach, replayed leg by leg against every zone in plain Python (no index, no
    numpy: an implementation independent of the kernel's)."""
    with db.read() as s:
        _v, rows = flight_repo.policy_zones(s, version)
        zones = []
        for g in rows:
            edges = [
                (float(r[i][0]), float(r[i][1]), float(r[i + 1][0]), float(r[i + 1][1]))
                for r in polygon_rings(g.geometry)
                for i in range(len(r) - 1)
            ]
            zones.append(_Z(str(g.id), g.kind, edges))
        flights = s.scalars(select(Flight).where(Flight.policy_version == version)).all()
        tracks = {f.id: [(p.lon, p.lat, p.camera_pitch_deg) for p in flight_repo.track(s, f.id)] for f in flights}
    found: set[tuple[str, str, str]] = set()
    for fid, pts in tracks.items():
        inside: set[str] = set()
        alerted: set[str] = set()
        prev: tuple[float, float] | None = None
        for lon, lat, pitch in pts:
            down = camera_down(pitch, settings.drones_camera_down_deg)
            now_in = {z.key for z in zones if _inside(z.edges, lon, lat)}
            for z in zones:
                if prev is None:
                    touched = z.key in now_in
                else:
                    touched = (
                        _inside(z.edges, prev[0], prev[1])
                        or z.key in now_in
                        or _crosses(z.edges, prev[0], prev[1], lon, lat)
                    )
                if not touched:
                    continue
                if z.kind == "no_fly" and z.key not in inside:
                    found.add((str(fid), z.key, "no_fly"))
                elif z.kind == "camera_restricted" and down and f"camera_restricted:{z.key}" not in alerted:
                    found.add((str(fid), z.key, "camera_restricted"))
                    alerted.add(f"camera_restricted:{z.key}")
            alerted = {a for a in alerted if a.split(":", 1)[1] in now_in}
            inside = now_in
            prev = (lon, lat)
    return found


def telemetry_part(*, database_url: str | None = None) -> dict[str, Any]:
    """The telemetry figures (see the module docstring)."""
    rng = np.random.default_rng(12)
    settings = Settings()
    places.activate(settings.city_profile)
    out: dict[str, Any] = {}
    with scratch_database(database_url, prefix="rtcc_bench_drones") as url:
        settings = Settings(database_url=url)
        db = Database(url)
        ingest.clear_zone_cache()
        start = datetime.now(UTC) - timedelta(minutes=2)
        runs = {}
        for version, zones in ((1, ZONES), (2, 0)):
            fleet = _fleet(db, rng, zones=zones, version=version)
            codes = [c for _f, c in fleet]
            grams, _fixes = _datagrams(codes, rng, start)
            runs[version] = _push(url, settings, codes, grams)
        (t_geo, stored, checks), (t_none, stored_none, _c) = runs[1], runs[2]
        with db.read() as s:
            events = {
                (str(e.flight_id), e.zone_id, e.kind)
                for e in s.scalars(
                    select(FlightEvent)
                    .join(Flight, Flight.id == FlightEvent.flight_id)
                    .where(Flight.policy_version == 1)
                )
            }
        expected = _brute_force(db, 1, settings)
        db.dispose()
        out.update(
            telemetry_msgs_per_s=round(stored / t_geo, 1),
            telemetry_no_geofence_msgs_per_s=round(stored_none / t_none, 1),
            telemetry_messages=stored,
            telemetry_drones=DRONES,
            telemetry_zones=ZONES,
            geofence_checks=checks,
            geofence_breaches=len(events),
            geofence_correct=bool(events == expected and checks == stored == DRONES * FIXES_PER_DRONE),
        )
    return out


def _fill_log(db: Database, n: int, rng: np.random.Generator) -> None:
    """``n`` landed flights in bulk (a few drones, one per 10 minutes back from now)."""
    now = datetime.now(UTC).replace(microsecond=0)
    with db.uow() as s:
        dock = Dock(
            id=uuid.uuid4(), code="LOG-DOCK", name="log", lat=33.86, lon=-118.06, status="online", launch_time_s=20,
            created_at=now, updated_at=now,
        )  # fmt: skip
        drone = Drone(
            id=uuid.uuid4(), code="LOG-1", model="bench", cruise_speed_mps=15, endurance_s=2400, battery_pct=100,
            status="docked", status_at=now, dock_id=dock.id, created_at=now, updated_at=now,
        )  # fmt: skip
        s.add_all([dock, drone])
        s.flush()
        drone_id = drone.id
    types = ["ALARM_BURG_RES", "SHOTS_FIRED", "MISSING_PERSON", "BURGLARY"]
    path = [[[33.861, -118.071], [33.8632, -118.068], [33.8655, -118.065]]]
    chunk: list[dict[str, Any]] = []
    for i in range(n):
        launched = now - timedelta(minutes=10 * i)
        chunk.append(
            {
                "id": uuid.uuid4(), "drone_id": drone_id, "drone_code": "LOG-1", "status": "landed",
                "launched_at": launched, "on_scene_at": launched + timedelta(seconds=int(rng.integers(60, 200))),
                "landed_at": launched + timedelta(minutes=12), "call_number": f"26-{i:06d}",
                "call_type": types[i % 4], "max_alt_m": 60.0, "camera_down_s": 300.0, "points": 3600,
                "zones_inside": [], "zones_alerted": [], "flagged": i % 97 == 0, "flags": [], "call_closed": True,
                "outcome": "report_taken", "cleared_without_patrol": i % 4 == 0, "public_path": path,
                "footage": "purged", "created_by": "bench",
            }
        )  # fmt: skip
        if len(chunk) == 5000:
            with db.uow() as s:
                s.execute(insert(Flight), chunk)
            chunk = []
    if chunk:
        with db.uow() as s:
            s.execute(insert(Flight), chunk)
    with db.engine.begin() as conn:  # what autovacuum (PostgreSQL) or a periodic ANALYZE does on a live database
        conn.execute(text("ANALYZE drone_flights" if db.dialect == "postgresql" else "ANALYZE"))


def _p95(samples: list[float]) -> float:
    return round(float(np.percentile(np.array(samples) * 1000.0, 95)), 2)


def log_page_part(*, flights: int | None = None, database_url: str | None = None) -> dict[str, Any]:
    """The public log figures (see the module docstring)."""
    n = flights or LOG_FLIGHTS
    rng = np.random.default_rng(7)
    with scratch_database(database_url, prefix="rtcc_bench_droneslog") as url:
        db = Database(url)
        _fill_log(db, n, rng)
        with db.read() as s:
            first_ids = [str(f.id) for f in flight_repo.log_page(s, after=None, limit=PAGE)]
            mid = flight_repo.log_page(s, after=None, limit=n // 2)[-1]
            from rtcc.drones.publiclog import encode_cursor

            cursor = encode_cursor(mid)
            deep_ids = [str(f.id) for f in flight_repo.log_page(s, after=(mid.launched_at, mid.id), limit=PAGE)]
        db.dispose()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryDirectory(prefix="rtcc-bench-droneslog-") as tmp:
            proc, log = start_server(url, port, Path(tmp))
            try:
                wait_ready(base, proc, log)
                with httpx.Client(base_url=base, timeout=30) as client:
                    times: dict[str, list[float]] = {"first": [], "deep": [], "floor": []}
                    got_first: list[str] = []
                    got_deep: list[str] = []
                    for _ in range(5):  # warm up
                        client.get(f"/api/v1/public/drones/flights?limit={PAGE}")
                    for _ in range(REQUESTS):
                        for key, path in (
                            ("first", f"/api/v1/public/drones/flights?limit={PAGE}"),
                            ("deep", f"/api/v1/public/drones/flights?limit={PAGE}&after={cursor}"),
                            ("floor", "/healthz"),
                        ):
                            t0 = time.perf_counter()
                            r = client.get(path)
                            times[key].append(time.perf_counter() - t0)
                            r.raise_for_status()
                            if key == "first":
                                got_first = [x["id"] for x in r.json()["items"]]
                            elif key == "deep":
                                got_deep = [x["id"] for x in r.json()["items"]]
            finally:
                stop_server(proc)
    return {
        "log_page_p95_ms": _p95(times["first"]),
        "log_deep_page_p95_ms": _p95(times["deep"]),
        "log_floor_p95_ms": _p95(times["floor"]),
        "log_flights": n,
        "log_page_size": PAGE,
        "log_page_correct": got_first == first_ids and got_deep == deep_ids and len(first_ids) == PAGE,
    }
