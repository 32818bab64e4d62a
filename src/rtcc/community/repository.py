"""Queries of the community domain (never commits): profiles, neighborhoods, groups, subscriptions, the outbox
(idempotent bulk enqueue, lease-based claiming with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and tips."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, Uuid, and_, cast, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from rtcc.community.logic import NO_SMS_PROVIDER, OutboxStatus
from rtcc.community.models import (
    CommunityAlert,
    CommunityProfile,
    Neighborhood,
    OutboxMessage,
    Subscription,
    Tip,
    TipEvent,
    TipPhoto,
    WatchGroup,
    WatchMember,
    WatchNotice,
)
from rtcc.core.clock import utcnow
from rtcc.core.db import UTCDateTime
from rtcc.core.geo import M_PER_DEG_LAT

# --- profiles --------------------------------------------------------------------------------------------------------


def profile(session: Session, user_id: uuid.UUID) -> CommunityProfile | None:
    return session.get(CommunityProfile, user_id)


def profile_by_email(session: Session, email: str) -> CommunityProfile | None:
    return session.scalars(select(CommunityProfile).where(func.lower(CommunityProfile.email) == email.lower())).first()


def profile_by_username(session: Session, username: str) -> CommunityProfile | None:
    return session.scalars(select(CommunityProfile).where(CommunityProfile.username == username)).first()


def profile_by_verify_token(session: Session, token: str) -> CommunityProfile | None:
    return session.scalars(select(CommunityProfile).where(CommunityProfile.email_verify_token == token)).first()


def signups_from_ip_since(session: Session, ip: str, since: datetime) -> int:
    q = select(func.count()).where(CommunityProfile.signup_ip == ip, CommunityProfile.created_at >= since)
    return int(session.scalar(q) or 0)


# --- neighborhoods ---------------------------------------------------------------------------------------------------


def neighborhoods(session: Session) -> list[Neighborhood]:
    return list(session.scalars(select(Neighborhood).order_by(Neighborhood.code)))


def neighborhood(session: Session, code: str) -> Neighborhood | None:
    return session.get(Neighborhood, code)


# --- watch groups ----------------------------------------------------------------------------------------------------


def groups(session: Session) -> list[WatchGroup]:
    return list(session.scalars(select(WatchGroup).order_by(WatchGroup.name)))


def group(session: Session, group_id: uuid.UUID) -> WatchGroup | None:
    return session.get(WatchGroup, group_id)


def group_by_name(session: Session, name: str) -> WatchGroup | None:
    return session.scalars(select(WatchGroup).where(WatchGroup.name == name)).first()


def members(session: Session, group_id: uuid.UUID) -> list[WatchMember]:
    return list(session.scalars(select(WatchMember).where(WatchMember.group_id == group_id)))


def membership(session: Session, group_id: uuid.UUID, user_id: uuid.UUID) -> WatchMember | None:
    q = select(WatchMember).where(WatchMember.group_id == group_id, WatchMember.user_id == user_id)
    return session.scalars(q).first()


def notices(session: Session, group_id: uuid.UUID) -> list[WatchNotice]:
    q = select(WatchNotice).where(WatchNotice.group_id == group_id).order_by(WatchNotice.posted_at.desc())
    return list(session.scalars(q))


# --- subscriptions ---------------------------------------------------------------------------------------------------


def subscriptions_of(session: Session, user_id: uuid.UUID) -> list[Subscription]:
    q = select(Subscription).where(Subscription.user_id == user_id).order_by(Subscription.created_at)
    return list(session.scalars(q))


@dataclass(frozen=True)
class FanOut:
    """What an alert reaches, in the terms the fan-out query needs (see ``enqueue_alert``)."""

    alert_id: uuid.UUID
    category: str
    subject: str
    body: str
    link: str
    now: datetime
    #: neighborhood subscriptions in these neighborhoods are reached
    neighborhoods: frozenset[str]
    #: a circle alert: (lat, lon, radius_m); radius subscriptions whose circle overlaps it are reached
    circle: tuple[float, float, float] | None
    #: a neighborhood alert: its code (radius subscriptions centred in it are reached) and its vertices (lat, lon)
    #: (radius subscriptions with a vertex inside their circle are reached)
    polygon_code: str | None
    vertices: tuple[tuple[float, float], ...]


def _within_m(lat: Any, lon: Any, lat0: float, lon0: float, radius: Any) -> ColumnElement[bool]:
    """Portable SQL test: the point (``lat``, ``lon``) lies within ``radius`` metres of (lat0, lon0) (equirectangular
    approximation, accurate to well under a metre at city scale)."""
    kx = M_PER_DEG_LAT * math.cos(math.radians(lat0))
    dx = (lon - lon0) * kx
    dy = (lat - lat0) * M_PER_DEG_LAT
    within: ColumnElement[bool] = dx * dx + dy * dy <= radius * radius
    return within


def enqueue_alert(session: Session, spec: FanOut) -> None:
    """Fan an alert out into the outbox with one ``INSERT ... SELECT`` per channel: every active subscription of the
    category that the area reaches, one row per account and channel (``ON CONFLICT (dedup_key) DO NOTHING`` makes a
    second subscription of the same account, and a retried fan-out, add nothing)."""
    S, Pr = Subscription, CommunityProfile
    pg = session.get_bind().dialect.name == "postgresql"
    if pg:
        new_id: Any = func.gen_random_uuid()
        token: Any = func.replace(cast(func.gen_random_uuid(), String), "-", "", type_=String) + func.replace(
            cast(func.gen_random_uuid(), String), "-", ""
        )
    else:
        new_id = func.lower(func.hex(func.randomblob(16)))
        token = func.lower(func.hex(func.randomblob(24)))
    reach = []
    if spec.neighborhoods:
        reach.append(and_(S.area_kind == "neighborhood", S.neighborhood_code.in_(sorted(spec.neighborhoods))))
    radius_reach = []
    if spec.circle is not None:
        lat0, lon0, r0 = spec.circle
        radius_reach.append(_within_m(S.lat, S.lon, lat0, lon0, S.radius_m + r0))
    if spec.polygon_code is not None:
        radius_reach.append(S.neighborhood_code == spec.polygon_code)
        radius_reach.extend(_within_m(S.lat, S.lon, vlat, vlon, S.radius_m) for vlat, vlon in spec.vertices)
    if radius_reach:
        reach.append(and_(S.area_kind == "radius", S.lat.is_not(None), S.lon.is_not(None), or_(*radius_reach)))
    if not reach:
        return
    columns = [
        "id", "dedup_key", "user_id", "alert_id", "subscription_id", "channel", "recipient", "category", "subject",
        "body", "link", "unsubscribe_token", "status", "attempts", "next_attempt_at", "created_at",
    ]  # fmt: skip
    email_ok = and_(Pr.email_opt_in.is_(True), Pr.email_verified_at.is_not(None))
    for channel, address, opted in (("email", Pr.email, email_ok), ("sms", Pr.phone, Pr.sms_opt_in.is_(True))):
        source = (
            select(
                new_id,
                literal(f"alert:{spec.alert_id}:") + cast(S.user_id, String) + literal(f":{channel}"),
                S.user_id,
                literal(spec.alert_id, Uuid()),
                S.id,
                literal(channel),
                address,
                literal(spec.category),
                literal(spec.subject),
                literal(spec.body),
                literal(spec.link),
                token,
                literal(OutboxStatus.pending.value),
                literal(0),
                literal(spec.now, UTCDateTime()),
                literal(spec.now, UTCDateTime()),
            )
            .join(Pr, Pr.user_id == S.user_id)
            .where(
                S.active.is_(True),
                cast(S.categories, String).like(f'%"{spec.category}"%'),
                cast(S.channels, String).like(f'%"{channel}"%'),
                opted,
                address.is_not(None),
                or_(*reach),
            )
        )
        if pg:
            session.execute(
                postgresql.insert(OutboxMessage)
                .from_select(columns, source)
                .on_conflict_do_nothing(index_elements=["dedup_key"])
            )
        else:
            session.execute(
                sqlite.insert(OutboxMessage)
                .from_select(columns, source)
                .on_conflict_do_nothing(index_elements=["dedup_key"])
            )


# --- alerts ----------------------------------------------------------------------------------------------------------


def alerts(session: Session, *, limit: int) -> list[CommunityAlert]:
    q = select(CommunityAlert).order_by(CommunityAlert.sent_at.desc()).limit(limit)
    return list(session.scalars(q))


# --- outbox ----------------------------------------------------------------------------------------------------------


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


def mark_sent(session: Session, ids: Sequence[uuid.UUID], *, worker: str, now: datetime) -> int:
    """Mark rows this worker still leases as sent; returns how many."""
    if not ids:
        return 0
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(list(ids)),
            OutboxMessage.leased_by == worker,
            OutboxMessage.status == OutboxStatus.sending.value,
        )
        .values(status=OutboxStatus.sent.value, sent_at=now, lease_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def renew_leases(session: Session, ids: Sequence[uuid.UUID], *, worker: str, lease_until: datetime) -> set[uuid.UUID]:
    """Extend the lease of the rows ``worker`` still holds (status sending, leased to it); returns their ids."""
    if not ids:
        return set()
    held = and_(
        OutboxMessage.id.in_(list(ids)),
        OutboxMessage.leased_by == worker,
        OutboxMessage.status == OutboxStatus.sending.value,
    )
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
        .where(
            OutboxMessage.id.in_(list(ids)),
            OutboxMessage.leased_by == worker,
            OutboxMessage.status == OutboxStatus.sending.value,
        )
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


# --- tips ------------------------------------------------------------------------------------------------------------


def tips_by_user_since(session: Session, user_id: uuid.UUID, since: datetime) -> int:
    q = select(func.count()).where(Tip.reporter_user_id == user_id, Tip.submitted_at >= since)
    return int(session.scalar(q) or 0)


def tips_by_ip_since(session: Session, ip: str, since: datetime) -> int:
    return int(session.scalar(select(func.count()).where(Tip.submit_ip == ip, Tip.submitted_at >= since)) or 0)


def oldest_tip_since(
    session: Session, *, user_id: uuid.UUID | None, ip: str | None, since: datetime
) -> datetime | None:
    q = select(func.min(Tip.submitted_at)).where(Tip.submitted_at >= since)
    q = q.where(Tip.reporter_user_id == user_id) if user_id is not None else q.where(Tip.submit_ip == ip)
    value: datetime | None = session.scalar(q)
    return value


def tip_with_text_since(session: Session, text_hash: str, since: datetime) -> Tip | None:
    return session.scalars(select(Tip).where(Tip.text_hash == text_hash, Tip.submitted_at >= since)).first()


def tip(session: Session, tip_id: uuid.UUID) -> Tip | None:
    return session.get(Tip, tip_id)


def tips_of(session: Session, user_id: uuid.UUID) -> list[Tip]:
    q = select(Tip).where(Tip.reporter_user_id == user_id).order_by(Tip.submitted_at.desc())
    return list(session.scalars(q))


def tips_page(session: Session, *, status: str | None, limit: int, offset: int) -> tuple[list[Tip], int]:
    q = select(Tip)
    c = select(func.count()).select_from(Tip)
    if status:
        q = q.where(Tip.status == status)
        c = c.where(Tip.status == status)
    items = list(session.scalars(q.order_by(Tip.submitted_at.desc()).limit(limit).offset(offset)))
    return items, int(session.scalar(c) or 0)


def tip_events(session: Session, tip_id: uuid.UUID) -> list[TipEvent]:
    q = select(TipEvent).where(TipEvent.tip_id == tip_id).order_by(TipEvent.at, TipEvent.id)
    return list(session.scalars(q))


def tip_photo(session: Session, tip_id: uuid.UUID) -> TipPhoto | None:
    return session.get(TipPhoto, tip_id)


def tip_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Tip)) or 0)
