"""Hotspot forecasts as a use case: per category, gather the events (``service.category_events``), grid the city
(``kernels.grid``), run the rolling-origin backtest of every model (``kernels.backtest`` over
``kernels.catalogue.standard_models``), forecast with the winner and store the flagged cells at 0.25 and 0.75 sq mi
beside the backtest's PAI, PEI and hit rate of every model, naive baselines included.

The grid: a local equirectangular projection about the centre of the city's bounding box (metres), cells of
``cell_ft`` feet, active where the cell centre lies inside the city limit. Times are days relative to the origin,
the start of today in the city's time zone. Backtest origins are a week apart, the last one ``horizon`` days
before the origin (so its window ends at the origin); each model is fitted once at the earliest backtest origin and
predicts from the events before each origin (as the NIJ command does), and once more at the origin for the forecast.

Forecasts are computed by the scheduled job (``rtcc.analytics.jobs``) or an analyst's refresh and stored; the screen
reads the stored rows and never waits for a model.

Divisions: a forecast is the city's (``division`` None) or one division's: that division's incidents and calls on a
grid over that division's polygons (``places.scope_boundary``), so nothing of another division goes into it. A
divisional analyst reads and refreshes their division's forecasts only; an RTCC-wide role reads the city's, or a
division's with ``?division=`` (``rtcc.core.divisions``). The job computes the city's and, on a profile of several
divisions, each division's (``analytics_division_forecasts``).
"""

from __future__ import annotations

import logging
import math
import time
from datetime import datetime, timedelta
from typing import Any, Final

import numpy as np
from sqlalchemy.orm import Session

from rtcc.analytics import logic, repository
from rtcc.analytics import service as incidents
from rtcc.analytics.kernels.backtest import flag_top, rolling_backtest
from rtcc.analytics.kernels.catalogue import standard_models
from rtcc.analytics.kernels.grid import SQ_MI_M2, EventHistory, Grid, make_grid, project_lonlat
from rtcc.analytics.kernels.hotspots import HotspotModel, forecast
from rtcc.analytics.models import StoredForecast
from rtcc.analytics.schemas import FlaggedArea, FlaggedCell, ForecastRead, ModelScoreRead
from rtcc.audit import service as audit
from rtcc.core import divisions
from rtcc.core.clock import utcnow
from rtcc.core.errors import PermissionDenied, ValidationFailed
from rtcc.identity.logic import Principal
from rtcc.places import service as places
from rtcc.settings import Settings

logger = logging.getLogger(__name__)

AREAS_SQ_MI: Final = (0.25, 0.75)
FT: Final = 0.3048
MIN_HORIZON, MAX_HORIZON = 7, 92
#: Stored forecasts kept per (category, horizon, cell size).
KEEP: Final = 5


def origin_of(now: datetime) -> datetime:
    """The forecast origin: the start of today in the city's time zone (as UTC)."""
    zone = places.city_zone()
    local = now.astimezone(zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(now.tzinfo or zone)


def city_grid(cell_m: float) -> tuple[Grid, float, float]:
    """The grid over the area the work in progress may see (the city limit, or its divisions' polygons:
    ``places.scope_boundary``) and the projection's reference (lon0, lat0)."""
    b = places.scope_boundary()
    min_lon, min_lat, max_lon, max_lat = b.bbox()
    lon0, lat0 = (min_lon + max_lon) / 2, (min_lat + max_lat) / 2
    rings = []
    for ring in b.rings:
        xs, ys = project_lonlat([p[0] for p in ring], [p[1] for p in ring], lon0=lon0, lat0=lat0)
        rings.append(list(zip(xs.tolist(), ys.tolist(), strict=True)))
    xs_all = [x for r in rings for x, _ in r]
    ys_all = [y for r in rings for _, y in r]
    grid = make_grid((min(xs_all), min(ys_all), max(xs_all), max(ys_all)), cell=cell_m, rings=rings)
    return grid, lon0, lat0


def _unproject(x: float, y: float, lon0: float, lat0: float) -> tuple[float, float]:
    k = math.pi / 180.0 * 6_371_008.8
    return round(lon0 + x / (k * math.cos(math.radians(lat0))), 6), round(lat0 + y / k, 6)


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


def build(
    session: Session,
    settings: Settings,
    *,
    category: str,
    horizon_days: int,
    cell_ft: float | None = None,
    now: datetime | None = None,
    models: tuple[HotspotModel, ...] | None = None,
    actor: Principal,
    seed: int = 14,
    division: str | None = None,
) -> StoredForecast:
    """Backtest and forecast one category's hotspots (see the module docstring) of the city, or of ``division`` (its
    events on its grid): reads only, and returns the row unsaved, so that the minutes of model fitting hold no write
    transaction (``store`` saves it)."""
    if division is not None:
        with divisions.scope({division}):
            return build(session, settings, category=category, horizon_days=horizon_days, cell_ft=cell_ft, now=now,
                         models=models, actor=actor, seed=seed)  # fmt: skip
    scope = divisions.current()
    if scope is not None and len(scope) != 1:
        raise ValidationFailed("a forecast is the city's or one division's: name one division")
    if category not in logic.CATEGORIES:
        raise ValidationFailed(f"category: {category!r} is not one of {', '.join(logic.CATEGORIES)}")
    if not MIN_HORIZON <= horizon_days <= MAX_HORIZON:
        raise ValidationFailed(f"horizon_days: {horizon_days} is not within {MIN_HORIZON}-{MAX_HORIZON}")
    started = time.perf_counter()
    cell_ft = float(cell_ft or settings.analytics_cell_ft)
    cell_m = cell_ft * FT
    origin = origin_of(now or utcnow())
    since = origin - timedelta(days=settings.analytics_history_days)
    ev = incidents.category_events(session, category, since=since, until=origin)
    grid, lon0, lat0 = city_grid(cell_m)
    xs, ys = project_lonlat(ev.lons, ev.lats, lon0=lon0, lat0=lat0)
    days = [logic.days_between(origin, t) for t in (incidents.to_utc(t) for t in ev.times)]
    hist = EventHistory.build(grid.cell_of(xs, ys), days, n_cells=grid.n_cells)
    n_origins = settings.analytics_backtest_origins
    last = -float(horizon_days)
    origins = [last - 7.0 * k for k in range(n_origins - 1, -1, -1)]
    result: dict[str, Any] = {
        "grid": {
            "lon0": lon0,
            "lat0": lat0,
            "cell_m": cell_m,
            "nx": grid.nx,
            "ny": grid.ny,
            "active_cells": int(grid.active.sum()),
        },
        "sources": {"incidents": ev.incidents, "calls": ev.calls},
    }
    first = float(hist.times[0]) if len(hist) else 0.0
    status, model_name = "ok", None
    if len(hist) < settings.analytics_min_events or first > origins[0] - 28.0:
        status = "insufficient"
        where = "city" if scope is None else f"division {next(iter(scope), '')}"
        result["note"] = (
            f"{len(hist)} events in the {where} since {since.date().isoformat()}: a forecast needs at least "
            f"{settings.analytics_min_events} and four weeks of history before the first backtest origin"
        )
    else:
        rng = np.random.default_rng(seed)
        chosen = models or standard_models()
        limits = [a * SQ_MI_M2 for a in AREAS_SQ_MI]
        bt = rolling_backtest(
            hist,
            grid,
            chosen,
            origins=origins,
            horizon=float(horizon_days),
            area_limits=limits,
            rng=rng,
            refit_every=len(origins),
        )
        model = next(m for m in chosen if m.name == bt.winner)
        f = forecast(model, hist, grid, origin=0.0, horizon=float(horizon_days), rng=rng)
        model_name = bt.winner
        areas = []
        for a in AREAS_SQ_MI:
            cells = flag_top(f.expected, grid, a * SQ_MI_M2)
            bounds = grid.bounds(cells).tolist()
            out = []
            for rank, (c, (x0, y0, x1, y1)) in enumerate(zip(cells.tolist(), bounds, strict=True), start=1):
                ring = [_unproject(x, y, lon0, lat0) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))]
                out.append({"cell": c, "rank": rank, "expected": round(float(f.expected[c]), 4), "ring": ring})
            areas.append({"sq_mi": a, "cells": out})
        result["areas"] = areas
        result["backtest"] = {
            "origins": [(origin + timedelta(days=o)).isoformat() for o in bt.origins],
            "metric": bt.metric,
            "winner": bt.winner,
            "scores": [
                {
                    "model": s.model,
                    "area_sq_mi": round(s.area_limit / SQ_MI_M2, 4),
                    "mean_pai": _finite(s.mean_pai),
                    "mean_pei": _finite(s.mean_pei),
                    "mean_hit_rate": _finite(s.mean_hit_rate),
                    "incidents": s.incidents,
                    "hits": s.hits,
                }
                for s in bt.scores
            ],
        }
        result["params"] = dict(f.params)
    row = StoredForecast(
        category=category,
        division=None if scope is None else next(iter(scope)),
        horizon_days=horizon_days,
        cell_m=round(cell_m, 4),
        origin=origin,
        computed_at=utcnow(),
        computed_by=actor.audit_name,
        status=status,
        model=model_name,
        events=len(hist),
        seconds=round(time.perf_counter() - started, 3),
        result=result,
    )
    logger.info("forecast %s %dd: %s, %d events, %.1f s", category, horizon_days, model_name, len(hist), row.seconds)
    return row


def store(session: Session, rows: list[StoredForecast]) -> None:
    """Save built forecasts, keeping the newest ``KEEP`` of each category, horizon and cell size."""
    for row in rows:
        repository.add_forecast(session, row)
    repository.prune_forecasts(session, keep=KEEP)


def compute(
    session: Session,
    settings: Settings,
    *,
    category: str,
    horizon_days: int,
    cell_ft: float | None = None,
    now: datetime | None = None,
    models: tuple[HotspotModel, ...] | None = None,
    actor: Principal,
    division: str | None = None,
) -> StoredForecast:
    """``build`` and ``store`` in one session (tests, small cities; the job and the routes split them)."""
    row = build(
        session,
        settings,
        category=category,
        horizon_days=horizon_days,
        cell_ft=cell_ft,
        now=now,
        models=models,
        actor=actor,
        division=division,
    )
    store(session, [row])
    return row


def check_categories(categories: list[str] | None) -> list[str]:
    """The categories asked for (all by default); an unknown one is refused by name."""
    cats = categories or list(logic.CATEGORIES)
    unknown = [c for c in cats if c not in logic.CATEGORIES]
    if unknown:
        raise ValidationFailed(f"categories: {unknown[0]!r} is not one of {', '.join(logic.CATEGORIES)}")
    return cats


def build_many(
    session: Session,
    settings: Settings,
    *,
    categories: list[str] | None,
    horizon_days: int,
    cell_ft: float | None,
    actor: Principal,
    now: datetime | None = None,
) -> list[StoredForecast]:
    """``build`` for each of ``categories`` (default all), reading only: the city's forecasts for an unrestricted
    request, else each of its divisions' (a divisional analyst refreshes their own division's)."""
    cats = check_categories(categories)
    return [
        build(
            session, settings, category=c, horizon_days=horizon_days, cell_ft=cell_ft, now=now, actor=actor, division=d
        )
        for d in scope_divisions()
        for c in cats
    ]


def scope_divisions() -> list[str | None]:
    """The forecasts the work in progress computes: the city's (``[None]``) when unrestricted, else its divisions'."""
    codes = divisions.current()
    if codes is None:
        return [None]
    if not codes:
        raise PermissionDenied("your account names no division: ask an administrator to set it")
    return [*sorted(codes)]


def record_refresh(
    session: Session, settings: Settings, rows: list[StoredForecast], *, cell_ft: float | None, actor: Principal
) -> list[ForecastRead]:
    """Store an analyst's refreshed forecasts with the audit entry, in the caller's (write) transaction."""
    store(session, rows)
    audit.record_for(
        session,
        actor,
        "analytics.forecasts_computed",
        target_type="forecast",
        details={
            "categories": [r.category for r in rows],
            "divisions": sorted({r.division for r in rows if r.division is not None}),
            "horizon_days": rows[0].horizon_days if rows else None,
            "cell_ft": cell_ft or settings.analytics_cell_ft,
        },
    )
    return [to_read(r) for r in rows]


def to_read(row: StoredForecast) -> ForecastRead:
    """The API view of a stored forecast."""
    r = row.result
    bt = r.get("backtest") or {}
    return ForecastRead(
        id=str(row.id),
        category=row.category,
        division=row.division,
        horizon_days=row.horizon_days,
        cell_ft=round(row.cell_m / FT, 1),
        origin=row.origin,
        computed_at=row.computed_at,
        computed_by=row.computed_by,
        status=row.status,
        model=row.model,
        events=row.events,
        seconds=row.seconds,
        note=r.get("note"),
        areas=[FlaggedArea(sq_mi=a["sq_mi"], cells=[FlaggedCell(**c) for c in a["cells"]]) for a in r.get("areas", [])],
        backtest_origins=[datetime.fromisoformat(o) for o in bt.get("origins", [])],
        backtest_metric=bt.get("metric"),
        scores=[ModelScoreRead(**s) for s in bt.get("scores", [])],
    )


def latest(session: Session, *, horizon_days: int | None, actor: Principal) -> list[ForecastRead]:
    """The newest stored forecast of each category (and horizon) the request may read (the city's, or its divisions':
    ``repository.latest_forecasts``), in category order; the view is audited."""
    rows = repository.latest_forecasts(session, horizon_days=horizon_days)
    order = {c: i for i, c in enumerate(logic.CATEGORIES)}
    rows.sort(key=lambda r: (r.division or "", order.get(r.category, 99), r.horizon_days, r.cell_m))
    audit.record_for(
        session, actor, "analytics.forecasts_viewed", target_type="forecast", details={"horizon_days": horizon_days}
    )
    return [to_read(r) for r in rows]


def job_plan(settings: Settings) -> list[tuple[str | None, str, int]]:
    """The (division, category, horizon) triples the scheduled job computes: every category at every configured
    horizon for the city (division None) and, on a profile of several divisions (``analytics_division_forecasts``),
    for each division."""
    codes = places.division_codes()
    areas: list[str | None] = [None]
    if settings.analytics_division_forecasts and len(codes) > 1:
        areas += codes
    return [(d, c, int(h)) for d in areas for h in settings.analytics_horizons_days for c in logic.CATEGORIES]
