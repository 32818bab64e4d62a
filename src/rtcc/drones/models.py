"""Tables of the drones domain (Drone as First Responder): the fleet (docks, drones, remote pilots), the program's
authorisation limits, versioned launch policies with their geofence zones, every launch decision, and the launch
requests a pilot accepts or declines.

Cross-domain references carry ids without foreign keys (``call_id`` is a dispatch call's id, kept with a snapshot of
its number, type and place so the decision record stays readable on its own), except ``drone_pilots.user_id`` which
points at ``users`` like dispatch's units do. Policies are append-only versions: a new policy is a new row with the
next ``version``; geofence zones belong to one policy version, so every decision can be replayed against exactly the
zones that decided it. Decisions are append-only too: an override is a new decision row (``outcome = "overridden"``)
that names the refused decision it overrides.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime


class Dock(Base):
    """A drone dock (a box on a roof that houses, charges and launches a drone): where it is and how long it takes
    from "go" to airborne (``launch_time_s``), and the wind its weather station last measured.
    ``status``: ``online`` | ``offline`` | ``maintenance``."""

    __tablename__ = "drone_docks"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    elevation_m: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    launch_time_s: Mapped[float] = mapped_column(Float)
    # The dock's weather station (docks carry one): sustained wind and gusts (m/s) and when they were read.
    wind_mps: Mapped[float | None] = mapped_column(Float)
    gust_mps: Mapped[float | None] = mapped_column(Float)
    weather_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    weather_source: Mapped[str | None] = mapped_column(String(16))  # dock | metar | nws | manual (the latest)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Drone(Base):
    """One aircraft: model, cruise speed (m/s), endurance (s of flight on a full battery), battery (%), status and
    the dock it lives in. ``status``: ``docked`` | ``charging`` | ``in_flight`` | ``returning`` | ``maintenance``.
    ``lat``/``lon``/``position_at`` hold the last known position (telemetry writes them; None: at its dock)."""

    __tablename__ = "drone_aircraft"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # the call sign the pilot and the map show
    model: Mapped[str] = mapped_column(String(64))
    serial: Mapped[str | None] = mapped_column(String(64))
    faa_registration: Mapped[str | None] = mapped_column(String(32))
    cruise_speed_mps: Mapped[float] = mapped_column(Float)
    endurance_s: Mapped[int] = mapped_column(Integer)
    battery_pct: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    status_at: Mapped[datetime] = mapped_column(UTCDateTime)
    dock_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("drone_docks.id", ondelete="SET NULL"))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    position_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_drone_aircraft_dock", "dock_id"),)


class Pilot(Base):
    """A remote pilot in command: the staff account, the FAA Part 107 remote pilot certificate number and the date
    it (or its recurrent training) expires. A pilot whose certificate expired cannot accept a launch."""

    __tablename__ = "drone_pilots"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    certificate_number: Mapped[str] = mapped_column(String(32))
    certificate_expires: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    on_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProgramLimits(Base):
    """The program's authorisation (e.g. an FAA COA or Part 107 waiver), versioned: the maximum altitude above
    ground (m), whether beyond-visual-line-of-sight flight and night operations are authorised, and the reference of
    the authorisation. The latest version whose ``effective_from`` has passed applies."""

    __tablename__ = "drone_program_limits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    authorization_ref: Mapped[str] = mapped_column(String(128))
    max_altitude_m: Mapped[float] = mapped_column(Float)
    bvlos_allowed: Mapped[bool] = mapped_column(Boolean)
    night_ops_allowed: Mapped[bool] = mapped_column(Boolean)
    visual_line_of_sight_m: Mapped[float | None] = mapped_column(Float)  # range without BVLOS (None: not limited)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128))

    __table_args__ = ({"sqlite_autoincrement": True},)


class LaunchPolicy(Base):
    """One version of the launch policy. ``eligible_call_types``: the call types a drone may be launched for;
    ``excluded_call_types``: ``[{"call_type", "rule_id", "rule"}]`` — types never flown without a supervisor's
    audited override, with the rule's text; wind (m/s, sustained and gusts) and daylight limits (``daylight_only``:
    launches only between civil dawn and dusk), the minimum battery (%) and the maximum range from the dock (m).
    The latest version whose ``effective_from`` has passed applies; a version is never edited after it is stored."""

    __tablename__ = "drone_launch_policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(128))
    eligible_call_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    excluded_call_types: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    max_wind_mps: Mapped[float] = mapped_column(Float)
    max_gust_mps: Mapped[float | None] = mapped_column(Float)
    daylight_only: Mapped[bool] = mapped_column(Boolean)
    min_battery_pct: Mapped[float] = mapped_column(Float)
    max_range_m: Mapped[float] = mapped_column(Float)
    reserve_pct: Mapped[float] = mapped_column(Float, default=20.0)  # battery kept for the flight home and landing
    # a wind observation older than this refuses a launch (``wind.stale``); None: a missing reading is only a note
    weather_max_age_s: Mapped[int | None] = mapped_column(Integer)
    # drone footage not attached to a case is purged this many days after it is stored (None: the setting's default)
    footage_retention_days: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(255))  # the file it was imported from
    notes: Mapped[str | None] = mapped_column(Text)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128))

    __table_args__ = ({"sqlite_autoincrement": True},)


class Geofence(Base):
    """One zone of a policy version: a GeoJSON ``Polygon`` or ``MultiPolygon`` (WGS84, [lon, lat]) with its bounding
    box. ``kind``: ``no_fly`` (never launch to or fly through) | ``camera_restricted`` (transit with the camera up:
    schools, backyards)."""

    __tablename__ = "drone_geofences"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    policy_id: Mapped[int] = mapped_column(ForeignKey("drone_launch_policies.id", ondelete="CASCADE"))
    policy_version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(128))
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)

    __table_args__ = (Index("ix_drone_geofences_policy", "policy_id"),)


class LaunchDecision(Base):
    """One launch decision for a call: ``outcome`` ``recommended`` | ``refused`` | ``overridden``, the rule that
    decided it (``rule_id``, ``rule``) and the policy version it was decided under, the dock and drone it chose with
    its ETA (s) and how many seconds before the first patrol car it would arrive (``lead_s``), every check it ran
    (``checks``). An override is a new row naming the refused decision (``overrides_id``) with the supervisor's
    reason. Append-only."""

    __tablename__ = "drone_launch_decisions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    call_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    call_number: Mapped[str | None] = mapped_column(String(16))
    call_type: Mapped[str] = mapped_column(String(32))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32))  # the kind of rule (rtcc.drones.logic.Code), e.g. call_type.excluded
    rule_id: Mapped[str] = mapped_column(String(48))
    rule: Mapped[str] = mapped_column(Text)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("drone_launch_policies.id", ondelete="RESTRICT"))
    policy_version: Mapped[int | None] = mapped_column(Integer)
    limits_version: Mapped[int | None] = mapped_column(Integer)
    dock_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("drone_docks.id", ondelete="SET NULL"))
    drone_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("drone_aircraft.id", ondelete="SET NULL"))
    eta_s: Mapped[float | None] = mapped_column(Float)
    patrol_eta_s: Mapped[float | None] = mapped_column(Float)
    lead_s: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    overrides_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("drone_launch_decisions.id"))
    override_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str] = mapped_column(String(128))
    decided_by_role: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        Index("ix_drone_launch_decisions_call", "call_id", "decided_at"),
        Index("ix_drone_launch_decisions_decided", "decided_at"),
    )


class LaunchRequest(Base):
    """A request to a remote pilot to launch a drone for a call, made on a recommended (or overridden) decision.
    ``state``: ``pending`` | ``accepted`` | ``declined`` | ``cancelled``; the pilot's answer, who gave it, when and
    why are kept (both an acceptance and a refusal are logged and audited). A flight starts from an accepted
    request."""

    __tablename__ = "drone_launch_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drone_launch_decisions.id", ondelete="RESTRICT"))
    call_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    call_number: Mapped[str | None] = mapped_column(String(16))
    call_type: Mapped[str] = mapped_column(String(32))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    drone_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drone_aircraft.id", ondelete="RESTRICT"))
    dock_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("drone_docks.id", ondelete="SET NULL"))
    pilot_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("drone_pilots.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(16))
    eta_s: Mapped[float | None] = mapped_column(Float)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by: Mapped[str] = mapped_column(String(128))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_by: Mapped[str | None] = mapped_column(String(128))
    response_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_drone_launch_requests_state", "state", "requested_at"),
        Index("ix_drone_launch_requests_call", "call_id"),
        Index("ix_drone_launch_requests_drone", "drone_id"),
    )


# Flights, tracks, geofence events and footage live in their own module; importing it here registers their tables
# with every process that loads this domain's models (the models registry, Alembic).
from rtcc.drones import flight_models as _flight_models  # noqa: E402,F401


class WeatherObservation(Base):
    """One wind observation (``rtcc.drones.weather``): from a weather feed (``metar``, ``nws``), a dock's own station
    (``dock``) or a pilot's or supervisor's entry (``manual``); ``dock_id`` None: it applies to every dock (an
    area feed such as the nearest airport's METAR). The newest observation of a dock is copied onto the dock
    (``wind_mps``, ``gust_mps``, ``weather_at``, ``weather_source``), which the launch decision reads."""

    __tablename__ = "drone_weather_observations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dock_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("drone_docks.id", ondelete="CASCADE"))
    station: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    wind_mps: Mapped[float] = mapped_column(Float)
    gust_mps: Mapped[float | None] = mapped_column(Float)
    direction_deg: Mapped[float | None] = mapped_column(Float)
    raw: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(128))

    __table_args__ = (Index("ix_drone_weather_observed", "observed_at"),)


class DroneCommand(Base):
    """A command to a drone in flight (``return_to_dock`` | ``land``): who gave it and why, the channel it was sent
    on (``mavlink`` COMMAND_LONG, ``mqtt`` JSON, ``simulator``, or ``none`` when no uplink reaches the drone and
    the pilot relays it by the ground station), when it was sent and when the drone acknowledged it."""

    __tablename__ = "drone_commands"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    flight_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    drone_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drone_aircraft.id", ondelete="CASCADE"))
    drone_code: Mapped[str] = mapped_column(String(32))
    command: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text)
    issued_by: Mapped[str] = mapped_column(String(128))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    send_error: Mapped[str | None] = mapped_column(Text)
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_drone_commands_drone", "drone_id", "issued_at"),
        Index("ix_drone_commands_flight", "flight_id"),
    )
