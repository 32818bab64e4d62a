"""The patrol forecast: the city's burglaries on a square grid over the city limit, forecast with the hotspot
kernel's kernel density (``rtcc.analytics.kernels.hotspots.KernelDensity``, bandwidth by cross-validation, last 365
days) for the plan's horizon, cells ranked by expected count, each cell given as a lat/lon box; and the Knox table
of the same burglaries for the near-repeat rule. Pure: arrays and rings in, dataclasses out.

The grid is the kernels' (``rtcc.analytics.kernels.grid``): a local equirectangular projection about the city's
centre; a cell's lat/lon box is the exact inverse of that projection, so a point is inside the box exactly when the
grid puts it in the cell.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rtcc.analytics.kernels.grid import EARTH_RADIUS_M, EventHistory, make_grid, project_lonlat
from rtcc.analytics.kernels.hotspots import KernelDensity, forecast
from rtcc.analytics.kernels.knox import KnoxResult, knox_test

#: The Knox bands for near repeats: 100 m x 5 and 7 days x 4 (Manhattan, the NRC's street-grid option).
KNOX_BANDS = {"spatial_bandwidth": 100.0, "spatial_bands": 5, "temporal_bandwidth": 7.0, "temporal_bands": 4}


@dataclass(frozen=True)
class RankedCell:
    """A grid cell: its key (``c<index>``), centre, lat/lon box (min_lat, min_lon, max_lat, max_lon), forecast."""

    key: str
    lat: float
    lon: float
    box: tuple[float, float, float, float]
    expected: float


@dataclass(frozen=True)
class CityForecast:
    """Cells of the city ranked by expected burglaries in the horizon (highest first; cells with none left out)."""

    model: str
    horizon_days: float
    events: int
    ranked: tuple[RankedCell, ...]


def city_forecast(
    rings_lonlat: Sequence[Sequence[tuple[float, float]]],
    lats: Sequence[float],
    lons: Sequence[float],
    days: Sequence[float],
    *,
    origin_day: float,
    horizon_days: float,
    cell_m: float,
    seed: int = 0,
) -> CityForecast:
    """Forecast burglaries per cell for [origin, origin + horizon) from events at (lat, lon, day)."""
    if not rings_lonlat:
        raise ValueError("the city has no boundary to grid")
    xs = [p[0] for r in rings_lonlat for p in r]
    ys = [p[1] for r in rings_lonlat for p in r]
    lon0, lat0 = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    rings = []
    for r in rings_lonlat:
        rx, ry = project_lonlat([p[0] for p in r], [p[1] for p in r], lon0=lon0, lat0=lat0)
        rings.append(list(zip(rx.tolist(), ry.tolist(), strict=True)))
    inf = math.inf
    grid = make_grid((-inf, -inf, inf, inf), cell=cell_m, rings=rings)
    ex, ey = project_lonlat(list(lons), list(lats), lon0=lon0, lat0=lat0)
    history = EventHistory.build(grid.cell_of(ex, ey), list(days), n_cells=grid.n_cells)
    if len(history.before(origin_day)) == 0:
        return CityForecast("none (no burglaries in the history)", horizon_days, 0, ())
    fc = forecast(
        KernelDensity(),
        history,
        grid,
        origin=origin_day,
        horizon=horizon_days,
        rng=np.random.default_rng(seed),
    )
    order = np.argsort(-fc.expected, kind="stable")
    order = order[fc.expected[order] > 0]
    k = math.pi / 180.0 * EARTH_RADIUS_M
    kx = k * math.cos(math.radians(lat0))
    bounds = grid.bounds(order)
    cells = []
    for idx, (x1, y1, x2, y2) in zip(order.tolist(), bounds.tolist(), strict=True):
        box = (lat0 + y1 / k, lon0 + x1 / kx, lat0 + y2 / k, lon0 + x2 / kx)
        cells.append(RankedCell(f"c{idx}", (box[0] + box[2]) / 2, (box[1] + box[3]) / 2, box, float(fc.expected[idx])))
    sigma = dict(fc.params).get("bandwidth_cells")
    model = "kernel_density" + (f" (bandwidth {sigma:g} cells)" if sigma is not None else "")
    return CityForecast(model, horizon_days, len(history.before(origin_day)), tuple(cells))


def burglary_knox(
    lats: Sequence[float], lons: Sequence[float], days: Sequence[float], *, permutations: int = 99, seed: int = 0
) -> KnoxResult:
    """The Knox table of burglaries at (lat, lon) on whole days (the NRC works on dates), in metres."""
    lat0 = float(np.mean(lats))
    lon0 = float(np.mean(lons))
    x, y = project_lonlat(list(lons), list(lats), lon0=lon0, lat0=lat0)
    return knox_test(
        x,
        y,
        np.floor(np.asarray(days, dtype=np.float64)),
        permutations=permutations,
        rng=np.random.default_rng(seed),
        **KNOX_BANDS,  # type: ignore[arg-type]
    )
