"""Drone footage retention: a recording is kept ``RTCC_DRONES_FOOTAGE_RETENTION_DAYS`` (30) days after it is stored,
longer only when attached to a case as evidence, then purged by the retention job; the public log says which.

A recording is registered with its SHA-256 and size (computed by the dock's uploader; when its file sits in the
footage domain's content-addressed evidence store, ``storage_key`` names it and the purge deletes it there).
Registering, attaching as evidence (with the case number and a reason) and purging are each audited; the flight
keeps a summary for the public log (``footage``: ``retained`` until ``footage_until``, ``evidence``, or ``purged``
at ``footage_purged_at``). Evidence is never purged by the job.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound
from rtcc.drones import flight_repo as repo
from rtcc.drones.flight_config import DroneFlightSettings
from rtcc.drones.flight_models import Flight, FlightFootage
from rtcc.drones.flight_schemas import EvidenceAttach, FootageCreate, FootageRead
from rtcc.footage.storage import FootageStore
from rtcc.identity.logic import Principal

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "system"


def _summarise(session: Session, flight: Flight) -> None:
    """The flight's footage summary from its recordings."""
    rows = repo.footage_of(session, flight.id)
    if not rows:
        flight.footage, flight.footage_until, flight.footage_case, flight.footage_purged_at = "none", None, None, None
        return
    evidence = [r for r in rows if r.evidence_case]
    kept = [r for r in rows if r.purged_at is None and not r.evidence_case]
    if evidence:
        flight.footage, flight.footage_case = "evidence", evidence[0].evidence_case
        flight.footage_until, flight.footage_purged_at = None, None
    elif kept:
        flight.footage, flight.footage_case = "retained", None
        flight.footage_until, flight.footage_purged_at = max(r.retain_until for r in kept), None
    else:
        flight.footage, flight.footage_case, flight.footage_until = "purged", None, None
        flight.footage_purged_at = max(r.purged_at for r in rows if r.purged_at is not None)


def register(
    session: Session, flight_id: uuid.UUID, data: FootageCreate, *, actor: Principal, settings: DroneFlightSettings
) -> FootageRead:
    """Record a flight's recording; its retention starts now."""
    flight = repo.get_flight(session, flight_id, lock=True)
    if flight is None:
        raise NotFound(f"no flight {flight_id}")
    now = utcnow()
    row = FlightFootage(
        id=uuid.uuid4(),
        flight_id=flight.id,
        storage_key=data.storage_key,
        sha256=data.sha256,
        size_bytes=data.size_bytes,
        content_type=data.content_type,
        recorded_start=data.recorded_start,
        recorded_end=data.recorded_end,
        stored_at=now,
        stored_by=actor.audit_name,
        retain_until=now + timedelta(days=settings.drones_footage_retention_days),
        note=data.note,
        details={},
    )
    session.add(row)
    session.flush()
    _summarise(session, flight)
    audit.record(
        session,
        actor=actor.audit_name,
        actor_role=actor.role,
        action="drone.footage.register",
        target_type="drone_footage",
        target_id=str(row.id),
        details={"flight_id": str(flight.id), "sha256": data.sha256, "retain_until": row.retain_until.isoformat()},
    )
    session.flush()
    return FootageRead.model_validate(row)


def attach_evidence(session: Session, footage_id: uuid.UUID, data: EvidenceAttach, *, actor: Principal) -> FootageRead:
    """Keep a recording as evidence of a case (it leaves the default retention)."""
    row = session.get(FlightFootage, footage_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no drone footage {footage_id}")
    if row.purged_at is not None:
        raise Conflict(f"drone footage {footage_id} was purged at {row.purged_at.isoformat()}")
    now = utcnow()
    row.evidence_case, row.evidence_at, row.evidence_by = data.case_number, now, actor.audit_name
    flight = repo.get_flight(session, row.flight_id, lock=True)
    if flight is not None:
        _summarise(session, flight)
    audit.record(
        session,
        actor=actor.audit_name,
        actor_role=actor.role,
        action="drone.footage.evidence",
        target_type="drone_footage",
        target_id=str(row.id),
        details={"case_number": data.case_number, "reason": data.reason, "sha256": row.sha256},
    )
    session.flush()
    return FootageRead.model_validate(row)


def list_footage(session: Session, flight_id: uuid.UUID) -> list[FootageRead]:
    """A flight's recordings."""
    return [FootageRead.model_validate(r) for r in repo.footage_of(session, flight_id)]


def purge_due(session: Session, store: FootageStore | None, *, now: datetime | None = None, limit: int = 500) -> int:
    """Purge recordings past their retention that are not evidence (the file, when stored, is deleted; the row
    stays as the record); returns how many."""
    now = now or utcnow()
    done = 0
    touched: set[uuid.UUID] = set()
    for row in repo.footage_due(session, now, limit):
        if store is not None and row.storage_key and store.exists(row.storage_key):
            store.remove(row.storage_key)
        row.purged_at = now
        touched.add(row.flight_id)
        audit.record(
            session,
            actor=SYSTEM_ACTOR,
            actor_role=SYSTEM_ACTOR,
            action="drone.footage.purge",
            target_type="drone_footage",
            target_id=str(row.id),
            details={
                "flight_id": str(row.flight_id),
                "sha256": row.sha256,
                "retain_until": row.retain_until.isoformat(),
            },
        )
        done += 1
    session.flush()
    for fid in touched:
        flight = repo.get_flight(session, fid, lock=True)
        if flight is not None:
            _summarise(session, flight)
    session.flush()
    if done:
        logger.info("drone footage: %d recording(s) purged", done)
    return done
