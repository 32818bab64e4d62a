"""The NIJ Real-Time Crime Forecasting Challenge (Portland, 2017) as a public benchmark: import its training calls,
forecast its windows from 2017-03-01 per category, and write the flagged cells as GeoJSON that anyone holding the
calls from 2017-03-01 on can score.

The training folder (``portland_nij_training``, see its PROVENANCE.md) holds burglary and motor-vehicle-theft calls
from 2012-03-01 to 2017-02-28 with ``occ_date`` and x/y in EPSG:2913 (NAD83(HARN) / Oregon North, international
feet), and the city boundary buffered by 500 ft. Times become days relative to 2017-03-01 (the training period is
negative); the grid is built in EPSG:2913 feet directly, so cell sides and areas are exact in the challenge's units.

Challenge rules followed, as far as the provenance states them: windows of 1 and 2 weeks and 1, 2 and 3 months from
2017-03-01 (7, 14, 31, 61 and 92 days); cells of 62,500 to 360,000 sq ft (we use squares, 600 ft by default, and
refuse a side outside 250-600 ft); flagged area up to 0.25 and 0.75 sq mi (19 and 58 cells of 600 ft); scoring by
PAI and PEI. Where we deviate or guess: only the two categories in the folder (the challenge also had all calls and
street crime); the study area is the cells whose centre lies inside the 500 ft-buffered boundary (the provenance
does not say how the challenge counted the city's area), and the grid's origin is the boundary's lower-left corner
(entrants could shift and rotate theirs); the model for each category and window is the winner of a rolling backtest
on the last year of training data (12 origins 28 days apart, the last window ending on 2017-02-28; each model is
fitted once, at the earliest origin, and predicts from the data before each origin), not a tuned entry.

GeoJSON coordinates are WGS84 longitude/latitude (RFC 7946), converted from EPSG:2913 by the inverse Lambert
conformal conic projection on the GRS80 ellipsoid (Snyder 1987, eq. 15-5 to 15-11; EPSG:2913's parameters: standard
parallels 44°20' and 46°N, origin 43°40'N 120°30'W, false easting 2,500,000.0001424 m); each feature also carries its
cell's EPSG:2913 bounds in feet, which is what scoring against the later calls needs, and the collection carries
the chosen model with its backtest's mean PAI and PEI at that area (``backtest_incidents`` is summed over the
backtest's windows, which overlap for windows longer than 28 days).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from rtcc.analytics.kernels.backtest import BacktestResult, flag_top, rolling_backtest
from rtcc.analytics.kernels.catalogue import standard_models
from rtcc.analytics.kernels.grid import SQ_MI_FT2, EventHistory, FloatArray, Grid, make_grid
from rtcc.analytics.kernels.hotspots import HotspotModel, forecast

ORIGIN = date(2017, 3, 1)
#: The challenge's windows from 2017-03-01, in days (March 31, March-April 61, March-May 92).
WINDOWS: dict[str, int] = {"1w": 7, "2w": 14, "1m": 31, "2m": 61, "3m": 92}
AREAS_SQ_MI = (0.25, 0.75)
CATEGORIES = {
    "burglary": "burglary_calls_2012-03_to_2017-02.csv",
    "vehicle_theft": "vehicle_theft_calls_2012-03_to_2017-02.csv",
}
BOUNDARY_FILE = "portland_boundary_500ft_buffer_epsg2913.csv"
MIN_SIDE_FT, MAX_SIDE_FT = 250.0, 600.0


@dataclass(frozen=True, eq=False)
class Calls:
    """One category's calls: EPSG:2913 feet and days relative to 2017-03-01."""

    category: str
    x: FloatArray
    y: FloatArray
    day: FloatArray


def read_calls(path: Path, category: str) -> Calls:
    """Read one category's CSV (``occ_date``, ``x_coordina``, ``y_coordina``)."""
    xs: list[float] = []
    ys: list[float] = []
    days: list[float] = []
    with path.open(newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            try:
                d = date.fromisoformat(row["occ_date"])
                xs.append(float(row["x_coordina"]))
                ys.append(float(row["y_coordina"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{path.name}: line {line}: {exc}") from None
            days.append(float((d - ORIGIN).days))
    return Calls(category, np.asarray(xs), np.asarray(ys), np.asarray(days))


def read_boundary(folder: Path) -> list[tuple[float, float]]:
    """The 500 ft-buffered city boundary ring (EPSG:2913 feet)."""
    with (folder / BOUNDARY_FILE).open(newline="") as fh:
        return [(float(r["x"]), float(r["y"])) for r in csv.DictReader(fh)]


def load(folder: Path) -> tuple[list[tuple[float, float]], dict[str, Calls]]:
    """The boundary and every category's calls from the training folder."""
    if not (folder / BOUNDARY_FILE).is_file():
        raise FileNotFoundError(f"{folder} holds no {BOUNDARY_FILE}: is it the portland_nij_training folder?")
    calls = {cat: read_calls(folder / name, cat) for cat, name in CATEGORIES.items() if (folder / name).is_file()}
    if not calls:
        raise FileNotFoundError(f"{folder} holds none of {', '.join(CATEGORIES.values())}")
    return read_boundary(folder), calls


def challenge_grid(boundary: list[tuple[float, float]], cell_ft: float = MAX_SIDE_FT) -> Grid:
    """Square cells of ``cell_ft`` over the buffered boundary (cells with their centre inside are active)."""
    if not MIN_SIDE_FT <= cell_ft <= MAX_SIDE_FT:
        raise ValueError(
            f"the challenge's cells are 62,500-360,000 sq ft: a side of {MIN_SIDE_FT:g}-{MAX_SIDE_FT:g} ft"
        )
    xs, ys = [p[0] for p in boundary], [p[1] for p in boundary]
    return make_grid((min(xs), min(ys), max(xs), max(ys)), cell=cell_ft, rings=[boundary])


# --- EPSG:2913 to WGS84 -------------------------------------------------------------------------------------------

_A = 6_378_137.0
_F = 1 / 298.257222101
_E = math.sqrt(2 * _F - _F * _F)
_FT = 0.3048
_LAT1, _LAT2, _LAT0, _LON0 = math.radians(44 + 1 / 3), math.radians(46.0), math.radians(43 + 2 / 3), -120.5
_X0 = 2_500_000.0001424


def _m(phi: float) -> float:
    return math.cos(phi) / math.sqrt(1 - (_E * math.sin(phi)) ** 2)


def _t(phi: float) -> float:
    es = _E * math.sin(phi)
    return float(math.tan(math.pi / 4 - phi / 2) / ((1 - es) / (1 + es)) ** (_E / 2))


_N = (math.log(_m(_LAT1)) - math.log(_m(_LAT2))) / (math.log(_t(_LAT1)) - math.log(_t(_LAT2)))
_BIG_F = _m(_LAT1) / (_N * _t(_LAT1) ** _N)
_RHO0 = _A * _BIG_F * _t(_LAT0) ** _N


def oregon_north_to_lonlat(x_ft: Iterable[float], y_ft: Iterable[float]) -> tuple[FloatArray, FloatArray]:
    """EPSG:2913 (international feet) to WGS84 longitude and latitude in degrees (inverse LCC, Snyder 1987)."""
    x = np.asarray(list(x_ft), dtype=np.float64) * _FT - _X0
    y = _RHO0 - np.asarray(list(y_ft), dtype=np.float64) * _FT
    rho = np.hypot(x, y)
    t = (rho / (_A * _BIG_F)) ** (1 / _N)
    theta = np.arctan2(x, y)
    lon = np.degrees(theta / _N) + _LON0
    phi = np.pi / 2 - 2 * np.arctan(t)
    for _ in range(8):  # converges to 1e-12 rad in 4-5 steps at these latitudes
        es = _E * np.sin(phi)
        phi = np.pi / 2 - 2 * np.arctan(t * ((1 - es) / (1 + es)) ** (_E / 2))
    return lon, np.degrees(phi)


# --- forecasts ----------------------------------------------------------------------------------------------------


def backtest_origins(horizon: int, *, step: int = 28, count: int = 12) -> list[float]:
    """Up to ``count`` origins ``step`` days apart whose windows end by 2017-03-01 (day 0), last one first-latest."""
    last = -float(horizon)
    return sorted(last - k * step for k in range(count))


@dataclass(frozen=True)
class WindowForecast:
    """One category and window: the backtest that chose the model, and the flagged cells per area."""

    category: str
    window: str
    days: int
    model: str
    backtest: BacktestResult
    flagged: dict[float, tuple[int, ...]]


def forecast_window(
    calls: Calls,
    grid: Grid,
    *,
    window: str,
    rng: np.random.Generator,
    models: tuple[HotspotModel, ...] | None = None,
    origins: int = 12,
) -> WindowForecast:
    """Backtest the models for this window's length, forecast from 2017-03-01 with the winner and flag cells."""
    days = WINDOWS[window]
    hist = EventHistory.build(grid.cell_of(calls.x, calls.y), calls.day, n_cells=grid.n_cells)
    chosen = models or standard_models()
    limits = [a * SQ_MI_FT2 for a in AREAS_SQ_MI]
    bt = rolling_backtest(
        hist,
        grid,
        chosen,
        origins=backtest_origins(days, count=origins),
        horizon=float(days),
        area_limits=limits,
        rng=rng,
        refit_every=origins,
    )
    model = next(m for m in chosen if m.name == bt.winner)
    f = forecast(model, hist, grid, origin=0.0, horizon=float(days), rng=rng)
    flagged = {a: tuple(int(c) for c in flag_top(f.expected, grid, a * SQ_MI_FT2)) for a in AREAS_SQ_MI}
    return WindowForecast(calls.category, window, days, bt.winner, bt, flagged)


def geojson(result: WindowForecast, grid: Grid, area_sq_mi: float) -> dict[str, Any]:
    """The flagged cells of one forecast as a GeoJSON FeatureCollection (WGS84, EPSG:2913 bounds in properties)."""
    cells = result.flagged[area_sq_mi]
    features = []
    for rank, (cell, (x0, y0, x1, y1)) in enumerate(zip(cells, grid.bounds(cells).tolist(), strict=True), start=1):
        lon, lat = oregon_north_to_lonlat([x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0])
        ring = [[round(a, 7), round(b, 7)] for a, b in zip(lon.tolist(), lat.tolist(), strict=True)]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"cell": cell, "rank": rank, "epsg2913_bounds_ft": [x0, y0, x1, y1]},
            }
        )
    score = result.backtest.score(result.model, area_sq_mi * SQ_MI_FT2)
    return {
        "type": "FeatureCollection",
        "properties": {
            "category": result.category,
            "window": result.window,
            "start": ORIGIN.isoformat(),
            "days": result.days,
            "flagged_area_sq_mi": area_sq_mi,
            "cell_side_ft": grid.cell,
            "cells": len(cells),
            "model": result.model,
            "backtest_mean_pai": _finite(score.mean_pai),
            "backtest_mean_pei": _finite(score.mean_pei),
            "backtest_incidents": score.incidents,
            "backtest_origins": len(result.backtest.origins),
        },
        "features": features,
    }


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None  # JSON has no NaN


def run_challenge(
    data: Path,
    out: Path,
    *,
    cell_ft: float = MAX_SIDE_FT,
    seed: int = 2017,
    origins: int = 12,
    windows: tuple[str, ...] = tuple(WINDOWS),
    models: tuple[HotspotModel, ...] | None = None,
) -> list[Path]:
    """Forecast every category and window and write ``<category>_<window>_<area>sqmi.geojson`` plus a summary."""
    unknown = [w for w in windows if w not in WINDOWS]
    if unknown:
        raise ValueError(f"unknown window {unknown[0]!r}: choose from {', '.join(WINDOWS)}")
    boundary, calls = load(data)
    grid = challenge_grid(boundary, cell_ft)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    written: list[Path] = []
    summary: list[dict[str, Any]] = []
    for category, c in calls.items():
        for window in windows:
            r = forecast_window(c, grid, window=window, rng=rng, origins=origins, models=models)
            for area in AREAS_SQ_MI:
                path = out / f"{category}_{window}_{area:g}sqmi.geojson"
                path.write_text(json.dumps(geojson(r, grid, area)))
                written.append(path)
            summary.append(
                {
                    "category": category,
                    "window": window,
                    "model": r.model,
                    "scores": [
                        {
                            "model": s.model,
                            "area_sq_mi": s.area_limit / SQ_MI_FT2,
                            "mean_pai": _finite(s.mean_pai),
                            "mean_pei": _finite(s.mean_pei),
                            "mean_hit_rate": _finite(s.mean_hit_rate),
                            "incidents": s.incidents,
                        }
                        for s in r.backtest.scores
                    ],
                }
            )
    path = out / "summary.json"
    path.write_text(json.dumps({"start": ORIGIN.isoformat(), "cell_side_ft": cell_ft, "forecasts": summary}, indent=1))
    written.append(path)
    return written
