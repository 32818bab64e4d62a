"""The self-exciting point process: EM recovers the parameters of a simulated process, finds no triggering in a
Poisson one, and wins the backtest where near repeats drive the pattern."""

from __future__ import annotations

import numpy as np
import pytest
from analytics_sim import hawkes_history

from rtcc.analytics.kernels.backtest import rolling_backtest, rolling_origins
from rtcc.analytics.kernels.grid import EventHistory, make_grid
from rtcc.analytics.kernels.hotspots import KernelDensity, NaiveAll, NaiveLast, forecast
from rtcc.analytics.kernels.sepp import SelfExciting, _pairs


@pytest.mark.parametrize("seed", [5, 6])
def test_em_recovers_the_simulated_parameters(seed: int) -> None:
    # truth: mu 2 a day, theta 0.5, mean delay 5 days, sigma 100 m; the fit sees the last 365 days
    grid, hist = hawkes_history(seed)
    f = forecast(SelfExciting(), hist, grid, origin=730.0, horizon=7.0, rng=np.random.default_rng(0))
    p = dict(f.params)
    assert p["mu_per_day"] == pytest.approx(2.0, rel=0.2)
    # edge losses (children leaving the square, parents before the window) bias theta down a little
    assert 0.35 < p["theta"] < 0.6
    assert p["mean_delay_days"] == pytest.approx(5.0, rel=0.2)
    assert p["sigma"] == pytest.approx(100.0, rel=0.2)
    expected_week = 7 * (p["mu_per_day"])  # background alone; the triggered share comes on top
    assert f.expected.sum() > expected_week


def test_a_poisson_pattern_has_almost_no_triggering() -> None:
    rng = np.random.default_rng(8)
    grid = make_grid((0, 0, 4000, 4000), cell=100)
    n = 1500
    hist = EventHistory.build(
        grid.cell_of(rng.uniform(0, 4000, n), rng.uniform(0, 4000, n)), rng.uniform(0, 365, n), n_cells=grid.n_cells
    )
    f = forecast(SelfExciting(), hist, grid, origin=365.0, horizon=7.0, rng=rng)
    assert dict(f.params)["theta"] < 0.08


def test_near_repeats_make_it_win_the_backtest() -> None:
    grid, hist = hawkes_history(5)
    r = rolling_backtest(
        hist,
        grid,
        [NaiveLast(), NaiveAll(), KernelDensity(), SelfExciting()],
        origins=rolling_origins(500.0, 720.0, 7.0),
        horizon=7.0,
        area_limits=[400_000.0],
        rng=np.random.default_rng(1),
        refit_every=40,
    )
    assert r.winner == "sepp"
    # 32 weekly windows, 871 incidents; 40 of 1,600 cells flagged: sepp catches 92, the last week's counts 66
    assert r.score("sepp", 400_000.0).hits > 1.25 * r.score("naive_last", 400_000.0).hits
    assert r.score("sepp", 400_000.0).hits > 3 * r.score("naive_all", 400_000.0).hits


def test_pairs_are_exactly_those_within_both_cutoffs() -> None:
    rng = np.random.default_rng(11)
    n = 600
    col = rng.integers(0, 30, n).astype(float)
    row = rng.integers(0, 30, n).astype(float)
    times = np.sort(rng.uniform(0, 400, n))
    times[5] = times[4]  # a tie in time is never a pair (lag > 0)
    i, j, lag, d2 = _pairs(col, row, times, 60.0, 5.0)
    got = {(int(a), int(b)) for a, b in zip(i, j, strict=True)}
    want = set()
    for a in range(n):
        for b in range(n):
            dist2 = (col[a] - col[b]) ** 2 + (row[a] - row[b]) ** 2
            if 0 < times[b] - times[a] <= 60.0 and dist2 <= 25.0:
                want.add((a, b))
    assert got == want and len(got) > 100
    assert np.allclose(lag, times[j] - times[i])
    same = (col[i] == col[j]) & (row[i] == row[j])
    assert np.allclose(d2[same], 1 / 3) and np.allclose(
        d2[~same], ((col[i] - col[j]) ** 2 + (row[i] - row[j]) ** 2)[~same]
    )
