"""Queries of the community domain (never commits): profiles, neighborhoods, groups, subscriptions and who a public
alert reaches (the audience the notify domain's outbox fans the alert out to), public alerts, and tips."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, cast, delete, func, or_, select
from sqlalchemy.orm import Session

from rtcc.community.models import (
    CommunityAlert,
    CommunityProfile,
    Neighborhood,
    SignupAttempt,
    Subscription,
    Tip,
    TipEvent,
    TipPhoto,
    WatchGroup,
    WatchMember,
    WatchNotice,
)
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


def signup_attempts_since(session: Session, ip: str, since: datetime) -> int:
    """Sign-up attempts from ``ip`` since ``since`` (accounts made or not)."""
    q = select(func.count()).where(SignupAttempt.client_ip == ip, SignupAttempt.at >= since)
    return int(session.scalar(q) or 0)


def add_signup_attempt(session: Session, ip: str, at: datetime, *, keep_since: datetime) -> None:
    """Count one sign-up attempt from ``ip``; attempts older than ``keep_since`` are dropped (the limit no longer
    reads them)."""
    session.execute(delete(SignupAttempt).where(SignupAttempt.at < keep_since))
    session.add(SignupAttempt(client_ip=ip[:64], at=at))


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
class Reach:
    """What an alert reaches, in the terms the audience query needs (see ``alert_audience``)."""

    category: str
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


def alert_audience(reach: Reach) -> dict[str, Select[uuid.UUID, uuid.UUID, str | None]]:
    """Per channel (e-mail, SMS), the SELECT of (user id, subscription id, address) of every active subscription of
    the category on that channel whose area the alert reaches, for accounts that take the channel (e-mail: opted in
    and confirmed; SMS: opted in) and have the address; the notify domain inserts it into the outbox in one
    ``INSERT ... SELECT``. Empty when the alert reaches no area."""
    S, Pr = Subscription, CommunityProfile
    areas = []
    if reach.neighborhoods:
        areas.append(and_(S.area_kind == "neighborhood", S.neighborhood_code.in_(sorted(reach.neighborhoods))))
    radius_reach = []
    if reach.circle is not None:
        lat0, lon0, r0 = reach.circle
        radius_reach.append(_within_m(S.lat, S.lon, lat0, lon0, S.radius_m + r0))
    if reach.polygon_code is not None:
        radius_reach.append(S.neighborhood_code == reach.polygon_code)
        radius_reach.extend(_within_m(S.lat, S.lon, vlat, vlon, S.radius_m) for vlat, vlon in reach.vertices)
    if radius_reach:
        areas.append(and_(S.area_kind == "radius", S.lat.is_not(None), S.lon.is_not(None), or_(*radius_reach)))
    if not areas:
        return {}
    email_ok = and_(Pr.email_opt_in.is_(True), Pr.email_verified_at.is_not(None))
    out: dict[str, Select[uuid.UUID, uuid.UUID, str | None]] = {}
    for channel, address, opted in (("email", Pr.email, email_ok), ("sms", Pr.phone, Pr.sms_opt_in.is_(True))):
        out[channel] = (
            select(S.user_id, S.id, address)
            .join(Pr, Pr.user_id == S.user_id)
            .where(
                S.active.is_(True),
                cast(S.categories, String).like(f'%"{reach.category}"%'),
                cast(S.channels, String).like(f'%"{channel}"%'),
                opted,
                address.is_not(None),
                or_(*areas),
            )
        )
    return out


# --- alerts ----------------------------------------------------------------------------------------------------------


def alerts(session: Session, *, limit: int) -> list[CommunityAlert]:
    q = select(CommunityAlert).order_by(CommunityAlert.sent_at.desc()).limit(limit)
    return list(session.scalars(q))


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
