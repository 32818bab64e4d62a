"""The table of the notify domain: the outbox of messages to people, one row per (message, account, channel).

The table keeps the name it had when it was the community domain's (``community_outbox``): community alerts and
notices, footage requests and rebate decisions all go through it. ``dedup_key`` is unique, so that a retried fan-out
or a repeated enqueue never creates a second row for the same account and channel. ``alert_id`` and
``subscription_id`` name the community public alert and subscription a message came from (no foreign key: the
outbox does not depend on community's tables).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime


class OutboxMessage(Base):
    """One message to one account on one channel. The delivery loop claims pending rows under a lease, sends, and
    marks them sent; a failed send is retried with the same ``id`` (the Message-ID / provider idempotency key)."""

    __tablename__ = "community_outbox"
    __table_args__ = (Index("ix_community_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    alert_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    channel: Mapped[str] = mapped_column(String(16))  # email | sms | inbox
    recipient: Mapped[str | None] = mapped_column(String(254))
    category: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(512))
    unsubscribe_token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # pending | sending | sent | dead | cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leased_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


__all__ = ["OutboxMessage"]
