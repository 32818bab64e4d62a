"""Queries of the notify domain's outbox (never commits): idempotent enqueue (one row, or a whole audience in one
``INSERT ... SELECT``), the portal inbox, lease-based claiming with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the
delivery bookkeeping and the status counts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, String, Uuid, and_, cast, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from rtcc.core.clock import utcnow
from rtcc.core.db import UTCDateTime
from rtcc.notify.models import OutboxMessage
from rtcc.notify.schemas import NO_SMS_PROVIDER, OutboxStatus

#: A SELECT of (user id, subscription id, address) rows: who a message goes to on one channel.
Audience = Select[uuid.UUID, uuid.UUID | None, str | None]

_AUDIENCE_COLUMNS = [
    "id", "dedup_key", "user_id", "alert_id", "subscription_id", "channel", "recipient", "category", "subject",
    "body", "link", "unsubscribe_token", "status", "attempts", "next_attempt_at", "created_at",
]  # fmt: skip


def insert_audience(
    session: Session,
    audience: Audience,
    *,
    key: str,
    channel: str,
    alert_id: uuid.UUID | None,
    category: str,
    subject: str,
    body: str,
    link: str | None,
    now: datetime,
) -> None:
    """Insert one pending row on ``channel`` per row of ``audience`` (a SELECT of user id, subscription id and
    address, in that order) with one ``INSERT ... SELECT``; the dedup key is ``{key}:{user id}:{channel}``, and
    ``ON CONFLICT (dedup_key) DO NOTHING`` makes a repeated account, or a retried enqueue, add nothing."""
    user_id, subscription_id, address = audience.selected_columns
    pg = session.get_bind().dialect.name == "postgresql"
    if pg:
        new_id: Any = func.gen_random_uuid()
        token: Any = func.replace(cast(func.gen_random_uuid(), String), "-", "", type_=String) + func.replace(
            cast(func.gen_random_uuid(), String), "-", ""
        )
    else:
        new_id = func.lower(func.hex(func.randomblob(16)))
        token = func.lower(func.hex(func.randomblob(24)))
    source = audience.with_only_columns(
        new_id,
        literal(f"{key}:") + cast(user_id, String) + literal(f":{channel}"),
        user_id,
        literal(alert_id, Uuid()),
        subscription_id,
        literal(channel),
        address,
        literal(category),
        literal(subject),
        literal(body),
        literal(link, String()),
        token,
        literal(OutboxStatus.pending.value),
        literal(0),
        literal(now, UTCDateTime()),
        literal(now, UTCDateTime()),
        maintain_column_froms=True,
    )
    if pg:
        session.execute(
            postgresql.insert(OutboxMessage)
            .from_select(_AUDIENCE_COLUMNS, source)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
        )
    else:
        session.execute(
            sqlite.insert(OutboxMessage)
            .from_select(_AUDIENCE_COLUMNS, source)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
        )


def insert_outbox(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert outbox rows, skipping any whose ``dedup_key`` is already there (retried fan-out or enqueue)."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        pg_stmt = postgresql.insert(OutboxMessage).on_conflict_do_nothing(index_elements=["dedup_key"])
        session.execute(pg_stmt, rows)
    else:
        lite_stmt = sqlite.insert(OutboxMessage).on_conflict_do_nothing(index_elements=["dedup_key"])
        session.execute(lite_stmt, rows)


def outbox_count_for_alert(session: Session, alert_id: uuid.UUID) -> int:
    return int(session.scalar(select(func.count()).where(OutboxMessage.alert_id == alert_id)) or 0)


def outbox_by_token(session: Session, token: str) -> OutboxMessage | None:
    return session.scalars(select(OutboxMessage).where(OutboxMessage.unsubscribe_token == token)).first()


def inbox(session: Session, user_id: uuid.UUID, *, limit: int) -> list[OutboxMessage]:
    """The account's portal messages, newest first: its inbox rows, and each public alert the outbox has delivered to
    it (by e-mail or SMS) or could not text it for want of an SMS provider, once per alert however many channels
    carried it."""
    M = OutboxMessage
    own = select(M).where(M.user_id == user_id, M.channel == "inbox").order_by(M.created_at.desc()).limit(limit)
    delivered = (
        select(M)
        .where(
            M.user_id == user_id,
            M.channel != "inbox",
            M.alert_id.is_not(None),
            or_(
                M.status == OutboxStatus.sent.value,
                and_(M.status == OutboxStatus.pending.value, M.last_error == NO_SMS_PROVIDER),
            ),
        )
        .order_by(M.created_at.desc(), M.channel)
        .limit(2 * limit)  # at most one row per channel (e-mail, SMS) for each alert
    )
    rows = list(session.scalars(own))
    seen: set[uuid.UUID] = set()
    for row in session.scalars(delivered):
        if row.alert_id is not None and row.alert_id not in seen:
            seen.add(row.alert_id)
            rows.append(row)
    rows.sort(key=lambda r: r.created_at, reverse=True)
    return rows[:limit]


def claim_due(
    session: Session, *, now: datetime, channels: Sequence[str], limit: int, worker: str, lease_s: float
) -> tuple[list[OutboxMessage], datetime]:
    """Lease up to ``limit`` due rows to ``worker``: pending rows whose time has come, and rows whose lease expired.
    Returns the rows and their lease's end, reckoned from when the rows were found (so a slow search for candidates
    does not eat into the lease).

    On PostgreSQL the candidate rows are locked with ``FOR UPDATE SKIP LOCKED`` so that concurrent workers take
    disjoint batches; on SQLite the write unit of work (``BEGIN IMMEDIATE``) makes the claim single-writer.
    """
    due = or_(
        and_(OutboxMessage.status == OutboxStatus.pending.value, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == OutboxStatus.sending.value, OutboxMessage.lease_until < now),
    )
    q = (
        select(OutboxMessage.id)
        .where(OutboxMessage.channel.in_(list(channels)), due)
        .order_by(OutboxMessage.next_attempt_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    ids = list(session.scalars(q))
    lease_until = utcnow() + timedelta(seconds=lease_s)
    if not ids:
        return [], lease_until
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), due)
        .values(
            status=OutboxStatus.sending.value,
            lease_until=lease_until,
            leased_by=worker,
            attempts=OutboxMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    q2 = select(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.leased_by == worker)
    return list(session.scalars(q2.execution_options(populate_existing=True))), lease_until


def _leased_to(ids: Sequence[uuid.UUID], worker: str) -> ColumnElement[bool]:
    """The rows among ``ids`` that ``worker`` still holds: being sent, under its lease."""
    return and_(
        OutboxMessage.id.in_(list(ids)),
        OutboxMessage.leased_by == worker,
        OutboxMessage.status == OutboxStatus.sending.value,
    )


def mark_sent(session: Session, ids: Sequence[uuid.UUID], *, worker: str, now: datetime) -> int:
    """Mark rows this worker still leases as sent; returns how many."""
    if not ids:
        return 0
    result = session.execute(
        update(OutboxMessage)
        .where(_leased_to(ids, worker))
        .values(status=OutboxStatus.sent.value, sent_at=now, lease_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def renew_leases(session: Session, ids: Sequence[uuid.UUID], *, worker: str, lease_until: datetime) -> set[uuid.UUID]:
    """Extend the lease of the rows ``worker`` still holds (status sending, leased to it); returns their ids."""
    if not ids:
        return set()
    held = _leased_to(ids, worker)
    session.execute(
        update(OutboxMessage).where(held).values(lease_until=lease_until).execution_options(synchronize_session=False)
    )
    return set(session.scalars(select(OutboxMessage.id).where(held)))


def release_leases(session: Session, ids: Sequence[uuid.UUID], *, worker: str, now: datetime) -> int:
    """Give rows ``worker`` claimed but did not send back to pending, due now, without counting the attempt."""
    if not ids:
        return 0
    result = session.execute(
        update(OutboxMessage)
        .where(_leased_to(ids, worker))
        .values(
            status=OutboxStatus.pending.value,
            lease_until=None,
            leased_by=None,
            next_attempt_at=now,
            attempts=func.max(OutboxMessage.attempts - 1, 0)
            if session.get_bind().dialect.name == "sqlite"
            else func.greatest(OutboxMessage.attempts - 1, 0),
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _unmarked(channel: str, reason: str) -> ColumnElement[bool]:
    M = OutboxMessage
    return and_(
        M.channel == channel,
        M.status == OutboxStatus.pending.value,
        or_(M.last_error.is_(None), M.last_error != reason),
    )


def has_unmarked(session: Session, channel: str, reason: str) -> bool:
    return session.scalar(select(OutboxMessage.id).where(_unmarked(channel, reason)).limit(1)) is not None


def mark_unsendable(session: Session, channel: str, reason: str) -> int:
    """Record ``reason`` on the pending rows of a channel that cannot send (they stay pending); returns how many."""
    M = OutboxMessage
    result = session.execute(
        update(M)
        .where(_unmarked(channel, reason))
        .values(last_error=reason)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def unsent_reasons(session: Session) -> list[tuple[str, str, int]]:
    """(channel, reason, rows) of pending rows that carry the reason they are not sent."""
    M = OutboxMessage
    q = (
        select(M.channel, M.last_error, func.count())
        .where(M.status == OutboxStatus.pending.value, M.last_error.is_not(None))
        .group_by(M.channel, M.last_error)
    )
    return [(str(c), str(r), int(n)) for c, r, n in session.execute(q).all()]


def sibling_deliveries(session: Session, user_id: uuid.UUID, rows: Sequence[OutboxMessage]) -> list[OutboxMessage]:
    """The e-mail/SMS rows of the same messages as ``rows`` (same alert, or same dedup key) for one account."""
    alert_ids = {r.alert_id for r in rows if r.alert_id is not None}
    prefixes = {r.dedup_key.rsplit(":", 1)[0] for r in rows if r.alert_id is None}
    keys = [f"{p}:{ch}" for p in prefixes for ch in ("email", "sms")]
    M = OutboxMessage
    conds: list[ColumnElement[bool]] = []
    if alert_ids:
        conds.append(M.alert_id.in_(list(alert_ids)))
    if keys:
        conds.append(M.dedup_key.in_(keys))
    if not conds:
        return []
    q = select(M).where(M.user_id == user_id, M.channel != "inbox", or_(*conds))
    return list(session.scalars(q))


def outbox_row(session: Session, message_id: uuid.UUID) -> OutboxMessage | None:
    return session.get(OutboxMessage, message_id)


def outbox_counts(session: Session) -> list[tuple[str, str, int]]:
    q = select(OutboxMessage.channel, OutboxMessage.status, func.count()).group_by(
        OutboxMessage.channel, OutboxMessage.status
    )
    return [(str(c), str(s), int(n)) for c, s, n in session.execute(q).all()]


def oldest_pending(session: Session) -> datetime | None:
    q = select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == OutboxStatus.pending.value)
    value: datetime | None = session.scalar(q)
    return value


def cancel_pending_for_subscription(session: Session, subscription_id: uuid.UUID) -> None:
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.subscription_id == subscription_id,
            OutboxMessage.status == OutboxStatus.pending.value,
        )
        .values(status=OutboxStatus.cancelled.value)
        .execution_options(synchronize_session=False)
    )
