"""Shared bookkeeping of the footage use cases: loading a request (an owner sees only their own), the staff and owner
read models, appending to a request's hash-chained custody log, and the audit, camera-access-log (C4) and
notification (C5) entries that go with every step. Functions here take ``session`` and never commit.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.cameras import service as cameras
from rtcc.community import accounts as community
from rtcc.core.clock import utcnow
from rtcc.core.errors import NotFound
from rtcc.footage import repository
from rtcc.footage.logic import (
    CUSTODY_GENESIS,
    CustodyAction,
    CustodyFields,
    allowed_events,
    custody_hash,
    effective_state,
)
from rtcc.footage.models import CustodyEntry, FootageClip, FootageRequest
from rtcc.footage.schemas import ClipRead, FootageRequestRead, OwnerRequestRead
from rtcc.identity.logic import Principal
from rtcc.notify import service as notify

#: ``target_type`` of the footage audit entries.
TARGET = "footage_request"

# ------------------------------------------------------------------------------------------------------ read models


def to_read(
    req: FootageRequest, clips: list[FootageClip] | None = None, *, now: datetime | None = None
) -> FootageRequestRead:
    """The staff view of a request (state as of now)."""
    state = effective_state(req.state, req.due_at, now or utcnow())
    return FootageRequestRead(
        id=req.id,
        camera_id=req.camera_id,
        camera_code=req.camera_code,
        camera_name=req.camera_name,
        owner_type=req.owner_type,
        agency_owned=req.owner_user_id is None,
        case_number=req.case_number,
        incident_number=req.incident_number,
        purpose=req.purpose,
        reason=req.reason,
        window_start=req.window_start,
        window_end=req.window_end,
        state=state.value,
        allowed_events=[e.value for e in allowed_events(state)],
        requested_by=req.requested_by,
        requested_at=req.requested_at,
        due_at=req.due_at,
        decided_by=req.decided_by,
        decided_at=req.decided_at,
        decision_reason=req.decision_reason,
        fulfilled_at=req.fulfilled_at,
        closed_at=req.closed_at,
        updated_at=req.updated_at,
        clip_count=req.clip_count,
        clips=[ClipRead.model_validate(c) for c in (clips or [])],
        source=req.source or "camera",
        source_ref=req.source_ref,
        retain_until=req.retain_until,
        purged_at=req.purged_at,
    )


def to_owner_read(req: FootageRequest, clips: list[FootageClip] | None = None) -> OwnerRequestRead:
    """The owner's view of a request."""
    return OwnerRequestRead(
        id=req.id,
        camera_id=req.camera_id,
        camera_name=req.camera_name,
        case_number=req.case_number or "",
        reason=req.reason,
        window_start=req.window_start,
        window_end=req.window_end,
        state=effective_state(req.state, req.due_at, utcnow()).value,
        requested_at=req.requested_at,
        due_at=req.due_at,
        decided_at=req.decided_at,
        decision_reason=req.decision_reason,
        clip_count=req.clip_count,
        clips=[ClipRead.model_validate(c) for c in (clips or [])],
    )


def load(session: Session, request_id: uuid.UUID, *, for_update: bool = False) -> FootageRequest:
    """A request, or NotFound."""
    req = repository.get_request(session, request_id, for_update=for_update)
    if req is None:
        raise NotFound(f"footage request {request_id} not found")
    return req


def load_own(session: Session, request_id: uuid.UUID, owner: Principal, *, for_update: bool = False) -> FootageRequest:
    """A request to one of ``owner``'s cameras; anyone else's answers NotFound (no hint that it exists)."""
    req = repository.get_request(session, request_id, for_update=for_update)
    if req is None or req.owner_user_id is None or req.owner_user_id != owner.user_uuid:
        raise NotFound(f"footage request {request_id} not found")
    return req


# ------------------------------------------------------------------------------------------------------ custody


def append_custody(
    session: Session,
    req: FootageRequest,
    action: CustodyAction,
    *,
    actor: Principal,
    at: datetime,
    client_ip: str | None,
    clip_id: uuid.UUID | None = None,
    sha256: str | None = None,
    details: dict[str, Any] | None = None,
) -> CustodyEntry:
    """Append one custody entry to the request's chain (the request row is locked by the caller)."""
    seq = (req.custody_seq or 0) + 1
    prev = req.custody_head or CUSTODY_GENESIS
    fields = CustodyFields(
        request_id=str(req.id),
        seq=seq,
        action=action.value,
        actor=actor.audit_name[:128],
        actor_role=actor.role[:32] if actor.role else None,
        at=at,
        clip_id=str(clip_id) if clip_id else None,
        sha256=sha256,
        client_ip=client_ip[:64] if client_ip else None,
        details=dict(details or {}),
    )
    entry = CustodyEntry(
        request_id=req.id,
        seq=seq,
        clip_id=clip_id,
        action=fields.action,
        actor=fields.actor,
        actor_role=fields.actor_role,
        at=at,
        sha256=sha256,
        client_ip=fields.client_ip,
        details=dict(fields.details),
        prev_hash=prev,
        hash=custody_hash(prev, fields),
    )
    repository.add(session, entry)
    req.custody_seq = seq
    req.custody_head = entry.hash
    return entry


def custody_fields(e: CustodyEntry) -> CustodyFields:
    """The fields a stored custody entry's hash covers."""
    return CustodyFields(
        request_id=str(e.request_id),
        seq=e.seq,
        action=e.action,
        actor=e.actor,
        actor_role=e.actor_role,
        at=e.at,
        clip_id=str(e.clip_id) if e.clip_id else None,
        sha256=e.sha256,
        client_ip=e.client_ip,
        details=dict(e.details or {}),
    )


def audit_entry(session: Session, actor: Principal, action: str, req: FootageRequest, **details: Any) -> None:
    """An audit entry about a request, in the caller's transaction."""
    audit.record_for(
        session,
        actor,
        action,
        target_type=TARGET,
        target_id=str(req.id),
        details={"case_number": req.case_number, "camera_id": str(req.camera_id), **details},
    )


def camera_log(session: Session, req: FootageRequest, actor: Principal, action: str, **details: Any) -> None:
    """An entry in the camera's owner-visible access log (C4); a drone recording has no registry camera (its access
    is in custody and audit)."""
    if (req.source or "camera") != "camera":
        return
    cameras.log_access(
        session, req.camera_id, actor=actor, action=action, details={"request_id": str(req.id), **details}
    )


def notify_requester(session: Session, req: FootageRequest, subject: str, body: str) -> None:
    """Tell the staff member who made the request (C5), when they are a user."""
    if not req.requested_by_id:
        return
    try:
        user_id = uuid.UUID(req.requested_by_id)
    except ValueError:
        return
    notify.enqueue(
        session,
        community.recipient(session, user_id),
        subject=subject,
        body=body,
        category="footage",
        link=f"/footage/requests/{req.id}",
    )
