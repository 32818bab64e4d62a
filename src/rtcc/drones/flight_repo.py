"""Queries of flights, their track and events (never commits). The fleet's and the policy's own queries
belong to the fleet side of the domain; the few read here (drones by code, a policy version's zones) are plain."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, tuple_
from sqlalchemy.orm import Session

from rtcc.drones.flight_models import Flight, FlightEvent, FlightPoint
from rtcc.drones.models import Drone, Geofence, LaunchPolicy

IN_FLIGHT = "in_flight"
LANDED = "landed"


def drones_by_code(session: Session, codes: Iterable[str]) -> dict[str, Drone]:
    """The drones with these codes."""
    wanted = list(set(codes))
    if not wanted:
        return {}
    return {d.code: d for d in session.scalars(select(Drone).where(Drone.code.in_(wanted)))}


def drone_by_code(session: Session, code: str) -> Drone | None:
    """One drone by its code."""
    return session.scalar(select(Drone).where(Drone.code == code))


def open_flights(session: Session, drone_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Flight]:
    """The flight in progress of each of these drones."""
    ids = list(set(drone_ids))
    if not ids:
        return {}
    rows = session.scalars(select(Flight).where(Flight.drone_id.in_(ids), Flight.status == IN_FLIGHT))
    return {f.drone_id: f for f in rows}


def get_flight(session: Session, flight_id: uuid.UUID, *, lock: bool = False) -> Flight | None:
    """One flight."""
    q = select(Flight).where(Flight.id == flight_id)
    if lock:
        q = q.with_for_update()
    return session.scalar(q)


def add_points(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk insert of track points (one statement)."""
    if rows:
        session.execute(insert(FlightPoint), list(rows))


def track(session: Session, flight_id: uuid.UUID, *, limit: int | None = None) -> Sequence[FlightPoint]:
    """A flight's track, oldest first."""
    q = select(FlightPoint).where(FlightPoint.flight_id == flight_id).order_by(FlightPoint.at, FlightPoint.id)
    if limit is not None:
        q = q.limit(limit)
    return session.scalars(q).all()


def events(session: Session, flight_id: uuid.UUID) -> Sequence[FlightEvent]:
    """A flight's geofence events, oldest first."""
    return session.scalars(select(FlightEvent).where(FlightEvent.flight_id == flight_id).order_by(FlightEvent.id)).all()


def policy_zones(session: Session, version: int | None) -> tuple[int | None, Sequence[Geofence]]:
    """The zones of a policy version (None: the version in force now, the latest whose ``effective_from`` passed),
    with the version found (None when there is no policy)."""
    if version is None:
        from rtcc.core.clock import utcnow

        version = session.scalar(
            select(LaunchPolicy.version)
            .where(LaunchPolicy.effective_from <= utcnow())
            .order_by(LaunchPolicy.version.desc())
            .limit(1)
        )
        if version is None:
            return None, []
    return version, session.scalars(select(Geofence).where(Geofence.policy_version == version)).all()


def log_page(
    session: Session, *, after: tuple[datetime, uuid.UUID] | None, limit: int, landed_only: bool = True
) -> Sequence[Flight]:
    """Flights newest first, after a keyset cursor ``(launched_at, id)`` (one index range scan)."""
    q = select(Flight)
    if landed_only:
        q = q.where(Flight.status == LANDED)
    if after is not None:
        at, fid = after
        q = q.where(tuple_(Flight.launched_at, Flight.id) < tuple_(at, fid))  # a row value: one index bound
    return session.scalars(q.order_by(Flight.launched_at.desc(), Flight.id.desc()).limit(limit)).all()


def flights_between(session: Session, start: datetime | None, end: datetime | None) -> Sequence[Flight]:
    """Landed flights launched in ``[start, end)``, oldest first."""
    q = select(Flight).where(Flight.status == LANDED)
    if start is not None:
        q = q.where(Flight.launched_at >= start)
    if end is not None:
        q = q.where(Flight.launched_at < end)
    return session.scalars(q.order_by(Flight.launched_at, Flight.id)).all()


def flights_awaiting_outcome(session: Session, limit: int) -> Sequence[Flight]:
    """Landed flights whose call had not closed when last looked at."""
    return session.scalars(
        select(Flight)
        .where(Flight.status == LANDED, Flight.call_closed.is_(False), Flight.call_id.is_not(None))
        .order_by(Flight.launched_at)
        .limit(limit)
    ).all()


def flights_with_footage_kept(session: Session, limit: int) -> Sequence[Flight]:
    """Flights whose footage summary reads ``retained`` (the retention job re-reads their recordings)."""
    return session.scalars(
        select(Flight).where(Flight.footage == "retained").order_by(Flight.launched_at).limit(limit)
    ).all()


def recent_flights(session: Session, *, status: str | None, limit: int) -> Sequence[Flight]:
    """Flights newest first (``status``: in_flight | landed | None for both)."""
    q = select(Flight).order_by(Flight.launched_at.desc(), Flight.id.desc()).limit(limit)
    return session.scalars(q.where(Flight.status == status) if status else q).all()


def last_source(session: Session, flight_id: uuid.UUID) -> str | None:
    """The protocol the flight's latest fix came over (mavlink, mqtt, http, demo), or None before the first."""
    q = select(FlightPoint.source).where(FlightPoint.flight_id == flight_id).order_by(FlightPoint.id.desc()).limit(1)
    return session.scalar(q)
