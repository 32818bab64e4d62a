"""Contracts of the cameras domain: the registry's pydantic models (create/update/read for staff and for owners),
the owner's access log, canvass queries and results, and linked-camera health.

``CameraRead`` is contract C4: other domains (footage requests, rebates) read cameras only through it. Its
``stream_url``/``snapshot_url`` are filled only while the camera is live-linked; staff listings withhold them
(``withheld_urls``) because staff open a live view only through the live route, which checks for an active incident.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rtcc.places.schemas import Location

OwnerType = Literal["city", "alpr", "business", "residential"]
SharingLevel = Literal["registered", "on_request", "live_linked", "withdrawn"]
#: Owner types a community account may register: a resident's camera is residential, a business's is business.
COMMUNITY_OWNER_TYPES: tuple[OwnerType, ...] = ("business", "residential")
HealthStatus = Literal["ok", "stale", "failing", "unknown"]

#: The largest range a camera may claim; keeps the canvass prefilter band narrow and rejects typos (km for m).
MAX_RANGE_M = 1000.0


def _url(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    parsed = urlparse(value)
    if parsed.scheme not in {"http", "https", "rtsp", "rtsps"} or not parsed.netloc:
        raise ValueError("must be an http(s) or rtsp(s) URL with a host")
    return value


def _http_url(value: str | None) -> str | None:
    """A snapshot URL: fetched by the health probe, so http(s) only."""
    value = _url(value)
    if value is not None and urlparse(value).scheme not in {"http", "https"}:
        raise ValueError("must be an http(s) URL (the health probe fetches it)")
    return value


def _url_or_clear(value: str | None) -> str | None:
    """As ``_url`` but keeps "" (clear the field) distinct from None (leave it unchanged)."""
    return "" if value == "" else _url(value)


def _http_url_or_clear(value: str | None) -> str | None:
    """As ``_http_url`` but keeps "" (clear the field) distinct from None (leave it unchanged)."""
    return "" if value == "" else _http_url(value)


class _Mounting(BaseModel):
    """Fields shared by every create model: position, mounting and the owner's retention."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=128, description="Display name, e.g. 'Front door, 123 Main St'.")
    contact: str | None = Field(default=None, max_length=255, description="How the RTCC reaches the owner.")
    address: str | None = Field(default=None, max_length=255, description="Street address of the camera.")
    lat: float = Field(ge=-90, le=90, description="WGS84 latitude of the camera.")
    lon: float = Field(ge=-180, le=180, description="WGS84 longitude of the camera.")
    direction_deg: float = Field(
        default=0.0, ge=0, lt=360, description="Compass bearing the camera looks along (0 = north, 90 = east)."
    )
    fov_deg: float = Field(default=90.0, gt=0, le=360, description="Horizontal field of view; 360 sees all around.")
    range_m: float = Field(default=30.0, gt=0, le=MAX_RANGE_M, description="How far it usefully sees, in metres.")
    owner_retention_days: int = Field(
        default=30, ge=0, le=3650, description="Days the owner's device keeps footage before overwriting it."
    )
    sharing_level: SharingLevel = Field(
        default="registered",
        description="registered (police may ask), on_request (owner approves each request), live_linked (the RTCC "
        "may open stream_url/snapshot_url only while an incident is active) or withdrawn.",
    )
    stream_url: str | None = Field(default=None, max_length=512, description="Live stream URL (live_linked only).")
    snapshot_url: str | None = Field(
        default=None, max_length=512, description="Snapshot URL, probed for health (live_linked only)."
    )
    notes: str | None = Field(default=None, max_length=2000)

    _check_stream = field_validator("stream_url")(_url)
    _check_snapshot = field_validator("snapshot_url")(_http_url)


class OwnerCameraCreate(_Mounting):
    """A camera a resident or business registers on their own account."""

    code: str | None = Field(
        default=None, min_length=1, max_length=64, description="Your own short label; default: generated."
    )
    owner_type: Literal["business", "residential"] | None = Field(
        default=None, description="Default: business for a business account, residential otherwise."
    )
    owner_name: str | None = Field(default=None, max_length=128, description="Default: your display name.")


class CameraCreate(_Mounting):
    """A camera registered by staff: a city or ALPR camera, or one on behalf of an owner."""

    code: str | None = Field(default=None, min_length=1, max_length=64, description="Unique; default: generated.")
    owner_type: OwnerType
    owner_name: str = Field(min_length=1, max_length=128, description="Department, business or household.")
    owner_user_id: uuid.UUID | None = Field(
        default=None, description="The community account that owns and manages it (business/residential only)."
    )
    alpr_camera_code: str | None = Field(
        default=None, max_length=64, description="For owner_type alpr: the ALPR camera's code (must exist)."
    )


class CameraUpdate(BaseModel):
    """Changes to a camera; omitted fields stay as they are. ``sharing_level='withdrawn'`` withdraws at once."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=128)
    owner_name: str | None = Field(default=None, min_length=1, max_length=128)
    contact: str | None = Field(default=None, max_length=255)
    address: str | None = Field(default=None, max_length=255)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    direction_deg: float | None = Field(default=None, ge=0, lt=360)
    fov_deg: float | None = Field(default=None, gt=0, le=360)
    range_m: float | None = Field(default=None, gt=0, le=MAX_RANGE_M)
    owner_retention_days: int | None = Field(default=None, ge=0, le=3650)
    sharing_level: SharingLevel | None = None
    stream_url: str | None = Field(default=None, max_length=512, description="An empty string clears it.")
    snapshot_url: str | None = Field(default=None, max_length=512, description="An empty string clears it.")
    notes: str | None = Field(default=None, max_length=2000)

    _check_stream = field_validator("stream_url")(_url_or_clear)
    _check_snapshot = field_validator("snapshot_url")(_http_url_or_clear)


class CameraRead(BaseModel):
    """A registered camera (contract C4). URLs are present only while the camera is live-linked."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    owner_type: OwnerType
    owner_user_id: uuid.UUID | None
    owner_name: str | None
    contact: str | None
    address: str | None
    lat: float
    lon: float
    direction_deg: float
    fov_deg: float
    range_m: float
    owner_retention_days: int
    sharing_level: SharingLevel
    stream_url: str | None = None
    snapshot_url: str | None = None
    alpr_camera_code: str | None = None
    notes: str | None = None
    registered_at: datetime
    updated_at: datetime
    withdrawn_at: datetime | None
    last_seen_at: datetime | None
    last_ok_at: datetime | None = None
    last_error: str | None = None
    urls_withheld: bool = Field(
        default=False, description="True when a live-linked camera's URLs were left out (open them via /live)."
    )
    location: Location | None = Field(
        default=None, description="The city profile's division, reporting district and neighborhood of the camera."
    )
    personal_withheld: bool = Field(
        default=False,
        description="True when the owner's name, contact, address and notes were left out and lat/lon coarsened "
        "(a resident's or business's camera shown to a role without registry:contact).",
    )


class CameraPage(BaseModel):
    """One page of cameras."""

    items: list[CameraRead]
    total: int
    limit: int
    offset: int


class CameraFilters(BaseModel):
    """Filters of the staff registry list."""

    owner_type: OwnerType | None = None
    sharing_level: SharingLevel | None = None
    owner_user_id: uuid.UUID | None = None
    q: str | None = Field(default=None, max_length=64, description="Code, name or address contains this.")


class AccessRead(BaseModel):
    """One entry of a camera's access log, as its owner sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    camera_id: uuid.UUID
    at: datetime
    actor: str
    actor_role: str | None
    action: str
    details: dict[str, Any]


class HeartbeatIn(BaseModel):
    """A heartbeat from a linked camera (or its owner's bridge)."""

    model_config = ConfigDict(extra="forbid")

    status: str | None = Field(default=None, max_length=64, description="Free-form device status, e.g. 'ok'.")


class LiveView(BaseModel):
    """What the live route hands out: the URLs of a live-linked camera and the incident that justified opening it."""

    camera_id: uuid.UUID
    code: str
    stream_url: str | None
    snapshot_url: str | None
    incident: str
    purpose: str | None
    case_number: str | None
    alert_id: uuid.UUID | None


class HealthRead(BaseModel):
    """Health of one live-linked camera."""

    camera_id: uuid.UUID
    code: str
    name: str
    owner_type: OwnerType
    status: HealthStatus
    last_seen_at: datetime | None
    last_checked_at: datetime | None
    last_ok_at: datetime | None
    last_error: str | None


class CanvassQuery(BaseModel):
    """A place (lat/lon, or an intersection or address from the gazetteer) and a time window."""

    model_config = ConfigDict(extra="forbid")

    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    place: str | None = Field(
        default=None,
        min_length=3,
        max_length=128,
        description="Instead of lat/lon: an intersection ('Artesia Blvd & Norwalk Blvd') or a registered camera's "
        "address, resolved through the city profile's gazetteer (rtcc.places).",
    )
    start: datetime = Field(description="Window start, with a timezone.")
    end: datetime = Field(description="Window end, with a timezone.")
    limit: int = Field(default=200, ge=1, le=1000, description="At most this many cameras, best first.")

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.utcoffset() is None:
            raise ValueError("give a timezone (e.g. 2026-11-22T01:00:00Z)")
        return value

    @model_validator(mode="after")
    def _point(self) -> CanvassQuery:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        if self.place is None and (self.lat is None or self.lon is None):
            raise ValueError("give lat and lon, or place")
        if self.place is not None and (self.lat is not None or self.lon is not None):
            raise ValueError("give either lat/lon or place, not both")
        return self


class CanvassHit(BaseModel):
    """One camera that could have seen the place, with the geometry and whether its footage may still exist."""

    rank: int
    camera: CameraRead
    distance_m: float
    bearing_from_camera_deg: float
    angle_off_axis_deg: float
    retention_covers: bool = Field(description="Window start >= now - owner_retention_days.")
    request_deadline: datetime = Field(description="Window start + owner_retention_days: ask before this.")


class NearbyCamera(BaseModel):
    """A shared camera near a place that none sees: how far it is and what stops it seeing the place."""

    camera: CameraRead
    distance_m: float
    angle_off_axis_deg: float
    in_range: bool = Field(description="The place is within the camera's range.")
    in_view: bool = Field(description="The place is inside the camera's field of view (its direction and angle).")


class CanvassEmpty(BaseModel):
    """Why a canvass found no camera: what was searched, how many cameras exist, and the nearest ones."""

    radius_m: float = Field(description="The longest range of any shared camera: no camera farther away can see it.")
    shared_cameras: int = Field(description="Shared (not withdrawn) cameras searched.")
    registered_cameras: int = Field(description="Cameras in the registry, withdrawn ones included.")
    nearest: list[NearbyCamera] = Field(description="The shared cameras closest to the place, nearest first.")
    message: str = Field(description="The explanation in one sentence (English; the web app words its own).")


class CanvassCameraPoint(BaseModel):
    """Where a shared camera is and what it covers, for drawing the registry on the canvass map."""

    id: uuid.UUID
    lat: float
    lon: float
    direction_deg: float
    fov_deg: float
    range_m: float


class CanvassResult(BaseModel):
    """The cameras that could have seen the place in the window, ranked by distance then angle off-axis."""

    lat: float
    lon: float
    place: str | None
    start: datetime
    end: datetime
    at: datetime
    searched: int = Field(description="Shared (not withdrawn) cameras in the index.")
    location: Location | None = Field(
        default=None, description="The city profile's division, reporting district and neighborhood of the place."
    )
    items: list[CanvassHit]
    empty: CanvassEmpty | None = Field(default=None, description="Set when no camera sees the place: why.")


class AccessPage(BaseModel):
    """One page of a camera's access log, newest first."""

    items: list[AccessRead]
    total: int
    limit: int
    offset: int


class PlaceRead(BaseModel):
    """One intersection of the city profile's gazetteer (``rtcc.places``) that a canvass ``place`` may name."""

    name: str
    lat: float
    lon: float
