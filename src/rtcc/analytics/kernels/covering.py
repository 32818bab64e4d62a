"""Covering-location models: maximal covering (MCLP, Church & ReVelle 1974) and set covering (LSCP, Toregas et al.
1971), with existing sites fixed open, solved as mixed-integer programs by HiGHS through ``scipy.optimize.milp``.

Input is a coverage matrix: ``covers[i, j]`` is true when candidate site j covers demand point i (within a distance,
a flight time, a camera's view: ``coverage_within`` builds one from coordinates and a radius). Sites listed in
``fixed`` are open and cost nothing; the models choose new sites.

- MCLP: maximise the covered demand weight ``sum w_i y_i`` subject to ``y_i <= sum_{j covers i} x_j``, x binary,
  y in [0, 1] (optimal y is 0/1 once x is), and either at most ``new_sites`` new sites or new sites' costs within
  ``budget`` (or both).
- LSCP: minimise the cost (default: the number) of new sites such that every demand point that any candidate covers
  is covered; points no candidate covers are reported, not made infeasible.

Before solving, demand already covered by a fixed site is counted and dropped (its constraint is slack), as are
points no candidate covers, and demand points covered by exactly the same sites are merged into one weighted row.
The solver stops at ``time_limit`` seconds or at the relative gap ``mip_rel_gap``; the result reports the
objective, HiGHS's best bound on it (both over the whole demand, fixed coverage included) and the gap between them,
``|bound - objective| / max(|objective|, 1e-9)``, which is 0 for a proven optimum (an MCLP with a site count that
stops early returns the greedy solution when that is better than the solver's incumbent, with the solver's bound).
``greedy_mclp`` is the classic greedy heuristic (add the site with the largest marginal covered weight), the
baseline a solved model must match or beat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.spatial import cKDTree

SOLVER = "HiGHS (scipy.optimize.milp)"


@dataclass(frozen=True)
class CoveringResult:
    """A solved covering model: the open sites, what they cover, and how far from proven optimal."""

    model: str
    sites: tuple[int, ...]  # every open site, fixed ones included, ascending
    added: tuple[int, ...]  # the new sites chosen
    covered_weight: float
    total_weight: float
    objective: float  # MCLP: covered weight; LSCP: cost of the new sites
    bound: float  # the solver's best bound on the objective
    gap: float
    status: str  # "optimal", "time_limit" or "greedy"
    uncoverable: int  # demand points no candidate covers
    solver: str = SOLVER

    @property
    def coverage(self) -> float:
        """Covered share of the demand weight."""
        return self.covered_weight / self.total_weight if self.total_weight > 0 else 0.0


def coverage_within(
    demand_xy: npt.ArrayLike, site_xy: npt.ArrayLike, radius: float, *, metric: str = "euclidean"
) -> sparse.csr_matrix:
    """The demand x site matrix of "site within ``radius`` of demand point" (planar coordinates, inclusive)."""
    d = np.asarray(demand_xy, dtype=np.float64).reshape(-1, 2)
    s = np.asarray(site_xy, dtype=np.float64).reshape(-1, 2)
    p = 1.0 if metric == "manhattan" else 2.0
    near: list[list[int]] = list(cKDTree(s).query_ball_point(d, r=radius, p=p))  # type: ignore[arg-type]
    # inclusive: a site at exactly ``radius`` covers
    lengths = np.fromiter((len(js) for js in near), dtype=np.int64, count=len(near))
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = np.fromiter((j for js in near for j in js), dtype=np.int64, count=int(indptr[-1]))
    data = np.ones(indices.size, dtype=np.int8)
    out = sparse.csr_matrix((data, indices, indptr), shape=(d.shape[0], s.shape[0]))
    out.sort_indices()
    return out


def _prepare(
    covers: sparse.spmatrix | npt.ArrayLike, fixed: Sequence[int]
) -> tuple[sparse.csr_matrix, npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    a = sparse.csr_matrix(covers, dtype=np.int8)  # type: ignore[arg-type,call-overload,unused-ignore]
    a.eliminate_zeros()
    n_sites = a.shape[1]
    fx = np.asarray(sorted(set(fixed)), dtype=np.int64)
    if fx.size and (fx.min() < 0 or fx.max() >= n_sites):
        raise ValueError("a fixed site is not a candidate")
    by_fixed = np.zeros(a.shape[0], dtype=np.bool_)
    if fx.size:
        by_fixed = np.asarray(a[:, fx].sum(axis=1)).ravel() > 0
    coverable = np.diff(a.indptr) > 0
    return a, by_fixed, coverable, fx


def _merge_identical_rows(
    a: sparse.csr_matrix, w: npt.NDArray[np.float64]
) -> tuple[sparse.csr_matrix, npt.NDArray[np.float64]]:
    """Demand points covered by exactly the same sites become one row carrying their summed weight (same optimum,
    fewer variables: clustered demand often shares its covering set)."""
    a = a.tocsr()
    a.sort_indices()
    keys: dict[bytes, int] = {}
    group = np.empty(a.shape[0], dtype=np.int64)
    for i in range(a.shape[0]):
        key = a.indices[a.indptr[i] : a.indptr[i + 1]].tobytes()
        group[i] = keys.setdefault(key, len(keys))
    first = np.unique(group, return_index=True)[1]
    merged_w = np.bincount(group, weights=w, minlength=len(keys)).astype(np.float64)
    return a[first], merged_w


def _status(res: object) -> str:
    return "optimal" if getattr(res, "status", 1) == 0 else "time_limit"


def _gap(objective: float, bound: float) -> float:
    return abs(bound - objective) / max(abs(objective), 1e-9)


def solve_mclp(
    covers: sparse.spmatrix | npt.ArrayLike,
    weights: npt.ArrayLike,
    *,
    new_sites: int | None = None,
    costs: npt.ArrayLike | None = None,
    budget: float | None = None,
    fixed: Sequence[int] = (),
    time_limit: float = 60.0,
    mip_rel_gap: float = 1e-6,
) -> CoveringResult:
    """Maximal covering: the new sites (at most ``new_sites``, within ``budget``) that cover the most weight."""
    if new_sites is None and budget is None:
        raise ValueError("give new_sites, budget or both")
    a, by_fixed, coverable, fx = _prepare(covers, fixed)
    w = np.asarray(weights, dtype=np.float64)
    m, n = a.shape
    if w.shape != (m,) or (w < 0).any():
        raise ValueError("weights: one non-negative weight per demand point")
    free = np.ones(n, dtype=np.bool_)
    free[fx] = False
    open_rows = coverable & ~by_fixed & (w > 0)
    sub, sub_w = _merge_identical_rows(a[open_rows][:, free], w[open_rows])
    free_idx = np.flatnonzero(free)
    k = sub.shape[0]
    base = float(w[by_fixed].sum())
    # variables: x (free sites) then y (open demand rows); minimise -w.y
    c = np.concatenate([np.zeros(free_idx.size), -sub_w])
    link = sparse.hstack([-sub, sparse.identity(k, format="csr")], format="csr")  # y_i - sum x_j <= 0
    rows = [LinearConstraint(link, -np.inf, 0.0)]
    if new_sites is not None:
        ones = sparse.csr_matrix(np.concatenate([np.ones(free_idx.size), np.zeros(k)])[None, :])
        rows.append(LinearConstraint(ones, -np.inf, float(new_sites)))
    if budget is not None:
        cost = np.ones(n) if costs is None else np.asarray(costs, dtype=np.float64)
        crow = sparse.csr_matrix(np.concatenate([cost[free_idx], np.zeros(k)])[None, :])
        rows.append(LinearConstraint(crow, -np.inf, float(budget)))
    integrality = np.concatenate([np.ones(free_idx.size), np.zeros(k)])
    res = milp(
        c,
        constraints=rows,
        integrality=integrality,
        bounds=Bounds(0.0, 1.0),
        options={"time_limit": time_limit, "mip_rel_gap": mip_rel_gap, "disp": False},
    )
    if res.x is None:
        raise RuntimeError(f"the solver found no solution: {res.message}")
    chosen = free_idx[res.x[: free_idx.size] > 0.5]
    sites = np.union1d(fx, chosen)
    covered = float(w[np.asarray(a[:, sites].sum(axis=1)).ravel() > 0].sum()) if sites.size else 0.0
    dual = getattr(res, "mip_dual_bound", None)
    bound = base - float(dual) if dual is not None and np.isfinite(dual) else covered
    if _status(res) != "optimal" and new_sites is not None and budget is None:
        # stopped early: the greedy solution may beat the incumbent, and is as valid under the same bound
        g = greedy_mclp(a, w, new_sites=new_sites, fixed=fx.tolist())
        if g.covered_weight > covered:
            chosen, sites, covered = np.asarray(g.added, dtype=np.int64), np.asarray(g.sites), g.covered_weight
    return CoveringResult(
        model="mclp",
        sites=tuple(int(s) for s in sites),
        added=tuple(int(s) for s in chosen),
        covered_weight=covered,
        total_weight=float(w.sum()),
        objective=covered,
        bound=max(bound, covered),
        gap=_gap(covered, max(bound, covered)),
        status=_status(res),
        uncoverable=int((~coverable).sum()),
    )


def solve_lscp(
    covers: sparse.spmatrix | npt.ArrayLike,
    *,
    costs: npt.ArrayLike | None = None,
    fixed: Sequence[int] = (),
    time_limit: float = 60.0,
    mip_rel_gap: float = 1e-6,
) -> CoveringResult:
    """Set covering: the cheapest new sites (by count without ``costs``) covering every coverable demand point."""
    a, by_fixed, coverable, fx = _prepare(covers, fixed)
    m, n = a.shape
    cost = np.ones(n) if costs is None else np.asarray(costs, dtype=np.float64)
    if cost.shape != (n,) or (cost < 0).any():
        raise ValueError("costs: one non-negative cost per site")
    free = np.ones(n, dtype=np.bool_)
    free[fx] = False
    free_idx = np.flatnonzero(free)
    need = coverable & ~by_fixed
    sub = a[need][:, free]
    if sub.shape[0] == 0:
        chosen = np.zeros(0, dtype=np.int64)
        status, obj, bound = "optimal", 0.0, 0.0
    else:
        res = milp(
            cost[free_idx],
            constraints=[LinearConstraint(sub, 1.0, np.inf)],
            integrality=np.ones(free_idx.size, dtype=np.int64),
            bounds=Bounds(0.0, 1.0),
            options={"time_limit": time_limit, "mip_rel_gap": mip_rel_gap, "disp": False},
        )
        if res.x is None:
            raise RuntimeError(f"the solver found no solution: {res.message}")
        chosen = free_idx[res.x > 0.5]
        obj = float(cost[chosen].sum())
        dual = getattr(res, "mip_dual_bound", None)
        bound = min(float(dual), obj) if dual is not None and np.isfinite(dual) else obj
        status = _status(res)
    sites = np.union1d(fx, chosen)
    covered_rows = np.asarray(a[:, sites].sum(axis=1)).ravel() > 0 if sites.size else np.zeros(m, dtype=np.bool_)
    return CoveringResult(
        model="lscp",
        sites=tuple(int(s) for s in sites),
        added=tuple(int(s) for s in chosen),
        covered_weight=float(covered_rows.sum()),
        total_weight=float(m),
        objective=obj,
        bound=bound,
        gap=_gap(obj, bound),
        status=status,
        uncoverable=int((~coverable).sum()),
    )


def greedy_mclp(
    covers: sparse.spmatrix | npt.ArrayLike, weights: npt.ArrayLike, *, new_sites: int, fixed: Sequence[int] = ()
) -> CoveringResult:
    """The greedy heuristic: add, ``new_sites`` times, the site covering the most still-uncovered weight."""
    a, by_fixed, coverable, fx = _prepare(covers, fixed)
    w = np.asarray(weights, dtype=np.float64)
    csc = a.tocsc()
    left = np.where(by_fixed, 0.0, w)
    chosen: list[int] = []
    for _ in range(new_sites):
        gain = csc.T @ left
        gain[fx] = -1.0
        if chosen:
            gain[chosen] = -1.0
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        chosen.append(j)
        rows = csc.indices[csc.indptr[j] : csc.indptr[j + 1]]
        left[rows] = 0.0
    sites = np.union1d(fx, np.asarray(chosen, dtype=np.int64))
    covered = float(w.sum() - left.sum())
    return CoveringResult(
        model="mclp",
        sites=tuple(int(s) for s in sites),
        added=tuple(chosen),
        covered_weight=covered,
        total_weight=float(w.sum()),
        objective=covered,
        bound=float("nan"),
        gap=float("nan"),
        status="greedy",
        uncoverable=int((~coverable).sum()),
    )
