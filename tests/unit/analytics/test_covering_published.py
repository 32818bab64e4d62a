"""The covering kernel against a published instance: OR-Library's set-covering instance scp41 (Beasley 1987), whose
optimal cost 429 is published (see data/PROVENANCE.md). The LSCP with column costs must reach exactly 429, proven
optimal, and its sites must cover every row; the maximal covering model given the same budget must cover every row
too (the two models agree at the published optimum), and with one unit less it must not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import sparse

from rtcc.analytics.kernels.covering import solve_lscp, solve_mclp

DATA = Path(__file__).parent / "data" / "scp41.txt"
PUBLISHED_OPTIMUM = 429


def _scp41() -> tuple[sparse.csr_matrix, np.ndarray]:
    v = [int(x) for x in DATA.read_text().split()]
    m, n = v[0], v[1]
    costs = np.asarray(v[2 : 2 + n], dtype=float)
    p = 2 + n
    rows: list[int] = []
    cols: list[int] = []
    for i in range(m):
        k = v[p]
        rows += [i] * k
        cols += [c - 1 for c in v[p + 1 : p + 1 + k]]
        p += 1 + k
    assert (m, n, p, len(v)) == (200, 1000, 5211, 5211)  # the file is whole
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(m, n)), costs


def test_lscp_reaches_the_published_optimum_of_scp41() -> None:
    a, costs = _scp41()
    r = solve_lscp(a, costs=costs, time_limit=120)
    assert r.objective == PUBLISHED_OPTIMUM
    assert r.status == "optimal" and r.gap == 0.0
    assert float(costs[list(r.added)].sum()) == PUBLISHED_OPTIMUM
    assert (np.asarray(a[:, list(r.added)].sum(axis=1)).ravel() > 0).all()


def test_mclp_with_the_optimal_budget_covers_everything_and_one_less_does_not() -> None:
    a, costs = _scp41()
    w = np.ones(a.shape[0])
    full = solve_mclp(a, w, costs=costs, budget=PUBLISHED_OPTIMUM, time_limit=120)
    assert full.covered_weight == a.shape[0] and full.status == "optimal"
    short = solve_mclp(a, w, costs=costs, budget=PUBLISHED_OPTIMUM - 1, time_limit=120)
    assert short.status == "optimal" and short.covered_weight < a.shape[0]
