"""Tables of the oversight domain: the per-call interval table behind the KPI screens, its refresh marks, the
contract versions and the stored monthly council reports.

``oversight_call_intervals`` holds one row per call (live calls once closed, imported history calls as imported):
its grouping keys (priority, call type, shift, reporting district, unit type, month, all in the city's time; and
its division, which a division-scoped request is limited to) and
its six intervals in whole seconds, NULL where not applicable (self-initiated calls carry no dispatch latency) or not
computable (a step missing or out of order; the two flags say which). ``(origin, call_ref)`` is unique, so a refresh
replaces a reopened call's row. The KPI screen reads three columns of it per request; nothing joins at read time.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime


class CallInterval(Base):
    """One call's grouping keys and intervals (see the module docstring)."""

    __tablename__ = "oversight_call_intervals"
    __table_args__ = (
        UniqueConstraint("origin", "call_ref", name="uq_oversight_call_intervals_origin_call_ref"),
        Index("ix_oversight_call_intervals_received", "received_s"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    origin: Mapped[str] = mapped_column(String(48))  # "live" or the history's origin ("cad:<layout>")
    call_ref: Mapped[str] = mapped_column(String(64))  # the live call's id, or the history row's id
    received_s: Mapped[int] = mapped_column(BigInteger)  # epoch seconds
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM, city time
    priority: Mapped[str] = mapped_column(String(32))
    call_type: Mapped[str] = mapped_column(String(128))
    shift: Mapped[str] = mapped_column(String(32))
    district: Mapped[str] = mapped_column(String(32))
    unit_type: Mapped[str] = mapped_column(String(32))
    # the city profile's division of the call (a live call's own; a history call's beat's, else its point's)
    division: Mapped[str] = mapped_column(String(32), server_default="unknown")
    self_initiated: Mapped[bool] = mapped_column(Boolean)
    processing_s: Mapped[int | None] = mapped_column(Integer)
    queue_s: Mapped[int | None] = mapped_column(Integer)
    turnout_s: Mapped[int | None] = mapped_column(Integer)
    travel_s: Mapped[int | None] = mapped_column(Integer)
    response_s: Mapped[int | None] = mapped_column(Integer)
    on_scene_s: Mapped[int | None] = mapped_column(Integer)
    missing: Mapped[bool] = mapped_column(Boolean)
    out_of_order: Mapped[bool] = mapped_column(Boolean)


class RefreshMark(Base):
    """How far the interval table has read a source: the last history id, the last live call update."""

    __tablename__ = "oversight_refresh_marks"

    source: Mapped[str] = mapped_column(String(16), primary_key=True)  # "live" | "history"
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    last_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ContractVersion(Base):
    """One version of the City-Sheriff contract, in force from ``effective_from`` until a later version."""

    __tablename__ = "oversight_contracts"
    __table_args__ = (
        UniqueConstraint("effective_from", name="uq_oversight_contracts_effective_from"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    effective_from: Mapped[date] = mapped_column(Date)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    terms: Mapped[dict[str, Any]] = mapped_column(JSON)  # the validated document (schemas.ContractTerms)
    source: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CouncilReport(Base):
    """A monthly council report as filed: the HTML, the PDF, the CSV annex and the figures they show."""

    __tablename__ = "oversight_reports"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    month: Mapped[str] = mapped_column(String(7), unique=True)
    html: Mapped[str] = mapped_column(Text)
    csv: Mapped[str] = mapped_column(Text)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    generated_by: Mapped[str] = mapped_column(String(64))
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ColumnChunk(Base):
    """One range of ``CHUNK`` interval-table ids packed as numpy columns (``rtcc.oversight.chunks``): derived data
    the KPI screen's first request reads instead of the rows."""

    __tablename__ = "oversight_column_chunks"

    chunk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # id // CHUNK
    rows: Mapped[int] = mapped_column(Integer)
    max_id: Mapped[int] = mapped_column(BigInteger)
    labels: Mapped[str] = mapped_column(Text)  # JSON: each grouping key's labels, indexed by the chunk's codes
    data: Mapped[bytes] = mapped_column(LargeBinary)  # numpy .npz of the chunk's columns
