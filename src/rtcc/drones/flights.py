"""Flights: a flight starts from a launch request the pilot accepted (so it is joined to its call and to the launch
decision, with the rule and policy version that allowed it), collects its track through ``rtcc.drones.ingest``, and
lands. At landing the public path is coarsened (``rtcc.drones.coarsen``), the call's outcome is joined from dispatch
(and refreshed by a job until the call closes), and the footage retention starts.

Starting and landing are audited; the track itself is the record of the flight. Nothing flies without an accepted
request, and a request exists only for a recommended decision or a supervisor's audited override, so a call type
the policy excludes never gets a flight without an override on record.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.bus.base import Bus
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound
from rtcc.dispatch import calls as dispatch_calls
from rtcc.dispatch.logic import CallStatus
from rtcc.drones import coarsen, figures, live
from rtcc.drones import flight_repo as repo
from rtcc.drones.flight_config import DroneFlightSettings
from rtcc.drones.flight_models import Flight
from rtcc.drones.flight_schemas import FlightRead, TrackPoint
from rtcc.drones.models import Drone, LaunchDecision, LaunchRequest
from rtcc.identity.logic import Perm, Principal

logger = logging.getLogger(__name__)

#: Reads a call's outcome for the flight log (calls, assignments, disposition: no caller data).
SYSTEM_READER = Principal(
    kind="system",
    id="system",
    name="system",
    role="system",
    permissions=frozenset({Perm.calls_read, Perm.calls_read_all}),
)


def to_read(f: Flight) -> FlightRead:
    """A flight as staff read it."""
    return FlightRead.model_validate(f)


def start(
    session: Session, bus: Bus | None, *, request_id: uuid.UUID, actor: Principal, at: datetime | None = None
) -> FlightRead:
    """Start the flight of an accepted launch request (the drone takes off)."""
    req = session.get(LaunchRequest, request_id, with_for_update=True)
    if req is None:
        raise NotFound(f"no launch request {request_id}")
    if req.state != "accepted":
        raise Conflict(f"launch request {request_id} is {req.state}: a flight starts only from an accepted request")
    drone = session.get(Drone, req.drone_id, with_for_update=True)
    if drone is None:
        raise NotFound(f"no drone {req.drone_id}")
    if repo.open_flights(session, [drone.id]):
        raise Conflict(f"drone {drone.code} is in flight already")
    decision = session.get(LaunchDecision, req.decision_id)
    now = utcnow()
    flight = Flight(
        id=uuid.uuid4(),
        drone_id=drone.id,
        drone_code=drone.code,
        dock_id=req.dock_id,
        request_id=req.id,
        decision_id=req.decision_id,
        policy_version=decision.policy_version if decision else None,
        call_id=req.call_id,
        call_number=req.call_number,
        call_type=req.call_type,
        call_lat=req.lat,
        call_lon=req.lon,
        status=repo.IN_FLIGHT,
        launched_at=at or now,
        camera_down_s=0.0,
        points=0,
        zones_inside=[],
        zones_alerted=[],
        flagged=False,
        flags=[],
        call_closed=False,
        footage="none",
        created_by=actor.audit_name,
    )
    session.add(flight)
    drone.status, drone.status_at = "in_flight", now
    audit.record(
        session,
        actor=actor.audit_name,
        actor_role=actor.role,
        action="drone.flight.start",
        target_type="drone_flight",
        target_id=str(flight.id),
        details={"drone": drone.code, "request_id": str(req.id), "call_number": req.call_number},
    )
    session.flush()
    if bus is not None:
        live.publish_flight(session, bus, flight)
    return to_read(flight)


def land(
    session: Session,
    bus: Bus | None,
    flight_id: uuid.UUID,
    *,
    actor: Principal,
    settings: DroneFlightSettings,
    at: datetime | None = None,
) -> FlightRead:
    """Land a flight: close it, coarsen its public path, join its call's outcome."""
    flight = repo.get_flight(session, flight_id, lock=True)
    if flight is None:
        raise NotFound(f"no flight {flight_id}")
    if flight.status != repo.IN_FLIGHT:
        raise Conflict(f"flight {flight_id} has landed already")
    flight.status = repo.LANDED
    flight.landed_at = at or flight.last_at or utcnow()
    if flight.landed_at < flight.launched_at:
        flight.landed_at = flight.launched_at
    flight.public_path = public_path(session, flight, settings)
    refresh_outcome(session, flight)
    drone = session.get(Drone, flight.drone_id, with_for_update=True)
    if drone is not None:
        drone.status, drone.status_at = "charging", utcnow()
    audit.record(
        session,
        actor=actor.audit_name,
        actor_role=actor.role,
        action="drone.flight.land",
        target_type="drone_flight",
        target_id=str(flight.id),
        details={"drone": flight.drone_code, "points": flight.points, "flagged": flight.flagged},
    )
    session.flush()
    if bus is not None:
        live.publish_flight(session, bus, flight)
    return to_read(flight)


def public_path(session: Session, flight: Flight, settings: DroneFlightSettings) -> list[list[list[float]]]:
    """The flight's coarsened path (segments of [lat, lon])."""
    track = [(p.lat, p.lon) for p in repo.track(session, flight.id)]
    private = (
        [(flight.call_lat, flight.call_lon)] if flight.call_lat is not None and flight.call_lon is not None else []
    )
    segments = coarsen.coarsen(
        track,
        private,
        cell_m=settings.drones_public_cell_m,
        private_radius_m=settings.drones_public_private_radius_m,
    )
    return [[[lat, lon] for lat, lon in seg] for seg in segments]


def refresh_outcome(session: Session, flight: Flight) -> None:
    """Copy the call's disposition onto the flight, and decide "cleared without patrol" once the call is closed."""
    if flight.call_id is None:
        return
    try:
        call = dispatch_calls.get_call(session, flight.call_id, actor=SYSTEM_READER)
    except NotFound:
        logger.warning("flight %s: its call %s is gone", flight.id, flight.call_id)
        return
    flight.call_type = call.call_type
    flight.call_number = call.number
    closed = call.status == CallStatus.closed
    flight.call_closed = closed
    flight.outcome = call.disposition if closed else None
    ground = [a.on_scene_at for a in call.assignments if a.on_scene_at is not None]
    flight.cleared_without_patrol = figures.cleared_without_patrol(
        call_closed=closed, drone_on_scene_at=flight.on_scene_at, ground_on_scene=ground
    )


def refresh_outcomes(session: Session, *, limit: int = 500) -> int:
    """Refresh the outcome of landed flights whose call was still open (the job); returns how many closed since."""
    done = 0
    for flight in repo.flights_awaiting_outcome(session, limit):
        refresh_outcome(session, flight)
        done += int(flight.call_closed)
    session.flush()
    return done


def recent(session: Session, *, status: str | None, limit: int) -> list[FlightRead]:
    """Flights newest first (the pilot's list)."""
    return [to_read(f) for f in repo.recent_flights(session, status=status, limit=limit)]


def get(session: Session, flight_id: uuid.UUID) -> FlightRead:
    """One flight (staff)."""
    flight = repo.get_flight(session, flight_id)
    if flight is None:
        raise NotFound(f"no flight {flight_id}")
    return to_read(flight)


def track(session: Session, flight_id: uuid.UUID) -> list[TrackPoint]:
    """A flight's whole stored track (staff)."""
    if repo.get_flight(session, flight_id) is None:
        raise NotFound(f"no flight {flight_id}")
    return [TrackPoint.model_validate(p) for p in repo.track(session, flight_id)]
