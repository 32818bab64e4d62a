"""Tables of the rebates domain: the program (one row: the budget), applications, and each application's timeline.

Money is integer cents. ``household_claim`` holds the normalised address key while an application claims its
household (submitted, eligible, waitlisted, approved, paid) and is NULL otherwise; its unique constraint makes
"one rebate per household" hold even when two applications are submitted at the same moment (NULLs never collide,
on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Float, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime


class RebateProgram(Base):
    """The program's budget: ``committed`` is approved but unpaid, ``paid`` paid out; available = total - both."""

    __tablename__ = "rebate_program"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    total_cents: Mapped[int] = mapped_column(BigInteger)
    committed_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(64))


class RebateApplication(Base):
    """One household's application for a camera rebate, from draft to payment."""

    __tablename__ = "rebate_applications"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(16))  # rebates.logic.Status
    address: Mapped[str] = mapped_column(String(255))
    address_key: Mapped[str] = mapped_column(String(255))
    household_claim: Mapped[str | None] = mapped_column(String(255), unique=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    neighborhood: Mapped[str | None] = mapped_column(String(128))
    camera_id: Mapped[uuid.UUID] = mapped_column(Uuid)  # a camera of the registry (cameras domain)
    retailer: Mapped[str] = mapped_column(String(128))
    purchase_date: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Integer)
    rebate_cents: Mapped[int] = mapped_column(Integer)
    proof_path: Mapped[str | None] = mapped_column(String(512))  # relative to data_dir
    proof_sha256: Mapped[str | None] = mapped_column(String(64))
    proof_content_type: Mapped[str | None] = mapped_column(String(32))
    proof_size: Mapped[int | None] = mapped_column(Integer)
    proof_filename: Mapped[str | None] = mapped_column(String(255))
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    payment_reference: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_rebate_applications_applicant", "applicant_id"),
        Index("ix_rebate_applications_status_submitted", "status", "submitted_at"),
        Index("ix_rebate_applications_address_key", "address_key"),
    )


class RebateEvent(Base):
    """One step of an application's timeline (status reached, by whom, with a note)."""

    __tablename__ = "rebate_events"
    __table_args__ = (
        Index("ix_rebate_events_application", "application_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rebate_applications.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
