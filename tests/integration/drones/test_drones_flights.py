"""Flights through the real services: a flight starts from an accepted launch request, telemetry goes through the one
ingest path (geofence check on every fix, alerts, live events, track, figures), landing coarsens the public path,
and the call's outcome is joined once it closes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flights_support import CALL_AT, DISPATCHER, DOCK_AT, PILOT, line, make_fleet
from sqlalchemy import select

from rtcc.alerts.models import Alert
from rtcc.bus.memory import MemoryBus
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.errors import Conflict
from rtcc.dispatch import chain
from rtcc.dispatch.schemas import CloseRequest
from rtcc.drones import flights
from rtcc.drones.coarsen import distance_m
from rtcc.drones.flight_models import Flight, FlightEvent, FlightPoint
from rtcc.drones.ingest import ingest
from rtcc.drones.models import Drone, LaunchRequest
from rtcc.drones.telemetry import TelemetryFix
from rtcc.live.models import LiveEvent
from rtcc.settings import Settings

T0 = utcnow() - timedelta(minutes=10)


def fixes(
    code: str, path: list[tuple[float, float]], *, pitch: float, start_s: float = 0.0, alt: float = 60.0
) -> list[TelemetryFix]:
    t0 = T0
    return [
        TelemetryFix(
            code, t0 + timedelta(seconds=start_s + i), lat, lon, alt, 90.0, 15.0, 90.0 - i * 0.1, pitch, "test"
        )
        for i, (lat, lon) in enumerate(path)
    ]


def test_flight_geofences_figures_and_public_path(db: Database, settings: Settings) -> None:
    fleet = make_fleet(db, settings)
    bus = MemoryBus()
    with db.uow() as s:
        started = flights.start(s, bus, request_id=fleet.request_id, actor=PILOT)
    assert started.status == "in_flight" and started.call_number == fleet.call_number
    assert started.policy_version == fleet.policy_version
    out = line(DOCK_AT, CALL_AT, 60)
    # camera up until past the no-fly zone, then down (so the restricted zone is crossed with the camera down)
    batch = fixes(fleet.drone_code, out[:30], pitch=-5.0) + fixes(fleet.drone_code, out[30:], pitch=-70.0, start_s=30)
    with db.uow() as s:
        result = ingest(s, bus, batch, settings)
    assert result.stored == 60 and result.geofence_checks == 60 and result.breaches == 2
    hover = fixes(fleet.drone_code, [CALL_AT] * 20, pitch=-80.0, start_s=60, alt=90.0)
    with db.uow() as s:
        again = ingest(s, bus, hover, settings)
    assert again.breaches == 0  # hovering over the call raises nothing new
    with db.read() as s:
        f = s.scalars(select(Flight)).one()
        assert f.flagged and f.flags == ["camera_restricted", "no_fly"]
        assert f.max_alt_m == 90.0 and f.points == 80
        assert f.on_scene_at is not None
        assert f.camera_down_s == pytest.approx(49.0)  # 30 s down on the way, 19 s hovering (the last fix ends it)
        kinds = sorted(e.kind for e in s.scalars(select(FlightEvent)))
        assert kinds == ["camera_restricted", "no_fly"]
        alerts = s.scalars(select(Alert).where(Alert.kind == "drone_geofence")).all()
        assert len(alerts) == 2 and all(a.state == "new" for a in alerts)
        assert s.scalar(select(Drone.lat).where(Drone.id == fleet.drone_id)) == pytest.approx(CALL_AT[0])
        live = s.scalars(select(LiveEvent).where(LiveEvent.topic == "drones")).all()
        positions = [e for e in live if e.type == "drone.position"]
        assert positions and positions[-1].data["footprint"]["type"] == "Polygon"
        assert positions[-1].data["camera_down"] is True
    back = fixes(fleet.drone_code, line(CALL_AT, DOCK_AT, 60), pitch=-5.0, start_s=80)
    with db.uow() as s:
        back_result = ingest(s, bus, back, settings)
        landed = flights.land(s, bus, started.id, actor=PILOT, settings=settings)
    assert back_result.breaches == 1  # re-entering the no-fly zone on the way back is a new breach; camera up: no other
    assert landed.status == "landed" and landed.landed_at is not None
    assert landed.outcome is None and landed.cleared_without_patrol is None  # the call is still open
    with db.read() as s:
        f = s.scalars(select(Flight)).one()
        assert f.public_path
        for seg in f.public_path:
            for lat, lon in seg:
                assert distance_m((lat, lon), CALL_AT) >= settings.drones_public_private_radius_m
        assert s.scalar(select(Drone.status).where(Drone.id == fleet.drone_id)) == "charging"
    with db.uow() as s:
        chain.close(s, None, fleet.call_id, CloseRequest(disposition="gone_on_arrival"), actor=DISPATCHER)
    with db.uow() as s:
        assert flights.refresh_outcomes(s) == 1
    with db.read() as s:
        f = s.scalars(select(Flight)).one()
        assert f.outcome == "gone_on_arrival" and f.cleared_without_patrol is True


def test_flight_needs_an_accepted_request_and_one_flight_per_drone(db: Database, settings: Settings) -> None:
    fleet = make_fleet(db, settings, code="CER-D2")
    with db.uow() as s:
        s.get_one(LaunchRequest, fleet.request_id).state = "pending"
    with db.uow() as s, pytest.raises(Conflict, match="accepted"):
        flights.start(s, None, request_id=fleet.request_id, actor=PILOT)
    with db.uow() as s:
        s.get_one(LaunchRequest, fleet.request_id).state = "accepted"
    with db.uow() as s:
        flights.start(s, None, request_id=fleet.request_id, actor=PILOT)
    with db.uow() as s, pytest.raises(Conflict, match="in flight"):
        flights.start(s, None, request_id=fleet.request_id, actor=PILOT)


def test_unknown_drone_future_fix_and_no_flight(db: Database, settings: Settings) -> None:
    fleet = make_fleet(db, settings, code="CER-D3")
    now = utcnow()
    batch = [
        TelemetryFix("NOPE", now, 33.86, -118.06, 10, None, None, None, None, "test"),
        TelemetryFix(fleet.drone_code, now + timedelta(hours=1), 33.86, -118.06, 10, None, None, None, None, "test"),
        TelemetryFix(fleet.drone_code, now, 33.861, -118.061, 10, None, None, 55.0, None, "test"),
    ]
    with db.uow() as s:
        r = ingest(s, None, batch, settings)
    assert r.stored == 0 and r.without_flight == 1
    assert any("unknown drone" in x for x in r.rejected) and any("future" in x for x in r.rejected)
    with db.read() as s:
        d = s.get_one(Drone, fleet.drone_id)
        assert d.lat == pytest.approx(33.861) and d.battery_pct == 55.0
        assert s.scalars(select(FlightPoint)).first() is None
