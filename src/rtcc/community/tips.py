"""Suspicious-activity tips: submission by community accounts (rate-limited per account and per client address,
spam rules, duplicate text, optional photo checked by magic bytes), the reporter's view with its status timeline,
and the staff triage queue (audited; internal notes never reach the reporter; anonymous tips hide the reporter).

Like every community use case, functions take ``session`` and never commit; the reporter hears of status changes
through the notify domain's outbox.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.community import logic, repository
from rtcc.community.accounts import RateLimited, own_profile, recipient, require_community, user_id_of
from rtcc.community.logic import TipStatus
from rtcc.community.models import Tip, TipEvent, TipPhoto
from rtcc.community.schemas import TipCreate, TipEventRead, TipRead, TipStaffEventRead, TipStaffRead, TriageRequest
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound, ValidationFailed, field_error
from rtcc.identity.logic import Principal
from rtcc.notify import service as notify


@dataclass(frozen=True)
class TipLimits:
    per_hour: int
    per_ip_hour: int
    min_chars: int
    max_links: int
    photo_max_bytes: int
    duplicate_days: int


def _retry_after(oldest: datetime | None, now: datetime) -> int:
    if oldest is None:
        return 60
    return int((oldest + timedelta(hours=1) - now).total_seconds()) + 1


def submit_tip(
    session: Session,
    principal: Principal,
    data: TipCreate,
    *,
    photo: bytes | None,
    client_ip: str | None,
    limits: TipLimits,
) -> TipRead:
    """File a suspicious-activity report (rate-limited, spam-checked; optional photo checked by magic bytes)."""
    me = own_profile(session, principal).user_id
    now = utcnow()
    hour_ago = now - timedelta(hours=1)
    if repository.tips_by_user_since(session, me, hour_ago) >= limits.per_hour:
        oldest = repository.oldest_tip_since(session, user_id=me, ip=None, since=hour_ago)
        raise RateLimited("too many tips this hour; try again later", retry_after_s=_retry_after(oldest, now))
    if client_ip and repository.tips_by_ip_since(session, client_ip, hour_ago) >= limits.per_ip_hour:
        oldest = repository.oldest_tip_since(session, user_id=None, ip=client_ip, since=hour_ago)
        raise RateLimited("too many tips from this address; try again later", retry_after_s=_retry_after(oldest, now))
    errors = logic.spam_problems(
        data.description, honeypot=data.website, min_chars=limits.min_chars, max_links=limits.max_links
    )
    if data.occurred_at > now + timedelta(minutes=5):
        errors.append(field_error("occurred_at", "is in the future"))
    content_type = None
    if photo is not None:
        content_type = logic.photo_type(photo)
        if len(photo) > limits.photo_max_bytes:
            errors.append(field_error("photo", f"larger than {limits.photo_max_bytes} bytes"))
        elif content_type is None:
            errors.append(field_error("photo", "not a JPEG, PNG or WebP image"))
    if errors:
        raise ValidationFailed("tip refused: " + "; ".join(f"{e['loc']}: {e['msg']}" for e in errors), errors=errors)
    text_hash = logic.normalised_text_hash(data.description)
    if repository.tip_with_text_since(session, text_hash, now - timedelta(days=limits.duplicate_days)) is not None:
        raise Conflict("the same report was submitted already; follow that one instead")
    tip = Tip(
        reference=f"T-{secrets.token_hex(4).upper()}",
        reporter_user_id=me,
        anonymous=data.anonymous,
        category=data.category.value,
        location_text=data.location_text,
        lat=data.lat,
        lon=data.lon,
        occurred_at=data.occurred_at,
        description=data.description.strip(),
        text_hash=text_hash,
        status=TipStatus.received.value,
        submit_ip=client_ip,
        has_photo=photo is not None,
        submitted_at=now,
        updated_at=now,
    )
    session.add(tip)
    session.flush()
    session.add(
        TipEvent(
            tip_id=tip.id,
            at=now,
            status=tip.status,
            note_to_reporter="Thank you; we received it.",
            internal_note=None,
            actor="system",
        )
    )
    if photo is not None and content_type is not None:
        session.add(
            TipPhoto(
                tip_id=tip.id,
                content_type=content_type,
                size=len(photo),
                sha256=hashlib.sha256(photo).hexdigest(),
                data=photo,
            )
        )
    session.flush()
    return _tip_read(session, tip)


def _tip_read(session: Session, tip: Tip) -> TipRead:
    return TipRead(
        id=tip.id,
        reference=tip.reference,
        category=tip.category,
        status=tip.status,
        description=tip.description,
        occurred_at=tip.occurred_at,
        location_text=tip.location_text,
        lat=tip.lat,
        lon=tip.lon,
        anonymous=tip.anonymous,
        has_photo=tip.has_photo,
        submitted_at=tip.submitted_at,
        updated_at=tip.updated_at,
        timeline=[
            TipEventRead(at=e.at, status=e.status, note=e.note_to_reporter)
            for e in repository.tip_events(session, tip.id)
        ],
    )


def my_tips(session: Session, principal: Principal) -> list[TipRead]:
    """The caller's own tips, newest first."""
    return [_tip_read(session, t) for t in repository.tips_of(session, require_community(principal))]


def my_tip(session: Session, principal: Principal, tip_id: uuid.UUID) -> TipRead:
    """One of the caller's tips with its timeline (another account's tip answers 404)."""
    tip = repository.tip(session, tip_id)
    if tip is None or tip.reporter_user_id != require_community(principal):
        raise NotFound(f"tip {tip_id} not found")
    return _tip_read(session, tip)


def _staff_read(session: Session, tip: Tip) -> TipStaffRead:
    reporter = contact = None
    if not tip.anonymous:
        prof = repository.profile(session, tip.reporter_user_id)
        reporter = prof.display_name if prof else None
        contact = prof.email if prof else None
    return TipStaffRead(
        id=tip.id,
        reference=tip.reference,
        category=tip.category,
        status=tip.status,
        description=tip.description,
        occurred_at=tip.occurred_at,
        location_text=tip.location_text,
        lat=tip.lat,
        lon=tip.lon,
        anonymous=tip.anonymous,
        reporter=reporter,
        reporter_contact=contact,
        has_photo=tip.has_photo,
        submitted_at=tip.submitted_at,
        updated_at=tip.updated_at,
        timeline=[
            TipStaffEventRead(
                at=e.at,
                status=e.status,
                note_to_reporter=e.note_to_reporter,
                internal_note=e.internal_note,
                actor=e.actor,
            )
            for e in repository.tip_events(session, tip.id)
        ],
    )


def triage_queue(session: Session, *, status: str | None, limit: int, offset: int) -> tuple[list[TipStaffRead], int]:
    """Tips for staff triage, newest first; anonymous tips show no reporter."""
    tips, total = repository.tips_page(session, status=status, limit=limit, offset=offset)
    return [_staff_read(session, t) for t in tips], total


def staff_tip(session: Session, tip_id: uuid.UUID) -> TipStaffRead:
    """One tip, staff view."""
    tip = repository.tip(session, tip_id)
    if tip is None:
        raise NotFound(f"tip {tip_id} not found")
    return _staff_read(session, tip)


def triage(session: Session, tip_id: uuid.UUID, data: TriageRequest, *, actor: Principal) -> TipStaffRead:
    """Move a tip through the queue with a note to the reporter and/or an internal note (audited; reporter told)."""
    tip = repository.tip(session, tip_id)
    if tip is None:
        raise NotFound(f"tip {tip_id} not found")
    now = utcnow()
    before = tip.status
    tip.status = data.status.value
    tip.updated_at = now
    session.add(
        TipEvent(
            tip_id=tip.id,
            at=now,
            status=tip.status,
            note_to_reporter=data.note_to_reporter,
            internal_note=data.internal_note,
            actor=actor.audit_name,
        )
    )
    session.flush()
    audit.record_for(
        session,
        actor,
        "community.tip.triage",
        target_type="tip",
        target_id=str(tip.id),
        details={"from": before, "to": tip.status, "note_to_reporter": bool(data.note_to_reporter)},
    )
    if before != tip.status or data.note_to_reporter:
        text = f"Your report {tip.reference} is now '{tip.status}'."
        if data.note_to_reporter:
            text += f"\n\n{data.note_to_reporter}"
        notify.enqueue(
            session,
            recipient(session, tip.reporter_user_id),
            subject=f"Update on your report {tip.reference}",
            body=text,
            category="tip_update",
            link=f"/api/v1/community/tips/{tip.id}",
        )
    return _staff_read(session, tip)


def tip_photo(session: Session, tip_id: uuid.UUID, *, principal: Principal) -> TipPhoto:
    """A tip's photo: for staff, or for the reporter of that tip."""
    tip = repository.tip(session, tip_id)
    if tip is None or (principal.is_community and tip.reporter_user_id != user_id_of(principal)):
        raise NotFound(f"tip {tip_id} not found")
    photo = repository.tip_photo(session, tip_id)
    if photo is None:
        raise NotFound(f"tip {tip_id} has no photo")
    return photo
