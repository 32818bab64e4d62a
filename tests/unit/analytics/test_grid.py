"""The forecast grid: projection, cells over a polygon (hand-counted), binning and window counts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rtcc.analytics.kernels.grid import DEFAULT_CELL_M, EventHistory, make_grid, project_lonlat


def test_equirectangular_projection_reference_distances() -> None:
    # one degree of latitude on the mean sphere is pi/180 * 6,371,008.8 m = 111,195.08 m
    x, y = project_lonlat([-118.0, -117.0], [34.0, 35.0], lon0=-118.0, lat0=34.0)
    assert x[0] == 0.0 and y[0] == 0.0
    assert y[1] == pytest.approx(111_195.08, abs=0.01)
    assert x[1] == pytest.approx(111_195.08 * math.cos(math.radians(34.0)), abs=0.01)


def test_default_cell_is_600_feet() -> None:
    assert pytest.approx(600.0) == DEFAULT_CELL_M / 0.3048


def test_triangle_activates_cells_whose_centre_is_inside() -> None:
    # centres ((i+0.5)*100, (j+0.5)*100) lie under x + y < 990 iff i + j <= 8: 1 + 2 + ... + 9 = 45 cells
    g = make_grid((0, 0, 1000, 1000), cell=100, rings=[[(0, 0), (990, 0), (0, 990)]])
    assert (g.nx, g.ny) == (10, 10)  # 990 / 100 rounds up
    assert int(g.active.sum()) == 45
    assert g.active_area == 45 * 100 * 100
    cells = g.cell_of([50, 950, 950, -5], [50, 50, 950, 50])
    assert cells.tolist() == [0, -1, -1, -1]  # (950, 50) and (950, 950) are inactive cells, (-5, 50) outside
    assert g.cell_of([850], [50]).tolist() == [8]


def test_a_hole_is_outside() -> None:
    outer = [(0, 0), (1000, 0), (1000, 1000), (0, 1000), (0, 0)]
    hole = [(300, 300), (700, 300), (700, 700), (300, 700), (300, 300)]
    g = make_grid((0, 0, 1000, 1000), cell=100, rings=[outer, hole])
    assert int(g.active.sum()) == 100 - 16
    assert g.cell_of([500], [500]).tolist() == [-1]


def test_bbox_grid_and_cell_bounds() -> None:
    g = make_grid((10, 20, 260, 120), cell=100)
    assert (g.nx, g.ny) == (3, 1)
    assert g.bounds([2]).tolist() == [[210, 20, 310, 120]]
    cx, cy = g.centers()
    assert cx.tolist() == [60, 160, 260] and cy.tolist() == [70, 70, 70]


def test_history_window_counts_are_half_open() -> None:
    h = EventHistory.build([2, 0, 2, -1, 1], [5.0, 1.0, 7.0, 3.0, 7.0], n_cells=3)
    assert len(h) == 4  # the event outside the grid is dropped
    assert h.times.tolist() == [1.0, 5.0, 7.0, 7.0]
    assert h.counts(1.0, 7.0).tolist() == [1, 0, 1]
    assert h.counts(5.0, 8.0).tolist() == [0, 1, 2]
    assert len(h.before(7.0)) == 2


def test_history_refuses_bad_cells() -> None:
    with pytest.raises(ValueError, match="beyond"):
        EventHistory.build([5], [1.0], n_cells=3)
    with pytest.raises(ValueError, match="same length"):
        EventHistory.build(np.zeros(2), np.zeros(3), n_cells=3)
