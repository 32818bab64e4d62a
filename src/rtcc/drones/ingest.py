"""The one telemetry ingest path: fixes from MAVLink, MQTT or HTTP are checked against the geofences, kept in the
flight's track, and shown on the live map, in one transaction per batch.

For each fix of a drone with a flight in progress (in time order per drone):

- **geofence check** against the zones of the policy version the flight was decided under (an index per version,
  built once: zones of a version never change): the leg from the previous fix to this one is tested
  (``GeofenceIndex.zones_on_segment`` behind a per-drone screen, ``rtcc.drones.zonescreen``), so a fast drone cannot
  skip over a narrow zone between two fixes. Entering a
  ``no_fly`` zone, or touching a ``camera_restricted`` zone with the camera down (``telemetry.camera_down``), records
  a ``FlightEvent``, flags the flight and raises an alert (``rtcc.alerts.drone``) once per stay in the zone;
- the flight's figures: maximum altitude, seconds with the camera down (the time between two fixes counts as down
  when the earlier fix's camera was down; gaps over ``MAX_GAP`` count only up to it), when it reached the scene;
- the track point, and the drone's last position and battery.

Then one live event per drone per batch on topic ``drones`` (``drone.position``; shape in ``rtcc.drones.live``),
all stored with one insert; the breaches' alerts are raised once the batch is flushed.
A fix for an unknown drone is refused; a drone without a flight in progress only updates its position (no track: a
flight starts from an accepted launch request, ``rtcc.drones.flights.start``).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from rtcc.alerts import drone as drone_alerts
from rtcc.bus.base import Bus
from rtcc.core.clock import ensure_utc, utcnow
from rtcc.drones import flight_repo as repo
from rtcc.drones import live
from rtcc.drones.coarsen import distance_m
from rtcc.drones.flight_config import DroneFlightSettings
from rtcc.drones.flight_models import Flight, FlightEvent
from rtcc.drones.geofence import GeofenceIndex, Zone
from rtcc.drones.models import Drone
from rtcc.drones.telemetry import TelemetryFix, camera_down
from rtcc.drones.zonescreen import ZoneScreen
from rtcc.live import service as live_service

logger = logging.getLogger(__name__)

#: A fix claimed this far in the future is refused (the drone's clock is wrong).
MAX_FUTURE = timedelta(minutes=5)
#: Camera-down time between two fixes further apart than this counts only up to it (a telemetry gap).
MAX_GAP = timedelta(seconds=10)


@dataclass
class IngestResult:
    """What one batch did."""

    stored: int = 0
    geofence_checks: int = 0
    breaches: int = 0
    without_flight: int = 0
    rejected: list[str] = field(default_factory=list)  # "<drone>: <why>"


_indexes: dict[int, ZoneScreen] = {}
_lock = threading.Lock()
_EMPTY = ZoneScreen(GeofenceIndex([]))


def zone_index(session: Session, version: int | None) -> tuple[int | None, ZoneScreen]:
    """The geofence index (behind its per-drone screen) of a policy version (None: the one in force), built once
    per version and cached: a version's zones never change."""
    if version is not None:
        cached = _indexes.get(version)
        if cached is not None:
            return version, cached
    found, rows = repo.policy_zones(session, version)
    if found is None:
        return None, _EMPTY
    cached = _indexes.get(found)
    if cached is None:
        screen = ZoneScreen(GeofenceIndex([Zone(str(g.id), g.kind, g.name, g.geometry) for g in rows]))
        with _lock:
            cached = _indexes.setdefault(found, screen)
    return found, cached


def clear_zone_cache() -> None:
    """Forget every cached index (tests that rebuild the database reuse version numbers)."""
    with _lock:
        _indexes.clear()


def ingest(
    session: Session, bus: Bus | None, fixes: Sequence[TelemetryFix], settings: DroneFlightSettings
) -> IngestResult:
    """Check, store and publish a batch of fixes (see the module docstring), in the caller's transaction."""
    result = IngestResult()
    if not fixes:
        return result
    now = utcnow()
    by_drone: dict[str, list[tuple[datetime, TelemetryFix]]] = defaultdict(list)
    for fix in fixes:
        at = ensure_utc(fix.at) if fix.at is not None else now
        if at > now + MAX_FUTURE:
            result.rejected.append(f"{fix.drone}: at lies in the future")
            continue
        by_drone[fix.drone].append((at, fix))
    drones = repo.drones_by_code(session, by_drone)
    flights = repo.open_flights(session, [d.id for d in drones.values()])
    points: list[dict[str, Any]] = []
    breaches: list[_Breach] = []
    positions: list[tuple[str, str, dict[str, Any]]] = []
    with session.no_autoflush:  # one flush at the end, not one per query
        for code, items in by_drone.items():
            drone = drones.get(code)
            if drone is None:
                result.rejected.extend(f"{code}: unknown drone" for _ in items)
                continue
            items.sort(key=lambda x: x[0])
            flight = flights.get(drone.id)
            if flight is None:
                result.without_flight += len(items)
            else:
                _, index = zone_index(session, flight.policy_version)
                for at, fix in items:
                    if flight.last_at is not None and at < flight.last_at:
                        result.rejected.append(f"{code}: at is older than the flight's last fix")
                        continue
                    result.geofence_checks += 1
                    found = _check(session, flight, index, at, fix, settings)
                    breaches.extend(found)
                    _fold(flight, at, fix, settings)
                    points.append(_point(flight.id, at, fix))
                    result.stored += 1
            last_at, last = items[-1]
            _update_drone(drone, last_at, last)
            if bus is not None:
                positions.append(
                    (live.TOPIC, "drone.position", live.position_data(drone, flight, last, last_at, settings))
                )
    repo.add_points(session, points)
    session.flush()
    _raise_alerts(session, bus, breaches)
    result.breaches = len(breaches)
    if bus is not None and positions:
        live_service.emit_many(session, bus, positions)
    session.flush()
    return result


def _point(flight_id: uuid.UUID, at: datetime, fix: TelemetryFix) -> dict[str, Any]:
    return {
        "flight_id": flight_id,
        "at": at,
        "lat": fix.lat,
        "lon": fix.lon,
        "alt_m": fix.alt_m,
        "heading_deg": fix.heading_deg,
        "speed_mps": fix.speed_mps,
        "battery_pct": fix.battery_pct,
        "camera_pitch_deg": fix.camera_pitch_deg,
        "source": fix.source[:16],
    }


@dataclass
class _Breach:
    flight: Flight
    zone: Zone
    kind: str
    at: datetime
    fix: TelemetryFix
    event: FlightEvent


def _check(
    session: Session,
    flight: Flight,
    index: ZoneScreen,
    at: datetime,
    fix: TelemetryFix,
    settings: DroneFlightSettings,
) -> list[_Breach]:
    """The geofence check of one fix: the breaches it makes (their events are added and the flight flagged; the
    alerts are raised by the caller once the batch is flushed)."""
    if not len(index.index):
        return []
    prev = (flight.last_lon, flight.last_lat) if flight.last_lat is not None and flight.last_lon is not None else None
    touched, inside = index.check(flight.id, prev, fix.lon, fix.lat)
    inside_now = {z.key for z in inside}
    if not touched and not inside_now and not flight.zones_inside and not flight.zones_alerted:
        return []  # the common case: nowhere near a zone (no JSON columns rewritten)
    before = set(flight.zones_inside or [])
    down = camera_down(fix.camera_pitch_deg, settings.drones_camera_down_deg)
    alerted = set(flight.zones_alerted or [])
    found: list[_Breach] = []
    for zone in touched:
        breach: str | None = None
        if zone.kind == "no_fly" and zone.key not in before:
            breach = "no_fly"
        elif zone.kind == "camera_restricted" and down and f"camera_restricted:{zone.key}" not in alerted:
            breach = "camera_restricted"
        if breach is None:
            continue
        alerted.add(f"{breach}:{zone.key}")
        event = FlightEvent(
            flight_id=flight.id,
            kind=breach,
            zone_id=zone.key[:64],
            zone_name=zone.name[:128],
            policy_version=flight.policy_version,
            at=at,
            lat=fix.lat,
            lon=fix.lon,
            camera_pitch_deg=fix.camera_pitch_deg,
        )
        session.add(event)
        flight.flagged = True
        if breach not in (flight.flags or []):
            flight.flags = sorted({*(flight.flags or []), breach})
        found.append(_Breach(flight, zone, breach, at, fix, event))
    # Leaving a zone ends the stay: a later entry (or camera-down crossing) is a new breach.
    flight.zones_alerted = sorted(a for a in alerted if a.split(":", 1)[1] in inside_now)
    flight.zones_inside = sorted(inside_now)
    return found


def _raise_alerts(session: Session, bus: Bus | None, breaches: Sequence[_Breach]) -> None:
    """The alerts of a batch's breaches (one open alert per flight, zone and kind); ids kept on the events."""
    for b in breaches:
        logger.info("flight %s: %s breach of zone %s", b.flight.id, b.kind, b.zone.key)
    if bus is None or not breaches:
        return
    ids = drone_alerts.raise_drone_geofence(
        session,
        bus,
        [
            drone_alerts.GeofenceBreach(
                flight_id=b.flight.id,
                drone_code=b.flight.drone_code,
                breach=b.kind,
                zone_id=b.zone.key,
                zone_name=b.zone.name,
                at=b.at,
                details={
                    "zone_name": b.zone.name,
                    "policy_version": b.flight.policy_version,
                    "call_number": b.flight.call_number,
                    "camera_pitch_deg": b.fix.camera_pitch_deg,
                },
            )
            for b in breaches
        ],
    )
    for b, alert_id in zip(breaches, ids, strict=True):
        b.event.alert_id = alert_id


def _fold(flight: Flight, at: datetime, fix: TelemetryFix, settings: DroneFlightSettings) -> None:
    """The flight's running figures after one fix."""
    if flight.last_at is not None and camera_down(flight.last_camera_pitch_deg, settings.drones_camera_down_deg):
        flight.camera_down_s = (flight.camera_down_s or 0.0) + min(at - flight.last_at, MAX_GAP).total_seconds()
    if fix.alt_m is not None and (flight.max_alt_m is None or fix.alt_m > flight.max_alt_m):
        flight.max_alt_m = fix.alt_m
    if (
        flight.on_scene_at is None
        and flight.call_lat is not None
        and flight.call_lon is not None
        and distance_m((fix.lat, fix.lon), (flight.call_lat, flight.call_lon)) <= settings.drones_on_scene_radius_m
    ):
        flight.on_scene_at = at
    flight.points = (flight.points or 0) + 1
    flight.last_at = at
    flight.last_lat, flight.last_lon = fix.lat, fix.lon
    flight.last_alt_m = fix.alt_m
    flight.last_heading_deg = fix.heading_deg
    flight.last_camera_pitch_deg = fix.camera_pitch_deg


def _update_drone(drone: Drone, at: datetime, fix: TelemetryFix) -> None:
    if drone.position_at is None or at >= drone.position_at:
        drone.lat, drone.lon, drone.position_at = fix.lat, fix.lon, at
        if fix.battery_pct is not None:
            drone.battery_pct = fix.battery_pct
