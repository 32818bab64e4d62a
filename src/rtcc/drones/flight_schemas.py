"""Pydantic contracts of flights (staff), commands to a drone in flight, the public flight log and the drone's
video link. Inbound models forbid unknown fields."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


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


# --- live video ------------------------------------------------------------------------------------------------


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


# --- commands to a drone in flight ---------------------------------------------------------------------------------


class CommandCreate(_In):
    """The pilot's command to a drone in flight: fly back to its dock and land there, or land where it is."""

    command: Literal["return_to_dock", "land"]
    reason: str | None = Field(default=None, max_length=2000, description="Why (kept in the record and the audit).")


class CommandRead(BaseModel):
    """A command given to a drone: the channel it went out on (``mavlink``, ``mqtt``, ``simulator``, or ``none``: no
    uplink reaches the drone and the pilot relays it by the ground station), when it was sent and acknowledged."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    flight_id: uuid.UUID
    drone_code: str
    command: str
    reason: str | None
    issued_by: str
    issued_at: datetime
    channel: str
    sent_at: datetime | None
    send_error: str | None
    acked_at: datetime | None
