"""Backtests: PAI and PEI on a hand-computed example, flagging rules, a rolling backtest that picks a winner."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rtcc.analytics.kernels.backtest import (
    choose_model,
    flag_top,
    rolling_backtest,
    rolling_origins,
    score_window,
)
from rtcc.analytics.kernels.grid import EventHistory, Grid, make_grid
from rtcc.analytics.kernels.hotspots import BoostedCounts, KernelDensity, NaiveAll, NaiveLast


def test_pai_and_pei_by_hand() -> None:
    # 10 cells of 100 m x 100 m; flag 2 cells (20,000 m2 of 100,000 m2: area share 0.2)
    g = make_grid((0, 0, 500, 200), cell=100)
    expected = np.array([9, 8, 7, 6, 5, 4, 3, 2, 1, 0], dtype=float)
    actual = np.array([3, 0, 1, 0, 0, 5, 0, 1, 0, 0], dtype=float)
    flagged = flag_top(expected, g, 20_000.0)
    assert flagged.tolist() == [0, 1]
    s = score_window(flagged, actual, g)
    # hits 3 of N = 10: hit rate 0.3, PAI 0.3 / 0.2 = 1.5; the best 2 cells hold 5 + 3 = 8: PAI* 0.8 / 0.2 = 4
    assert (s.incidents, s.hits, s.best_hits, s.cells) == (10, 3, 8, 2)
    assert s.area_share == pytest.approx(0.2)
    assert s.hit_rate == pytest.approx(0.3)
    assert s.pai == pytest.approx(1.5)
    assert s.pei == pytest.approx(0.375)


def test_flagging_respects_the_area_limit_active_cells_and_ties() -> None:
    square = [(0, 0), (200, 0), (200, 100), (0, 100)]
    sliver = [(200, 0), (300, 0), (300, 1)]  # stretches the rectangle to 3 cells; the third's centre is outside
    g = make_grid((0, 0, 300, 100), cell=100, rings=[square, sliver])
    assert g.active.tolist() == [True, True, False]
    expected = np.array([1.0, 1.0, 99.0])  # the inactive cell is never flagged; a tie goes to the lower index
    assert flag_top(expected, g, 10_000.0).tolist() == [0]
    assert flag_top(expected, g, 19_999.0).tolist() == [0]  # 1.99 cells fit: one
    assert flag_top(expected, g, 1e9).tolist() == [0, 1]
    assert flag_top(expected, g, 5_000.0).tolist() == []


def test_a_window_without_incidents_has_no_score() -> None:
    g = make_grid((0, 0, 200, 100), cell=100)
    s = score_window([0], np.zeros(2), g)
    assert s.incidents == 0 and math.isnan(s.pai) and math.isnan(s.pei)


def test_rolling_origins() -> None:
    assert rolling_origins(0.0, 21.0, 7.0) == (0.0, 7.0, 14.0, 21.0)
    with pytest.raises(ValueError):
        rolling_origins(0.0, 1.0, 0.0)


def test_choose_model_prefers_the_first_listed_on_ties() -> None:
    g = make_grid((0, 0, 200, 100), cell=100)
    h = EventHistory.build([0, 0, 0, 0], [1.0, 2.0, 8.0, 9.0], n_cells=2)
    r = rolling_backtest(
        h,
        g,
        [NaiveLast(), NaiveAll()],
        origins=[7.0],
        horizon=7.0,
        area_limits=[10_000.0],
        rng=np.random.default_rng(0),
    )
    assert r.score("naive_last", 10_000.0).mean_pai == r.score("naive_all", 10_000.0).mean_pai == 2.0
    assert r.winner == "naive_last"
    assert choose_model(r.scores, ["naive_all", "naive_last"]) == "naive_all"


def test_rolling_backtest_scores_every_model_and_beats_the_last_week(planted: tuple[Grid, EventHistory]) -> None:
    g, h = planted
    origins = rolling_origins(600.0, 712.0, 28.0)
    models = [NaiveLast(), NaiveAll(), KernelDensity(), BoostedCounts(train_origins=6)]
    r = rolling_backtest(
        h,
        g,
        models,
        origins=origins,
        horizon=14.0,
        area_limits=[40_000.0, 120_000.0],
        rng=np.random.default_rng(11),
        refit_every=4,
    )
    assert len(r.scores) == 8 and len(r.origins) == 5
    want = sum(h.counts(o, o + 14.0).sum() for o in origins)
    for s in r.scores:
        assert s.incidents == want  # every model is scored on the same incidents
        assert len(s.pai) == 5
        assert 0 < s.mean_pei <= 1
    # with noise at 1.5 a day over 900 cells, a fortnight's counts are a poor guide; the smoothed models are not
    assert r.winner != "naive_last"
    best = r.score(r.winner, 40_000.0)
    assert best.mean_pai > r.score("naive_last", 40_000.0).mean_pai
    assert best.mean_pai > 5  # 4 of 900 cells flagged hold far more than 4/900 of the events
