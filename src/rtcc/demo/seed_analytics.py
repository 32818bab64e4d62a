"""Seed the demo city's crime history for analytics: 400 days of simulated incidents of the forecast categories,
clustered around a few hotspots (a shopping centre's car parks, a few residential blocks) over a uniform background,
so the forecast screen shows this week's forecast with a meaningful backtest beside it and the public crime map has
recent incidents; then, in the background after start (``compute_forecasts``), this week's forecasts are computed
and stored once (the job recomputes them daily). Simulated, labelled ``source = demo``, never real crimes;
idempotent (ids are derived from the seed).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from rtcc.analytics import forecasts, logic, repository
from rtcc.analytics import service as analytics
from rtcc.analytics.adapters.incidents import IncidentRow
from rtcc.core.db import Database
from rtcc.identity.logic import SYSTEM
from rtcc.places import service as places
from rtcc.settings import Settings

DAYS = 400
#: Mean incidents per day per category (the city's whole area), roughly Cerritos' published Part I mix.
RATES = {
    "burglary": 0.45,
    "vehicle_theft": 0.35,
    "theft_from_vehicle": 0.6,
    "larceny": 1.2,
    "robbery": 0.12,
    "assault": 0.3,
    "vandalism": 0.35,
}
STREETS = ("SOUTH ST", "183RD ST", "DEL AMO BLVD", "BLOOMFIELD AVE", "STUDEBAKER RD", "GRIDLEY RD", "PIONEER BLVD")


def incidents(now: datetime, seed: int = 14) -> list[IncidentRow]:
    """The simulated incidents: per category, 70% around hotspots (Gaussian, 120 m), 30% uniform in the city."""
    rng = np.random.default_rng(seed)
    hot = places.random_points(6, rng)
    background = places.random_points(4000, rng)
    rows: list[IncidentRow] = []
    for ci, (cat, rate) in enumerate(RATES.items()):
        n = int(rng.poisson(rate * DAYS))
        mine = [hot[(ci + k) % len(hot)] for k in range(3)]
        for i in range(n):
            if rng.random() < 0.7:
                lat0, lon0 = mine[int(rng.integers(len(mine)))]
                lat = lat0 + rng.normal(0, 120) / 111_195.0
                lon = lon0 + rng.normal(0, 120) / (111_195.0 * math.cos(math.radians(lat0)))
            else:
                lat, lon = background[int(rng.integers(len(background)))]
            at = now - timedelta(days=float(rng.uniform(0, DAYS)))
            street = STREETS[int(rng.integers(len(STREETS)))]
            rows.append(
                IncidentRow(
                    external_id=f"demo-{seed}-{cat}-{i}",
                    category=cat,
                    category_raw=cat.replace("_", " ").upper(),
                    occurred_at=at,
                    address=f"{int(rng.integers(100, 199)) * 100 + int(rng.integers(0, 99))} {street}",
                    lat=round(float(lat), 6),
                    lon=round(float(lon), 6),
                    line=0,
                )
            )
    return rows


def seed(session: Session, *, now: datetime) -> dict[str, int]:
    """Store the simulated incidents (once; forecasts come from ``compute_forecasts``, off the start-up path)."""
    if repository.count_incidents(session):
        return {"incidents": 0}
    _, stored = analytics.store_incidents(session, incidents(now), source="demo")
    return {"incidents": stored}


def compute_forecasts(db: Database, *, settings: Settings, now: datetime) -> int:
    """This week's forecast of every category (the first configured horizon), stored when none is stored yet, each
    built on a read session and stored in a short unit of work; the scheduled job recomputes them daily. The demo
    runs it in the background right after start."""
    with db.read() as session:
        if repository.latest_forecasts(session):
            return 0
    h = int(settings.analytics_horizons_days[0]) if settings.analytics_horizons_days else 7
    for c in logic.CATEGORIES:
        with db.read() as session:
            row = forecasts.build(session, settings, category=c, horizon_days=h, now=now, actor=SYSTEM)
        with db.uow() as session:
            forecasts.store(session, [row])
    return len(logic.CATEGORIES)
