"""Contracts of the investigations domain: search requests (each carries ``purpose`` and ``case_number``) and
their answers.

``purpose`` and ``case_number`` are optional in the schema on purpose: a request without them must reach the
purpose check, which refuses it with an error naming the field and records the refusal in the audit log; a schema
error would refuse it silently. Times need a timezone; areas are a circle (``lat``, ``lon``, ``radius_m``) or a
polygon of ``[lon, lat]`` vertices (GeoJSON order).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rtcc.governance.schemas import PurposeRead

MAX_LIMIT = 500


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.utcoffset() is None:
        raise ValueError("give a timezone (e.g. 2026-11-21T08:00:00Z)")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PurposeFields(_Strict):
    """What every search carries: a purpose code and, where the code demands one, a case or incident number."""

    purpose: str | None = Field(default=None, max_length=64, description="Purpose code (GET /api/v1/search/purposes).")
    case_number: str | None = Field(default=None, max_length=64, description="Case or incident number.")


class TimeRange(_Strict):
    """An optional time range; ``end`` is exclusive."""

    start: datetime | None = Field(default=None, description="Observed at or after (with timezone).")
    end: datetime | None = Field(default=None, description="Observed before (with timezone).")

    @field_validator("start", "end")
    @classmethod
    def _tz(cls, value: datetime | None) -> datetime | None:
        return _aware(value)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start and self.end and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class PlateScoped(PurposeFields, TimeRange):
    """A plate search's purpose and time range: without a case on record, ``start`` to ``end`` (or now) must stay
    inside the purpose's case-free window (``rtcc.investigations.service.require_plate_scope``)."""


class Area(_Strict):
    """A circle (lat, lon, radius_m) or a polygon (list of [lon, lat], at least 3 vertices)."""

    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    radius_m: float | None = Field(default=None, gt=0, le=50_000)
    polygon: list[tuple[float, float]] | None = Field(default=None, min_length=3, max_length=1000)

    @model_validator(mode="after")
    def _one_shape(self) -> Self:
        circle = (self.lat, self.lon, self.radius_m)
        if self.polygon is not None:
            if any(v is not None for v in circle):
                raise ValueError("give either a circle (lat, lon, radius_m) or a polygon, not both")
            for lon, lat in self.polygon:
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    raise ValueError("polygon vertices are [lon, lat] in degrees")
        elif any(v is None for v in circle):
            raise ValueError("a circle needs lat, lon and radius_m (or give a polygon)")
        return self


class VehicleFilter(_Strict):
    """Vehicle attributes (case-insensitive equality)."""

    make: str | None = Field(default=None, max_length=32)
    model: str | None = Field(default=None, max_length=48)
    color: str | None = Field(default=None, max_length=24)
    type: str | None = Field(default=None, max_length=24)


class PlateSearch(PlateScoped):
    """Plate search: exact, wildcard (``7AB*12``, ``?XYZ123``), partial (contains, 3+ characters) or similar
    (OCR confusion classes), with filters; results in time order, keyset-paginated."""

    plate: str = Field(min_length=1, max_length=24, description="Plate or pattern (* any run, ? one character).")
    mode: Literal["auto", "exact", "wildcard", "partial", "similar"] = Field(
        default="auto", description="auto: wildcard when the plate holds * or ?, else exact."
    )
    max_diff: int = Field(default=0, ge=0, le=1, description="similar: extra differing positions allowed (0 or 1).")
    state: str | None = Field(default=None, max_length=8, description="Issuing state/region as read, e.g. CA.")
    camera_ids: list[uuid.UUID] | None = Field(default=None, max_length=500)
    area: Area | None = None
    vehicle: VehicleFilter | None = None
    min_confidence: float | None = Field(default=None, ge=0, le=100)
    order: Literal["asc", "desc"] = Field(default="asc", description="Oldest first (asc) or newest first (desc).")
    limit: int = Field(default=100, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=256, description="next_cursor of the previous page.")


class ReadHit(BaseModel):
    """One read in a search answer, with its camera, position, confidence and image reference."""

    id: uuid.UUID
    plate: str
    plate_norm: str
    state: str | None
    observed_at: datetime
    camera_id: uuid.UUID
    camera_code: str | None
    camera_name: str | None
    lat: float | None
    lon: float | None
    confidence: float | None
    image_ref: str | None
    crop_ref: str | None
    vehicle_make: str | None
    vehicle_model: str | None
    vehicle_color: str | None
    vehicle_type: str | None
    heading_deg: float | None = Field(default=None, description="Direction of travel, degrees from north.")
    camera_label: str | None = Field(default=None, description="What the sensor calls its camera (vendor label).")
    match: str = Field(description="exact, wildcard, partial, ocr (OCR-class equal) or fuzzy (one position).")


class PlateSearchResult(BaseModel):
    """One page of reads. ``next_cursor`` is null on the last page."""

    items: list[ReadHit]
    next_cursor: str | None
    matched_plates: list[str] = Field(description="The distinct plates the pattern matched (before filters).")
    result_count: int


class HistoryQuery(PlateScoped):
    """Every read of one plate (exact normalised match) as a timeline, a track and its stops."""

    plate: str = Field(min_length=2, max_length=24)
    stop_radius_m: float = Field(default=150.0, gt=0, le=5000, description="Reads this close count as one place.")
    min_dwell_s: float = Field(default=300.0, ge=0, description="Shortest dwell reported as a stop.")
    gap_s: float = Field(default=3600.0, gt=0, description="Longest time between reads before a gap is reported.")


class TrackPoint(BaseModel):
    """A positioned read in a vehicle's track."""

    read_id: uuid.UUID
    observed_at: datetime
    lat: float
    lon: float
    camera_code: str | None


class StopOut(BaseModel):
    """A dwell or a gap (see ``rtcc.investigations.logic``)."""

    kind: Literal["dwell", "gap"]
    start: datetime
    end: datetime
    lat: float
    lon: float
    reads: int
    duration_s: float
    distance_m: float
    camera_codes: list[str]


class HistoryResult(BaseModel):
    """A vehicle history."""

    plate_norm: str
    reads: list[ReadHit]
    track: list[TrackPoint]
    stops: list[StopOut]
    truncated: bool
    result_count: int


class StakeoutQuery(PurposeFields):
    """All plates seen in an area (or at cameras) within a time window."""

    area: Area | None = None
    camera_ids: list[uuid.UUID] | None = Field(default=None, max_length=500)
    start: datetime
    end: datetime
    state: str | None = Field(default=None, max_length=8)
    limit: int = Field(default=100, ge=1, le=MAX_LIMIT)

    @field_validator("start", "end")
    @classmethod
    def _tz(cls, value: datetime) -> datetime:
        _aware(value)
        return value

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if self.area is None and not self.camera_ids:
            raise ValueError("give an area or camera_ids")
        return self


class PlateSeen(BaseModel):
    """A plate seen in a stakeout."""

    plate_norm: str
    plate: str
    state: str | None
    reads: int
    first_seen: datetime
    last_seen: datetime
    camera_codes: list[str]


class StakeoutResult(BaseModel):
    """Plates seen, most reads first."""

    plates: list[PlateSeen]
    total_plates: int
    total_reads: int
    result_count: int


class Place(_Strict):
    """One scene: a point, a radius and a moment with a time window either side."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_m: float = Field(default=300.0, gt=0, le=5000)
    at: datetime
    window_s: float = Field(default=1800.0, gt=0, description="Seconds either side of ``at``.")
    label: str | None = Field(default=None, max_length=64)

    @field_validator("at")
    @classmethod
    def _tz(cls, value: datetime) -> datetime:
        _aware(value)
        return value


class CommonQuery(PurposeFields):
    """Plates seen near several places/times, ranked by how many they match."""

    places: list[Place] = Field(min_length=2, max_length=20)
    min_places: int = Field(default=2, ge=1, description="Report plates seen at this many places or more.")
    limit: int = Field(default=100, ge=1, le=MAX_LIMIT)


class CommonHit(BaseModel):
    """One read of a common plate at one of the places (its index into the request's ``places``)."""

    place: int
    read_id: uuid.UUID
    observed_at: datetime
    lat: float | None
    lon: float | None
    camera_code: str | None


class CommonPlate(BaseModel):
    """A plate and the places (indices into the request's ``places``) it was seen at, with the reads that matched."""

    plate_norm: str
    plate: str
    places: list[int]
    place_count: int
    reads: int
    hits: list[CommonHit] = Field(default_factory=list, description="The matched reads, by place then time.")


class CommonResult(BaseModel):
    """Common plates, most places first."""

    plates: list[CommonPlate]
    places_searched: int
    result_count: int


class CoTravelQuery(PlateScoped):
    """Plates repeatedly seen within ``window_s`` of a target plate at several distinct cameras."""

    plate: str = Field(min_length=2, max_length=24)
    window_s: float = Field(default=60.0, gt=0, le=900)
    min_cameras: int = Field(default=2, ge=1, le=50)
    limit: int = Field(default=100, ge=1, le=MAX_LIMIT)


class CoTravelSighting(BaseModel):
    """One sighting of a co-travelling plate: the camera, the target's pass and this plate's read."""

    camera_code: str
    target_at: datetime
    observed_at: datetime
    gap_s: float = Field(description="Seconds from the target's pass (negative: before it).")


class CoTravelPlate(BaseModel):
    """A plate travelling with the target."""

    plate_norm: str
    plate: str
    camera_codes: list[str]
    camera_count: int
    passes: int = Field(description="Target passes this plate was seen within the window of.")
    min_gap_s: float
    evidence: list[CoTravelSighting] = Field(default_factory=list, description="Its sightings, in time order.")


class CoTravelResult(BaseModel):
    """Co-travelling plates, most distinct cameras first."""

    plate_norm: str
    target_reads: int
    plates: list[CoTravelPlate]
    result_count: int


#: A purpose code a search can carry: the governance domain's own schema (one shape for both lists).
PurposeOut = PurposeRead


class ImageRefs(BaseModel):
    """The image references of one read (opening them is audited)."""

    read_id: uuid.UUID
    image_ref: str | None
    crop_ref: str | None


class IndexStats(BaseModel):
    """The plate index: distinct plates, its high-water mark and when it was last rebuilt."""

    plates: int
    synced_to: datetime | None
    rebuilt_at: datetime | None
