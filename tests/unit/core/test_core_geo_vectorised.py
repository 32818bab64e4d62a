"""``geo.points_in_rings`` (vectorised, each edge testing only the points in its latitude band) gives exactly the
answers of the scalar ``geo.point_in_rings`` on random polygons, holes, points on vertex latitudes and NaNs."""

from __future__ import annotations

import numpy as np

from rtcc.core import geo


def _ring(rng: np.random.Generator, n: int, cx: float, cy: float, r: float) -> geo.Ring:
    pts = [(float(cx + r * x), float(cy + r * y)) for x, y in rng.uniform(-1, 1, (n, 2))]
    return (*pts, pts[0])


def test_the_vectorised_test_matches_the_scalar_one() -> None:
    rng = np.random.default_rng(7)
    for _ in range(150):
        rings = [_ring(rng, int(rng.integers(3, 14)), 0.5, 0.5, 0.5), _ring(rng, 4, 0.5, 0.5, 0.2)]
        lats = rng.uniform(-0.1, 1.1, 400)
        lons = rng.uniform(-0.1, 1.1, 400)
        lats[:40] = [y for _, y in rings[0][:-1]] * (40 // (len(rings[0]) - 1)) + [rings[0][0][1]] * (
            40 % (len(rings[0]) - 1)
        )  # points exactly on vertex latitudes: the half-open band rule decides them
        got = geo.points_in_rings(lats, lons, rings)
        want = [geo.point_in_rings(float(a), float(b), rings) for a, b in zip(lats, lons, strict=True)]
        assert got.tolist() == want


def test_empty_input_and_degenerate_rings() -> None:
    empty = np.zeros(0, dtype=np.float64)
    assert geo.points_in_rings(empty, empty, [((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0))]).tolist() == []
    lats = np.array([0.5, np.nan])
    lons = np.array([0.5, 0.5])
    flat = ((0.0, 0.0), (1.0, 0.0), (0.0, 0.0))  # a horizontal edge only: nothing inside
    assert geo.points_in_rings(lats, lons, [flat]).tolist() == [False, False]
