"""Contracts of the retention API: the policy, purge runs and their per-class outcome, and legal holds."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.utcoffset() is None:
        raise ValueError("give a timezone (e.g. 2026-11-01T00:00:00Z)")
    return value


class RetentionClassRead(BaseModel):
    """One data class: its retention period and what it covers."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    days: int
    description: str


class PolicyRead(BaseModel):
    """The retention policy in force and how purges run."""

    classes: list[RetentionClassRead]
    batch_size: int = Field(description="Rows per purge batch (one short transaction each).")
    pause_ms: int = Field(description="Pause between batches.")
    interval_s: int = Field(description="Interval of the scheduled purge (0 or less: disabled).")


class RunRequest(BaseModel):
    """A purge pass on demand: which classes (default all) and whether only to count (``dry_run``)."""

    model_config = ConfigDict(extra="forbid")

    classes: list[str] | None = Field(
        default=None, description="Data classes to purge: reads_nonhit, reads_hit, images, alerts, audit."
    )
    dry_run: bool = Field(default=False, description="Only count what is due; delete nothing.")


class ClassOutcome(BaseModel):
    """What a pass did (or, dry run, would do) for one class."""

    name: str
    days: int
    cutoff: datetime
    count: int
    oldest: datetime | None
    newest: datetime | None
    batches: int
    files_deleted: int = 0
    complete: bool = Field(description="False when the pass stopped at its batch bound with more still due.")


class RunRead(BaseModel):
    """One purge run."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    started_at: datetime
    finished_at: datetime | None
    trigger: str
    actor: str
    dry_run: bool
    status: str
    classes: dict[str, Any]
    error: str | None


class HoldCreate(BaseModel):
    """A legal hold request. At least one scope selector; ``review_date`` is required and must be in the future.

    A read is kept when its id is listed, when it belongs to a listed alert, or when it matches the plate, camera and
    time selectors together (an omitted selector matches everything). Alerts likewise."""

    model_config = ConfigDict(extra="forbid")

    case_number: str = Field(min_length=1, max_length=64, description="The case the data is held for.")
    reason: str = Field(min_length=1, max_length=2000, description="Why the data must be kept.")
    review_date: date = Field(description="When the hold must be reviewed (it is not released automatically).")
    plates: list[str] = Field(default_factory=list, max_length=500, description="Plates (normalised on save).")
    read_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10_000, description="Individual reads.")
    alert_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10_000, description="Alerts (and their reads).")
    camera_codes: list[str] = Field(default_factory=list, max_length=500, description="ALPR camera codes.")
    time_from: datetime | None = Field(default=None, description="Start of the held time range (inclusive).")
    time_to: datetime | None = Field(default=None, description="End of the held time range (inclusive).")

    _tz = field_validator("time_from", "time_to")(_aware)


class HoldDecision(BaseModel):
    """A note kept with an approval, denial or release."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000, description="Why (kept on the hold and in the audit).")


class HoldRead(BaseModel):
    """A legal hold as stored, plus whether its review is due."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    case_number: str
    reason: str
    plates: list[str]
    read_ids: list[str]
    alert_ids: list[str]
    camera_codes: list[str]
    time_from: datetime | None
    time_to: datetime | None
    review_date: date
    status: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    released_by: str | None
    released_at: datetime | None
    release_note: str | None
    review_due: bool = False
