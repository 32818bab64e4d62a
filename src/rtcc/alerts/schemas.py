"""Pydantic contracts of the alerts domain: the matcher's ``HitInput``, the transition request bodies, and
``AlertRead`` (the alert with its read, hotlist entry and camera side by side, and its transitions)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from rtcc.alerts.logic import AlertKind, AlertState, Checklist, RejectReason


class HitInput(BaseModel):
    """One read matching one hotlist entry, as the matcher records it (``matching.service.record_hits``) and hands it
    to ``alerts.hits.raise_alerts``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    read_id: uuid.UUID
    camera_id: uuid.UUID
    camera_code: str
    plate_read: str
    region_read: str | None = None
    observed_at: AwareDatetime
    received_at: AwareDatetime
    entry_id: int
    hotlist_id: uuid.UUID
    hotlist_name: str
    category: str
    priority: int
    plate_listed: str
    region_listed: str | None = None
    match_kind: str = Field(description="exact | ocr | fuzzy")
    diff_positions: list[int] = Field(default_factory=list)
    reason: str | None = None
    case_number: str | None = None


class ChecklistIn(BaseModel):
    """The verification checklist; every item must be true (unchecked items are named in the 422 answer)."""

    model_config = ConfigDict(extra="forbid")

    plate_matches_crop: bool = Field(default=False, description="Plate characters confirmed against the crop.")
    state_confirmed: bool = Field(default=False, description="The plate's state agrees with the entry.")
    entry_current: bool = Field(default=False, description="The hotlist entry is still current.")
    vehicle_consistent: bool = Field(default=False, description="The vehicle matches the entry's description.")

    def to_logic(self) -> Checklist:
        """The pure checklist."""
        return Checklist(**self.model_dump())


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    checklist: ChecklistIn = Field(default_factory=ChecklistIn)
    note: str | None = Field(default=None, max_length=2000)


class RejectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: RejectReason
    note: str | None = Field(default=None, max_length=2000, description="Required when the reason is 'other'.")


class DispatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit: str = Field(min_length=1, max_length=64, description="The unit sent (call sign).")
    note: str | None = Field(default=None, max_length=2000)


class CloseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=2000)


class AlertFilters(BaseModel):
    """Filters of the alert list."""

    model_config = ConfigDict(extra="forbid")
    state: AlertState | None = None
    kind: AlertKind | None = None
    since: AwareDatetime | None = Field(default=None, description="Only alerts created at or after this time.")


class PageParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


class TransitionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    at: datetime
    actor: str
    from_state: str | None
    to_state: str
    details: dict[str, Any]


class CameraInfo(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    location: str | None = None
    status: str | None = None
    lat: float | None = None
    lon: float | None = None
    last_heartbeat_at: datetime | None = None
    last_read_at: datetime | None = None
    division: str | None = None


class ReadInfo(BaseModel):
    """The (latest) read behind a hit: the plate as read, the images, the confidence and the time."""

    id: uuid.UUID
    plate: str
    region: str | None
    confidence: float | None
    observed_at: datetime
    received_at: datetime
    image_ref: str | None
    crop_ref: str | None
    vehicle_make: str | None = None
    vehicle_model: str | None = None
    vehicle_color: str | None = None
    vehicle_type: str | None = None
    heading_deg: float | None = Field(default=None, description="Direction of travel, degrees from north.")
    camera_label: str | None = Field(default=None, description="What the sensor calls its camera (vendor label).")


class EntryInfo(BaseModel):
    """The hotlist entry a hit matched, as listed, for comparing with the read side by side."""

    id: int
    hotlist_id: uuid.UUID
    hotlist_name: str | None
    category: str | None
    plate: str
    region: str | None
    reason: str | None
    case_number: str | None
    vehicle_make: str | None = None
    vehicle_model: str | None = None
    vehicle_color: str | None = None
    vehicle_type: str | None = None
    vehicle_year: int | None = None
    expires_at: datetime | None = None
    current: bool = Field(description="False when the entry was removed, has expired or its list is inactive.")


class SightingRead(BaseModel):
    """One read of an alert's vehicle: when, where (camera) and how it matched."""

    read_id: uuid.UUID
    plate: str
    observed_at: datetime
    crop_ref: str | None = None
    match_kind: str | None = None
    camera_id: uuid.UUID | None = None
    camera_code: str | None = None
    camera_name: str | None = None
    lat: float | None = None
    lon: float | None = None


class AlertRead(BaseModel):
    """An alert with everything a person needs to verify it, and its lifecycle so far."""

    id: uuid.UUID
    kind: str
    state: str
    priority: int
    title: str
    camera_id: uuid.UUID | None
    hotlist_id: uuid.UUID | None
    entry_id: int | None
    read_id: uuid.UUID | None
    last_read_id: uuid.UUID | None
    plate_read: str | None
    plate_listed: str | None
    match_kind: str | None
    fuzzy: bool = Field(description="True for a fuzzy match: some characters differ; check them against the crop.")
    diff_positions: list[int]
    read_count: int
    first_seen_at: datetime
    last_seen_at: datetime
    checklist: dict[str, Any]
    reject_reason: str | None
    dispatched_to: str | None
    note: str | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    allowed_actions: list[str]
    camera: CameraInfo | None = None
    read: ReadInfo | None = None
    entry: EntryInfo | None = None
    last_sighting: SightingRead | None = Field(
        default=None, description="The latest read of the vehicle: where and when it was seen last."
    )
    sightings: list[SightingRead] = Field(
        default_factory=list,
        description="The reads of the vehicle, latest first (the alert's detail only; up to 200, see read_count).",
    )
    transitions: list[TransitionRead] = Field(default_factory=list)


class AlertPage(BaseModel):
    items: list[AlertRead]
    total: int
    limit: int
    offset: int
