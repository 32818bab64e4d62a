"""The match record: which read matched which entry, and how. Unique per (read, entry) so redelivery is harmless."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime


class Match(Base):
    """A hit: ``kind`` is exact | ocr (equal after confusion classes) | fuzzy (<= k positions differ)."""

    __tablename__ = "matches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    read_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alpr_reads.id", ondelete="CASCADE"))
    # SET NULL: a hit stays on record when its entry is later removed from the list
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("hotlist_entries.id", ondelete="SET NULL"), index=True)
    hotlist_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(8))
    diff_positions: Mapped[list[int]] = mapped_column(JSON, default=list)
    alert_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("read_id", "entry_id", name="uq_matches_read_entry"),)
