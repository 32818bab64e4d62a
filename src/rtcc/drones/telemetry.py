"""The drone telemetry message: one documented JSON shape for MQTT and HTTP, and the fix every adapter produces.

A drone (or its dock's gateway) reports at 1-5 Hz. Over MQTT it publishes on
``<RTCC_MQTT_TOPIC_PREFIX>/drones/<drone code>/telemetry``; over HTTP it posts to ``/api/v1/drones/telemetry``.
The body (``TelemetryIn``, schema version 1)::

    {
      "drone": "CER-D1",            # the drone's code (on MQTT the topic names it; a body value must agree)
      "at": "2026-12-06T03:15:00.250Z",  # when the fix was taken (ISO 8601 with a zone); default: when received
      "lat": 33.8583, "lon": -118.0648,  # WGS84 degrees
      "alt_m": 61.5,                 # altitude above the launch point (above ground level), metres
      "heading_deg": 270.0,          # 0 = north, clockwise, [0, 360)
      "speed_mps": 14.2,             # ground speed, m/s
      "battery_pct": 78,             # remaining battery, 0-100
      "camera_pitch_deg": -60.0      # gimbal pitch: 0 = horizon, -90 = straight down, positive = up
    }

Everything but ``lat``/``lon`` may be left out (a field the drone does not report). Unknown fields are refused: a
misspelt ``camera_pitch`` must not silently read as "camera up". The MAVLink adapter (``rtcc.drones.mavlink``)
builds the same ``TelemetryFix`` from GLOBAL_POSITION_INT, ATTITUDE, VFR_HUD, SYS_STATUS/BATTERY_STATUS and the
gimbal messages, so the ingest path (``rtcc.drones.ingest``) sees one shape whatever the protocol.

This module is pure: no I/O, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class TelemetryIn(BaseModel):
    """One telemetry message (JSON over MQTT or HTTP); see the module docstring."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = 1
    drone: str | None = Field(default=None, min_length=1, max_length=32, description="The drone's code.")
    at: AwareDatetime | None = Field(default=None, description="When the fix was taken (default: when received).")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    alt_m: float | None = Field(default=None, ge=-500, le=10_000, description="Metres above the launch point.")
    heading_deg: float | None = Field(default=None, ge=0, lt=360)
    speed_mps: float | None = Field(default=None, ge=0, le=150)
    battery_pct: float | None = Field(default=None, ge=0, le=100)
    camera_pitch_deg: float | None = Field(default=None, ge=-180, le=180, description="-90 = straight down.")


@dataclass(frozen=True, slots=True)
class TelemetryFix:
    """One fix of one drone, whatever protocol brought it (``source``: ``mavlink``, ``mqtt``, ``http``)."""

    drone: str
    at: datetime | None
    lat: float
    lon: float
    alt_m: float | None
    heading_deg: float | None
    speed_mps: float | None
    battery_pct: float | None
    camera_pitch_deg: float | None
    source: str


def fix_from_json(msg: TelemetryIn, *, drone: str | None, source: str) -> TelemetryFix:
    """The fix a JSON message carries; ``drone`` is the code the channel names (the MQTT topic), which the body's
    ``drone`` must agree with. Raises ``ValueError`` naming the field when the drone is missing or disagrees."""
    code = drone or msg.drone
    if not code:
        raise ValueError("drone: missing (name the drone in the body or the topic)")
    if drone and msg.drone and msg.drone != drone:
        raise ValueError(f"drone: the body names {msg.drone!r} but the channel names {drone!r}")
    return TelemetryFix(
        drone=code,
        at=msg.at,
        lat=msg.lat,
        lon=msg.lon,
        alt_m=msg.alt_m,
        heading_deg=msg.heading_deg,
        speed_mps=msg.speed_mps,
        battery_pct=msg.battery_pct,
        camera_pitch_deg=msg.camera_pitch_deg,
        source=source,
    )


def camera_down(pitch_deg: float | None, threshold_deg: float) -> bool:
    """True when the camera points down: its pitch is at or below ``threshold_deg`` (e.g. -30: more than 30 degrees
    below the horizon). An unknown pitch counts as down: a drone that does not report its gimbal gets no benefit of
    the doubt over a camera-restricted zone."""
    return pitch_deg is None or pitch_deg <= threshold_deg


def drone_of_topic(topic: str, prefix: str) -> str | None:
    """The drone code a telemetry topic ``<prefix>/drones/<code>/telemetry`` names, or None for another topic."""
    base = prefix.strip("/").split("/") if prefix.strip("/") else []
    parts = topic.split("/")
    n = len(base)
    if parts[:n] == base and len(parts) == n + 3 and parts[n] == "drones" and parts[n + 2] == "telemetry":
        return parts[n + 1] or None
    return None
