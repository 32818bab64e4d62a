"""``rtcc bench drones``: the drone program's figures, one function per part, merged by ``run``.

**Launch decision** (``decision_part``; keys ``decision_*``, ``baseline_*``): a SYNTHETIC program (said in the
output) over a 24 x 24 km square: 50 docks on a jittered grid (one drone each, random battery 30-100 %, 10 % of
drones busy, every dock with a current wind observation, 10 % of them over the limit; the policy refuses a stale
one), 500 geofence polygons (irregular star-shaped polygons of 6-40 vertices, 40-400 m across, a tenth of them with
a hole, 10 % no-fly, the rest camera-restricted) and ``--rows``
calls (default 300) at random points, 80 % of an eligible type, 10 % excluded, 10 % not eligible. All of it is stored
in a scratch database through the real services (policy import, fleet import, a pilot).

Timed per call, as ``POST /api/v1/drones/calls/{id}/decisions`` does it minus dispatch's own recommendation: the
facts from the database (policy, limits, every dock and drone, pilots; the geofence index built once per policy
version and cached, ``rtcc.drones.service.facts``) and the pure ``rtcc.drones.logic.decide`` (call type, no-fly at
the scene, daylight, pilot, and for EVERY dock its distance and ETA, range, battery, wind and the straight path
through the zones). ``decision_pure_p95_ms`` is the pure decision alone.

Baselines, in the same run, on the same facts: the same ``decide`` with zones looked up without an index:
``baseline_naive_*`` checks every polygon with the pure-Python crossing-number test over all vertices
(``rtcc.core.geo.point_in_rings``) and every edge for a path (on the first ``NAIVE_CALLS`` calls); ``baseline_scan_*``
tests every polygon with the kernel's vectorised edge tests but no grid and no bounding boxes (all calls).
``decision_correct``: for every call the three give the same decision (outcome, rule, dock, and every dock's rule).

The flights side adds its parts (telemetry, geofence checks per message, the public log's first page) as further
functions whose dicts ``run`` merges. Benchmarks assert nothing about time. Target from the issue: a decision p95
<= 20 ms with 50 docks and 500 polygons.
"""

from __future__ import annotations

import itertools
import math
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np

from rtcc.bench._support import scratch_database
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.geo import M_PER_DEG_LAT, point_in_rings
from rtcc.drones import logic, policies, policyfile, service
from rtcc.drones.geofence import Zone, edges_of, point_in_edges, polygon_rings, segment_hits_edges
from rtcc.drones.schemas import DockUpdate, FleetIn, PilotCreate
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM

SEED = 20261206
DOCKS = 50
ZONES = 500
CALLS = 300
NAIVE_CALLS = 40
#: The square the synthetic program covers (south-west corner; any mid-latitude point would do).
ORIGIN = (33.90, -118.40)
SIDE_M = 24_000.0
AREA = "synthetic 24 x 24 km program (50 docks on a jittered grid, 500 random polygons), not a real city"
ELIGIBLE = ["ALARM_BURG_RES", "ALARM_BURG_COM", "BURGLARY_IP", "ROBBERY", "SHOTS", "WEAPON", "MISSING"]
EXCLUDED = ["FOCUSED_PATROL", "PATROL_CHECK"]
NOT_ELIGIBLE = ["PARKING", "LOST_PROPERTY"]


def p(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile, rounded to 0.001 ms (None without values)."""
    return round(float(np.percentile(values, q)), 3) if len(values) else None


def _to_lonlat(x: float, y: float) -> tuple[float, float]:
    lat = ORIGIN[0] + y / M_PER_DEG_LAT
    return ORIGIN[1] + x / (M_PER_DEG_LAT * math.cos(math.radians(ORIGIN[0]))), lat


def _star(rng: random.Random, cx: float, cy: float, hole: bool) -> dict[str, Any]:
    k = rng.randint(6, 40)
    radius = rng.uniform(20.0, 200.0)
    angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(k))
    ring = [
        _to_lonlat(cx + radius * rng.uniform(0.6, 1.0) * math.cos(a), cy + radius * rng.uniform(0.6, 1.0) * math.sin(a))
        for a in angles
    ]
    rings = [[[round(x, 7), round(y, 7)] for x, y in [*ring, ring[0]]]]
    if hole:
        h = radius * 0.25
        inner = [_to_lonlat(cx + h * math.cos(a), cy + h * math.sin(a)) for a in (0, 1.6, 3.2, 4.8)]
        rings.append([[round(x, 7), round(y, 7)] for x, y in [*inner, inner[0]]])
    return {"type": "Polygon", "coordinates": rings}


def policy_document(rng: random.Random, zones: int) -> dict[str, Any]:
    """The synthetic policy file: the eligible and excluded types above and ``zones`` random polygons."""
    features = [
        {
            "type": "Feature",
            "properties": {"kind": "no_fly" if i % 10 == 0 else "camera_restricted", "name": f"zone {i}"},
            "geometry": _star(rng, rng.uniform(0, SIDE_M), rng.uniform(0, SIDE_M), hole=i % 10 == 5),
        }
        for i in range(zones)
    ]
    return {
        "type": "FeatureCollection",
        "policy": {
            "name": "bench policy",
            "eligible_call_types": ELIGIBLE,
            "excluded_call_types": [{"call_type": c, "rule_id": "BENCH-EX", "rule": "excluded"} for c in EXCLUDED],
            "max_wind_mps": 10.0,
            "max_gust_mps": 12.0,
            "daylight_only": False,
            "min_battery_pct": 40.0,
            "reserve_pct": 20.0,
            "max_range_m": 3200.0,
            "weather_max_age_s": 3900,
        },
        "program_limits": {
            "authorization_ref": "BENCH",
            "max_altitude_m": 120,
            "bvlos_allowed": True,
            "night_ops_allowed": True,
        },
        "features": features,
    }


def fleet_document(rng: random.Random, docks: int) -> dict[str, Any]:
    """``docks`` docks on a jittered grid with one drone each."""
    side = math.ceil(math.sqrt(docks))
    step = SIDE_M / side
    out = []
    for i, (r, c) in enumerate(itertools.islice(itertools.product(range(side), range(side)), docks)):
        lon, lat = _to_lonlat((c + 0.5) * step + rng.uniform(-300, 300), (r + 0.5) * step + rng.uniform(-300, 300))
        out.append(
            {
                "code": f"DK{i:03d}",
                "name": f"bench dock {i}",
                "lat": lat,
                "lon": lon,
                "launch_time_s": rng.uniform(15, 30),
                "drones": [
                    {
                        "code": f"DR{i:03d}",
                        "model": "bench",
                        "cruise_speed_mps": rng.uniform(15, 20),
                        "endurance_s": 2400,
                        "battery_pct": rng.uniform(30, 100),
                        "status": "in_flight" if rng.random() < 0.1 else "docked",
                    }
                ],
            }
        )
    return {"docks": out}


@dataclass(frozen=True)
class NaiveLookup:
    """Baseline: every polygon, pure Python, all vertices (no index, no bounding box)."""

    zones: tuple[Zone, ...]
    rings: tuple[list[tuple[tuple[float, float], ...]], ...]

    @classmethod
    def of(cls, zones: Sequence[Zone]) -> NaiveLookup:
        rings = tuple(
            [tuple((float(x), float(y)) for x, y in r.tolist()) for r in polygon_rings(z.geometry)] for z in zones
        )
        return cls(tuple(zones), rings)

    def zones_at(self, lon: float, lat: float) -> tuple[Zone, ...]:
        return tuple(z for z, rings in zip(self.zones, self.rings, strict=True) if point_in_rings(lat, lon, rings))

    def zones_on_segment(self, lon1: float, lat1: float, lon2: float, lat2: float) -> tuple[Zone, ...]:
        out = []
        for z, rings in zip(self.zones, self.rings, strict=True):
            if point_in_rings(lat1, lon1, rings) or any(
                _crosses(a, b, (lon1, lat1), (lon2, lat2)) for ring in rings for a, b in itertools.pairwise(ring)
            ):
                out.append(z)
        return tuple(out)


def _crosses(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float], d: tuple[float, float]) -> bool:
    def orient(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    if max(a[0], b[0]) < min(c[0], d[0]) or max(c[0], d[0]) < min(a[0], b[0]):
        return False
    if max(a[1], b[1]) < min(c[1], d[1]) or max(c[1], d[1]) < min(a[1], b[1]):
        return False
    return orient(a, b, c) * orient(a, b, d) <= 0 and orient(c, d, a) * orient(c, d, b) <= 0


class ScanLookup:
    """Baseline: every polygon with the kernel's vectorised edge tests, but no grid and no bounding boxes."""

    def __init__(self, zones: Sequence[Zone]) -> None:
        self.zones = tuple(zones)
        self.edges = [edges_of(z.geometry) for z in self.zones]

    def zones_at(self, lon: float, lat: float) -> tuple[Zone, ...]:
        return tuple(z for z, e in zip(self.zones, self.edges, strict=True) if point_in_edges(e, lon, lat))

    def zones_on_segment(self, lon1: float, lat1: float, lon2: float, lat2: float) -> tuple[Zone, ...]:
        return tuple(
            z for z, e in zip(self.zones, self.edges, strict=True) if segment_hits_edges(e, lon1, lat1, lon2, lat2)
        )


def _signature(d: logic.Decision) -> tuple[object, ...]:
    return (
        d.outcome,
        d.code,
        d.rule_id,
        d.option.dock_code if d.option else None,
        tuple((o.dock_code, o.code) for o in d.options),
    )


def _setup(db: Database, rng: random.Random, docks: int, zones: int) -> None:
    doc = policyfile.parse(policy_document(rng, zones))
    with db.uow() as s:
        policies.import_document(s, doc, source="bench", actor=SYSTEM)
        service.import_fleet(s, FleetIn.model_validate(fleet_document(rng, docks)), actor=SYSTEM)
        # every dock's station reports (the policy refuses a stale or missing observation: wind.stale); the wind is
        # over the limit at a tenth of the docks
        for i, k in enumerate(service.fleet(s).docks):
            service.update_dock(s, k.id, DockUpdate(wind_mps=12.0 if i % 10 == 0 else 4.0), actor=SYSTEM)
        identity.ensure_user(
            s, username="bench_pilot", password=os.urandom(8).hex(), role="pilot", display_name="Bench"
        )
        expires = utcnow().date() + timedelta(days=365)
        service.register_pilot(
            s, PilotCreate(username="bench_pilot", certificate_number="B-1", certificate_expires=expires), actor=SYSTEM
        )


def decision_part(*, calls: int = CALLS, database_url: str | None = None, seed: int = SEED) -> dict[str, Any]:
    """The launch-decision figures (see the module docstring)."""
    rng = random.Random(seed)
    with scratch_database(database_url, prefix="rtcc_bench_drones") as url:
        db = Database(url)
        try:
            t0 = time.perf_counter()
            _setup(db, rng, DOCKS, ZONES)
            setup_s = time.perf_counter() - t0
            types = ELIGIBLE * 8 + EXCLUDED * 5 + NOT_ELIGIBLE * 5
            points = [(rng.uniform(0, SIDE_M), rng.uniform(0, SIDE_M), rng.choice(types)) for _ in range(calls)]
            with db.read() as s:
                service.facts(s)  # builds and caches the geofence index once, as the first request would
            full_ms: list[float] = []
            pure_ms: list[float] = []
            decisions: list[logic.Decision] = []
            now = utcnow()
            for x, y, call_type in points:
                lon, lat = _to_lonlat(x, y)
                t = time.perf_counter()
                with db.read() as s:
                    f = service.facts(s, now)
                t1 = time.perf_counter()
                d = logic.decide(
                    logic.CallFacts(call_type, lat, lon, now), f.policy, f.limits, f.docks, f.index, f.pilots
                )
                t2 = time.perf_counter()
                full_ms.append((t2 - t) * 1000.0)
                pure_ms.append((t2 - t1) * 1000.0)
                decisions.append(d)
            zones = f.index.zones
            naive, scan = NaiveLookup.of(zones), ScanLookup(zones)
            naive_ms: list[float] = []
            scan_ms: list[float] = []
            same = True
            for i, (x, y, call_type) in enumerate(points):
                lon, lat = _to_lonlat(x, y)
                c = logic.CallFacts(call_type, lat, lon, now)
                t = time.perf_counter()
                ds = logic.decide(c, f.policy, f.limits, f.docks, scan, f.pilots)
                scan_ms.append((time.perf_counter() - t) * 1000.0)
                same = same and _signature(ds) == _signature(decisions[i])
                if i < NAIVE_CALLS:
                    t = time.perf_counter()
                    dn = logic.decide(c, f.policy, f.limits, f.docks, naive, f.pilots)
                    naive_ms.append((time.perf_counter() - t) * 1000.0)
                    same = same and _signature(dn) == _signature(decisions[i])
            paths = sum(
                1 for d in decisions for o in d.options if o.code in (logic.Code.ok, logic.Code.zone_no_fly_path)
            )
            outcomes = {o.value: sum(1 for d in decisions if d.outcome is o) for o in logic.Outcome}
        finally:
            db.dispose()
    d95, n95, s95 = p(full_ms, 95), p(naive_ms, 95), p(scan_ms, 95)
    pure95 = p(pure_ms, 95)
    return {
        "area": AREA,
        "database": url.split(":", 1)[0],
        "docks": DOCKS,
        "zones": len(zones),
        "calls": len(points),
        "decision_p50_ms": p(full_ms, 50),
        "decision_p95_ms": d95,
        "decision_pure_p50_ms": p(pure_ms, 50),
        "decision_pure_p95_ms": pure95,
        "baseline_naive_p95_ms": n95,
        "baseline_naive_calls": len(naive_ms),
        "baseline_scan_p95_ms": s95,
        "ratio_naive": round(n95 / pure95, 1) if n95 and pure95 else None,
        "ratio_scan": round(s95 / pure95, 1) if s95 and pure95 else None,
        "decision_correct": same,
        "decision_outcomes": outcomes,
        "paths_checked": paths,
        "baseline": "the same decide() with zones looked up without an index: pure-Python crossing test over every "
        "vertex (naive), and the kernel's vectorised edge tests over every polygon (scan)",
        "setup_s": round(setup_s, 2),
    }


def run(*, rows: int | None = None, database_url: str | None = None) -> dict[str, Any]:
    """Every part's figures in one object (``--rows``: the number of calls of the decision part). The flights'
    parts (telemetry with the geofence check, the public log's first page) are ``rtcc.bench._drones_flights``."""
    from rtcc.bench import _drones_flights as drones_flights

    return {
        "load_avg_1m": round(os.getloadavg()[0], 2),
        **decision_part(calls=rows or CALLS, database_url=database_url),
        **drones_flights.telemetry_part(database_url=database_url),
        **drones_flights.log_page_part(database_url=database_url),
        "load_avg_1m_end": round(os.getloadavg()[0], 2),
    }
