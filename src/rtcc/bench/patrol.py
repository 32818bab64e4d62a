"""``rtcc bench patrol``: the two computations a patrol plan repeats, on synthetic data (no database).

- **Dose delivered** (``rtcc.patrol.logic.dose_delivered``): a unit's track of ``rows`` fixes (default 8,640: a 12-hour
  shift at one fix every 5 s, a random walk over a Cerritos-sized box) against the 12 stops of a plan (8 grid cells,
  4 circles). Baseline, same run: a plain per-fix Python loop applying the same rule (each fix's interval to the next,
  capped at 120 s, counted for the first stop holding the fix). ``agree``: both give the same minutes per stop
  (within 1e-9).
- **Route order** (``rtcc.patrol.logic.order_route``): nearest neighbour + 2-opt on 12 stops and on 30; its route
  length against the exact optimum by brute force on 8 stops (``route_gap_8``: mean relative excess over 20
  instances, 0 = always optimal).
"""

from __future__ import annotations

import itertools
import math
import time
from typing import Any

import numpy as np

from rtcc.patrol import logic
from rtcc.patrol.logic import Area

GAP_S = 120.0


def _naive(
    t: list[float], la: list[float], lo: list[float], areas: list[Area], start: float, end: float
) -> list[float]:
    out = [0.0] * len(areas)
    for i in range(len(t)):
        nxt = t[i + 1] if i + 1 < len(t) else t[i]
        if t[i] >= end or nxt <= start:
            continue
        dt = min(max(min(nxt, end) - max(t[i], start), 0.0), GAP_S)
        for k, a in enumerate(areas):
            if a.box is not None:
                inside = a.box[0] <= la[i] < a.box[2] and a.box[1] <= lo[i] < a.box[3]
            else:
                d = float(logic.distance_m(a.lat, a.lon, [la[i]], [lo[i]])[0])
                inside = d <= (a.radius_m or 0.0)
            if inside:
                out[k] += dt / 60.0
                break
    return out


def _matrix(pts: np.ndarray) -> np.ndarray:
    return np.asarray(np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1]), dtype=np.float64)


def run(*, rows: int | None = None, database_url: str | None = None) -> dict[str, Any]:
    """Measure dose measurement (vectorised vs per-fix loop) and route ordering (time, gap to the optimum)."""
    n = rows or 8_640
    rng = np.random.default_rng(20261206)
    lat0, lon0 = 33.87, -118.06
    steps = rng.normal(0, 0.0002, size=(n, 2)).cumsum(axis=0)
    la = np.clip(lat0 + steps[:, 0], 33.84, 33.90)
    lo = np.clip(lon0 + steps[:, 1], -118.10, -118.02)
    t = np.arange(n, dtype=np.float64) * 5.0
    t = np.sort(t + rng.uniform(0, 2, n))
    half = 0.00082  # about 600 ft of latitude
    centres = [(float(la[i]), float(lo[i])) for i in rng.choice(n, 12, replace=False)]
    areas = [Area(a, b, box=(a - half, b - half, a + half, b + half)) for a, b in centres[:8]]
    areas += [Area(a, b, radius_m=150.0) for a, b in centres[8:]]

    t0 = time.perf_counter()
    fast = logic.dose_delivered(t, la, lo, areas, start_s=0.0, end_s=float(t[-1]))
    dose_ms = (time.perf_counter() - t0) * 1e3
    t0 = time.perf_counter()
    slow = _naive(t.tolist(), la.tolist(), lo.tolist(), areas, 0.0, float(t[-1]))
    naive_ms = (time.perf_counter() - t0) * 1e3
    agree = all(math.isclose(a, b, abs_tol=1e-9) for a, b in zip(fast, slow, strict=True))

    timings = {}
    for k in (12, 30):
        m = _matrix(rng.uniform(0, 5000, size=(k + 1, 2)))
        t0 = time.perf_counter()
        logic.order_route(m)
        timings[k] = (time.perf_counter() - t0) * 1e3
    gaps = []
    for _ in range(20):
        m = _matrix(rng.uniform(0, 5000, size=(9, 2)))
        best = min(logic.route_length(list(p), m) for p in itertools.permutations(range(1, 9)))
        gaps.append(logic.route_length(logic.order_route(m), m) / best - 1.0)
    return {
        "fixes": n,
        "stops": len(areas),
        "dose_ms": round(dose_ms, 3),
        "dose_naive_ms": round(naive_ms, 3),
        "dose_speedup": round(naive_ms / dose_ms, 1) if dose_ms else None,
        "dose_minutes_total": round(sum(fast), 2),
        "agree": agree,
        "route_ms_12": round(timings[12], 3),
        "route_ms_30": round(timings[30], 3),
        "route_gap_8": round(float(np.mean(gaps)), 4),
    }
