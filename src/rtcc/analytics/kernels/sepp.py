"""A self-exciting point process hotspot model (Mohler et al. 2011, with the parametric trigger of Mohler 2014):
a stable background plus the raised risk each event leaves around it for a while (near repeats).

The conditional intensity at cell c and time t is

    lambda(c, t) = mu * b(c) + sum over past events i of  theta * omega * exp(-omega (t - t_i)) * g_sigma(c - c_i)

with b a background density over the active cells (a Gaussian KDE of the events weighted by their probability of
being background; its bandwidth is chosen like the KDE's, by temporal likelihood cross-validation, unless
``background_bandwidth`` fixes it), mu background events a day, theta the expected
number of events each event triggers, 1/omega their mean delay in days and g_sigma an isotropic Gaussian of standard
deviation sigma. Parameters are fitted by expectation-maximisation (Veen & Schoenberg 2008; Mohler 2014) on the
events of the last ``lookback`` days before the origin:

- E-step: each event's probability of being background (mu b(c_j) / lambda_j, with b left-one-out: the event's own
  weight removed, or a narrow background would explain every event by itself) or triggered by each earlier event i
  (its trigger term / lambda_j), over pairs at most ``time_cutoff`` days and ``space_cutoff`` cells apart (found once
  with a KD-tree);
- M-step: mu = sum of background probabilities / span; b = their smoothed counts, normalised; theta = sum of trigger
  probabilities / sum over events of 1 - exp(-omega (end - t_i)) (the triggering each event had time to do);
  1/omega = the probability-weighted mean delay; sigma^2 = the probability-weighted mean squared distance / 2.

Events sit at their cell's centre (the model works on the grid, like the others); a pair in one cell is counted at
the squared distance two uniform points in a cell have on average (1/3 of a cell side squared), and sigma is kept at
least half a cell, so that same-cell pairs cannot collapse the trigger to a point. Pairs on the same day (lag 0)
trigger nothing: with dates only, their order is unknown.

The forecast for [origin, origin + horizon) is mu * horizon * b(c) plus, for every past event, theta times the share
of its triggering that falls in the window, spread by g_sigma.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import gaussian_filter
from scipy.spatial import cKDTree

from rtcc.analytics.kernels.grid import EventHistory, FloatArray, Grid
from rtcc.analytics.kernels.hotspots import Fitted, choose_bandwidth, smoothed

MIN_SIGMA_CELLS = 0.5


@dataclass(frozen=True)
class SeppFit:
    """Fitted parameters (sigma in cells and in grid units) and the background density over the cells."""

    grid: Grid
    horizon: float
    lookback: float
    mu: float
    theta: float
    omega: float
    sigma_cells: float
    background: FloatArray
    iterations: int
    params: dict[str, float] = field(default_factory=dict)

    def predict(self, history: EventHistory, *, origin: float) -> FloatArray:
        """Expected events per cell in [origin, origin + horizon)."""
        out = self.mu * self.horizon * self.background
        s = history.span(origin - self.lookback, origin)
        lag = origin - history.times[s]
        share = np.exp(-self.omega * lag) - np.exp(-self.omega * (lag + self.horizon))
        weights = np.bincount(history.cells[s], weights=self.theta * share, minlength=self.grid.n_cells).astype(
            np.float64
        )
        if weights.sum() > 0:
            out = out + smoothed(self.grid, weights, self.sigma_cells)
        return np.where(self.grid.active, out, 0.0)


@dataclass(frozen=True)
class SelfExciting:
    """Background KDE plus exponential-in-time, Gaussian-in-space triggering, fitted by EM."""

    lookback: float = 365.0
    background_bandwidth: float | None = None
    time_cutoff: float = 60.0
    space_cutoff: float = 5.0
    iterations: int = 40
    tolerance: float = 1e-5
    name: str = "sepp"

    def fit(
        self, history: EventHistory, grid: Grid, *, origin: float, horizon: float, rng: np.random.Generator
    ) -> Fitted:
        """EM on the events of the last ``lookback`` days before ``origin``."""
        s = history.span(origin - self.lookback, origin)
        cells, times = history.cells[s], history.times[s]
        n = int(cells.size)
        active = grid.active.astype(np.float64)
        uniform = active / active.sum()
        span = min(self.lookback, origin - float(times[0])) if n else self.lookback
        if n < 2:
            return SeppFit(grid, horizon, self.lookback, n / max(span, 1.0), 0.0, 1.0, 1.0, uniform, 0)
        bw = self.background_bandwidth
        if bw is None:
            bw, _ = choose_bandwidth(
                history, grid, origin=origin, validation=max(horizon, 28.0), lookback=self.lookback
            )
        col = (cells % grid.nx).astype(np.float64)
        row = (cells // grid.nx).astype(np.float64)
        i, j, dt, d2 = _pairs(col, row, times, self.time_cutoff, self.space_cutoff)
        theta, omega, sigma2 = 0.5, 1.0 / 7.0, 4.0
        k0 = _centre_weight(bw)
        p_back = np.ones(n)
        mass = smoothed(grid, np.bincount(cells, minlength=grid.n_cells).astype(np.float64), bw)
        back = mass / mass.sum()
        mu = 0.5 * n / span
        end = float(origin)
        done = 0
        for done in range(1, self.iterations + 1):  # noqa: B007 (the count is reported)
            g = theta * omega * np.exp(-omega * dt) * np.exp(-d2 / (2 * sigma2)) / (2 * math.pi * sigma2)
            # leave-one-out background: an event's own weight must not explain the event itself
            loo = np.maximum(mass[cells] - p_back * k0, 0.0) / np.maximum(float(p_back.sum()) - p_back, 1e-12)
            mu_j = np.maximum(mu * loo, 1e-12)
            lam = mu_j + np.bincount(j, weights=g, minlength=n)
            p_back = mu_j / lam
            p_trig = g / lam[j]
            trig = float(p_trig.sum())
            new_mu = float(p_back.sum()) / span
            mass = smoothed(grid, np.bincount(cells, weights=p_back, minlength=grid.n_cells).astype(np.float64), bw)
            new_back = mass / mass.sum() if mass.sum() > 0 else uniform
            if trig > 1e-9:
                new_omega = trig / float((p_trig * dt).sum())
                new_theta = trig / float((1.0 - np.exp(-new_omega * (end - times))).sum())
                new_sigma2 = max(float((p_trig * d2).sum()) / (2 * trig), MIN_SIGMA_CELLS**2)
            else:
                new_omega, new_theta, new_sigma2 = omega, 0.0, sigma2
            change = abs(new_theta - theta) + abs(new_omega - omega) / omega + abs(new_sigma2 - sigma2) / sigma2
            theta, omega, sigma2, mu, back = new_theta, new_omega, new_sigma2, new_mu, new_back
            if change < self.tolerance:
                break
        sigma = math.sqrt(sigma2)
        params = {
            "mu_per_day": mu,
            "theta": theta,
            "mean_delay_days": 1.0 / omega,
            "sigma": sigma * grid.cell,
            "iterations": float(done),
            "pairs": float(i.size),
            "background_bandwidth_cells": bw,
        }
        return SeppFit(grid, horizon, self.lookback, mu, theta, omega, sigma, back, done, params)


def _centre_weight(sigma_cells: float) -> float:
    """The share of an event's smoothed mass that stays in its own cell (away from the edges)."""
    half = math.ceil(4 * sigma_cells) + 1
    impulse = np.zeros((2 * half + 1, 2 * half + 1))
    impulse[half, half] = 1.0
    return float(gaussian_filter(impulse, sigma=sigma_cells, mode="constant", truncate=4.0)[half, half])


def _pairs(
    col: FloatArray, row: FloatArray, times: FloatArray, time_cutoff: float, space_cutoff: float
) -> tuple[np.ndarray, np.ndarray, FloatArray, FloatArray]:
    """(earlier, later, lag, squared distance in cells) of event pairs within both cutoffs, lag > 0.

    Candidates come from one box query in (column, row, time scaled so that ``time_cutoff`` spans ``space_cutoff``)
    under the maximum norm, so pairs far apart in time are never enumerated; the disc and the lag are then checked
    exactly."""
    scale = space_cutoff / time_cutoff
    tree = cKDTree(np.column_stack([col, row, times * scale]))
    pairs = tree.query_pairs(r=space_cutoff * (1 + 1e-9), p=np.inf, output_type="ndarray").astype(np.int64)
    a, b = pairs[:, 0], pairs[:, 1]
    lag = times[b] - times[a]
    swap = lag < 0
    i = np.where(swap, b, a)
    j = np.where(swap, a, b)
    lag = np.abs(lag)
    d2 = (col[i] - col[j]) ** 2 + (row[i] - row[j]) ** 2
    keep = (lag > 0) & (lag <= time_cutoff) & (d2 <= space_cutoff * space_cutoff)
    i, j, lag, d2 = i[keep], j[keep], lag[keep], d2[keep]
    d2 = np.where(d2 == 0, 1.0 / 3.0, d2)  # two uniform points in one cell: mean squared distance 1/3 of a side^2
    return i, j, lag, d2
