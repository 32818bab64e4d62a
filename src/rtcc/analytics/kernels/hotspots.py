"""Hotspot forecast models on a grid: the expected number of events per cell in a window after an origin.

Every model is fitted on the events strictly before the origin (``EventHistory.before``) and predicts from the
events before the origin it is asked about, so a backtest can refit monthly and predict weekly without ever seeing
the future. Times are in days (any epoch); the horizon is a number of days (7 to 92 for the issue's one week to three
months). Four models here (the self-exciting point process is ``sepp``; ``catalogue`` lists them all):

- ``NaiveLast``: the counts of the last horizon-long window (the "last period" baseline).
- ``NaiveAll``: all history's counts scaled to the horizon (the long-term hot spots).
- ``KernelDensity``: a Gaussian kernel density of the last ``lookback`` days, binned on the grid (the kernel is the
  grid-sampled Gaussian of ``scipy.ndimage.gaussian_filter``, truncated at 4 sigma, mass renormalised over the active
  cells). The bandwidth is chosen by *temporal likelihood cross-validation*: for each candidate the density is fitted
  on the ``lookback`` days before a validation block (the last ``max(horizon, 28)`` days before the origin) and
  scored by the mean log density of the validation block's events; the density is mixed with 1% of a uniform one so
  that an event in an empty cell costs a finite amount. The best bandwidth is refitted on the full lookback.
- ``BoostedCounts``: scikit-learn's ``HistGradientBoostingRegressor`` with a Poisson loss on lagged counts: per active
  cell, counts in the last horizon and in the last 7, 28, 91, 182 and 365 days, the long-run rate (raw and smoothed
  1 cell), and the 28- and 365-day counts smoothed over neighbouring cells (Gaussian, 1.5, 1 and 4 cells). The
  smoothed long-run rate is the model's exposure (a Poisson offset, fitted as target / exposure weighted by the
  exposure): the trees learn how recent activity raises or lowers a cell's long-run rate, heavily regularised (8
  leaves of at least 200 rows, L2 10, 60 rounds at 0.05) because a window's counts are mostly noise. Training rows
  are (cell, past origin) pairs at ``train_origins`` origins spaced ``min(horizon, 28)`` days apart whose targets end
  by the forecast origin, subsampled to ``max_rows`` with the injected generator. It runs on ``threads`` OpenMP
  threads (default 1): at these sizes the trees gain little from more, and on a shared machine scikit-learn's
  default of one thread per core made a backtest five times slower, not faster.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from scipy.ndimage import gaussian_filter

from rtcc.analytics.kernels.grid import EventHistory, FloatArray, Grid

UNIFORM_MIX = 0.01
DEFAULT_BANDWIDTHS = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)  # in cells
LAG_WINDOWS = (7.0, 28.0, 91.0, 182.0, 365.0)
#: The column of ``lag_features`` that the boosted model uses as its exposure: the long-run rate smoothed 1 cell.
BASELINE_COLUMN = 7


@dataclass(frozen=True, eq=False)
class Forecast:
    """Expected events per cell (0 on inactive cells) in [origin, origin + horizon)."""

    model: str
    origin: float
    horizon: float
    expected: FloatArray
    params: tuple[tuple[str, float], ...] = ()


class Fitted(Protocol):
    """A fitted model: predicts at an origin from the events before it."""

    def predict(self, history: EventHistory, *, origin: float) -> FloatArray: ...


class HotspotModel(Protocol):
    """A forecast model: ``fit`` sees only the events before ``origin``."""

    @property
    def name(self) -> str: ...

    def fit(
        self, history: EventHistory, grid: Grid, *, origin: float, horizon: float, rng: np.random.Generator
    ) -> Fitted: ...


def forecast(
    model: HotspotModel,
    history: EventHistory,
    grid: Grid,
    *,
    origin: float,
    horizon: float,
    rng: np.random.Generator,
) -> Forecast:
    """Fit ``model`` on the events before ``origin`` and forecast the next ``horizon`` days."""
    if horizon <= 0:
        raise ValueError("the horizon must be positive")
    past = history.before(origin)
    fitted = model.fit(past, grid, origin=origin, horizon=horizon, rng=rng)
    expected = fitted.predict(past, origin=origin)
    params = tuple(sorted(getattr(fitted, "params", {}).items()))
    return Forecast(model.name, origin, horizon, expected, params)


def _masked(grid: Grid, values: FloatArray) -> FloatArray:
    out = np.where(grid.active, values, 0.0)
    return np.maximum(out, 0.0)


# --- naive ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _NaiveLastFit:
    grid: Grid
    horizon: float

    def predict(self, history: EventHistory, *, origin: float) -> FloatArray:
        return _masked(self.grid, history.counts(origin - self.horizon, origin))


@dataclass(frozen=True)
class NaiveLast:
    """The last horizon-long window's counts."""

    name: str = "naive_last"

    def fit(
        self, history: EventHistory, grid: Grid, *, origin: float, horizon: float, rng: np.random.Generator
    ) -> Fitted:
        """Nothing to learn."""
        return _NaiveLastFit(grid, horizon)


@dataclass(frozen=True)
class _NaiveAllFit:
    grid: Grid
    horizon: float

    def predict(self, history: EventHistory, *, origin: float) -> FloatArray:
        past = history.before(origin)
        if not len(past):
            return np.zeros(self.grid.n_cells)
        span = max(origin - float(past.times[0]), self.horizon)
        return _masked(self.grid, past.counts(-math.inf, origin) * (self.horizon / span))


@dataclass(frozen=True)
class NaiveAll:
    """All history's counts, scaled to the horizon."""

    name: str = "naive_all"

    def fit(
        self, history: EventHistory, grid: Grid, *, origin: float, horizon: float, rng: np.random.Generator
    ) -> Fitted:
        """Nothing to learn."""
        return _NaiveAllFit(grid, horizon)


# --- kernel density ---------------------------------------------------------------------------------------------


def smoothed(grid: Grid, counts: FloatArray, sigma_cells: float) -> FloatArray:
    """Counts smoothed by a Gaussian of ``sigma_cells`` cells, restricted to the active cells, mass preserved."""
    img = gaussian_filter(grid.as_image(counts), sigma=sigma_cells, mode="constant", truncate=4.0).ravel()
    img = np.where(grid.active, img, 0.0)
    total, kept = float(counts.sum()), float(img.sum())
    return img * (total / kept) if kept > 0 else img


def kde_log_likelihood(grid: Grid, train: FloatArray, test: FloatArray, sigma_cells: float) -> float:
    """Mean log probability (per event, of its cell) of the ``test`` counts under the density of ``train``
    smoothed at ``sigma_cells``, mixed with 1% of the uniform density over the active cells."""
    n_test = float(test.sum())
    if n_test == 0:
        return 0.0
    dens = smoothed(grid, train, sigma_cells)
    total = float(dens.sum())
    n_active = int(grid.active.sum())
    p = (1 - UNIFORM_MIX) * (dens / total if total > 0 else 0.0) + UNIFORM_MIX * grid.active / n_active
    hit = test > 0
    return float((test[hit] * np.log(p[hit])).sum() / n_test)


@dataclass(frozen=True)
class _KdeFit:
    grid: Grid
    horizon: float
    lookback: float
    sigma: float
    params: dict[str, float] = field(default_factory=dict)

    def predict(self, history: EventHistory, *, origin: float) -> FloatArray:
        counts = history.counts(origin - self.lookback, origin)
        past = history.before(origin)
        span = min(self.lookback, origin - float(past.times[0])) if len(past) else self.lookback
        return smoothed(self.grid, counts, self.sigma) * (self.horizon / max(span, self.horizon))


@dataclass(frozen=True)
class KernelDensity:
    """Gaussian KDE of the last ``lookback`` days; bandwidth (in cells) by temporal likelihood cross-validation."""

    lookback: float = 365.0
    bandwidths: tuple[float, ...] = DEFAULT_BANDWIDTHS
    name: str = "kde"

    def fit(
        self, history: EventHistory, grid: Grid, *, origin: float, horizon: float, rng: np.random.Generator
    ) -> Fitted:
        """Choose the bandwidth whose density best predicts the last validation block before ``origin``."""
        sigma, scores = choose_bandwidth(
            history,
            grid,
            origin=origin,
            validation=max(horizon, 28.0),
            lookback=self.lookback,
            bandwidths=self.bandwidths,
        )
        params = {"bandwidth_cells": sigma, "bandwidth": sigma * grid.cell, "cv_log_likelihood": max(scores)}
        return _KdeFit(grid, horizon, self.lookback, sigma, params)


def choose_bandwidth(
    history: EventHistory,
    grid: Grid,
    *,
    origin: float,
    validation: float,
    lookback: float,
    bandwidths: tuple[float, ...] = DEFAULT_BANDWIDTHS,
) -> tuple[float, list[float]]:
    """The bandwidth (cells) with the best held-out log-likelihood, and every candidate's score (ties: the wider)."""
    if not bandwidths:
        raise ValueError("at least one candidate bandwidth is needed")
    split = origin - validation
    train = history.counts(split - lookback, split)
    test = history.counts(split, origin)
    scores = [kde_log_likelihood(grid, train, test, s) for s in bandwidths]
    best = max(range(len(bandwidths)), key=lambda i: (round(scores[i], 12), bandwidths[i]))
    return bandwidths[best], scores


# --- gradient boosting on lagged counts --------------------------------------------------------------------------


def lag_features(history: EventHistory, grid: Grid, *, origin: float, horizon: float) -> FloatArray:
    """Per active cell (rows in index order of ``grid.active``): the lagged-count features at ``origin``."""
    act = grid.active
    cols: list[FloatArray] = [history.counts(origin - horizon, origin)[act]]
    windows: dict[float, FloatArray] = {}
    for w in LAG_WINDOWS:
        windows[w] = history.counts(origin - w, origin)
        cols.append(windows[w][act])
    past = history.before(origin)
    span = max(origin - float(past.times[0]), 1.0) if len(past) else 1.0
    long_run = past.counts(-math.inf, origin) * (horizon / span)
    cols.append(long_run[act])
    cols.append(smoothed(grid, long_run, 1.0)[act])
    for w, s in ((28.0, 1.5), (365.0, 1.0), (365.0, 4.0)):
        cols.append(smoothed(grid, windows[w], s)[act])
    return np.column_stack(cols)


#: Bins per feature for the boosted trees (scikit-learn's own maximum, ``max_bins=255``).
BOOST_BINS = 255


def bin_edges(x: FloatArray, bins: int = BOOST_BINS) -> list[FloatArray]:
    """Each column's unweighted quantile edges (at most ``bins - 1``, distinct): the split candidates of the trees.

    scikit-learn bins every feature itself, but with ``sample_weight`` (our exposure offset) it finds each of the 254
    edges of a continuous feature with a separate weighted-percentile pass: 90 % of a fit's time for the same kind of
    split candidates. Binning first, by the unweighted quantiles scikit-learn uses without weights, leaves it at most
    255 distinct values per feature, which it takes as they are."""
    qs = np.linspace(0.0, 1.0, bins + 1)[1:-1]
    return [np.unique(np.quantile(col, qs, method="averaged_inverted_cdf")) for col in x.T]


def binned(x: FloatArray, edges: list[FloatArray]) -> FloatArray:
    """``x`` with each value replaced by its bin number under ``edges`` (bin i holds edges[i-1] < v <= edges[i])."""
    return np.column_stack([np.searchsorted(e, col, side="left") for e, col in zip(edges, x.T, strict=True)]).astype(
        np.float64
    )


@dataclass(frozen=True)
class _BoostFit:
    grid: Grid
    horizon: float
    regressor: Any
    threads: int = 1
    params: dict[str, float] = field(default_factory=dict)
    edges: list[FloatArray] = field(default_factory=list)

    def predict(self, history: EventHistory, *, origin: float) -> FloatArray:
        out = np.zeros(self.grid.n_cells)
        if self.regressor is None:
            return out
        from threadpoolctl import threadpool_limits

        x = lag_features(history, self.grid, origin=origin, horizon=self.horizon)
        with threadpool_limits(limits=self.threads, user_api="openmp"):
            out[self.grid.active] = _exposure(x) * self.regressor.predict(binned(x, self.edges))
        return _masked(self.grid, out)


def _exposure(x: FloatArray) -> FloatArray:
    """The baseline each row's prediction multiplies, floored at 1% of its mean so that no cell is ruled out."""
    base = x[:, BASELINE_COLUMN]
    floor = 0.01 * float(base.mean()) if base.size and base.mean() > 0 else 1e-6
    return np.maximum(base, floor)


@dataclass(frozen=True)
class BoostedCounts:
    """Gradient-boosted trees (Poisson loss) on lagged counts per cell."""

    train_origins: int = 12
    max_rows: int = 200_000
    max_iter: int = 60
    learning_rate: float = 0.05
    max_leaf_nodes: int = 8
    min_samples_leaf: int = 200
    l2_regularization: float = 10.0
    threads: int = 1
    name: str = "gbm"

    def fit(
        self, history: EventHistory, grid: Grid, *, origin: float, horizon: float, rng: np.random.Generator
    ) -> Fitted:
        """Train on (cell, past origin) rows whose target windows end by ``origin``."""
        from sklearn.ensemble import HistGradientBoostingRegressor
        from threadpoolctl import threadpool_limits

        if not len(history):
            return _BoostFit(grid, horizon, None)
        first = float(history.times[0])
        step = min(horizon, 28.0)
        xs, ys = [], []
        for k in range(self.train_origins):
            o = origin - horizon - k * step
            if o - first < 28.0:  # too little history before it to describe the cells
                break
            xs.append(lag_features(history, grid, origin=o, horizon=horizon))
            ys.append(history.counts(o, o + horizon)[grid.active])
        if not xs:
            return _BoostFit(grid, horizon, None)
        x, y = np.vstack(xs), np.concatenate(ys)
        if x.shape[0] > self.max_rows:
            keep = rng.choice(x.shape[0], size=self.max_rows, replace=False)
            x, y = x[keep], y[keep]
        if float(y.sum()) == 0.0:
            return _BoostFit(grid, horizon, None)
        reg = HistGradientBoostingRegressor(
            loss="poisson",
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            early_stopping=False,
            random_state=int(rng.integers(2**31 - 1)),
        )
        b = _exposure(x)
        edges = bin_edges(x)
        with threadpool_limits(limits=self.threads, user_api="openmp"):
            # Poisson deviance of y with offset log b: the trees learn y / b (on the binned features)
            reg.fit(binned(x, edges), y / b, sample_weight=b)
        rows = {"training_rows": float(x.shape[0]), "training_origins": len(xs)}
        return _BoostFit(grid, horizon, reg, self.threads, rows, edges)
