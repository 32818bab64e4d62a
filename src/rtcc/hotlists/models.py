"""Tables of the hotlist domain: lists, entries, skip list."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime


class Hotlist(Base):
    """A list of plates of interest. ``max_diff`` is k, the differing positions a match tolerates beyond OCR-class
    equality (0, the default, for every state/federal list; 1 or 2 only for small lists, see ``hotlists.tolerance``);
    ``allow_large_fuzzy`` records an explicit choice to tolerate them on a large or state/federal list anyway;
    ``require_state`` demands that the read's region agree."""

    __tablename__ = "hotlists"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    source: Mapped[str] = mapped_column(String(64))  # e.g. "CA DOJ CLEW", "NCIC", "local"
    category: Mapped[str] = mapped_column(String(32))  # hotlists.logic.Category
    priority: Mapped[int] = mapped_column(Integer, default=3)  # 1 = most urgent
    owner: Mapped[str] = mapped_column(String(64))
    max_diff: Mapped[int] = mapped_column(Integer, default=0)
    allow_large_fuzzy: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    require_state: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    refresh_path: Mapped[str | None] = mapped_column(String(512))
    refresh_format: Mapped[str | None] = mapped_column(String(16))  # csv | ncic | clew
    last_imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)  # bumped on every change; matchers reload on change
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HotlistEntry(Base):
    """One plate on a list, with the reason and case number, who added it, and when it expires."""

    __tablename__ = "hotlist_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hotlist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hotlists.id", ondelete="CASCADE"))
    plate: Mapped[str] = mapped_column(String(16))
    plate_norm: Mapped[str] = mapped_column(String(16))
    plate_ocr: Mapped[str] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(String(255))
    case_number: Mapped[str | None] = mapped_column(String(64))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    vehicle_make: Mapped[str | None] = mapped_column(String(32))
    vehicle_model: Mapped[str | None] = mapped_column(String(48))
    vehicle_color: Mapped[str | None] = mapped_column(String(24))
    vehicle_type: Mapped[str | None] = mapped_column(String(24))
    vehicle_year: Mapped[int | None] = mapped_column(Integer)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        Index("ix_hotlist_entries_hotlist", "hotlist_id"),
        Index("ix_hotlist_entries_plate_norm", "plate_norm"),
        Index("ix_hotlist_entries_expires_at", "expires_at"),
        # ids are never reused (SQLite would reuse the highest deleted id): alerts and matches refer to them
        {"sqlite_autoincrement": True},
    )


class SkipEntry(Base):
    """A plate text we never match or alert on (junk reads such as 'NOPLATE', test plates, known misreads)."""

    __tablename__ = "hotlist_skip"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plate_norm: Mapped[str] = mapped_column(String(16), unique=True)
    reason: Mapped[str] = mapped_column(String(255))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
