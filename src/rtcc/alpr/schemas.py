"""Pydantic contracts of the ALPR API: the native read shape (REST, MQTT, JSONL), ingest results, cameras,
heartbeats, stored reads and dead letters.

Native inbound models forbid unknown fields (they are our format); vendor documents (OpenALPR, Frigate) are parsed
by the adapters instead, which tolerate unknown fields. Timestamps must carry a timezone: a naive
``observed_at`` is refused with "timestamp has no timezone".
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, NotRequired

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    field_validator,
    model_validator,
    with_config,
)
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict

from rtcc.alpr import logic


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError("timezone_required", "timestamp has no timezone")
    return value


#: A datetime that must carry a timezone (the error says "timestamp has no timezone").
AwareTime = Annotated[datetime, AfterValidator(_aware)]


class VehicleIn(BaseModel):
    """Vehicle attributes a camera may report with a read."""

    model_config = ConfigDict(extra="forbid")

    make: str | None = Field(default=None, max_length=32)
    model: str | None = Field(default=None, max_length=48)
    color: str | None = Field(default=None, max_length=24)
    type: str | None = Field(default=None, max_length=24, description="Body type, e.g. sedan, suv, pickup.")


class CandidateIn(BaseModel):
    """An alternative reading of the plate by the camera's OCR."""

    model_config = ConfigDict(extra="forbid")

    plate: str = Field(min_length=1, max_length=16)
    confidence: float | None = Field(default=None, ge=0, le=100)


class ReadIn(BaseModel):
    """One plate read in the native format (REST batch item, MQTT message, JSONL line)."""

    model_config = ConfigDict(extra="forbid")

    plate: str = Field(min_length=1, max_length=16, description="The plate as read (stored as is, plus normalised).")
    region: str | None = Field(
        default=None, max_length=16, description="State/region, e.g. CA or us-ca (stored upper-case, prefix dropped)."
    )
    confidence: float | None = Field(
        default=None, ge=0, le=100, description="OCR confidence in percent (0..100); values in [0, 1] are fractions."
    )
    observed_at: AwareTime = Field(description="When the camera saw the plate (ISO 8601 with a timezone).")
    camera: str = Field(min_length=1, max_length=64, description="Camera code as registered.")
    lat: float | None = Field(default=None, ge=-90, le=90, description="WGS84 latitude of the vehicle/camera.")
    lon: float | None = Field(default=None, ge=-180, le=180, description="WGS84 longitude.")
    heading: float | None = Field(default=None, ge=0, lt=360, description="Direction of travel, degrees from north.")
    vehicle: VehicleIn | None = None
    image_ref: str | None = Field(default=None, max_length=512, description="Reference (URL/key) of the scene image.")
    crop_ref: str | None = Field(default=None, max_length=512, description="Reference of the plate crop image.")
    candidates: list[CandidateIn] | None = Field(default=None, max_length=20)
    id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="The sensor's own id of this read; resending it is idempotent. Default: camera+plate+time.",
    )

    @field_validator("image_ref", "crop_ref")
    @classmethod
    def _not_our_store(cls, value: str | None) -> str | None:
        # refs into our image store are assigned by the server for images it stored; a sensor naming one could point
        # its read at another read's picture
        if value is not None and value.startswith(logic.IMAGE_PREFIX + "/"):
            raise PydanticCustomError("ref", f"refs under {logic.IMAGE_PREFIX}/ are assigned by the server")
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        norm = logic.normalise_region(value)
        if value is not None and value.strip() and norm is None:
            raise PydanticCustomError("region", "region must be a state/region code of at most 8 characters")
        return norm

    def to_normalized(self, loc: str = "") -> logic.NormalizedRead:
        """The adapter-neutral form of this read (confidence in percent)."""
        v = self.vehicle
        return logic.NormalizedRead(
            camera_code=self.camera,
            plate=self.plate,
            observed_at=self.observed_at,
            region=self.region,
            confidence=logic.confidence_percent(self.confidence),
            lat=self.lat,
            lon=self.lon,
            heading=self.heading,
            vehicle_make=v.make if v else None,
            vehicle_model=v.model if v else None,
            vehicle_color=v.color if v else None,
            vehicle_type=v.type if v else None,
            image_ref=self.image_ref,
            crop_ref=self.crop_ref,
            candidates=[{"plate": c.plate, "confidence": c.confidence} for c in self.candidates]
            if self.candidates
            else None,
            source_ref=self.id,
            loc=loc,
        )


class ReadBatch(BaseModel):
    """A batch of native reads: 1 to ``RTCC_INGEST_MAX_BATCH`` items."""

    model_config = ConfigDict(extra="forbid")

    reads: list[ReadIn] = Field(min_length=1)


@with_config(ConfigDict(extra="forbid"))
class VehicleFields(TypedDict, total=False):
    """``VehicleIn`` as a typed dict, for the batch fast path (``NATIVE_BATCH``)."""

    make: Annotated[str, Field(max_length=32)] | None
    model: Annotated[str, Field(max_length=48)] | None
    color: Annotated[str, Field(max_length=24)] | None
    type: Annotated[str, Field(max_length=24)] | None


@with_config(ConfigDict(extra="forbid"))
class CandidateFields(TypedDict):
    """``CandidateIn`` as a typed dict, for the batch fast path."""

    plate: Annotated[str, Field(min_length=1, max_length=16)]
    confidence: NotRequired[Annotated[float, Field(ge=0, le=100)] | None]


@with_config(ConfigDict(extra="forbid"))
class ReadFields(TypedDict):
    """``ReadIn`` as a typed dict: the same fields and constraints, validated in one pydantic-core call per batch
    without building a model per read. A test holds its JSON schema equal to ``ReadIn``'s. ``ReadIn``'s own checks
    (timezone required, region code) are applied by the caller, which falls back to ``ReadIn`` item by item when
    anything is refused, so that every refusal reads the same whichever path found it."""

    plate: Annotated[str, Field(min_length=1, max_length=16)]
    region: NotRequired[Annotated[str, Field(max_length=16)] | None]
    confidence: NotRequired[Annotated[float, Field(ge=0, le=100)] | None]
    observed_at: datetime
    camera: Annotated[str, Field(min_length=1, max_length=64)]
    lat: NotRequired[Annotated[float, Field(ge=-90, le=90)] | None]
    lon: NotRequired[Annotated[float, Field(ge=-180, le=180)] | None]
    heading: NotRequired[Annotated[float, Field(ge=0, lt=360)] | None]
    vehicle: NotRequired[VehicleFields | None]
    image_ref: NotRequired[Annotated[str, Field(max_length=512)] | None]
    crop_ref: NotRequired[Annotated[str, Field(max_length=512)] | None]
    candidates: NotRequired[Annotated[list[CandidateFields], Field(max_length=20)] | None]
    id: NotRequired[Annotated[str, Field(min_length=1, max_length=128)] | None]


#: Validates a whole batch of native reads at once (see ``ReadFields``).
NATIVE_BATCH: TypeAdapter[list[ReadFields]] = TypeAdapter(list[ReadFields])


class RejectedRead(BaseModel):
    """One refused read: its position in the input, the field at fault, and why."""

    index: int
    field: str
    reason: str


class IngestResult(BaseModel):
    """Outcome of one ingest call. Reads are acknowledged (this response is sent) only after they are stored."""

    accepted: int = Field(default=0, description="Reads stored now.")
    duplicates: int = Field(default=0, description="Reads already stored before (idempotent resends).")
    rejected: list[RejectedRead] = Field(default_factory=list)
    dead_lettered: int = Field(default=0, description="Dead letters written for this input.")
    heartbeats: int = Field(default=0, description="Camera heartbeats applied.")
    vehicle_updates: int = Field(default=0, description="Stored reads whose vehicle attributes were updated.")
    kind: str | None = Field(default=None, description="Document kind for vendor webhooks (alpr_group, heartbeat…).")
    images: int = Field(default=0, description="Images sent inside the documents (plate/vehicle crops) stored now.")
    images_refused: list[RejectedRead] = Field(
        default_factory=list,
        description="Images refused (not base64, not a JPEG, too large), each naming its field; their reads are "
        "stored all the same and the document is dead-lettered with the reason.",
    )
    vendor_alerts: int = Field(default=0, description="The sensor's own alerts (OpenALPR alpr_alert) stored now.")


class HeartbeatIn(BaseModel):
    """A native camera heartbeat: which camera (code or OpenALPR agent uid), when, and whether it streams."""

    model_config = ConfigDict(extra="forbid")

    camera: str | None = Field(default=None, min_length=1, max_length=64)
    agent_uid: str | None = Field(default=None, min_length=1, max_length=128)
    at: AwareTime | None = Field(default=None, description="Sensor time of the heartbeat (default: now).")
    streaming: bool | None = Field(default=None, description="False when the camera's video stream is down.")
    info: dict[str, Any] = Field(default_factory=dict, description="Free health details (fps, version…).")

    @model_validator(mode="after")
    def _who(self) -> HeartbeatIn:
        if not self.camera and not self.agent_uid:
            raise PydanticCustomError("camera_required", "a heartbeat needs camera or agent_uid")
        return self


class HeartbeatResult(BaseModel):
    """Cameras whose health a heartbeat updated, and the codes it named that are not registered."""

    updated: int
    unknown: list[str] = Field(default_factory=list)


class CameraCreate(BaseModel):
    """Register a camera. ``code`` is what the sensor sends (``openalpr:<camera_id>``, ``frigate:<name>``…)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")
    name: str = Field(min_length=1, max_length=128)
    kind: str = Field(default="alpr_fixed", pattern=r"^[a-z][a-z_]{1,31}$")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    heading_deg: float | None = Field(default=None, ge=0, lt=360)
    location: str | None = Field(default=None, max_length=255)
    agent_uid: str | None = Field(default=None, max_length=128)
    active: bool = True
    meta: dict[str, Any] = Field(default_factory=dict)
    division: str | None = Field(
        default=None,
        max_length=32,
        description="The city profile's division it belongs to; by default the division its point lies in.",
    )


class CameraDivisionSet(BaseModel):
    """Set which division a camera belongs to (its reads and alerts follow it); null: by its point again."""

    model_config = ConfigDict(extra="forbid")

    division: str | None = Field(default=None, max_length=32)


class CameraRead(BaseModel):
    """A registered camera and its health."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    kind: str
    lat: float | None
    lon: float | None
    heading_deg: float | None
    location: str | None
    agent_uid: str | None
    status: str
    last_heartbeat_at: datetime | None
    last_read_at: datetime | None
    active: bool
    created_at: datetime
    division: str | None = Field(default=None, description="The city profile's division the camera belongs to.")


class VendorAlertRead(BaseModel):
    """A sensor's own hotlist alert (an OpenALPR agent's ``alpr_alert``), linked to its read by ``read_id``. It is
    what the vendor's system said, shown beside the read; our own hotlist alerts are separate."""

    id: uuid.UUID
    read_id: uuid.UUID
    camera_id: uuid.UUID
    camera_code: str
    plate: str | None
    alert_list: str | None = Field(description="The agent's list name.")
    list_type: str | None = Field(description="The agent's list type (e.g. Blacklist).")
    description: str | None
    site_name: str | None
    camera_name: str | None
    agent_uid: str | None
    source: str
    observed_at: datetime
    received_at: datetime


class VendorAlertPage(BaseModel):
    """One page of vendor alerts, newest first."""

    items: list[VendorAlertRead]
    total: int
    limit: int
    offset: int


class DeadLetterRead(BaseModel):
    """An input we could not accept: the raw payload, the reason, where it came from, and its replay state."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    received_at: datetime
    reason: str
    payload: str = Field(description="The payload as received, or its first RTCC_DEAD_LETTER_PAYLOAD_MAX_BYTES.")
    payload_bytes: int | None = Field(description="Size of the whole payload in bytes (UTF-8); null before 0027.")
    payload_sha256: str | None = Field(description="SHA-256 (hex) of the whole payload; null before 0027.")
    payload_truncated: bool = Field(description="Only a prefix of the payload was kept: it cannot be replayed.")
    context: dict[str, Any]
    status: str
    attempts: int
    resolved_at: datetime | None


class DeadLetterPage(BaseModel):
    """One page of dead letters, newest first."""

    items: list[DeadLetterRead]
    total: int
    limit: int
    offset: int


class ReplayOutcome(BaseModel):
    """What replaying one dead letter did: ``replayed`` (now accepted) or ``pending`` with the new reason."""

    id: int
    status: str
    reason: str | None = None
    attempts: int
    result: IngestResult | None = None


class ReplaySummary(BaseModel):
    """What replaying several dead letters did."""

    replayed: int
    failed: int
    items: list[ReplayOutcome]
