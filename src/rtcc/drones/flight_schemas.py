"""Pydantic contracts of flights (staff), the public flight log, footage retention and the drone's video link.
Inbound models forbid unknown fields."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FlightStart(_In):
    """Start the flight of an accepted launch request."""

    request_id: uuid.UUID


class FlightRead(BaseModel):
    """A flight as staff see it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    drone_id: uuid.UUID
    drone_code: str
    dock_id: uuid.UUID | None
    request_id: uuid.UUID | None
    decision_id: uuid.UUID | None
    policy_version: int | None
    call_id: uuid.UUID | None
    call_number: str | None
    call_type: str | None
    status: str
    launched_at: datetime
    on_scene_at: datetime | None
    landed_at: datetime | None
    max_alt_m: float | None
    camera_down_s: float
    points: int
    last_at: datetime | None
    last_lat: float | None
    last_lon: float | None
    flagged: bool
    flags: list[str]
    outcome: str | None
    call_closed: bool
    cleared_without_patrol: bool | None
    footage: str
    footage_until: datetime | None
    footage_case: str | None
    footage_purged_at: datetime | None


class TrackPoint(BaseModel):
    """One stored fix of a flight."""

    model_config = ConfigDict(from_attributes=True)

    at: datetime
    lat: float
    lon: float
    alt_m: float | None
    heading_deg: float | None
    speed_mps: float | None
    battery_pct: float | None
    camera_pitch_deg: float | None
    source: str


class FlightEventRead(BaseModel):
    """A geofence breach of a flight."""

    model_config = ConfigDict(from_attributes=True)

    kind: str
    zone_id: str
    zone_name: str
    policy_version: int | None
    at: datetime
    lat: float
    lon: float
    camera_pitch_deg: float | None
    alert_id: uuid.UUID | None


class TelemetryAccepted(BaseModel):
    """What an HTTP telemetry post did."""

    stored: int
    geofence_checks: int
    breaches: int
    without_flight: int


# --- footage -----------------------------------------------------------------------------------------------------


class FootageCreate(_In):
    """A recording of a flight, registered by the dock's uploader with its hash."""

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(ge=0)
    content_type: str = Field(default="video/mp4", max_length=64)
    storage_key: str | None = Field(default=None, max_length=255)
    recorded_start: AwareDatetime | None = None
    recorded_end: AwareDatetime | None = None
    note: str | None = Field(default=None, max_length=2000)


class EvidenceAttach(_In):
    """Keep a recording as evidence of a case (beyond the default retention)."""

    case_number: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=3, max_length=2000)


class FootageRead(BaseModel):
    """A recording and its retention."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    flight_id: uuid.UUID
    sha256: str
    size_bytes: int
    content_type: str
    recorded_start: datetime | None
    recorded_end: datetime | None
    stored_at: datetime
    stored_by: str
    retain_until: datetime
    evidence_case: str | None
    evidence_at: datetime | None
    evidence_by: str | None
    purged_at: datetime | None


class VideoOpen(_In):
    """Open a drone's live video: the call must be open; the reason is audited."""

    purpose: str = Field(min_length=3, max_length=500)


class VideoLink(BaseModel):
    """A drone's live video link, handed out for an open call (audited)."""

    flight_id: uuid.UUID
    drone: str
    call_number: str | None
    url: str
    opened_at: datetime


# --- public log --------------------------------------------------------------------------------------------------


class PublicFlight(BaseModel):
    """One flight in the public log (no personal data; the path coarsened)."""

    id: uuid.UUID
    date: str
    launched_at: datetime
    landed_at: datetime | None
    duration_s: float | None
    call_type: str | None
    call_type_name: str | None
    call_ref: str | None
    outcome: str | None
    cleared_without_patrol: bool | None
    time_to_scene_s: float | None
    max_alt_m: float | None
    camera_down_min: float
    flagged: bool
    flags: list[str]
    footage: str
    footage_until: datetime | None
    footage_purged_at: datetime | None
    path: list[list[list[float]]] = Field(description="Coarsened segments of [lat, lon] cell centres.")


class PublicPage(BaseModel):
    """A page of the public log, newest first; ``next`` is the cursor of the following page."""

    items: list[PublicFlight]
    next: str | None
    definition: dict[str, str]


class MonthRead(BaseModel):
    """One month's figures."""

    month: str
    flights: int
    median_time_to_scene_s: float | None
    closed_calls: int
    share_cleared_without_patrol: float | None
    share_by_call_type: dict[str, float]


class FiguresRead(BaseModel):
    """Monthly figures with the definition they use."""

    months: list[MonthRead]
    definition: dict[str, str]
