"""Queries of the analytics domain (never commits): incidents by category and time, the dispatch calls' points
through dispatch's published tables, and the stored forecasts.

Every read that feeds a staff screen honours the request's division scope (``rtcc.core.divisions``): incidents and
live calls by their ``division`` column, imported history calls (which carry none) by the division holding their
point, stored forecasts by the division they were computed for. The public crime map's read is city-wide on
purpose: it is the same masked map for anyone."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from rtcc.analytics.models import Incident, StoredForecast
from rtcc.core import divisions
from rtcc.dispatch.queries import CALLS, HISTORY_CALLS
from rtcc.places import service as places


def insert_incidents(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert incident rows, skipping any already stored (same source and external id); returns how many were new."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    ins = pg_insert(Incident) if dialect == "postgresql" else sqlite_insert(Incident)
    stmt = ins.on_conflict_do_nothing(index_elements=["source", "external_id"])
    result = session.execute(stmt.returning(Incident.id), list(rows))
    return len(result.all())


def incident_points(
    session: Session, *, categories: Iterable[str], since: datetime, until: datetime
) -> list[tuple[str, datetime, float, float]]:
    """(category, occurred_at, lat, lon) of the incidents in ``categories`` with since <= occurred_at < until."""
    q = select(Incident.category, Incident.occurred_at, Incident.lat, Incident.lon).where(
        Incident.category.in_(list(categories)), Incident.occurred_at >= since, Incident.occurred_at < until
    )
    q = divisions.scoped(q, Incident.division)
    return [(c, t, la, lo) for c, t, la, lo in session.execute(q)]


def public_incidents(session: Session, *, since: datetime, categories: Iterable[str]) -> list[Incident]:
    """Incidents inside the city since ``since`` in the published categories, newest first."""
    q = (
        select(Incident)
        .where(Incident.in_city.is_(True), Incident.occurred_at >= since, Incident.category.in_(list(categories)))
        .order_by(Incident.occurred_at.desc())
    )
    return list(session.scalars(q))


def call_points(
    session: Session, *, since: datetime, until: datetime, types: Iterable[str] | None = None
) -> list[tuple[str, datetime, float, float, int | None]]:
    """(call_type, received_at, lat, lon, priority_rank) of live calls (not duplicates) and imported history calls
    (priority rank unknown: None) received in [since, until), of the divisions in scope."""
    live = select(CALLS.c.call_type, CALLS.c.received_at, CALLS.c.lat, CALLS.c.lon, CALLS.c.priority_rank).where(
        CALLS.c.received_at >= since, CALLS.c.received_at < until, CALLS.c.duplicate_of.is_(None)
    )
    hist = select(
        HISTORY_CALLS.c.call_type, HISTORY_CALLS.c.received_at, HISTORY_CALLS.c.lat, HISTORY_CALLS.c.lon
    ).where(
        HISTORY_CALLS.c.received_at >= since,
        HISTORY_CALLS.c.received_at < until,
        HISTORY_CALLS.c.lat.is_not(None),
        HISTORY_CALLS.c.lon.is_not(None),
        HISTORY_CALLS.c.call_type.is_not(None),
    )
    if types is not None:
        wanted = list(types)
        live = live.where(CALLS.c.call_type.in_(wanted))
        hist = hist.where(HISTORY_CALLS.c.call_type.in_(wanted))
    live = divisions.scoped(live, CALLS.c.division)
    out: list[tuple[str, datetime, float, float, int | None]] = [
        (str(ct), t, float(la), float(lo), int(r)) for ct, t, la, lo, r in session.execute(live)
    ]
    past = [(str(ct), t, float(la), float(lo), None) for ct, t, la, lo in session.execute(hist)]
    if divisions.current() is not None:  # history calls carry no division: the one holding their point
        keep = places.in_scope([p[2] for p in past], [p[3] for p in past])
        past = [p for p, k in zip(past, keep.tolist(), strict=True) if k]
    out.extend(past)
    return out


def count_incidents(session: Session) -> int:
    """Every stored incident."""
    return int(session.scalar(select(func.count()).select_from(Incident)) or 0)


def add_forecast(session: Session, row: StoredForecast) -> None:
    """Store a forecast row."""
    session.add(row)
    session.flush()


def latest_forecasts(session: Session, *, horizon_days: int | None = None) -> list[StoredForecast]:
    """The newest forecast of each (division, category, horizon, cell size) the request may read: the city-wide
    ones when it is not restricted, else those computed for its divisions."""
    q = select(StoredForecast)
    if horizon_days is not None:
        q = q.where(StoredForecast.horizon_days == horizon_days)
    scope = divisions.condition(StoredForecast.division)
    q = q.where(StoredForecast.division.is_(None) if scope is None else scope)
    newest: dict[tuple[str | None, str, int, float], StoredForecast] = {}
    for row in session.scalars(q.order_by(StoredForecast.computed_at.desc(), StoredForecast.id)):
        newest.setdefault((row.division, row.category, row.horizon_days, row.cell_m), row)
    return list(newest.values())


def prune_forecasts(session: Session, *, keep: int) -> int:
    """Delete all but the newest ``keep`` forecasts of each (division, category, horizon, cell size); returns how many
    went."""
    rows = session.execute(
        select(
            StoredForecast.id,
            StoredForecast.division,
            StoredForecast.category,
            StoredForecast.horizon_days,
            StoredForecast.cell_m,
        ).order_by(StoredForecast.computed_at.desc())
    ).all()
    seen: dict[tuple[str | None, str, int, float], int] = {}
    gone = []
    for fid, div, cat, h, cell in rows:
        n = seen[(div, cat, h, cell)] = seen.get((div, cat, h, cell), 0) + 1
        if n > keep:
            gone.append(fid)
    if gone:
        session.execute(delete(StoredForecast).where(StoredForecast.id.in_(gone)))
    return len(gone)
