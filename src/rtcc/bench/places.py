"""``rtcc bench places``: which reporting district holds a point, over the Los Angeles profile's 1,135 districts.

Setup: ``rows`` random points (default 20,000) uniform over the Los Angeles bounding box (about a third fall in a
district; the rest are outside the city, whose outline is far from a rectangle, or in an enclave such as Beverly
Hills). Timed: the area index one point at a time (bounding boxes, then a vectorised ring test) and its vectorised
form over all points at once, against two baselines on a sample of 300 points: the same vectorised ring test of every
district without the boxes (``unindexed``), and a plain pure-Python scan of every district's rings (``naive``). All
answers are compared on the sample (``agree``). Pure Python and numpy, no database.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from rtcc.places.loader import load_profile

SAMPLE = 300


def run(*, rows: int | None = None, database_url: str | None = None) -> dict[str, Any]:
    """Measure point-in-district lookups: indexed, vectorised, and the plain-scan baseline."""
    n = rows or 20_000
    prof = load_profile("los_angeles")
    idx = prof.districts
    min_lon, min_lat, max_lon, max_lat = prof.boundary.bbox()
    rng = np.random.default_rng(20261205)
    lats, lons = rng.uniform(min_lat, max_lat, n), rng.uniform(min_lon, max_lon, n)

    t0 = time.perf_counter()
    one = [idx.find(a, b) for a, b in zip(lats.tolist(), lons.tolist(), strict=True)]
    t_one = time.perf_counter() - t0
    t0 = time.perf_counter()
    many = idx.find_many(lats, lons)
    t_many = time.perf_counter() - t0
    k = min(SAMPLE, n)
    t0 = time.perf_counter()
    naive = [idx.find_naive(a, b) for a, b in zip(lats[:k].tolist(), lons[:k].tolist(), strict=True)]
    t_naive = time.perf_counter() - t0
    t0 = time.perf_counter()
    unindexed = [idx.find_unindexed(a, b) for a, b in zip(lats[:k].tolist(), lons[:k].tolist(), strict=True)]
    t_unindexed = time.perf_counter() - t0

    indexed_us = t_one / n * 1e6
    naive_us = t_naive / k * 1e6
    unindexed_us = t_unindexed / k * 1e6
    return {
        "points": n,
        "districts": len(idx),
        "located_share": round(sum(a is not None for a in one) / n, 4),
        "indexed_us_per_point": round(indexed_us, 2),
        "vectorised_us_per_point": round(t_many / n * 1e6, 2),
        "unindexed_us_per_point": round(unindexed_us, 2),
        "naive_us_per_point": round(naive_us, 2),
        "baseline_sample_points": k,
        "speedup_vs_unindexed": round(unindexed_us / indexed_us, 1) if indexed_us else None,
        "speedup_vs_naive": round(naive_us / indexed_us, 1) if indexed_us else None,
        "agree": one == many and one[:k] == naive == unindexed,
    }
