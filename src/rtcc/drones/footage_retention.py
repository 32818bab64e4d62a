"""Drone footage in the footage domain's custody: a flight's recording is uploaded to the evidence store and becomes
a recording of ``rtcc.footage.recordings`` (source ``drone``, its reference the flight): hashed on receipt, its chain
of custody started, verified, downloaded and exported in an evidence package like any clip. It is kept for the launch
policy's ``footage_retention_days`` (else ``RTCC_DRONES_FOOTAGE_RETENTION_DAYS``, 30) unless attached to a case as
evidence, then purged by the flights job (its file deleted, the record kept).

The flight keeps a summary for the public log, read from its recordings: ``retained`` until ``footage_until``,
``evidence`` (kept for ``footage_case``), or ``purged`` at ``footage_purged_at``. Attaching through the drones API
updates it at once; an attachment made through the footage API is picked up by the next job pass.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.errors import NotFound
from rtcc.drones import flight_repo as repo
from rtcc.drones import repository as fleet_repo
from rtcc.drones.flight_config import DroneFlightSettings
from rtcc.drones.flight_models import Flight
from rtcc.footage import recordings
from rtcc.footage.schemas import FootageRequestRead, RecordingAttach
from rtcc.footage.storage import FootageStore, StagedFile
from rtcc.identity.logic import SYSTEM, Principal

logger = logging.getLogger(__name__)

KIND = "drone"


def retention_days(session: Session, settings: DroneFlightSettings, at: datetime | None = None) -> int:
    """Days an unattached recording is kept: the policy in force's ``footage_retention_days``, else the setting."""
    policy = fleet_repo.policy_at(session, at or utcnow())
    if policy is not None and policy.footage_retention_days:
        return int(policy.footage_retention_days)
    return settings.drones_footage_retention_days


def _flight(session: Session, flight_id: uuid.UUID, *, lock: bool = False) -> Flight:
    flight = repo.get_flight(session, flight_id, lock=lock)
    if flight is None:
        raise NotFound(f"no flight {flight_id}")
    return flight


def summarise(session: Session, flight: Flight) -> None:
    """The flight's footage summary from its recordings."""
    rows = recordings.recordings_of(session, KIND, str(flight.id))
    evidence = [r for r in rows if r.case_number]
    kept = [r for r in rows if r.purged_at is None and not r.case_number and r.retain_until is not None]
    if not rows:
        flight.footage, flight.footage_until, flight.footage_case, flight.footage_purged_at = "none", None, None, None
    elif evidence:
        flight.footage, flight.footage_case = "evidence", evidence[0].case_number
        flight.footage_until, flight.footage_purged_at = None, None
    elif kept:
        flight.footage, flight.footage_case = "retained", None
        flight.footage_until = max(r.retain_until for r in kept if r.retain_until is not None)
        flight.footage_purged_at = None
    else:
        flight.footage, flight.footage_case, flight.footage_until = "purged", None, None
        flight.footage_purged_at = max((r.purged_at for r in rows if r.purged_at is not None), default=None)


def store_upload(
    db: Database,
    store: FootageStore,
    flight_id: uuid.UUID,
    staged: StagedFile,
    *,
    actor: Principal,
    settings: DroneFlightSettings,
    filename: str,
    started_at: datetime,
    note: str | None = None,
    client_ip: str | None = None,
) -> FootageRequestRead:
    """Keep an uploaded recording of a flight in the footage domain (its own unit of work), then update the flight's
    summary."""
    with db.read() as session:
        f = _flight(session, flight_id)
        days = retention_days(session, settings)
        source = recordings.RecordingSource(
            kind=KIND,
            source_id=f.drone_id,
            code=f.drone_code,
            label=f"Drone {f.drone_code}, flight of call {f.call_number or '-'}",
            ref=str(f.id),
            incident_number=f.call_number,
            window_start=f.launched_at,
            window_end=f.landed_at or f.last_at or utcnow(),
        )
    read = recordings.store_recording(
        db,
        store,
        source,
        staged,
        retention_days=days,
        actor=actor,
        filename=filename,
        started_at=started_at,
        note=note,
        client_ip=client_ip,
    )
    with db.uow() as session:
        summarise(session, _flight(session, flight_id, lock=True))
    return read


def list_footage(session: Session, flight_id: uuid.UUID) -> list[FootageRequestRead]:
    """A flight's recordings (footage items with their clips, retention and case)."""
    _flight(session, flight_id)
    return recordings.recordings_of(session, KIND, str(flight_id))


def attach_evidence(
    session: Session, recording_id: uuid.UUID, data: RecordingAttach, *, actor: Principal
) -> FootageRequestRead:
    """Keep a flight's recording as evidence of a case (the footage domain's custody and audit), and say so in the
    flight's summary."""
    row = recordings.get_recording(session, recording_id)
    if row.source != KIND or not row.source_ref:
        raise NotFound(f"no drone recording {recording_id}")
    read = recordings.attach_to_case(session, recording_id, data, actor=actor)
    summarise(session, _flight(session, uuid.UUID(row.source_ref), lock=True))
    return read


def purge_due(session: Session, store: FootageStore | None, *, now: datetime | None = None, limit: int = 500) -> int:
    """Purge drone recordings past their retention that no case holds; refresh the flights' summaries (and those of
    flights whose recordings were attached through the footage API). Returns how many were purged."""
    purged = recordings.purge_due(session, store, actor=SYSTEM, kind=KIND, now=now, limit=limit)
    refs = {r.source_ref for r in purged if r.source_ref}
    for f in repo.flights_with_footage_kept(session, limit):
        refs.add(str(f.id))
    for ref in refs:
        flight = repo.get_flight(session, uuid.UUID(ref), lock=True)
        if flight is not None:
            summarise(session, flight)
    session.flush()
    return len(purged)
