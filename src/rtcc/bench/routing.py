"""``rtcc bench routing``: every unit's ETA to a call with one search, against one search per unit.

The network is SYNTHETIC (said in the output): a jittered street grid of ``--rows`` nodes (default 102,400, a 320 x
320 grid, blocks of about 100 m, so about 32 km across) with mixed road classes: a primary arterial every 16 streets,
secondary every 8, tertiary every 4, residential between them, every other residential street one-way (alternating
directions, like one-way pairs), 4 % of residential segments missing (dead ends, irregular blocks), each segment
1.0-1.1 times its straight length. Speeds are the routing defaults (``rtcc.routing.logic.DEFAULT_SPEEDS_KPH``). The
graph goes through the same path as a stored network (``routing.service.build_loaded``: projection, largest strong
component for snapping, CSR matrices).

Timed per call (``calls`` random call locations, 500 units at random positions within 60 m of a road):
- ``eta``: ``routing.kernel.etas_to``: snap the call and the 500 units (k-d tree) and ONE Dijkstra (scipy) from the
  call's node over the reversed graph; every unit's seconds;
- ``baseline``: the strongest fair one-to-one we have without a precomputed index: for each unit, a scipy Dijkstra
  from the unit's node whose radius starts at the straight-line lower bound and doubles until the call's node is
  settled (``routing.kernel.one_to_one``, which stops early, unlike a full search per unit), snapping included. It is
  slow (500 searches a call), so it runs on the first ``baseline_calls`` calls only.
``correct``: on those calls, both give the same seconds for every unit (to 1e-6 s). Benchmarks assert nothing about
time; no database is used (``--database`` is ignored).

``scenario`` and ``time_etas`` are reusable: ``rtcc bench dispatch`` can build the same scenario and pass a function
run on each call's ETAs (the recommendation) to be timed with them.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from rtcc.core import geo
from rtcc.routing import kernel, logic, service

UNITS = 500
CALLS = 200
BASELINE_CALLS = 10
DEFAULT_NODES = 102_400
SEED = 20261206
#: Where the synthetic grid sits (any mid-latitude point would do; it only sets the projection's scale).
ORIGIN = (34.0, -118.2)
NETWORK = "synthetic street grid (jittered, mixed road classes, one-way pairs), not a real city"

FloatArray = npt.NDArray[np.float64]


def synthetic_network(nodes: int, *, seed: int = SEED, block_m: float = 100.0) -> logic.RoadNetwork:
    """A jittered square street grid of about ``nodes`` nodes with mixed classes (see the module docstring)."""
    rng = np.random.default_rng(seed)
    side = max(4, math.ceil(math.sqrt(nodes)))
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    y = ii.ravel() * block_m + rng.uniform(-10, 10, side * side)
    x = jj.ravel() * block_m + rng.uniform(-10, 10, side * side)
    idx = np.arange(side * side).reshape(side, side)
    classes = ("primary", "secondary", "tertiary", "residential")

    def street_class(k: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        return np.where(k % 16 == 0, 0, np.where(k % 8 == 0, 1, np.where(k % 4 == 0, 2, 3))).astype(np.int64)

    def way(k: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:  # 1: along increasing index only, -1: against, 0: both
        return np.where(street_class(k) == 3, np.where(k % 4 == 1, 1, np.where(k % 4 == 3, -1, 0)), 0).astype(np.int64)

    rows_a, rows_b = idx[:, :-1].ravel(), idx[:, 1:].ravel()  # east-west segments along row i
    row_of = np.repeat(np.arange(side), side - 1)
    cols_a, cols_b = idx[:-1, :].ravel(), idx[1:, :].ravel()  # north-south segments along column j
    col_of = np.tile(np.arange(side), side - 1)
    a = np.concatenate([rows_a, cols_a])
    b = np.concatenate([rows_b, cols_b])
    cls = np.concatenate([street_class(row_of), street_class(col_of)])
    direction = np.concatenate([way(row_of), way(col_of)])
    keep = (cls != 3) | (rng.random(a.shape[0]) >= 0.04)
    a, b, cls, direction = a[keep], b[keep], cls[keep], direction[keep]
    src = np.concatenate([a[direction >= 0], b[direction <= 0]])
    dst = np.concatenate([b[direction >= 0], a[direction <= 0]])
    road_class = np.concatenate([cls[direction >= 0], cls[direction <= 0]])
    straight = np.hypot(x[src] - x[dst], y[src] - y[dst])
    length = straight * rng.uniform(1.0, 1.1, src.shape[0])
    lat = ORIGIN[0] + y / geo.M_PER_DEG_LAT
    lon = ORIGIN[1] + x / (geo.M_PER_DEG_LAT * math.cos(math.radians(ORIGIN[0])))
    return logic.RoadNetwork(lat, lon, src, dst, length, road_class, classes)


@dataclass(frozen=True)
class Scenario:
    """A loaded network, a routine-speed router, unit positions and call locations (WGS84 and projected)."""

    network: service.LoadedNetwork
    router: kernel.Router
    unit_lat: FloatArray
    unit_lon: FloatArray
    unit_x: FloatArray
    unit_y: FloatArray
    call_lat: FloatArray
    call_lon: FloatArray
    call_x: FloatArray
    call_y: FloatArray


def _near_roads(net: logic.RoadNetwork, count: int, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    """Random points within about 60 m of a random node."""
    at = rng.integers(net.node_count, size=count)
    dlat = rng.uniform(-40, 40, count) / geo.M_PER_DEG_LAT
    dlon = rng.uniform(-40, 40, count) / (geo.M_PER_DEG_LAT * math.cos(math.radians(float(net.lat[0]))))
    return np.asarray(net.lat[at] + dlat, dtype=np.float64), np.asarray(net.lon[at] + dlon, dtype=np.float64)


def scenario(*, nodes: int = DEFAULT_NODES, units: int = UNITS, calls: int = CALLS, seed: int = SEED) -> Scenario:
    """The synthetic network loaded as production loads a stored one, with random units and calls near its roads."""
    net = synthetic_network(nodes, seed=seed)
    loaded = service.build_loaded(uuid.uuid4(), "bench-grid", NETWORK, net)
    router = loaded.router(service.RoutingParams(), emergent=False)
    rng = np.random.default_rng(seed + 1)
    ulat, ulon = _near_roads(net, units, rng)
    clat, clon = _near_roads(net, calls, rng)
    ux, uy = loaded.projection.xy(ulat, ulon)
    cx, cy = loaded.projection.xy(clat, clon)
    return Scenario(loaded, router, ulat, ulon, ux, uy, clat, clon, cx, cy)


def time_etas(
    sc: Scenario, *, calls: int | None = None, then: Callable[[int, FloatArray], object] | None = None
) -> tuple[list[float], list[FloatArray]]:
    """Per call: milliseconds of the one-to-many ETA (snapping included, plus ``then(call, seconds)`` when given, e.g.
    the recommendation), and the seconds of every unit."""
    n = sc.call_x.shape[0] if calls is None else min(calls, sc.call_x.shape[0])
    times: list[float] = []
    answers: list[FloatArray] = []
    for c in range(n):
        t0 = time.perf_counter()
        etas = kernel.etas_to(sc.router, float(sc.call_x[c]), float(sc.call_y[c]), sc.unit_x, sc.unit_y)
        if then is not None:
            then(c, etas.seconds)
        times.append((time.perf_counter() - t0) * 1000.0)
        answers.append(etas.seconds)
    return times, answers


def time_one_to_one(sc: Scenario, *, calls: int) -> tuple[list[float], list[FloatArray]]:
    """Per call: milliseconds of one growing one-to-one search per unit (snapping included), and the seconds."""
    times: list[float] = []
    answers: list[FloatArray] = []
    for c in range(min(calls, sc.call_x.shape[0])):
        t0 = time.perf_counter()
        seconds = kernel.etas_one_by_one(sc.router, float(sc.call_x[c]), float(sc.call_y[c]), sc.unit_x, sc.unit_y)
        times.append((time.perf_counter() - t0) * 1000.0)
        answers.append(seconds)
    return times, answers


def same_answers(a: list[FloatArray], b: list[FloatArray], *, tol_s: float = 1e-6) -> bool:
    """True when both lists give the same seconds for every unit of every call (nan and inf in the same places)."""
    for x, y in zip(a, b, strict=False):
        if not np.array_equal(np.isnan(x), np.isnan(y)) or not np.array_equal(np.isinf(x), np.isinf(y)):
            return False
        finite = np.isfinite(x) & np.isfinite(y)
        if np.any(np.abs(x[finite] - y[finite]) > tol_s):
            return False
    return True


def p(values: list[float], q: float) -> float:
    """The q-th percentile, rounded to 0.01 ms."""
    return round(float(np.percentile(values, q)), 2) if values else float("nan")


def run(*, rows: int | None = None, database_url: str | None = None) -> dict[str, Any]:
    """Measure one-to-many ETAs against one-to-one searches on a synthetic street grid of ``rows`` nodes."""
    del database_url  # no database: the network is generated in memory
    t0 = time.perf_counter()
    sc = scenario(nodes=rows or DEFAULT_NODES)
    setup_s = time.perf_counter() - t0
    eta_ms, eta_answers = time_etas(sc)
    base_ms, base_answers = time_one_to_one(sc, calls=BASELINE_CALLS)
    reached = np.concatenate(eta_answers)
    eta_p95 = p(eta_ms, 95)
    base_p95 = p(base_ms, 95)
    return {
        "network": NETWORK,
        "nodes": sc.network.graph.n,
        "edges": sc.network.graph.m,
        "snappable_nodes": int(sc.router.snap_nodes.shape[0]),
        "units": int(sc.unit_x.shape[0]),
        "calls": len(eta_ms),
        "baseline_calls": len(base_ms),
        "eta_p50_ms": p(eta_ms, 50),
        "eta_p95_ms": eta_p95,
        "baseline_p50_ms": p(base_ms, 50),
        "baseline_p95_ms": base_p95,
        "ratio": round(base_p95 / eta_p95, 1) if eta_p95 else None,
        "correct": same_answers(eta_answers[: len(base_answers)], base_answers),
        "units_routed_share": round(float(np.isfinite(reached).mean()), 4),
        "baseline": "one growing-radius scipy Dijkstra per unit (stops once the call's node is settled)",
        "setup_s": round(setup_s, 2),
    }
