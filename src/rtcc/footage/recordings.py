"""Agency recordings under retention: footage the agency records itself with a source that is not a registry camera
(a drone flight's video, ``source = "drone"``) is a footage item of this domain — a ``FootageRequest`` created
``fulfilled`` with its clip in the evidence store, hashed on receipt, its chain of custody started — so that it is
verified, downloaded and exported in an evidence package exactly like a camera's clip.

Retention: a recording is kept until ``retain_until`` (the caller's retention, e.g. the city's drone policy: 30 days)
and then purged by ``purge_due`` (its files deleted from the store, the row and its custody chain kept as the
record, ``purged_at`` set), unless it was attached to a case first (``attach_to_case``: it is then evidence and kept,
``retain_until`` cleared). Each step is a custody entry and an audit entry in the caller's transaction.

``store_recording`` owns its unit of work (the file is moved into place only once the rows are flushed); the other
functions take ``session`` and never commit.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.errors import Conflict, NotFound
from rtcc.footage import repository
from rtcc.footage.clips import new_clip
from rtcc.footage.logic import CustodyAction, RequestState
from rtcc.footage.models import FootageRequest
from rtcc.footage.records import append_custody, audit_entry, load, to_read
from rtcc.footage.schemas import FootageRequestRead, RecordingAttach
from rtcc.footage.storage import FootageStore, StagedFile
from rtcc.identity.logic import Principal

logger = logging.getLogger(__name__)

#: ``decided_by`` of a recording: nobody outside the agency approves its own recordings.
AGENCY = "agency"


@dataclass(frozen=True)
class RecordingSource:
    """What recorded it: ``kind`` (``drone``), the recorder's id and code (the drone), a label people read, the record
    it belongs to (``ref``: the flight's id), the incident (call number) and the recorded window."""

    kind: str
    source_id: uuid.UUID
    code: str
    label: str
    ref: str
    incident_number: str | None
    window_start: datetime
    window_end: datetime


def add_recording(
    session: Session,
    source: RecordingSource,
    staged: StagedFile,
    *,
    retention_days: int,
    actor: Principal,
    filename: str,
    started_at: datetime,
    note: str | None = None,
    client_ip: str | None = None,
) -> FootageRequestRead:
    """Record a staged recording (the footage item, its clip, custody ``recorded`` + ``upload``, audit) and flush;
    its retention runs ``retention_days`` from now."""
    if source.kind == "camera":
        raise ValueError("a registry camera's footage is requested (footage.service), not recorded here")
    now = utcnow()
    req = FootageRequest(
        id=uuid.uuid4(),
        camera_id=source.source_id,
        camera_code=source.code[:64],
        camera_name=source.label[:128],
        owner_type=source.kind[:16],
        owner_user_id=None,
        case_number=None,
        incident_number=source.incident_number,
        purpose=f"{source.kind}_recording"[:48],
        reason=f"{source.label}: kept {retention_days} days unless attached to a case as evidence",
        window_start=source.window_start,
        window_end=source.window_end,
        state=RequestState.fulfilled.value,
        requested_by=actor.audit_name[:128],
        requested_by_role=actor.role[:32] if actor.role else None,
        requested_by_id=None,
        requested_at=now,
        due_at=None,
        decided_by=AGENCY,
        decided_at=now,
        fulfilled_at=now,
        updated_at=now,
        clip_count=1,
        custody_seq=0,
        source=source.kind[:16],
        source_ref=source.ref[:64],
        retain_until=now + timedelta(days=retention_days),
    )
    repository.add(session, req)
    clip = new_clip(
        req.id,
        staged,
        filename=filename,
        actor=actor,
        at=now,
        started_at=started_at,
        recorded=(source.window_start, source.window_end),
        note=note,
    )
    repository.add(session, clip)
    until = req.retain_until.isoformat() if req.retain_until else None
    append_custody(
        session,
        req,
        CustodyAction.recorded,
        actor=actor,
        at=now,
        client_ip=client_ip,
        details={"source": source.kind, "ref": source.ref, "code": source.code, "retain_until": until},
    )
    append_custody(
        session,
        req,
        CustodyAction.upload,
        actor=actor,
        at=now,
        client_ip=client_ip,
        clip_id=clip.id,
        sha256=clip.sha256,
        details={"filename": clip.filename, "size": clip.size_bytes, "content_type": clip.content_type},
    )
    audit_entry(
        session,
        actor,
        "footage.record",
        req,
        source=source.kind,
        ref=source.ref,
        sha256=clip.sha256,
        retain_until=until,
    )
    session.flush()
    return to_read(req, [clip], now=now)


def store_recording(
    db: Database,
    store: FootageStore,
    source: RecordingSource,
    staged: StagedFile,
    *,
    retention_days: int,
    actor: Principal,
    filename: str,
    started_at: datetime,
    note: str | None = None,
    client_ip: str | None = None,
) -> FootageRequestRead:
    """``add_recording`` and the move of its file into place, in one unit of work; on failure the staged file (and a
    file this call moved into place that no row refers to) is removed: no row without its file."""
    created = False
    try:
        with db.uow() as session:
            read = add_recording(
                session,
                source,
                staged,
                retention_days=retention_days,
                actor=actor,
                filename=filename,
                started_at=started_at,
                note=note,
                client_ip=client_ip,
            )
            created = store.commit(staged)
        return read
    except BaseException:
        store.discard(staged)
        if created:
            with db.read() as session:
                referenced = repository.hash_referenced(session, staged.sha256)
            if not referenced:
                store.remove(staged.key)
        raise


def recordings_of(session: Session, kind: str, ref: str) -> list[FootageRequestRead]:
    """The recordings of one record (e.g. a drone flight), oldest first, with their clips."""
    rows = repository.recordings_of(session, kind, ref)
    clips = repository.clips_of(session, [r.id for r in rows])
    now = utcnow()
    return [to_read(r, clips.get(r.id, []), now=now) for r in rows]


def attach_to_case(
    session: Session, request_id: uuid.UUID, data: RecordingAttach, *, actor: Principal, client_ip: str | None = None
) -> FootageRequestRead:
    """Keep a recording as evidence of a case: it leaves the retention (custody ``evidence``, audited)."""
    req = load(session, request_id, for_update=True)
    if (req.source or "camera") == "camera":
        raise Conflict(f"footage request {request_id} is a camera request: its case is {req.case_number}")
    if req.purged_at is not None:
        raise Conflict(f"recording {request_id} was purged on {req.purged_at.date().isoformat()}: nothing to keep")
    if req.case_number and req.case_number != data.case_number:
        raise Conflict(f"recording {request_id} is evidence of case {req.case_number} already")
    now = utcnow()
    before = req.retain_until
    req.case_number, req.retain_until, req.updated_at = data.case_number, None, now
    append_custody(
        session,
        req,
        CustodyAction.evidence,
        actor=actor,
        at=now,
        client_ip=client_ip,
        details={
            "case_number": data.case_number,
            "reason": data.reason,
            "retain_until_before": before.isoformat() if before else None,
        },
    )
    audit_entry(session, actor, "footage.evidence", req, reason=data.reason, source=req.source, ref=req.source_ref)
    session.flush()
    return to_read(req, repository.clips_of(session, [req.id]).get(req.id, []), now=now)


def purge_due(
    session: Session,
    store: FootageStore | None,
    *,
    actor: Principal,
    kind: str | None = None,
    now: datetime | None = None,
    limit: int = 500,
) -> list[FootageRequestRead]:
    """Purge the recordings (of ``kind``, or every kind) whose retention ran out and that no case holds: their files
    are deleted from the store (unless another kept item holds the same content), the rows stay with ``purged_at``
    and a custody ``purged`` entry, audited. Returns the purged items."""
    now = now or utcnow()
    out: list[FootageRequestRead] = []
    for row in repository.recordings_due(session, now, kind=kind, limit=limit):
        req = load(session, row.id, for_update=True)
        if req.purged_at is not None or req.case_number or req.retain_until is None or req.retain_until > now:
            continue  # attached or purged meanwhile
        clips = repository.clips_of(session, [req.id]).get(req.id, [])
        removed = 0
        for clip in clips:
            if store is None or repository.content_kept_elsewhere(session, clip.sha256, req.id):
                continue
            if store.exists(clip.storage_key):
                store.remove(clip.storage_key)
                removed += 1
        req.purged_at, req.state, req.closed_at, req.updated_at = now, RequestState.closed.value, now, now
        append_custody(
            session,
            req,
            CustodyAction.purged,
            actor=actor,
            at=now,
            client_ip=None,
            details={"retain_until": req.retain_until.isoformat(), "files_removed": removed},
        )
        audit_entry(session, actor, "footage.purge", req, source=req.source, ref=req.source_ref, files=removed)
        out.append(to_read(req, clips, now=now))
    session.flush()
    if out:
        logger.info("footage retention: %d recording(s) purged", len(out))
    return out


def get_recording(session: Session, request_id: uuid.UUID) -> FootageRequest:
    """A recording's row (NotFound for a camera request or an unknown id)."""
    req = repository.get_request(session, request_id)
    if req is None or (req.source or "camera") == "camera":
        raise NotFound(f"no recording {request_id}")
    return req
