"""The transactional outbox table: events that must not be lost between a commit and their consumer.

A service that stores something whose follow-up work must happen (stored reads must be matched) writes the event's
envelope here in the SAME transaction as the data (``rtcc.bus.outbox.stage``); the consumer deletes the row in the
same transaction in which it does the work (``rtcc.bus.outbox.settle``). A row still here after a grace period is
work that was never done (the process died, the bus was down) and a reconciler of the consuming domain re-drives it
(``rtcc.matching.reconciler``). One row per envelope, not per read, so the hot path pays one small insert per batch.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime


class OutboxEvent(Base):
    """One pending envelope. ``due_at`` is when it was staged, pushed later after a failed re-drive (back-off)."""

    __tablename__ = "event_outbox"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # the envelope id
    type: Mapped[str] = mapped_column(String(64))
    schema_version: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)  # the envelope's payload as JSON text, exactly as staged
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)

    __table_args__ = (Index("ix_event_outbox_type_due", "type", "due_at"),)
