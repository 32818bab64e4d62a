"""Tables of the dispatch domain's interchange: imported historic CAD calls with their batches, and EIDO records.

``dispatch_history_calls`` holds calls of another system's past (a CAD export): their full time chain, call type (the
catalogue's code where the raw one maps, the raw code always), priority, units and disposition, for the
response-time KPIs and premise history. They are history, never live calls: they have no call number of ours, may
have no coordinates (Alexandria's export has none), and nothing publishes them to dispatchers. ``(origin,
external_id)`` is unique, so importing a file twice stores each call once. The integer key keeps bulk inserts fast.

``dispatch_eido_records`` holds each EIDO received, by its Incident Tracking Identifier (unique): the document as
last merged, and the live call it created or updates (``call_id``), or why it is held instead (``held_reason``: no
point in the city, no call type of the catalogue).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime


class HistoryBatch(Base):
    """One historic import: which file, which layout, what was stored and what was refused."""

    __tablename__ = "dispatch_history_batches"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    origin: Mapped[str] = mapped_column(String(48))
    file_name: Mapped[str] = mapped_column(String(255))
    records: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    # the IANA zone of the export's wall times (its layout's): a history keeps its own clock (hour of the week, shift,
    # month) whatever city profile is active; None: imported before batches kept it (read in the city's zone)
    zone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HistoryCall(Base):
    """A call imported from another system's export (see the module docstring)."""

    __tablename__ = "dispatch_history_calls"
    __table_args__ = (
        UniqueConstraint("origin", "external_id", name="uq_dispatch_history_calls_origin_external_id"),
        Index("ix_dispatch_history_calls_received", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dispatch_history_batches.id", ondelete="CASCADE"))
    origin: Mapped[str] = mapped_column(String(48))
    external_id: Mapped[str] = mapped_column(String(64))
    line: Mapped[int] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(24))
    agency: Mapped[str | None] = mapped_column(String(64))
    call_type: Mapped[str | None] = mapped_column(String(32))
    call_type_raw: Mapped[str | None] = mapped_column(String(128))
    apco_code: Mapped[str | None] = mapped_column(String(16))
    priority: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    en_route_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_scene_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    time_precision: Mapped[str] = mapped_column(String(8))
    address: Mapped[str | None] = mapped_column(String(255))
    beat: Mapped[str | None] = mapped_column(String(32))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    units: Mapped[list[str]] = mapped_column(JSON, default=list)
    disposition_code: Mapped[str | None] = mapped_column(String(32))
    disposition_text: Mapped[str | None] = mapped_column(String(128))
    disposition_common: Mapped[str | None] = mapped_column(String(4))
    call_taker: Mapped[str | None] = mapped_column(String(64))
    dispatcher: Mapped[str | None] = mapped_column(String(64))
    narrative: Mapped[str | None] = mapped_column(Text)


class EidoRecord(Base):
    """An EIDO received (see the module docstring)."""

    __tablename__ = "dispatch_eido_records"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    incident_id: Mapped[str] = mapped_column(String(255), unique=True)
    call_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("dispatch_calls.id", ondelete="SET NULL"), index=True)
    agency: Mapped[str | None] = mapped_column(String(128))
    external_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str | None] = mapped_column(String(16))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_updated: Mapped[datetime | None] = mapped_column(UTCDateTime)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    held_reason: Mapped[str | None] = mapped_column(Text)
    updates: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
