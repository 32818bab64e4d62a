"""The drone on the live map: events on the live topic ``drones`` (who may receive them: ``rtcc.live.hub.visible``).

Event shapes (``LiveMessage.data``), for the web layer:

- ``drone.position`` — one per drone per telemetry batch (at most the telemetry rate, 1-5 Hz)::

    {"drone_id": "<uuid>", "drone": "CER-D1", "flight_id": "<uuid>" | null, "call_number": "..." | null,
     "at": "<ISO 8601>", "lat": 33.86, "lon": -118.06, "alt_m": 60.0, "heading_deg": 270.0, "speed_mps": 14.0,
     "battery_pct": 78.0, "camera_pitch_deg": -60.0, "camera_down": true, "flagged": false,
     "footprint": {"type": "Polygon", "coordinates": [[[lon, lat] x 5]]} | null}

  The track is the sequence of positions of one ``flight_id``; a screen opening mid-flight loads the track so far
  from ``GET /api/v1/drones/flights/{id}/track`` and appends positions as they come.
- ``drone.flight`` — a flight started or landed: ``{"flight_id", "drone", "drone_id", "status": "in_flight" |
  "landed", "call_number", "call_type", "launched_at", "landed_at"}``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from rtcc.bus.base import Bus
from rtcc.drones.flight_config import DroneFlightSettings
from rtcc.drones.flight_models import Flight
from rtcc.drones.footprint import footprint
from rtcc.drones.models import Drone
from rtcc.drones.telemetry import TelemetryFix, camera_down
from rtcc.live import service as live_service

TOPIC = "drones"


def position_data(
    drone: Drone, flight: Flight | None, fix: TelemetryFix, at: datetime, settings: DroneFlightSettings
) -> dict[str, Any]:
    """The ``drone.position`` event's data."""
    ring = footprint(
        fix.lat,
        fix.lon,
        alt_m=fix.alt_m,
        heading_deg=fix.heading_deg,
        pitch_deg=fix.camera_pitch_deg,
        hfov_deg=settings.drones_camera_hfov_deg,
        vfov_deg=settings.drones_camera_vfov_deg,
    )
    return {
        "drone_id": str(drone.id),
        "drone": drone.code,
        "flight_id": str(flight.id) if flight else None,
        "call_number": flight.call_number if flight else None,
        "at": at.isoformat(),
        "lat": fix.lat,
        "lon": fix.lon,
        "alt_m": fix.alt_m,
        "heading_deg": fix.heading_deg,
        "speed_mps": fix.speed_mps,
        "battery_pct": fix.battery_pct,
        "camera_pitch_deg": fix.camera_pitch_deg,
        "camera_down": camera_down(fix.camera_pitch_deg, settings.drones_camera_down_deg),
        "flagged": bool(flight.flagged) if flight else False,
        "footprint": {"type": "Polygon", "coordinates": [ring]} if ring else None,
    }


def publish_position(
    session: Session,
    bus: Bus,
    drone: Drone,
    flight: Flight | None,
    fix: TelemetryFix,
    at: datetime,
    settings: DroneFlightSettings,
) -> None:
    """Emit ``drone.position`` (stored with the batch, sent after commit)."""
    live_service.emit(
        session, bus, topic=TOPIC, type="drone.position", data=position_data(drone, flight, fix, at, settings)
    )


def publish_flight(session: Session, bus: Bus, flight: Flight) -> None:
    """Emit ``drone.flight`` for a flight that started or landed."""
    live_service.emit(
        session,
        bus,
        topic=TOPIC,
        type="drone.flight",
        data={
            "flight_id": str(flight.id),
            "drone": flight.drone_code,
            "drone_id": str(flight.drone_id),
            "status": flight.status,
            "call_number": flight.call_number,
            "call_type": flight.call_type,
            "launched_at": flight.launched_at.isoformat(),
            "landed_at": flight.landed_at.isoformat() if flight.landed_at else None,
        },
    )
