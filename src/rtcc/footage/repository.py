"""Queries of the footage domain (never commits): requests (locked for update when they change, so that custody
entries of one request are appended one at a time), their clips, and the custody log."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from rtcc.footage.logic import RequestState
from rtcc.footage.models import CustodyEntry, FootageClip, FootageRequest


def get_request(session: Session, request_id: uuid.UUID, *, for_update: bool = False) -> FootageRequest | None:
    """One request (locked ``FOR UPDATE`` on PostgreSQL when asked; SQLite write transactions are exclusive)."""
    stmt = select(FootageRequest).where(FootageRequest.id == request_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalars(stmt).first()


def _state_filter(state: str, now: datetime) -> ColumnElement[bool]:
    """Requests whose state as of ``now`` is ``state`` (an unanswered request past its due time is expired)."""
    overdue = and_(
        FootageRequest.state == RequestState.requested.value,
        FootageRequest.due_at.is_not(None),
        FootageRequest.due_at <= now,
    )
    if state == RequestState.expired.value:
        return or_(FootageRequest.state == state, overdue)
    if state == RequestState.requested.value:
        return and_(FootageRequest.state == state, ~overdue)
    return FootageRequest.state == state


def list_requests(
    session: Session,
    *,
    now: datetime,
    state: str | None = None,
    case_number: str | None = None,
    camera_id: uuid.UUID | None = None,
    owner_user_id: uuid.UUID | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[FootageRequest], int]:
    """A page of requests, newest first, and the total matching."""
    conds: list[ColumnElement[bool]] = []
    if state:
        conds.append(_state_filter(state, now))
    if case_number:
        conds.append(FootageRequest.case_number == case_number)
    if camera_id:
        conds.append(FootageRequest.camera_id == camera_id)
    if owner_user_id:
        conds.append(FootageRequest.owner_user_id == owner_user_id)
    total = session.scalar(select(func.count()).select_from(FootageRequest).where(*conds)) or 0
    rows = session.scalars(
        select(FootageRequest)
        .where(*conds)
        .order_by(FootageRequest.requested_at.desc(), FootageRequest.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), int(total)


def overdue_requests(session: Session, now: datetime) -> list[FootageRequest]:
    """Unanswered requests past their due time whose state still reads ``requested``."""
    stmt = select(FootageRequest).where(
        FootageRequest.state == RequestState.requested.value,
        FootageRequest.due_at.is_not(None),
        FootageRequest.due_at <= now,
    )
    return list(session.scalars(stmt.order_by(FootageRequest.due_at)).all())


def clips_of(session: Session, request_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[FootageClip]]:
    """The clips of these requests, in upload order."""
    ids = sorted(set(request_ids))
    out: dict[uuid.UUID, list[FootageClip]] = defaultdict(list)
    if not ids:
        return out
    stmt = select(FootageClip).where(FootageClip.request_id.in_(ids)).order_by(FootageClip.uploaded_at, FootageClip.id)
    for clip in session.scalars(stmt):
        out[clip.request_id].append(clip)
    return out


def get_clip(session: Session, clip_id: uuid.UUID) -> FootageClip | None:
    """One clip."""
    return session.get(FootageClip, clip_id)


def clip_with_hash(session: Session, request_id: uuid.UUID, sha256: str) -> FootageClip | None:
    """The clip of a request with this content, if it was uploaded before."""
    stmt = select(FootageClip).where(FootageClip.request_id == request_id, FootageClip.sha256 == sha256)
    return session.scalars(stmt).first()


def hash_referenced(session: Session, sha256: str) -> bool:
    """True when any clip row refers to this content (its file must stay)."""
    return session.scalar(select(FootageClip.id).where(FootageClip.sha256 == sha256).limit(1)) is not None


def recordings_of(session: Session, kind: str, ref: str) -> list[FootageRequest]:
    """The agency recordings of one record (``source``, ``source_ref``), oldest first."""
    stmt = select(FootageRequest).where(FootageRequest.source == kind, FootageRequest.source_ref == ref)
    return list(session.scalars(stmt.order_by(FootageRequest.requested_at, FootageRequest.id)).all())


def recordings_due(session: Session, now: datetime, *, kind: str | None, limit: int) -> list[FootageRequest]:
    """Recordings past their retention that no case holds and that are not purged yet, oldest deadline first."""
    conds: list[ColumnElement[bool]] = [
        FootageRequest.purged_at.is_(None),
        FootageRequest.retain_until.is_not(None),
        FootageRequest.retain_until <= now,
        FootageRequest.case_number.is_(None),
        FootageRequest.source != "camera",
    ]
    if kind:
        conds.append(FootageRequest.source == kind)
    stmt = select(FootageRequest).where(*conds).order_by(FootageRequest.retain_until).limit(limit)
    return list(session.scalars(stmt).all())


def content_kept_elsewhere(session: Session, sha256: str, request_id: uuid.UUID) -> bool:
    """True when a clip of another item that is not purged holds this content (its file must stay)."""
    stmt = (
        select(FootageClip.id)
        .join(FootageRequest, FootageRequest.id == FootageClip.request_id)
        .where(FootageClip.sha256 == sha256, FootageClip.request_id != request_id, FootageRequest.purged_at.is_(None))
        .limit(1)
    )
    return session.scalar(stmt) is not None


def custody_of(session: Session, request_id: uuid.UUID) -> list[CustodyEntry]:
    """A request's custody entries in order."""
    stmt = select(CustodyEntry).where(CustodyEntry.request_id == request_id).order_by(CustodyEntry.seq)
    return list(session.scalars(stmt).all())


def add(session: Session, row: FootageRequest | FootageClip | CustodyEntry) -> None:
    """Stage a new row and flush it (constraint errors surface here, before any file is moved)."""
    session.add(row)
    session.flush()
