"""Synthetic event histories for the analytics kernels' tests (seeded); the tests import it by name, as they do
``rtcc_testing``, and ``conftest`` serves the planted history as a fixture."""

from __future__ import annotations

import numpy as np

from rtcc.analytics.kernels.grid import EventHistory, Grid, make_grid


def planted_history(seed: int = 7, days: int = 730, side: int = 30) -> tuple[Grid, EventHistory]:
    """A side x side grid of 100 m cells where a few fixed hot spots carry most events and the rest is noise.

    Daily events: 4 hot spots at about 0.6 a day each (Gaussian of 1 cell) plus 1.5 a day uniform; hot spot 3 is
    only active in the second year (so long-memory models lag on it).
    """
    rng = np.random.default_rng(seed)
    grid = make_grid((0, 0, side * 100, side * 100), cell=100)
    centres = np.array([[5, 5], [20, 8], [10, 22], [24, 24]], dtype=float) * 100 + 50
    xs, ys, ts = [], [], []
    for k, (cx, cy) in enumerate(centres):
        start = 365 if k == 3 else 0
        n = rng.poisson(0.6 * (days - start))
        xs.append(rng.normal(cx, 100, n))
        ys.append(rng.normal(cy, 100, n))
        ts.append(rng.uniform(start, days, n))
    n = rng.poisson(1.5 * days)
    xs.append(rng.uniform(0, side * 100, n))
    ys.append(rng.uniform(0, side * 100, n))
    ts.append(rng.uniform(0, days, n))
    x, y, t = np.concatenate(xs), np.concatenate(ys), np.concatenate(ts)
    return grid, EventHistory.build(grid.cell_of(x, y), t, n_cells=grid.n_cells)


def hawkes_history(
    seed: int,
    *,
    days: float = 730.0,
    side: float = 4000.0,
    mu: float = 2.0,
    theta: float = 0.5,
    omega: float = 0.2,
    sigma: float = 100.0,
) -> tuple[Grid, EventHistory]:
    """A self-exciting process simulated by branching on a side x side square of 100 m cells: background events
    at ``mu`` a day, uniform; each event triggers Poisson(theta) events after Exp(omega) days, moved by a Gaussian of
    ``sigma`` metres (children leaving the square are lost)."""
    rng = np.random.default_rng(seed)
    n0 = rng.poisson(mu * days)
    x, y, t = [rng.uniform(0, side, n0)], [rng.uniform(0, side, n0)], [rng.uniform(0, days, n0)]
    px, py, pt = x[0], y[0], t[0]
    while px.size:
        k = rng.poisson(theta, px.size)
        cx = np.repeat(px, k) + rng.normal(0, sigma, k.sum())
        cy = np.repeat(py, k) + rng.normal(0, sigma, k.sum())
        ct = np.repeat(pt, k) + rng.exponential(1 / omega, k.sum())
        keep = ct < days
        px, py, pt = cx[keep], cy[keep], ct[keep]
        x.append(px)
        y.append(py)
        t.append(pt)
    grid = make_grid((0, 0, side, side), cell=100)
    xa, ya, ta = np.concatenate(x), np.concatenate(y), np.concatenate(t)
    return grid, EventHistory.build(grid.cell_of(xa, ya), ta, n_cells=grid.n_cells)
