"""The live-event log. Written in the same transaction as the change it reports (an outbox); its id is the SSE id,
so a client reconnecting with ``Last-Event-ID`` is replayed every event it missed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime


class LiveEvent(Base):
    """One event for live screens. ``topic`` (e.g. ``alerts``, ``cameras``) decides which roles receive it."""

    __tablename__ = "live_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(32), index=True)
    type: Mapped[str] = mapped_column(String(48))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
