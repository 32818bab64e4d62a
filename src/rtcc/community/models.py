"""Tables of the community domain: community profiles (keyed by the ``users`` row), neighborhoods (copied from the
city profile), Neighborhood Watch groups with members and meeting notices, alert subscriptions, public alerts, and
suspicious-activity tips with their status timeline and optional photo. The messages sent to residents are the notify
domain's outbox (``rtcc.notify``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime


class SignupAttempt(Base):
    """One sign-up attempt from a client address, whatever became of it. The per-address limit counts these, not
    the accounts made: a quietly refused sign-up (a taken username or address) must count like a real one, or the
    limit would tell which names were taken (issue 15)."""

    __tablename__ = "community_signup_attempts"
    __table_args__ = (Index("ix_community_signup_attempts_client_ip_at", "client_ip", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommunityProfile(Base):
    """Contact data and preferences of a resident/business account (the login itself is the ``users`` row)."""

    __tablename__ = "community_profiles"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64))  # copy of users.username (login name)
    display_name: Mapped[str] = mapped_column(String(128))  # copy of users.display_name, kept in sync by the portal
    account_type: Mapped[str] = mapped_column(String(16))  # resident | business
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(255))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    neighborhood_code: Mapped[str | None] = mapped_column(String(32))
    email_opt_in: Mapped[bool] = mapped_column(Boolean, default=True)
    sms_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    muted_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # e-mail goes only to verified addresses
    email_verify_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    signup_ip: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Neighborhood(Base):
    """A named area of the city (one polygon ring, GeoJSON (lon, lat) order)."""

    __tablename__ = "community_neighborhoods"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    description: Mapped[str | None] = mapped_column(Text)
    polygon: Mapped[list[list[float]]] = mapped_column(JSON)


class WatchGroup(Base):
    """A Neighborhood Watch group."""

    __tablename__ = "community_watch_groups"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    neighborhood_code: Mapped[str] = mapped_column(ForeignKey("community_neighborhoods.code"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WatchMember(Base):
    """A community account in a watch group; ``role`` is ``captain`` or ``member``."""

    __tablename__ = "community_watch_members"
    __table_args__ = (Index("ix_community_watch_members_group_user", "group_id", "user_id", unique=True),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("community_watch_groups.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WatchNotice(Base):
    """A meeting notice (or other announcement) posted to a watch group and sent to its members."""

    __tablename__ = "community_watch_notices"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("community_watch_groups.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    meeting_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    location: Mapped[str | None] = mapped_column(String(255))
    posted_by: Mapped[str] = mapped_column(String(64))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class Subscription(Base):
    """An alert subscription: an area (neighborhood, or a radius around a point), categories and channels."""

    __tablename__ = "community_subscriptions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    area_kind: Mapped[str] = mapped_column(String(16))  # neighborhood | radius
    neighborhood_code: Mapped[str | None] = mapped_column(String(32))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    radius_m: Mapped[float | None] = mapped_column(Float)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CommunityAlert(Base):
    """A public alert sent to subscribers (and published as CAP 1.2)."""

    __tablename__ = "community_alerts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    category: Mapped[str] = mapped_column(String(32))
    headline: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16))
    certainty: Mapped[str] = mapped_column(String(16))
    area_kind: Mapped[str] = mapped_column(String(16))
    neighborhood_code: Mapped[str | None] = mapped_column(String(32))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    radius_m: Mapped[float | None] = mapped_column(Float)
    area_desc: Mapped[str] = mapped_column(String(255))
    polygon: Mapped[list[list[float]] | None] = mapped_column(JSON)
    sender: Mapped[str] = mapped_column(String(128))
    created_by: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class Tip(Base):
    """A suspicious-activity report from a community account, followed like a service request."""

    __tablename__ = "community_tips"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    reporter_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    category: Mapped[str] = mapped_column(String(32))
    location_text: Mapped[str | None] = mapped_column(String(255))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    description: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    submit_ip: Mapped[str | None] = mapped_column(String(64))
    has_photo: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TipEvent(Base):
    """One step of a tip's timeline. ``note_to_reporter`` is shown to the reporter; ``internal_note`` never is."""

    __tablename__ = "community_tip_events"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tip_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("community_tips.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    note_to_reporter: Mapped[str | None] = mapped_column(Text)
    internal_note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))


class TipPhoto(Base):
    """The optional photo of a tip (type checked by magic bytes, size limited)."""

    __tablename__ = "community_tip_photos"

    tip_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("community_tips.id", ondelete="CASCADE"), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


__all__ = [
    "CommunityAlert",
    "CommunityProfile",
    "Neighborhood",
    "Subscription",
    "Tip",
    "TipEvent",
    "TipPhoto",
    "WatchGroup",
    "WatchMember",
    "WatchNotice",
]
