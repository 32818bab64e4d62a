"""HTTP routes of the analytics domain.

Staff (``/api/v1/analytics``): the stored hotspot forecasts with their backtests (``analytics:read``), an analyst's
on-demand refresh (``analytics:run``), and placement proposals for ALPR cameras and drone docks
(``analytics:read``); every call is audited. Public (``public()``, no login): the masked crime map at
``/api/v1/public/crime-map`` for the resident portal and the public page.

Staff answers follow the request's division scope (``rtcc.core.divisions``): a divisional analyst reads and refreshes
their division's forecasts and gets placement over their division; an RTCC-wide role reads the city's and picks a
division with ``?division=``. The public crime map stays city-wide on purpose: it is public, masked (no exact point,
no house number) and the same for anyone, so a division filter would hide nothing and it declares no scope.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from rtcc.analytics import forecasts, placement, service
from rtcc.analytics.schemas import CrimeMapRead, ForecastRead, PlacementRead, RefreshRequest
from rtcc.core.errors import ValidationFailed
from rtcc.deps import DbDep, SettingsDep
from rtcc.identity.deps import public, require
from rtcc.identity.logic import Perm, Principal

router = APIRouter(tags=["analytics"])
STAFF = "/api/v1/analytics"

Reader = Annotated[Principal, require(Perm.analytics_read)]
Runner = Annotated[Principal, require(Perm.analytics_run)]


@router.get(f"{STAFF}/forecasts")
def list_forecasts(
    db: DbDep, actor: Reader, horizon_days: Annotated[int | None, Query(ge=7, le=92)] = None
) -> list[ForecastRead]:
    """The newest stored forecast of each category, with its backtest (PAI, PEI, hit rate vs the naive baselines)."""
    with db.uow() as session:
        return forecasts.latest(session, horizon_days=horizon_days, actor=actor)


@router.post(f"{STAFF}/forecasts/refresh")
def refresh_forecasts(body: RefreshRequest, db: DbDep, settings: SettingsDep, actor: Runner) -> list[ForecastRead]:
    """Recompute and store forecasts now (all categories by default) and return them."""
    with db.read() as session:  # the models are fitted outside the write transaction
        rows = forecasts.build_many(
            session,
            settings,
            categories=body.categories,
            horizon_days=body.horizon_days,
            cell_ft=body.cell_ft,
            actor=actor,
        )
    with db.uow() as session:
        return forecasts.record_refresh(session, settings, rows, cell_ft=body.cell_ft, actor=actor)


def _docks(text: str | None) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for i, part in enumerate(p for p in (text or "").split(";") if p.strip()):
        try:
            lat, lon = (float(v) for v in part.split(","))
        except ValueError:
            raise ValidationFailed(f"docks: item {i + 1} is not 'lat,lon': {part!r}") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValidationFailed(f"docks: item {i + 1} is not a latitude and longitude: {part!r}")
        out.append((lat, lon))
    return out


@router.get(f"{STAFF}/placement/alpr")
def place_alpr(
    db: DbDep, settings: SettingsDep, actor: Reader, count: Annotated[int, Query(ge=1, le=20)] = 1
) -> PlacementRead:
    """The next ALPR camera site(s) by maximal covering, existing cameras fixed, with the coverage gained."""
    with db.uow() as session:
        return placement.alpr(session, settings, count=count, actor=actor)


@router.get(f"{STAFF}/placement/docks")
def place_docks(
    db: DbDep,
    settings: SettingsDep,
    actor: Reader,
    count: Annotated[int, Query(ge=1, le=10)] = 1,
    docks: Annotated[str | None, Query(description="Existing docks: 'lat,lon;lat,lon'.")] = None,
    speed_mps: Annotated[float | None, Query(gt=0, le=100)] = None,
    seconds: Annotated[float | None, Query(gt=0, le=1800)] = None,
) -> PlacementRead:
    """The next drone dock(s): share of eligible calls reachable within N seconds of flight, existing docks fixed."""
    existing = _docks(docks)
    with db.uow() as session:
        return placement.docks(
            session, settings, count=count, existing=existing, speed_mps=speed_mps, seconds=seconds, actor=actor
        )


@router.get(f"{STAFF}/placement/rebates")
def place_rebates(
    db: DbDep,
    settings: SettingsDep,
    actor: Reader,
    count: Annotated[int | None, Query(ge=1, le=50)] = None,
    budget_cents: Annotated[int | None, Query(ge=1)] = None,
    cost_cents: Annotated[int | None, Query(ge=1)] = None,
    radius_m: Annotated[float | None, Query(gt=0, le=1000)] = None,
) -> PlacementRead:
    """Where camera rebates would add the most residents near a registered camera (a count, or a budget)."""
    with db.uow() as session:
        return placement.rebates(
            session,
            settings,
            count=count if count or budget_cents else 1,
            budget_cents=budget_cents,
            cost_cents=cost_cents,
            radius_m=radius_m,
            actor=actor,
        )


@router.get("/api/v1/public/crime-map", dependencies=[public()])
def crime_map(db: DbDep, settings: SettingsDep, days: Annotated[int | None, Query(ge=7, le=90)] = None) -> CrimeMapRead:
    """Recent incidents by category with masked locations, and weekly counts per neighborhood (public, no login)."""
    with db.read() as session:
        return service.crime_map(session, days=days or settings.analytics_public_days)
