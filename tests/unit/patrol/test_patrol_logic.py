"""The pure rules of patrol planning: the near-repeat rule read off a Knox table, stop choice, route order, dose
delivered from a track, a house visit from a track, and the comparison cells."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from rtcc.patrol import logic, risk
from rtcc.patrol.logic import Area, Candidate

D_EDGES = (0.0, 1.0, 100.0, 200.0, 300.0)  # same location, 3 bands
T_EDGES = (0.0, 7.0, 14.0, 21.0)  # 3 bands


def _table(raised: set[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    ratio = np.ones((5, 4))
    p = np.full((5, 4), 0.5)
    for r, c in raised:
        ratio[r, c], p[r, c] = 2.0, 0.01
    return ratio, p


def test_rule_reads_contiguous_raised_bands_from_the_first_band() -> None:
    ratio, p = _table({(1, 0), (2, 0), (1, 1), (3, 2)})  # (3, 2) is not contiguous: ignored
    rule = logic.near_repeat_rule(ratio, p, D_EDGES, T_EDGES, fallback_radius_m=400, fallback_days=30, events=50)
    assert (rule.radius_m, rule.days, rule.source) == (200.0, 14.0, "knox")


def test_rule_falls_back_when_the_first_band_is_not_raised_or_knox_was_not_run() -> None:
    ratio, p = _table({(2, 0)})
    rule = logic.near_repeat_rule(ratio, p, D_EDGES, T_EDGES, fallback_radius_m=400, fallback_days=30)
    assert (rule.radius_m, rule.days, rule.source) == (400, 30, "configured")
    weak = logic.near_repeat_rule(ratio * 0 + 1.1, p * 0, D_EDGES, T_EDGES, fallback_radius_m=1, fallback_days=2)
    assert weak.source == "configured"  # ratio below 1.2
    none = logic.near_repeat_rule(None, None, (), (), fallback_radius_m=5, fallback_days=6, events=3)
    assert (none.radius_m, none.days) == (5, 6) and "not run" in none.detail


def test_rule_on_a_knox_table_of_planted_near_repeats() -> None:
    rng = np.random.default_rng(3)
    lat0, lon0 = 33.87, -118.06
    lats, lons, days = [], [], []
    for _ in range(60):  # seed burglaries spread over the city and the year
        la, lo, d = lat0 + rng.uniform(-0.02, 0.02), lon0 + rng.uniform(-0.03, 0.03), rng.uniform(0, 365)
        lats.append(la), lons.append(lo), days.append(d)
        lats.append(la + 0.0004), lons.append(lo), days.append(d + 2)  # a repeat ~45 m away two days later
    knox = risk.burglary_knox(lats, lons, days, permutations=99, seed=1)
    rule = logic.near_repeat_rule(
        knox.ratio, knox.p_value, knox.distance_edges, knox.time_edges, fallback_radius_m=999, fallback_days=99
    )
    assert rule.source == "knox" and rule.radius_m == 100.0 and rule.days == 7.0


def test_choose_stops_by_priority_while_the_shift_fits() -> None:
    here = (33.87, -118.06)
    cands = [
        Candidate("hotspot", f"c{i}", Area(33.87 + i * 0.001, -118.06, box=(0, 0, 1, 1)), 10 - i, f"c{i}")
        for i in range(6)
    ]
    cands.append(Candidate("house_check", "h", Area(33.871, -118.061, radius_m=50), 1.0, "house"))
    chosen = logic.choose_stops(cands, start=here, shift_minutes=50, dose_min=15, house_check_min=5)
    assert [s.candidate.key for s in chosen] == ["h", "c0", "c1"]
    assert [s.dose_min for s in chosen] == [5, 15, 15]
    with pytest.raises(ValueError, match="shift"):
        logic.choose_stops(cands, start=here, shift_minutes=0)


def test_order_route_is_optimal_on_small_instances() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        pts = rng.uniform(0, 100, size=(7, 2))
        m = np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1])
        order = logic.order_route(m)
        assert sorted(order) == list(range(1, 7))
        best = min(logic.route_length(list(p), m) for p in itertools.permutations(range(1, 7)))
        assert logic.route_length(order, m) <= best * 1.10  # 2-opt: within 10% of the optimum here


def test_order_route_on_a_line_visits_in_order() -> None:
    xs = np.array([0.0, 3.0, 1.0, 2.0])
    m = np.abs(xs[:, None] - xs[None, :])
    assert logic.order_route(m) == [2, 3, 1]


def test_dose_delivered_counts_intervals_inside_each_area_capped_by_the_gap() -> None:
    box = Area(33.5, -118.5, box=(33.0, -119.0, 34.0, -118.0))
    circle = Area(35.0, -118.0, radius_m=100)
    t = [0, 60, 120, 180, 1000, 1060, 1120]
    la = [33.5, 33.5, 33.5, 35.0, 35.0, 35.0, 36.0]
    lo = [-118.5, -118.5, -118.5, -118.0, -118.0, -118.0, -118.0]
    inside_box, inside_circle = logic.dose_delivered(t, la, lo, [box, circle], start_s=0, end_s=2000)
    assert inside_box == pytest.approx(3.0)  # three 60 s intervals
    assert inside_circle == pytest.approx((120 + 60 + 60) / 60)  # 820 s gap capped at 120
    windowed = logic.dose_delivered(t, la, lo, [box], start_s=60, end_s=150)
    assert windowed == [pytest.approx(1.5)]


def test_first_arrival_within_radius_and_window() -> None:
    t = [0, 100, 200]
    la = [33.0, 33.0004, 33.0001]
    lo = [-118.0, -118.0, -118.0]
    assert logic.first_arrival(t, la, lo, lat=33.0, lon=-118.0, radius_m=20, start_s=50, end_s=500) == 200
    assert logic.first_arrival(t, la, lo, lat=33.0, lon=-118.0, radius_m=20, start_s=300, end_s=500) is None


def test_comparison_cells_are_the_next_ranked_unpatrolled() -> None:
    ranked = ["a", "b", "c", "d", "e", "f"]
    assert logic.comparison_cells(ranked, ["a", "c"]) == ["d", "e"]
    assert logic.comparison_cells(ranked, ["f"]) == []
    assert logic.comparison_cells(ranked, []) == []


def test_city_forecast_ranks_the_hot_cell_first_and_boxes_hold_their_events() -> None:
    ring = [(-118.10, 33.84), (-118.02, 33.84), (-118.02, 33.89), (-118.10, 33.89)]
    rng = np.random.default_rng(0)
    lats = list(33.86 + rng.normal(0, 0.0003, 80)) + list(rng.uniform(33.84, 33.89, 40))
    lons = list(-118.05 + rng.normal(0, 0.0003, 80)) + list(rng.uniform(-118.10, -118.02, 40))
    days = list(rng.uniform(0, 365, 120))
    fc = risk.city_forecast([ring], lats, lons, days, origin_day=365, horizon_days=7, cell_m=182.88)
    top = fc.ranked[0]
    assert top.box[0] <= 33.86 < top.box[2] and top.box[1] <= -118.05 < top.box[3]
    assert fc.events == 120 and fc.model.startswith("kernel_density")
    assert math.isclose(top.box[2] - top.box[0], 182.88 / (math.pi / 180 * 6_371_008.8), rel_tol=1e-9)
