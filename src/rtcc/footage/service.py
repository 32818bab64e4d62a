"""Footage requests: staff request a camera's recordings for a case; the owner is notified (C5) and approves or
declines; unanswered requests expire. Every step writes a chain-of-custody entry, an audit entry (same transaction)
and an entry in the camera's owner-visible access log (C4). The clips that answer a request (uploads, downloads,
custody, verification, evidence exports) are ``footage.clips``.

These functions take ``session`` and never commit.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from rtcc.cameras import service as cameras
from rtcc.community import accounts as community
from rtcc.core.clock import utcnow
from rtcc.core.localtime import bilingual, bilingual_subject, local_text
from rtcc.footage import repository
from rtcc.footage.logic import (
    TRANSITION_CUSTODY,
    CustodyAction,
    Event,
    RequestState,
    check_event,
    check_sharing,
    check_window,
    effective_state,
    needs_owner_approval,
)
from rtcc.footage.models import FootageRequest
from rtcc.footage.records import (
    append_custody,
    audit_entry,
    camera_log,
    load,
    load_own,
    notify_requester,
    to_owner_read,
    to_read,
)
from rtcc.footage.schemas import (
    FootageRequestCreate,
    FootageRequestPage,
    FootageRequestRead,
    OwnerRequestRead,
)
from rtcc.governance import service as governance
from rtcc.identity.logic import Principal
from rtcc.notify import service as notify
from rtcc.places import service as places

logger = logging.getLogger(__name__)

#: ``decided_by`` of a request to the agency's own camera, approved when it is made.
AGENCY = "agency"

# ------------------------------------------------------------------------------------------------------ requests


def _request_body(camera_name: str, data: FootageRequestCreate, due_at: datetime | None) -> str:
    """The owner's message, in English and Spanish, with the times in the city's time zone in words."""
    zone = places.city_zone()

    def when(value: datetime | None, lang: str) -> str:
        return local_text(value, zone, lang) if value is not None else "-"

    en = (
        f"The police ask for the recordings of your camera '{camera_name}' from {when(data.window_start, 'en')} to "
        f"{when(data.window_end, 'en')} for case {data.case_number}: {data.reason}\n"
        f"Please approve or decline by {when(due_at, 'en')}."
    )
    es = (
        f"La policía solicita las grabaciones de su cámara '{camera_name}' del {when(data.window_start, 'es')} al "
        f"{when(data.window_end, 'es')} para el caso {data.case_number}: {data.reason}\n"
        f"Por favor, apruebe o rechace la solicitud antes del {when(due_at, 'es')}."
    )
    return bilingual(en, es)


def create_request(
    session: Session,
    data: FootageRequestCreate,
    *,
    actor: Principal,
    client_ip: str | None = None,
    ttl_days: int = 14,
    max_window_hours: int = 24,
) -> FootageRequestRead:
    """Ask a camera's owner for the recordings of a time window (an agency camera's request is approved at once)."""
    governance.require_purpose(session, purpose=data.purpose, case_number=data.case_number)
    camera = cameras.get_camera(session, data.camera_id)
    check_sharing(camera.sharing_level)
    now = utcnow()
    check_window(
        data.window_start,
        data.window_end,
        now=now,
        max_hours=max_window_hours,
        owner_retention_days=camera.owner_retention_days if camera.owner_retention_days > 0 else None,
    )
    owner_approves = needs_owner_approval(camera.owner_user_id)
    req = FootageRequest(
        id=uuid.uuid4(),
        camera_id=camera.id,
        camera_code=camera.code[:64],
        camera_name=camera.name[:128],
        owner_type=camera.owner_type,
        owner_user_id=camera.owner_user_id,
        case_number=data.case_number,
        incident_number=data.incident_number,
        purpose=data.purpose,
        reason=data.reason,
        window_start=data.window_start,
        window_end=data.window_end,
        state=(RequestState.requested if owner_approves else RequestState.approved).value,
        requested_by=actor.audit_name[:128],
        requested_by_role=actor.role[:32] if actor.role else None,
        requested_by_id=str(actor.user_uuid) if actor.user_uuid else None,
        requested_at=now,
        due_at=now + timedelta(days=ttl_days) if owner_approves else None,
        decided_by=None if owner_approves else AGENCY,
        decided_at=None if owner_approves else now,
        updated_at=now,
        clip_count=0,
        custody_seq=0,
    )
    repository.add(session, req)
    window = {"window_start": data.window_start.isoformat(), "window_end": data.window_end.isoformat()}
    append_custody(
        session,
        req,
        CustodyAction.requested,
        actor=actor,
        at=now,
        client_ip=client_ip,
        details={"purpose": data.purpose, **window},
    )
    if not owner_approves:
        append_custody(
            session,
            req,
            CustodyAction.approved,
            actor=actor,
            at=now,
            client_ip=client_ip,
            details={"auto": True, "why": "agency-owned camera"},
        )
    audit_entry(session, actor, "footage.request", req, purpose=data.purpose, state=req.state, **window)
    camera_log(session, req, actor, "footage.request", case_number=data.case_number, **window)
    if camera.owner_user_id is not None:
        notify.enqueue(
            session,
            community.recipient(session, camera.owner_user_id),
            subject=bilingual_subject(
                f"Footage request for your camera {camera.name}", f"Solicitud de video de su cámara {camera.name}"
            ),
            body=_request_body(camera.name, data, req.due_at),
            category="footage_request",
            link=f"/me/footage/requests/{req.id}",
        )
    logger.info("footage request %s for camera %s (%s)", req.id, camera.code, req.state)
    return to_read(req, now=now)


def get_request(session: Session, request_id: uuid.UUID) -> FootageRequestRead:
    """One request with its clips (staff)."""
    req = load(session, request_id)
    return to_read(req, repository.clips_of(session, [req.id]).get(req.id, []))


def request_page(
    session: Session,
    *,
    state: str | None = None,
    case_number: str | None = None,
    camera_id: uuid.UUID | None = None,
    limit: int = 100,
    offset: int = 0,
) -> FootageRequestPage:
    """A page of requests, newest first (staff)."""
    now = utcnow()
    rows, total = repository.list_requests(
        session, now=now, state=state, case_number=case_number, camera_id=camera_id, limit=limit, offset=offset
    )
    clips = repository.clips_of(session, [r.id for r in rows])
    return FootageRequestPage(
        items=[to_read(r, clips.get(r.id, []), now=now) for r in rows], total=total, limit=limit, offset=offset
    )


def owner_requests(session: Session, *, owner: Principal, state: str | None = None) -> list[OwnerRequestRead]:
    """The requests made to the owner's cameras, newest first."""
    owner_id = owner.user_uuid
    if owner_id is None:
        return []
    rows, _total = repository.list_requests(session, now=utcnow(), state=state, owner_user_id=owner_id, limit=500)
    clips = repository.clips_of(session, [r.id for r in rows])
    return [to_owner_read(r, clips.get(r.id, [])) for r in rows]


def get_owner_request(session: Session, request_id: uuid.UUID, *, owner: Principal) -> OwnerRequestRead:
    """One request to the owner's camera; NotFound for anyone else's."""
    req = load_own(session, request_id, owner)
    return to_owner_read(req, repository.clips_of(session, [req.id]).get(req.id, []))


def _transition(
    session: Session,
    req: FootageRequest,
    event: Event,
    *,
    actor: Principal,
    reason: str | None,
    client_ip: str | None,
    now: datetime,
) -> None:
    new = check_event(req.state, req.due_at, event, now)
    old = req.state
    req.state = new.value
    req.updated_at = now
    if event in (Event.approve, Event.decline):
        req.decided_by = actor.audit_name[:128]
        req.decided_at = now
        req.decision_reason = reason
    if event is Event.close:
        req.closed_at = now
    append_custody(
        session,
        req,
        TRANSITION_CUSTODY[event],
        actor=actor,
        at=now,
        client_ip=client_ip,
        details={"from": old, "to": new.value, **({"reason": reason} if reason else {})},
    )
    audit_entry(session, actor, f"footage.{event.value}", req, **{"from": old, "to": new.value})
    camera_log(session, req, actor, f"footage.{event.value}")


def decide(
    session: Session,
    request_id: uuid.UUID,
    event: Event,
    *,
    owner: Principal,
    reason: str | None = None,
    client_ip: str | None = None,
) -> OwnerRequestRead:
    """The owner approves or declines a request to their camera; the requesting staff member is notified."""
    if event not in (Event.approve, Event.decline):
        raise ValueError(f"not an owner decision: {event}")
    req = load_own(session, request_id, owner, for_update=True)
    now = utcnow()
    _transition(session, req, event, actor=owner, reason=reason, client_ip=client_ip, now=now)
    verb = "approved" if event is Event.approve else "declined"
    notify_requester(
        session,
        req,
        f"Footage request {verb} ({req.case_number})",
        f"The owner of camera {req.camera_code} {verb} your request for case {req.case_number}."
        + (f" Reason: {reason}" if reason else ""),
    )
    return to_owner_read(req, repository.clips_of(session, [req.id]).get(req.id, []))


def staff_transition(
    session: Session,
    request_id: uuid.UUID,
    event: Event,
    *,
    actor: Principal,
    reason: str | None = None,
    client_ip: str | None = None,
) -> FootageRequestRead:
    """Staff cancel a request or close a fulfilled one."""
    if event not in (Event.cancel, Event.close):
        raise ValueError(f"not a staff transition: {event}")
    req = load(session, request_id, for_update=True)
    _transition(session, req, event, actor=actor, reason=reason, client_ip=client_ip, now=utcnow())
    return to_read(req, repository.clips_of(session, [req.id]).get(req.id, []))


def expire_overdue(session: Session, *, actor: Principal, now: datetime | None = None) -> int:
    """Mark every unanswered request past its due time expired; returns how many."""
    now = now or utcnow()
    count = 0
    for req in repository.overdue_requests(session, now):
        locked = load(session, req.id, for_update=True)
        if effective_state(locked.state, locked.due_at, now) is not RequestState.expired or locked.state != "requested":
            continue
        _transition(session, locked, Event.expire, actor=actor, reason=None, client_ip=None, now=now)
        notify_requester(
            session,
            locked,
            f"Footage request expired ({locked.case_number})",
            f"The owner of camera {locked.camera_code} did not answer your request for case {locked.case_number}.",
        )
        count += 1
    return count
