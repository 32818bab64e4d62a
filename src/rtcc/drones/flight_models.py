"""Tables of drone flights (the fleet and launch policy tables are in ``rtcc.drones.models``): a flight joined to its
call and launch decision, its stored track, and the geofence events it raised. Its footage is a recording of the
footage domain (``rtcc.footage.recordings``, source ``drone``); the flight keeps the summary the public log reports.

A flight row carries what the public log needs without a join (the call's type, number and outcome are copied in
when the flight starts and refreshed when its call closes), so the log's keyset page over ``(launched_at, id)`` of
landed flights is one backward range scan of ``ix_drone_flights_log``. The track points are the record of the flight
(telemetry is not audited message by message);
``drone_flight_events`` keeps each geofence breach with the zone and policy version that decided it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime


class Flight(Base):
    """One flight of one drone, for one call. ``status``: ``in_flight`` | ``landed``.

    ``on_scene_at``: when the drone first came within the on-scene radius of the call. ``camera_down_s``: seconds
    with the camera pitched below the configured angle (integrated between fixes). ``flagged``: a geofence breach
    happened (``drone_flight_events``). ``outcome``: the call's disposition once closed; ``cleared_without_patrol``:
    ``rtcc.drones.figures.cleared_without_patrol`` (None while the call is open). ``public_path``: the coarsened
    segments (``rtcc.drones.coarsen``), computed at landing. ``footage``: ``none`` | ``retained`` (the default
    retention running until ``footage_until``) | ``evidence`` (kept for ``footage_case``) | ``purged`` (at
    ``footage_purged_at``)."""

    __tablename__ = "drone_flights"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    drone_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drone_aircraft.id", ondelete="RESTRICT"))
    drone_code: Mapped[str] = mapped_column(String(32))
    dock_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("drone_docks.id", ondelete="SET NULL"))
    request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("drone_launch_requests.id", ondelete="SET NULL"))
    decision_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("drone_launch_decisions.id", ondelete="SET NULL"))
    policy_version: Mapped[int | None] = mapped_column(Integer)
    call_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    call_number: Mapped[str | None] = mapped_column(String(16))
    call_type: Mapped[str | None] = mapped_column(String(32))
    call_lat: Mapped[float | None] = mapped_column(Float)
    call_lon: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    launched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    on_scene_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    landed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    max_alt_m: Mapped[float | None] = mapped_column(Float)
    camera_down_s: Mapped[float] = mapped_column(Float, default=0.0)
    points: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_lat: Mapped[float | None] = mapped_column(Float)
    last_lon: Mapped[float | None] = mapped_column(Float)
    last_alt_m: Mapped[float | None] = mapped_column(Float)
    last_heading_deg: Mapped[float | None] = mapped_column(Float)
    last_camera_pitch_deg: Mapped[float | None] = mapped_column(Float)
    zones_inside: Mapped[list[str]] = mapped_column(JSON, default=list)  # zone ids the drone is in now
    zones_alerted: Mapped[list[str]] = mapped_column(JSON, default=list)  # "<breach>:<zone id>" raised this stay
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)  # kinds of breach: no_fly, camera_restricted
    outcome: Mapped[str | None] = mapped_column(String(32))
    call_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    cleared_without_patrol: Mapped[bool | None] = mapped_column(Boolean)
    public_path: Mapped[list[list[list[float]]] | None] = mapped_column(JSON)
    footage: Mapped[str] = mapped_column(String(16), default="none")
    footage_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    footage_case: Mapped[str | None] = mapped_column(String(64))
    footage_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128))

    __table_args__ = (
        Index("ix_drone_flights_log", "status", "launched_at", "id"),  # the public log: status = landed, newest first
        Index("ix_drone_flights_drone_status", "drone_id", "status"),
        Index("ix_drone_flights_call", "call_id"),
        Index("ix_drone_flights_open_outcome", "call_closed", "status"),
    )


class FlightPoint(Base):
    """One telemetry fix of a flight (the stored track)."""

    __tablename__ = "drone_flight_points"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flight_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drone_flights.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    alt_m: Mapped[float | None] = mapped_column(Float)
    heading_deg: Mapped[float | None] = mapped_column(Float)
    speed_mps: Mapped[float | None] = mapped_column(Float)
    battery_pct: Mapped[float | None] = mapped_column(Float)
    camera_pitch_deg: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))

    __table_args__ = (Index("ix_drone_flight_points_flight", "flight_id", "at"),)


class FlightEvent(Base):
    """A geofence breach of a flight: ``kind`` ``no_fly`` (entered a no-fly zone) | ``camera_restricted`` (crossed
    a camera-restricted zone with the camera down), the zone and policy version, where and when, and the alert raised
    (``alert_id``)."""

    __tablename__ = "drone_flight_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flight_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drone_flights.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    zone_id: Mapped[str] = mapped_column(String(64))
    zone_name: Mapped[str] = mapped_column(String(128))
    policy_version: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    camera_pitch_deg: Mapped[float | None] = mapped_column(Float)
    alert_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    __table_args__ = (Index("ix_drone_flight_events_flight", "flight_id"),)
