"""Pydantic contracts of the drones domain: what the API and the CLI read and write (fleet, program limits, launch
policies and zones, launch decisions, launch requests), and the inbound documents (a fleet file, a policy file's
``policy`` and ``program_limits`` members), which forbid unknown fields so a typo is an error naming the field."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

DroneStatusName = Literal["docked", "charging", "in_flight", "returning", "maintenance"]
DockStatusName = Literal["online", "offline", "maintenance"]
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- inbound documents ------------------------------------------------------------------------------------------------


class DroneIn(_In):
    """A drone in a fleet file."""

    code: str = Field(pattern=CODE_PATTERN, description="Call sign shown to the pilot and on the map.")
    model: str = Field(min_length=1, max_length=64)
    serial: str | None = Field(None, max_length=64)
    faa_registration: str | None = Field(None, max_length=32)
    cruise_speed_mps: float = Field(gt=0, le=60, description="Cruise speed, m/s.")
    endurance_s: int = Field(gt=0, le=6 * 3600, description="Flight time on a full battery, s.")
    battery_pct: float = Field(100.0, ge=0, le=100)
    status: DroneStatusName = "docked"


class DockIn(_In):
    """A dock in a fleet file, with the drones it houses."""

    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=128)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    elevation_m: float | None = None
    launch_time_s: float = Field(ge=0, le=600, description="Seconds from 'go' to airborne.")
    status: DockStatusName = "online"
    drones: list[DroneIn] = Field(default_factory=list)


class FleetIn(_In):
    """A fleet file (``rtcc drones fleet import``): docks and their drones, created or updated by code."""

    docks: list[DockIn] = Field(min_length=1)


class ExclusionIn(_In):
    """A call type the policy excludes, with the rule's id and text (printed in every refusal)."""

    call_type: str = Field(min_length=1, max_length=32)
    rule_id: str = Field(min_length=1, max_length=48)
    rule: str = Field(min_length=1, max_length=2000)


class PolicyIn(_In):
    """A policy file's ``policy`` member."""

    name: str = Field(min_length=1, max_length=128)
    effective_from: datetime | None = Field(None, description="When it applies (unset: from its import).")
    eligible_call_types: list[str] = Field(min_length=1)
    excluded_call_types: list[ExclusionIn] = Field(default_factory=list)
    max_wind_mps: float = Field(gt=0, le=40)
    max_gust_mps: float | None = Field(None, gt=0, le=50)
    daylight_only: bool
    min_battery_pct: float = Field(ge=0, le=100)
    reserve_pct: float = Field(20.0, ge=0, le=90)
    max_range_m: float = Field(gt=0, le=100_000)
    weather_max_age_s: int | None = Field(
        None, ge=60, le=86_400, description="A wind observation older than this refuses a launch (wind.stale)."
    )
    footage_retention_days: int | None = Field(
        None, ge=1, le=3650, description="Drone footage not attached to a case is purged after this many days."
    )
    notes: str | None = Field(None, max_length=4000)

    @field_validator("effective_from")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("must carry a time zone (e.g. 2026-12-01T00:00:00Z)")
        return v


class LimitsIn(_In):
    """A policy file's ``program_limits`` member: the program's authorisation."""

    authorization_ref: str = Field(min_length=1, max_length=128)
    max_altitude_m: float = Field(gt=0, le=1000)
    bvlos_allowed: bool
    night_ops_allowed: bool
    visual_line_of_sight_m: float | None = Field(None, gt=0)


class PilotCreate(_In):
    """Register a staff user as a remote pilot."""

    username: str = Field(min_length=1, max_length=64)
    certificate_number: str = Field(min_length=1, max_length=32)
    certificate_expires: date


class DroneUpdate(_In):
    """A drone's status and battery (the dock or the pilot reports them)."""

    status: DroneStatusName | None = None
    battery_pct: float | None = Field(None, ge=0, le=100)


class DockUpdate(_In):
    """A dock's status and its weather station's reading."""

    status: DockStatusName | None = None
    wind_mps: float | None = Field(None, ge=0, le=100)
    gust_mps: float | None = Field(None, ge=0, le=100)


class OverrideCreate(_In):
    """A supervisor's override of a refused decision; the reason is kept and audited."""

    decision_id: uuid.UUID
    reason: str = Field(min_length=10, max_length=2000, description="Why the flight is justified (min. 10 chars).")


class LaunchRequestCreate(_In):
    """Ask the pilots to launch on a recorded decision that recommended it (or a supervisor's override)."""

    decision_id: uuid.UUID


class PilotAnswer(_In):
    """A pilot's answer: a decline needs a reason; an acceptance may carry a note."""

    reason: str | None = Field(None, max_length=2000)


# --- reads ------------------------------------------------------------------------------------------------------------


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class DroneRead(_Read):
    id: uuid.UUID
    code: str
    model: str
    serial: str | None
    faa_registration: str | None
    cruise_speed_mps: float
    endurance_s: int
    battery_pct: float
    status: str
    status_at: datetime
    dock_id: uuid.UUID | None
    lat: float | None
    lon: float | None
    position_at: datetime | None


class DockRead(_Read):
    id: uuid.UUID
    code: str
    name: str
    lat: float
    lon: float
    elevation_m: float | None
    status: str
    launch_time_s: float
    wind_mps: float | None
    gust_mps: float | None
    weather_at: datetime | None
    weather_source: str | None = None


class WeatherEntry(_In):
    """A wind observation a pilot or supervisor enters (read from an anemometer); ``dock_code`` unset: every dock."""

    dock_code: str | None = Field(None, max_length=32, description="The dock it was read at (unset: all docks).")
    wind_mps: float = Field(ge=0, le=100, description="Sustained wind (m/s).")
    gust_mps: float | None = Field(None, ge=0, le=100, description="Gusts (m/s), if any.")
    observed_at: datetime | None = Field(None, description="When it was read (unset: now); with a time zone.")

    @field_validator("observed_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("must carry a time zone (e.g. 2026-12-01T15:00:00Z)")
        return v


class WeatherRead(_Read):
    """A stored wind observation."""

    id: uuid.UUID
    dock_id: uuid.UUID | None
    station: str
    source: str
    observed_at: datetime
    received_at: datetime
    wind_mps: float
    gust_mps: float | None
    direction_deg: float | None
    raw: str | None
    entered_by: str


class PilotRead(_Read):
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    certificate_number: str
    certificate_expires: date
    active: bool
    on_duty: bool


class FleetRead(BaseModel):
    """Every dock and drone (pilots are listed separately: ``drones:admin``)."""

    docks: list[DockRead]
    drones: list[DroneRead]


class LimitsRead(_Read):
    version: int
    authorization_ref: str
    max_altitude_m: float
    bvlos_allowed: bool
    night_ops_allowed: bool
    visual_line_of_sight_m: float | None
    effective_from: datetime


class ExclusionRead(BaseModel):
    call_type: str
    rule_id: str
    rule: str


class PolicyRead(_Read):
    """One launch policy version (its zones: ``GET /policies/{version}/zones``)."""

    id: int
    version: int
    name: str
    eligible_call_types: list[str]
    excluded_call_types: list[ExclusionRead]
    max_wind_mps: float
    max_gust_mps: float | None
    daylight_only: bool
    min_battery_pct: float
    reserve_pct: float
    max_range_m: float
    weather_max_age_s: int | None = None
    footage_retention_days: int | None = None
    source: str | None
    notes: str | None
    effective_from: datetime
    created_at: datetime
    created_by: str
    zone_count: int = 0


class PolicyImported(BaseModel):
    """What an import stored."""

    policy: PolicyRead
    limits: LimitsRead | None
    zones: int
    no_fly: int
    camera_restricted: int


class CheckRead(BaseModel):
    code: str
    ok: bool
    text: str
    rule_id: str | None = None
    waived: bool = False


class DockOptionRead(BaseModel):
    dock_id: uuid.UUID
    dock_code: str
    drone_id: uuid.UUID | None
    drone_code: str | None
    distance_m: float
    eta_s: float | None
    ok: bool
    code: str
    text: str
    camera_restricted: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class DroneOptionRead(BaseModel):
    """The drone line of a dispatch recommendation: the outcome under the policy in force, the dock and drone, the
    ETA and how many seconds before the first patrol unit it would arrive (negative: after). A preview: the
    decision is recorded when a dispatcher asks for it (``POST /api/v1/drones/calls/{id}/decisions``)."""

    outcome: str
    code: str
    rule_id: str
    rule: str
    policy_version: int | None
    dock_code: str | None
    drone_code: str | None
    eta_s: float | None
    patrol_eta_s: float | None
    lead_s: float | None
    overridable: bool = Field(description="A supervisor may override this refusal (the policy's own rules only).")


class DecisionRead(BaseModel):
    """One recorded launch decision, with every check and every dock's option."""

    id: uuid.UUID
    call_id: uuid.UUID
    call_number: str | None
    call_type: str
    lat: float
    lon: float
    outcome: str
    code: str
    rule_id: str
    rule: str
    policy_version: int | None
    limits_version: int | None
    dock_id: uuid.UUID | None
    drone_id: uuid.UUID | None
    eta_s: float | None
    patrol_eta_s: float | None
    lead_s: float | None
    distance_m: float | None
    overridable: bool
    checks: list[dict[str, Any]]
    overrides_id: uuid.UUID | None
    override_reason: str | None
    decided_at: datetime
    decided_by: str
    decided_by_role: str | None


class DecisionPage(BaseModel):
    items: list[DecisionRead]
    total: int


class LaunchRequestRead(_Read):
    id: uuid.UUID
    decision_id: uuid.UUID
    call_id: uuid.UUID
    call_number: str | None
    call_type: str
    lat: float
    lon: float
    drone_id: uuid.UUID
    dock_id: uuid.UUID | None
    pilot_id: uuid.UUID | None
    state: str
    eta_s: float | None
    requested_at: datetime
    requested_by: str
    responded_at: datetime | None
    responded_by: str | None
    response_reason: str | None
