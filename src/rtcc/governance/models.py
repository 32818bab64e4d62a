"""Tables of the governance domain: the purpose codes in force, per-user duty schedules, the agencies we share with
and every sharing request they made, and the misuse flags of the auditor queue.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime


class PurposeCode(Base):
    """A purpose code. Empty table = the packaged defaults; the first admin edit copies them here."""

    __tablename__ = "governance_purposes"

    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    label: Mapped[str] = mapped_column(String(128))
    requires_case: Mapped[bool] = mapped_column(Boolean, default=True)
    allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # retired codes stay for the history
    # how far / how long an area search may reach without a case on record (null: never without one)
    case_free_radius_m: Mapped[float | None] = mapped_column(Float)
    case_free_window_h: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(128))


class DutySchedule(Base):
    """When a user is on duty: local weekdays (0 = Monday) and a daily window in minutes; end < start = overnight."""

    __tablename__ = "governance_duty_schedules"

    actor: Mapped[str] = mapped_column(String(128), primary_key=True)  # the name the audit log records
    weekdays: Mapped[list[int]] = mapped_column(JSON, default=list)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(128))


class SharingAgency(Base):
    """An agency we share with: the data classes and purposes it may ask for. Absent or inactive = denied."""

    __tablename__ = "sharing_agencies"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    data_classes: Mapped[list[str]] = mapped_column(JSON, default=list)
    purposes: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    contact: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SharingRequest(Base):
    """One request from another agency and the policy's decision on it (allowed or denied, always kept)."""

    __tablename__ = "sharing_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    agency_code: Mapped[str] = mapped_column(String(64), index=True)
    requested_by: Mapped[str] = mapped_column(String(128))
    data_class: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(48))
    case_number: Mapped[str | None] = mapped_column(String(64))
    query: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    decision: Mapped[str] = mapped_column(String(8))  # allow | deny
    reason: Mapped[str] = mapped_column(String(255))
    result_count: Mapped[int | None] = mapped_column(Integer)


class MisuseFlag(Base):
    """A possible misuse found in the audit log, with its evidence; one per detector, subject and window."""

    __tablename__ = "misuse_flags"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    detector: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(160))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    dedup_key: Mapped[str] = mapped_column(String(255), unique=True)
    severity: Mapped[str] = mapped_column(String(8))  # low | medium | high
    summary: Mapped[str] = mapped_column(String(255))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | resolved
    disposition: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(128))

    __table_args__ = (Index("ix_misuse_flags_status_created", "status", "created_at"),)
