"""Tables of the alerts domain: alerts and their audited state transitions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime


class Alert(Base):
    """An alert. For hits, ``dedup_key`` (entry:camera) is set while the alert is open so repeats update it."""

    __tablename__ = "alerts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(24))  # hit | camera_offline
    state: Mapped[str] = mapped_column(String(16), default="new")
    priority: Mapped[int] = mapped_column(Integer, default=3)
    title: Mapped[str] = mapped_column(String(255))
    camera_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    hotlist_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    entry_id: Mapped[int | None] = mapped_column(Integer)
    read_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # first read
    last_read_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    plate_read: Mapped[str | None] = mapped_column(String(16))
    plate_listed: Mapped[str | None] = mapped_column(String(16))
    match_kind: Mapped[str | None] = mapped_column(String(8))
    diff_positions: Mapped[list[int]] = mapped_column(JSON, default=list)
    read_count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    dedup_key: Mapped[str | None] = mapped_column(String(96), unique=True)
    checklist: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reject_reason: Mapped[str | None] = mapped_column(String(32))
    dispatched_to: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_alerts_state_created", "state", "created_at"),)


class AlertTransition(Base):
    """One lifecycle step of an alert, by a named user (or 'system'), timestamped."""

    __tablename__ = "alert_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
