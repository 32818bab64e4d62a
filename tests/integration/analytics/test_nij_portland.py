"""The NIJ Portland training data (../shared/data; skipped where absent): the importer reads every call into the
challenge grid, and a forecast window flags the challenge's areas inside Portland."""

from __future__ import annotations

import numpy as np
import pytest

from rtcc.analytics import nij
from rtcc.analytics.kernels.hotspots import KernelDensity, NaiveAll, NaiveLast
from rtcc_testing import shared_data


def test_import_counts_and_grid() -> None:
    boundary, calls = nij.load(shared_data("incidents", "portland_nij_training"))
    assert {c: len(v.day) for c, v in calls.items()} == {"burglary": 5096, "vehicle_theft": 9037}  # PROVENANCE.md
    for c in calls.values():
        assert c.day.min() == (nij.date(2012, 3, 1) - nij.ORIGIN).days and c.day.max() == -1
    grid = nij.challenge_grid(boundary)
    area_sq_mi = grid.active_area / nij.SQ_MI_FT2
    assert 150 < area_sq_mi < 175  # Portland is about 145 sq mi; the boundary is buffered by 500 ft
    inside = (grid.cell_of(calls["burglary"].x, calls["burglary"].y) >= 0).mean()
    assert inside > 0.995
    xs, ys = zip(*boundary, strict=True)
    lon, lat = nij.oregon_north_to_lonlat([min(xs), max(xs)], [min(ys), max(ys)])
    # Portland's city limits span about 122.84-122.47 W and 45.43-45.65 N
    assert lon[0] == pytest.approx(-122.84, abs=0.03) and lon[1] == pytest.approx(-122.47, abs=0.03)
    assert lat[0] == pytest.approx(45.43, abs=0.03) and lat[1] == pytest.approx(45.65, abs=0.03)


def test_a_window_is_backtested_and_flagged() -> None:
    boundary, calls = nij.load(shared_data("incidents", "portland_nij_training"))
    grid = nij.challenge_grid(boundary)
    r = nij.forecast_window(
        calls["vehicle_theft"],
        grid,
        window="1m",
        rng=np.random.default_rng(0),
        origins=3,
        models=(NaiveLast(), NaiveAll(), KernelDensity()),
    )
    assert {len(v) for v in r.flagged.values()} == {19, 58}
    assert set(r.flagged[0.25]) <= set(r.flagged[0.75])
    best = r.backtest.score(r.model, 0.25 * nij.SQ_MI_FT2)
    assert best.incidents > 300 and best.mean_pai > 1  # a month of vehicle thefts; better than flagging at random
