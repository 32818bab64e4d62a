"""Rolling-origin backtests of hotspot forecasts: flag the top cells, score PAI, PEI and hit rate, choose a model.

Definitions (Chainey et al. 2008 for PAI; Hunt 2016 and the NIJ Real-Time Crime Forecasting Challenge for PEI):

- flagged cells: the active cells with the highest forecast, as many as fit in the area limit
  (``floor(limit / cell area)``); ties go to the lower cell index, so a forecast that cannot tell cells apart flags
  the same cells every time rather than random ones.
- hit rate = n / N, the share of the window's N incidents (in active cells) that fall in flagged cells (n);
- PAI = (n / N) / (a / A), hit rate over the flagged share a / A of the active area;
- PEI = PAI / PAI*, where PAI* flags the same number of cells chosen knowing the outcome (the n* incidents of the
  busiest cells): PEI = n / n*.
A window with no incident has no score (NaN) and is left out of the means, but its origin still counts in
``origins``. The winner of a backtest is the model with the highest mean of the chosen metric over every origin and
area limit (default PAI, the challenge's main measure); ties go to the model listed first, so list baselines first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rtcc.analytics.kernels.grid import EventHistory, Grid, IntArray
from rtcc.analytics.kernels.hotspots import Fitted, HotspotModel


@dataclass(frozen=True)
class WindowScore:
    """The accuracy of one forecast window at one area limit."""

    incidents: int
    hits: int
    best_hits: int
    cells: int
    area_share: float
    hit_rate: float
    pai: float
    pei: float


def flag_top(expected: npt.ArrayLike, grid: Grid, area_limit: float) -> IntArray:
    """The indices of the active cells with the highest forecast that fit in ``area_limit`` (grid units squared)."""
    k = math.floor(area_limit / grid.cell_area + 1e-9)
    cand = np.flatnonzero(grid.active)
    if k <= 0 or cand.size == 0:
        return np.zeros(0, dtype=np.int64)
    vals = np.asarray(expected, dtype=np.float64)[cand]
    order = np.lexsort((cand, -vals))  # by value descending, then index ascending
    return cand[order[: min(k, cand.size)]].astype(np.int64)


def score_window(flagged: npt.ArrayLike, actual: npt.ArrayLike, grid: Grid) -> WindowScore:
    """Hit rate, PAI and PEI of ``flagged`` cells against the ``actual`` counts per cell."""
    f = np.asarray(flagged, dtype=np.int64)
    a = np.asarray(actual, dtype=np.float64)
    act = a[grid.active]
    n_total = round(float(act.sum()))
    hits = round(float(a[f].sum())) if f.size else 0
    best = round(float(np.sort(act)[::-1][: f.size].sum())) if f.size else 0
    share = f.size * grid.cell_area / grid.active_area if grid.active_area > 0 else math.nan
    if n_total == 0 or f.size == 0:
        return WindowScore(n_total, hits, best, int(f.size), share, math.nan, math.nan, math.nan)
    hit_rate = hits / n_total
    pai = hit_rate / share
    pei = hits / best if best > 0 else math.nan
    return WindowScore(n_total, hits, best, int(f.size), share, hit_rate, pai, pei)


@dataclass(frozen=True)
class ModelScore:
    """One model's backtest at one area limit: per-origin PAI, and the means over origins with incidents."""

    model: str
    area_limit: float
    incidents: int
    hits: int
    mean_hit_rate: float
    mean_pai: float
    mean_pei: float
    pai: tuple[float, ...]


@dataclass(frozen=True)
class BacktestResult:
    """A rolling-origin backtest: every model at every area limit, and the winner."""

    horizon: float
    origins: tuple[float, ...]
    area_limits: tuple[float, ...]
    scores: tuple[ModelScore, ...]
    metric: str
    winner: str

    def score(self, model: str, area_limit: float) -> ModelScore:
        """The score of one model at one area limit."""
        for s in self.scores:
            if s.model == model and math.isclose(s.area_limit, area_limit):
                return s
        raise KeyError((model, area_limit))


def rolling_origins(start: float, end: float, step: float) -> tuple[float, ...]:
    """Origins start, start + step, ... up to and including ``end``."""
    if step <= 0:
        raise ValueError("the step must be positive")
    n = math.floor((end - start) / step + 1e-9) + 1
    return tuple(start + i * step for i in range(max(n, 0)))


def _nanmean(values: Sequence[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return sum(finite) / len(finite) if finite else math.nan


def rolling_backtest(
    history: EventHistory,
    grid: Grid,
    models: Sequence[HotspotModel],
    *,
    origins: Sequence[float],
    horizon: float,
    area_limits: Sequence[float],
    rng: np.random.Generator,
    refit_every: int = 1,
    metric: str = "pai",
) -> BacktestResult:
    """For each origin: fit on the past (every ``refit_every`` origins), forecast ``horizon``, flag the top cells
    within each area limit and score them against what happened."""
    if not models or not origins or not area_limits:
        raise ValueError("a backtest needs models, origins and area limits")
    if metric not in ("pai", "pei", "hit_rate"):
        raise ValueError("metric is one of pai, pei, hit_rate")
    if refit_every < 1:
        raise ValueError("refit_every is at least 1")
    per: dict[tuple[str, float], list[WindowScore]] = {}
    for model in models:
        fitted: Fitted | None = None
        for i, origin in enumerate(origins):
            past = history.before(origin)
            if fitted is None or i % refit_every == 0:
                fitted = model.fit(past, grid, origin=origin, horizon=horizon, rng=rng)
            expected = fitted.predict(past, origin=origin)
            actual = history.counts(origin, origin + horizon)
            for limit in area_limits:
                ws = score_window(flag_top(expected, grid, limit), actual, grid)
                per.setdefault((model.name, limit), []).append(ws)
    scores = tuple(
        ModelScore(
            model=name,
            area_limit=limit,
            incidents=sum(w.incidents for w in ws),
            hits=sum(w.hits for w in ws),
            mean_hit_rate=_nanmean([w.hit_rate for w in ws]),
            mean_pai=_nanmean([w.pai for w in ws]),
            mean_pei=_nanmean([w.pei for w in ws]),
            pai=tuple(w.pai for w in ws),
        )
        for (name, limit), ws in per.items()
    )
    winner = choose_model(scores, [m.name for m in models], metric)
    return BacktestResult(horizon, tuple(origins), tuple(area_limits), scores, metric, winner)


def choose_model(scores: Sequence[ModelScore], order: Sequence[str], metric: str = "pai") -> str:
    """The model with the highest mean ``metric`` over its area limits (ties: the one first in ``order``)."""
    field = {"pai": "mean_pai", "pei": "mean_pei", "hit_rate": "mean_hit_rate"}[metric]
    best, best_value = order[0], -math.inf
    for name in order:
        vals = [getattr(s, field) for s in scores if s.model == name]
        value = _nanmean(vals)
        if not math.isnan(value) and value > best_value + 1e-12:
            best, best_value = name, value
    return best
