"""Contracts of the footage domain: the API's pydantic models for footage requests, owner decisions, clips, the
chain-of-custody log, verification results, and the evidence package manifest."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.utcoffset() is None:
        raise ValueError("give a timezone (e.g. 2026-11-20T18:00:00Z)")
    return value


class FootageRequestCreate(BaseModel):
    """A request for a registered camera's recordings of a time window, for a case."""

    model_config = ConfigDict(extra="forbid")

    camera_id: uuid.UUID = Field(description="The camera's id in the registry.")
    case_number: str = Field(min_length=1, max_length=64, description="The case the footage is evidence for.")
    incident_number: str | None = Field(default=None, max_length=64, description="CAD incident number, if any.")
    purpose: str = Field(min_length=1, max_length=48, description="A purpose code in force (GET purposes).")
    reason: str = Field(min_length=3, max_length=2000, description="Why, in words the owner will read.")
    window_start: datetime = Field(description="Start of the footage wanted (with timezone).")
    window_end: datetime = Field(description="End of the footage wanted (with timezone).")

    _aware_times = field_validator("window_start", "window_end")(_aware)


class Decision(BaseModel):
    """An owner's answer; a decline should say why."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=2000, description="Shown to the requesting staff.")


class Cancel(BaseModel):
    """Staff withdrawing a request."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class Close(BaseModel):
    """Staff closing a fulfilled request; the reason, if given, is kept in the custody log."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=2000)


class ClipRead(BaseModel):
    """An uploaded clip as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    request_id: uuid.UUID
    sha256: str
    size_bytes: int
    content_type: str
    filename: str
    uploaded_by: str
    uploaded_by_role: str | None
    upload_started_at: datetime
    uploaded_at: datetime
    recorded_start: datetime | None
    recorded_end: datetime | None
    note: str | None


class FootageRequestRead(BaseModel):
    """A footage request as staff see it. ``state`` is as of now (an overdue request reads ``expired``)."""

    id: uuid.UUID
    camera_id: uuid.UUID
    camera_code: str
    camera_name: str
    owner_type: str
    agency_owned: bool = Field(description="True for the agency's own cameras: no owner approval, staff upload.")
    case_number: str | None = Field(description="The case; None for a recording not (yet) attached to one.")
    incident_number: str | None
    purpose: str
    reason: str
    window_start: datetime
    window_end: datetime
    state: str
    allowed_events: list[str]
    requested_by: str
    requested_at: datetime
    due_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    fulfilled_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime
    clip_count: int
    clips: list[ClipRead] = Field(default_factory=list)
    source: str = Field(default="camera", description="'camera' (a registry camera) or 'drone' (a flight's recording).")
    source_ref: str | None = Field(default=None, description="The drone flight's id for a drone recording.")
    retain_until: datetime | None = Field(
        default=None, description="An unattached recording is purged then; None: kept (evidence, or a camera's)."
    )
    purged_at: datetime | None = Field(default=None, description="When its files were purged (the record stays).")


class RecordingAttach(BaseModel):
    """Keep a recording (e.g. a drone flight's) as evidence of a case: it leaves the default retention."""

    model_config = ConfigDict(extra="forbid")

    case_number: str = Field(min_length=1, max_length=64, description="The case the recording is evidence for.")
    reason: str = Field(min_length=3, max_length=2000, description="Why it is evidence (kept in the custody log).")


class OwnerRequestRead(BaseModel):
    """A footage request as the camera's owner sees it (no internal names beyond the requesting agency's staff)."""

    id: uuid.UUID
    camera_id: uuid.UUID
    camera_name: str
    case_number: str
    reason: str
    window_start: datetime
    window_end: datetime
    state: str
    requested_at: datetime
    due_at: datetime | None
    decided_at: datetime | None
    decision_reason: str | None
    clip_count: int
    clips: list[ClipRead] = Field(default_factory=list)


class FootageRequestPage(BaseModel):
    """One page of requests, newest first."""

    items: list[FootageRequestRead]
    total: int
    limit: int
    offset: int


class CustodyRead(BaseModel):
    """One chain-of-custody entry."""

    model_config = ConfigDict(from_attributes=True)

    seq: int
    action: str
    actor: str
    actor_role: str | None
    at: datetime
    clip_id: uuid.UUID | None
    sha256: str | None
    client_ip: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


class ClipCheck(BaseModel):
    """One clip's re-hash."""

    clip_id: uuid.UUID
    filename: str
    expected_sha256: str
    actual_sha256: str | None
    expected_size: int
    actual_size: int | None
    ok: bool
    problem: str | None


class VerifyResult(BaseModel):
    """Outcome of re-hashing every clip of a request and walking its custody chain."""

    request_id: uuid.UUID
    ok: bool
    clips: list[ClipCheck]
    custody_ok: bool
    custody_checked: int
    custody_problem: str | None
    verified_at: datetime
