"""Tables of the retention domain: legal holds (case data kept past retention) and the history of purge runs.

The data being purged (reads, alerts, audit entries) belongs to other domains; retention reaches it only through
SQL by table name in ``retention.repository`` and the audit service.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime


class LegalHold(Base):
    """A legal hold: data tied to ``case_number`` and selected by the scope lists/time range is never purged while
    the hold is ``active``. ``requested -> active | denied``, ``active -> released``; never released automatically.
    """

    __tablename__ = "legal_holds"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_number: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(Text)
    plates: Mapped[list[str]] = mapped_column(JSON, default=list)  # normalised plates
    read_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    alert_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    camera_codes: Mapped[list[str]] = mapped_column(JSON, default=list)  # ALPR camera codes
    time_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    time_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # requested | active | denied | released
    requested_by: Mapped[str] = mapped_column(String(128))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    released_by: Mapped[str | None] = mapped_column(String(128))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    release_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_legal_holds_status_review", "status", "review_date"),)


class RetentionRun(Base):
    """One purge pass (scheduled job, CLI or API): per-class counts, oldest and newest purged times."""

    __tablename__ = "retention_runs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    trigger: Mapped[str] = mapped_column(String(16))  # job | cli | api
    actor: Mapped[str] = mapped_column(String(128))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))  # running | done | failed
    classes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
