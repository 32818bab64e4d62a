"""Hotspot models: naive baselines by hand, the KDE likelihood by hand, bandwidth choice, the boosted model."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rtcc.analytics.kernels.grid import EventHistory, Grid, make_grid
from rtcc.analytics.kernels.hotspots import (
    UNIFORM_MIX,
    BoostedCounts,
    KernelDensity,
    NaiveAll,
    NaiveLast,
    bin_edges,
    binned,
    choose_bandwidth,
    forecast,
    kde_log_likelihood,
    smoothed,
)


def _rng() -> np.random.Generator:
    return np.random.default_rng(1)


def test_naive_models_by_hand() -> None:
    g = make_grid((0, 0, 300, 100), cell=100)
    h = EventHistory.build([0, 0, 1, 2, 2, 2], [0.0, 10.0, 13.0, 15.0, 16.0, 30.0], n_cells=3)
    last = forecast(NaiveLast(), h, g, origin=20.0, horizon=7.0, rng=_rng())
    assert last.expected.tolist() == [0, 1, 2]  # events in [13, 20)
    allh = forecast(NaiveAll(), h, g, origin=20.0, horizon=7.0, rng=_rng())
    # 5 events before day 20 over 20 days since the first one, scaled to 7 days
    assert allh.expected.tolist() == pytest.approx([2 * 7 / 20, 1 * 7 / 20, 2 * 7 / 20])


def test_forecast_never_sees_the_future() -> None:
    g = make_grid((0, 0, 300, 100), cell=100)
    h = EventHistory.build([0, 1, 2], [1.0, 5.0, 9.0], n_cells=3)
    f = forecast(NaiveLast(), h, g, origin=6.0, horizon=10.0, rng=_rng())
    assert f.expected.tolist() == [1, 1, 0]


def test_smoothing_preserves_mass_over_active_cells() -> None:
    g = make_grid((0, 0, 1000, 1000), cell=100, rings=[[(0, 0), (1000, 0), (0, 1000)]])
    counts = np.zeros(g.n_cells)
    counts[0] = 10.0
    s = smoothed(g, counts, 2.0)
    assert s.sum() == pytest.approx(10.0)
    assert s[~g.active].sum() == 0.0
    assert s[0] == s.max()


def test_kde_log_likelihood_by_hand() -> None:
    # one training event, one test event in the same cell, a negligible bandwidth: p = 0.99 * 1 + 0.01 / 4
    g = make_grid((0, 0, 200, 200), cell=100)
    train = np.array([1.0, 0, 0, 0])
    test = np.array([1.0, 0, 0, 0])
    ll = kde_log_likelihood(g, train, test, 0.01)
    assert ll == pytest.approx(math.log((1 - UNIFORM_MIX) + UNIFORM_MIX / 4), rel=1e-9)
    # the test event in an empty cell costs only the uniform share
    ll_far = kde_log_likelihood(g, train, np.array([0, 0, 0, 1.0]), 0.01)
    assert ll_far == pytest.approx(math.log(UNIFORM_MIX / 4), rel=1e-6)


def test_bandwidth_follows_the_spread_of_events() -> None:
    g = make_grid((0, 0, 4000, 4000), cell=100)
    rng = np.random.default_rng(3)
    chosen = []
    for spread in (60.0, 600.0):
        x, y = rng.normal(2000, spread, 3000), rng.normal(2000, spread, 3000)
        t = rng.uniform(0, 100, 3000)
        h = EventHistory.build(g.cell_of(x, y), t, n_cells=g.n_cells)
        sigma, scores = choose_bandwidth(h, g, origin=100.0, validation=30.0, lookback=70.0)
        assert len(scores) == 7
        chosen.append(sigma)
    assert chosen[0] < chosen[1]
    # Scott's rule for 2-D Gaussian data, sigma * n ** (-1/6) with n = 2,100 training events: 0.17 and 1.68 cells
    assert chosen[0] == 0.5  # the narrowest candidate
    assert chosen[1] in (1.5, 2.0)  # the candidates either side of 1.68


def test_kde_forecast_reports_its_bandwidth_and_rate(planted: tuple[Grid, EventHistory]) -> None:
    g, h = planted
    f = forecast(KernelDensity(), h, g, origin=700.0, horizon=7.0, rng=_rng())
    params = dict(f.params)
    assert params["bandwidth_cells"] in (0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)
    # 365 days of about 0.6 * 4 + 1.5 = 3.9 events a day, scaled to a week
    assert f.expected.sum() == pytest.approx(h.counts(335.0, 700.0).sum() * 7 / 365)
    assert 20 < f.expected.sum() < 35


def test_boosted_model_is_seeded_and_finds_the_planted_hot_spots(planted: tuple[Grid, EventHistory]) -> None:
    g, h = planted
    model = BoostedCounts(train_origins=8)
    a = forecast(model, h, g, origin=700.0, horizon=14.0, rng=np.random.default_rng(5))
    b = forecast(model, h, g, origin=700.0, horizon=14.0, rng=np.random.default_rng(5))
    assert np.array_equal(a.expected, b.expected)
    top = set(np.argsort(-a.expected)[:36].tolist())
    hot = {5 * 30 + 5, 8 * 30 + 20, 22 * 30 + 10, 24 * 30 + 24}  # row * nx + col of the planted centres
    assert hot <= top  # every planted centre among the 36 highest of 900 cells (4 hot spots x 3 x 3)
    assert a.expected.sum() == pytest.approx(14 * 3.9, rel=0.2)


def test_boost_binning_keeps_order_and_at_most_255_values_per_feature() -> None:
    rng = np.random.default_rng(3)
    x = np.column_stack([rng.gamma(0.5, 3.0, 20_000), rng.integers(0, 4, 20_000).astype(float), np.zeros(20_000)])
    edges = bin_edges(x)
    xb = binned(x, edges)
    assert 200 <= len(np.unique(xb[:, 0])) <= 255
    assert len(np.unique(xb[:, 1])) == 4 and len(np.unique(xb[:, 2])) == 1  # few distinct values stay distinct
    for col in range(3):  # a monotone map: the trees can split exactly where they could on the raw values
        order = np.argsort(x[:, col], kind="stable")
        assert (np.diff(xb[order, col]) >= 0).all()
    # values never seen in training fall in the first or last bin, not outside
    far = binned(np.array([[-1.0, -1.0, -1.0], [1e9, 9.0, 1.0]]), edges)
    assert far.min() >= 0 and far[1, 0] == len(edges[0])
