"""Covering models: a hand-solved instance, and seeded random instances checked against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from rtcc.analytics.kernels.covering import coverage_within, greedy_mclp, solve_lscp, solve_mclp

# demand 0..4 (weights 10..50); site 0 covers {0, 1}, site 1 {1, 2, 3}, site 2 {3, 4}, site 3 {0, 4}
HAND = np.array(
    [
        [1, 0, 0, 1],
        [1, 1, 0, 0],
        [0, 1, 0, 0],
        [0, 1, 1, 0],
        [0, 0, 1, 1],
    ],
    dtype=bool,
)
HAND_W = np.array([10.0, 20.0, 30.0, 40.0, 50.0])


def test_mclp_by_hand() -> None:
    # two sites: {1, 3} cover everything (150); {1, 2} only 140
    r = solve_mclp(HAND, HAND_W, new_sites=2)
    assert r.sites == (1, 3) and r.covered_weight == 150.0 and r.coverage == 1.0
    assert r.status == "optimal" and r.gap == pytest.approx(0.0, abs=1e-9)
    # site 2 already open (covers 90): the best addition is site 1 (+50), not site 0 (+30) or 3 (+10)
    r = solve_mclp(HAND, HAND_W, new_sites=1, fixed=[2])
    assert r.added == (1,) and r.sites == (1, 2) and r.covered_weight == 140.0


def test_mclp_budget_with_costs() -> None:
    # site 1 costs 5, the others 1: with a budget of 2 the best is sites 0 + 2 (10+20+40+50 = 120) or 2 + 3 (100)
    r = solve_mclp(HAND, HAND_W, costs=[1, 5, 1, 1], budget=2.0)
    assert r.added == (0, 2) and r.covered_weight == 120.0


def test_lscp_by_hand() -> None:
    r = solve_lscp(HAND)
    assert len(r.added) == 2 and r.covered_weight == 5 and r.objective == 2.0
    r = solve_lscp(HAND, fixed=[2])  # 0, 1 and 2 still need cover: two more sites
    assert r.objective == 2.0 and 2 in r.sites and r.covered_weight == 5


def test_lscp_reports_points_no_site_covers() -> None:
    a = np.vstack([HAND, np.zeros((1, 4), dtype=bool)])
    r = solve_lscp(a)
    assert r.uncoverable == 1 and r.covered_weight == 5 and r.total_weight == 6


def _random_instance(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, 1000, (60, 2))
    sites = rng.uniform(0, 1000, (12, 2))
    cover = coverage_within(demand, sites, 250.0).toarray().astype(bool)
    return cover, rng.integers(1, 20, 60).astype(float), rng.integers(1, 4, 12).astype(float)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mclp_matches_brute_force(seed: int) -> None:
    cover, w, cost = _random_instance(seed)
    fixed = [0]
    best = max(w[cover[:, [0, *combo]].any(axis=1)].sum() for combo in itertools.combinations(range(1, 12), 3))
    r = solve_mclp(cover, w, new_sites=3, fixed=fixed)
    assert r.covered_weight == pytest.approx(best)
    assert 0 in r.sites and len(r.added) == 3
    assert r.gap <= 1e-6
    g = greedy_mclp(cover, w, new_sites=3, fixed=fixed)
    assert g.covered_weight <= r.covered_weight + 1e-9
    # a budget of 5 over costs 1-3, brute force over every subset
    best_b = 0.0
    for mask in range(1 << 12):
        chosen = [j for j in range(12) if mask >> j & 1]
        if cost[chosen].sum() <= 5 and chosen:
            best_b = max(best_b, float(w[cover[:, chosen].any(axis=1)].sum()))
    rb = solve_mclp(cover, w, costs=cost, budget=5.0)
    assert rb.covered_weight == pytest.approx(best_b)
    assert cost[list(rb.added)].sum() <= 5


@pytest.mark.parametrize("seed", [1, 2])
def test_lscp_matches_brute_force(seed: int) -> None:
    cover, _, _ = _random_instance(seed)
    need = cover.any(axis=1)
    fewest = next(
        k
        for k in range(1, 13)
        if any(cover[need][:, list(c)].any(axis=1).all() for c in itertools.combinations(range(12), k))
    )
    r = solve_lscp(cover)
    assert r.objective == fewest and r.uncoverable == int((~need).sum())


def test_coverage_within_is_inclusive() -> None:
    m = coverage_within([[0, 0], [10, 0]], [[0, 0], [3, 4]], 5.0).toarray()
    assert m.tolist() == [[1, 1], [0, 0]]
    m = coverage_within([[0, 0]], [[3, 4]], 7.0, metric="manhattan").toarray()
    assert m.tolist() == [[1]]
