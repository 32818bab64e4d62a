"""``rtcc bench analytics``: the analytics kernels at the issue's sizes, each beside a same-run baseline and a check.

- ``forecast_s``: a one-week forecast with the boosted model (binning included) on 600 ft cells over the 21 LAPD
  divisions of the ``los_angeles`` profile from ``rows`` synthetic incidents (default 1,000,000); baseline: the
  naive all-history model on the same history (``forecast_naive_s``). Check: the forecast is finite and its top cells
  (0.75 sq mi) catch more than their share of the held-out week (PAI > 1).
- ``backtest_s``: a weekly rolling backtest over three years (156 origins, one year of history before the first)
  on 600 ft cells over the ``cerritos`` profile's boundary, every model of ``standard_models`` (naive last and all,
  KDE, boosted, self-exciting; refitted every four weeks), PAI/PEI at 0.25 and 0.75 sq mi; baseline: the same
  backtest of the two naive models alone. Check: every
  model is scored on the same incidents and the winner beats the last-week baseline.
- ``knox_s``: a Knox test of 10,000 events (10 bands of 100 m x 10 of 7 days, 99 permutations); baseline: the
  brute-force pair table of a 2,000-event subsample against the KD-tree table of the same subsample (``agree``).
- ``mclp_s`` and ``mclp_gap``: maximal covering, 2,000 candidate sites, 20,000 demand points, 10 sites fixed, 100 to
  add, 500 m cover, over a 20 km square; baseline: the greedy heuristic. Check: the solved coverage is at least the
  greedy one.

Synthetic data: a Thomas (Neyman-Scott) cluster process. Parent points uniform over the active cells, each with a
weight drawn from a Gamma(0.5) (a few strong hot spots, many weak ones) and a Gaussian spread of 60-400 m; 70% of
incidents are offspring of a parent chosen by weight, 30% uniform background over the active cells; times uniform
over the span, so that the hot spots are stable and recent counts are noisy, as in real data. The backtest's
incidents add 20% near repeats (an earlier incident's place moved by a 150 m Gaussian, an exponential delay of mean
5 days), the pattern the self-exciting model is for. Knox events add 20%
planted near repeats (within 150 m and 1-10 days of an earlier event). ``rows`` scales every part down (a smoke test
runs it in seconds); the JSON says what sizes ran.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from rtcc.analytics.kernels.backtest import flag_top, rolling_backtest, rolling_origins, score_window
from rtcc.analytics.kernels.catalogue import standard_models
from rtcc.analytics.kernels.covering import coverage_within, greedy_mclp, solve_mclp
from rtcc.analytics.kernels.grid import DEFAULT_CELL_M, SQ_MI_M2, EventHistory, Grid, make_grid, project_lonlat
from rtcc.analytics.kernels.hotspots import BoostedCounts, NaiveAll, forecast
from rtcc.analytics.kernels.knox import band_edges, knox_table_bruteforce, knox_test
from rtcc.places.loader import load_profile

FULL_ROWS = 1_000_000
SEED = 20261206


def _grid_of(profile: str, *, divisions: bool) -> Grid:
    prof = load_profile(profile)
    rings = [r for a in prof.divisions.areas for r in a.rings] if divisions else list(prof.boundary.rings)
    lons = np.concatenate([np.asarray(r)[:, 0] for r in rings])
    lats = np.concatenate([np.asarray(r)[:, 1] for r in rings])
    lon0, lat0 = float(lons.mean()), float(lats.mean())
    xy = []
    for r in rings:
        a = np.asarray(r, dtype=np.float64)
        x, y = project_lonlat(a[:, 0], a[:, 1], lon0=lon0, lat0=lat0)
        xy.append(list(zip(x.tolist(), y.tolist(), strict=True)))
    return make_grid((-1e9, -1e9, 1e9, 1e9), cell=DEFAULT_CELL_M, rings=xy)


def clustered_events(
    grid: Grid, n: int, days: float, rng: np.random.Generator, *, parents: int = 2000, repeats: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, y (grid units) and times (days) of a Thomas cluster process over the active cells (see the module)."""
    cx, cy = grid.centers()
    act = np.flatnonzero(grid.active)
    half = grid.cell / 2

    def uniform(k: int) -> tuple[np.ndarray, np.ndarray]:
        c = act[rng.integers(0, act.size, k)]
        return cx[c] + rng.uniform(-half, half, k), cy[c] + rng.uniform(-half, half, k)

    px, py = uniform(parents)
    weight = rng.gamma(0.5, 1.0, parents)
    spread = rng.uniform(60.0, 400.0, parents)
    n_child = int(n * 0.7)
    who = rng.choice(parents, size=n_child, p=weight / weight.sum())
    bx, by = uniform(n - n_child)
    x = np.concatenate([px[who] + rng.normal(0, 1, n_child) * spread[who], bx])
    y = np.concatenate([py[who] + rng.normal(0, 1, n_child) * spread[who], by])
    t = rng.uniform(0.0, days, n)
    k = int(n * repeats)
    if k:  # near repeats replace the last k events (which are as random as any others)
        src = rng.integers(0, n - k, k)
        x[n - k :] = x[src] + rng.normal(0, 150.0, k)
        y[n - k :] = y[src] + rng.normal(0, 150.0, k)
        t[n - k :] = t[src] + rng.exponential(5.0, k)
    return x, y, t


def _forecast_part(n: int, rng: np.random.Generator) -> dict[str, Any]:
    grid = _grid_of("los_angeles", divisions=True)
    days = 3 * 365.0
    x, y, t = clustered_events(grid, n, days, rng)
    origin, horizon = days - 7.0, 7.0
    gbm = BoostedCounts(max_rows=min(200_000, max(2_000, n // 5)))
    t0 = time.perf_counter()
    hist = EventHistory.build(grid.cell_of(x, y), t, n_cells=grid.n_cells)
    f = forecast(gbm, hist, grid, origin=origin, horizon=horizon, rng=rng)
    forecast_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    hist2 = EventHistory.build(grid.cell_of(x, y), t, n_cells=grid.n_cells)
    naive = forecast(NaiveAll(), hist2, grid, origin=origin, horizon=horizon, rng=rng)
    naive_s = time.perf_counter() - t0
    actual = hist.counts(origin, origin + horizon)
    area = 0.75 * SQ_MI_M2
    s_gbm = score_window(flag_top(f.expected, grid, area), actual, grid)
    s_naive = score_window(flag_top(naive.expected, grid, area), actual, grid)
    return {
        "forecast_s": round(forecast_s, 3),
        "forecast_naive_s": round(naive_s, 3),
        "forecast_incidents": len(hist),
        "forecast_cells": int(grid.active.sum()),
        "forecast_area_sq_mi": round(grid.active_area / SQ_MI_M2, 1),
        "forecast_gbm_pai_075": round(s_gbm.pai, 2),
        "forecast_naive_all_pai_075": round(s_naive.pai, 2),
        "forecast_ok": bool(np.isfinite(f.expected).all() and s_gbm.pai > 1),
    }


def _backtest_part(scale: float, rng: np.random.Generator) -> dict[str, Any]:
    grid = _grid_of("cerritos", divisions=False)
    weeks = max(3, round(156 * scale))
    n = max(2_000, round(24_000 * scale))  # about 6,000 incidents a year over four years at full size
    days = 365.0 + 7.0 * weeks
    x, y, t = clustered_events(grid, n, days, rng, parents=60, repeats=0.2)
    hist = EventHistory.build(grid.cell_of(x, y), t, n_cells=grid.n_cells)
    origins = rolling_origins(365.0, 365.0 + 7.0 * (weeks - 1), 7.0)
    limits = [0.25 * SQ_MI_M2, 0.75 * SQ_MI_M2]
    models = standard_models()
    t0 = time.perf_counter()
    r = rolling_backtest(hist, grid, models, origins=origins, horizon=7.0, area_limits=limits, rng=rng, refit_every=4)
    backtest_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    rolling_backtest(hist, grid, models[:2], origins=origins, horizon=7.0, area_limits=limits, rng=rng)
    naive_s = time.perf_counter() - t0
    incidents = {s.incidents for s in r.scores}
    out: dict[str, Any] = {
        "backtest_s": round(backtest_s, 3),
        "backtest_naive_s": round(naive_s, 3),
        "backtest_origins": len(origins),
        "backtest_cells": int(grid.active.sum()),
        "backtest_incidents_scored": next(iter(incidents)),
        "backtest_winner": r.winner,
    }
    for s in r.scores:
        key = f"backtest_{s.model}_{'025' if s.area_limit == limits[0] else '075'}"
        out[f"{key}_pai"] = round(s.mean_pai, 2)
        out[f"{key}_pei"] = round(s.mean_pei, 3)
    out["backtest_ok"] = len(incidents) == 1 and (
        r.score(r.winner, limits[0]).mean_pai >= r.score("naive_last", limits[0]).mean_pai
    )
    return out


def _knox_part(n: int, rng: np.random.Generator) -> dict[str, Any]:
    base = int(n * 0.8)
    x, y = rng.uniform(0, 30_000, base), rng.uniform(0, 30_000, base)
    t = rng.integers(0, 1095, base).astype(np.float64)
    k = n - base
    src = rng.integers(0, base, k)
    ang, rad = rng.uniform(0, 2 * np.pi, k), rng.uniform(0, 150, k)
    x = np.concatenate([x, x[src] + rad * np.cos(ang)]).round()
    y = np.concatenate([y, y[src] + rad * np.sin(ang)]).round()
    t = np.concatenate([t, t[src] + rng.integers(1, 11, k)])
    kw = {"spatial_bandwidth": 100.0, "spatial_bands": 10, "temporal_bandwidth": 7.0, "temporal_bands": 10}
    t0 = time.perf_counter()
    r = knox_test(x, y, t, permutations=99, rng=rng, **kw)  # type: ignore[arg-type]
    knox_s = time.perf_counter() - t0
    m = min(2_000, n)
    d_edges, t_edges = band_edges(100.0, 10, 7.0, 10, 1.0)
    t0 = time.perf_counter()
    brute = knox_table_bruteforce(x[:m], y[:m], t[:m], distance_edges=d_edges, time_edges=t_edges)
    brute_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    tree = knox_test(x[:m], y[:m], t[:m], permutations=1, rng=rng, **kw)  # type: ignore[arg-type]
    tree_s = time.perf_counter() - t0
    return {
        "knox_s": round(knox_s, 3),
        "knox_events": n,
        "knox_pairs_within": r.pairs_within,
        "knox_ratio_near": round(float(r.ratio[1, 0]), 2),
        "knox_p_near": round(float(r.p_value[1, 0]), 3),
        "knox_subsample_events": m,
        "knox_bruteforce_subsample_s": round(brute_s, 3),
        "knox_tree_subsample_s": round(tree_s, 3),
        "knox_agree": bool(np.array_equal(brute, tree.observed)),
    }


def _mclp_part(demand: int, sites: int, rng: np.random.Generator) -> dict[str, Any]:
    side = 20_000.0
    centres = rng.uniform(0, side, (200, 2))
    d = centres[rng.integers(0, 200, demand)] + rng.normal(0, side / 25, (demand, 2))
    s = rng.uniform(0, side, (sites, 2))
    w = np.ones(demand)
    cover = coverage_within(d, s, 500.0)
    fixed = list(range(10))
    p = max(5, sites // 20)
    t0 = time.perf_counter()
    g = greedy_mclp(cover, w, new_sites=p, fixed=fixed)
    greedy_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    r = solve_mclp(cover, w, new_sites=p, fixed=fixed, time_limit=60.0)
    mclp_s = time.perf_counter() - t0
    return {
        "mclp_s": round(mclp_s, 3),
        "mclp_gap": round(r.gap, 6),
        "mclp_status": r.status,
        "mclp_sites": sites,
        "mclp_demand": demand,
        "mclp_new_sites": p,
        "mclp_coverage": round(r.coverage, 4),
        "mclp_greedy_s": round(greedy_s, 4),
        "mclp_greedy_coverage": round(g.coverage, 4),
        "mclp_solver": r.solver,
        "mclp_ok": r.covered_weight >= g.covered_weight - 1e-9,
    }


def run(*, rows: int | None = None, database_url: str | None = None) -> dict[str, Any]:
    """Measure forecast, backtest, Knox and MCLP at the issue's sizes (``rows`` incidents scales all of them)."""
    n = rows or FULL_ROWS
    scale = min(1.0, n / FULL_ROWS)
    rng = np.random.default_rng(SEED)
    out: dict[str, Any] = {"rows": n}
    out |= _forecast_part(n, rng)
    out |= _backtest_part(scale, rng)
    out |= _knox_part(max(500, round(10_000 * scale)), rng)
    out |= _mclp_part(max(500, round(20_000 * scale)), max(50, round(2_000 * scale)), rng)
    return out
