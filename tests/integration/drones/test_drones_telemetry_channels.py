"""Telemetry channels end to end: MAVLink frames encoded by pymavlink itself sent over UDP to the listener, and the
JSON message over MQTT (skipped unless a broker is reachable; required with RTCC_REQUIRE_SERVICES=1)."""

from __future__ import annotations

import json
import os
import socket
import time
from datetime import timedelta

import pytest
from flights_support import CALL_AT, DOCK_AT, PILOT, line, make_fleet
from sqlalchemy import select

from rtcc.bus.memory import MemoryBus
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.drones import flights, mavlink
from rtcc.drones.flight_models import Flight, FlightPoint
from rtcc.drones.mavlink_udp import MavlinkListener
from rtcc.drones.telemetry import TelemetryFix
from rtcc.runtime import Runtime
from rtcc.settings import Settings


def _runtime(db: Database, settings: Settings) -> Runtime:
    return Runtime(settings=settings, db=db, bus=MemoryBus())


def test_mavlink_over_udp_reaches_the_track_with_the_geofence_check(db: Database, settings: Settings) -> None:
    fleet = make_fleet(db, settings, code="CER-D7")
    with db.uow() as s:
        flight = flights.start(s, None, request_id=fleet.request_id, actor=PILOT)
    listener = MavlinkListener(_runtime(db, settings), address="127.0.0.1:0", systems=f"7={fleet.drone_code}")
    listener.start()
    try:
        mav = mavlink.encoder(7)
        other = mavlink.encoder(99)  # an unmapped system: dropped
        boot = int((utcnow() - timedelta(minutes=5)).timestamp() * 1e6)
        out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        out.sendto(mav.system_time_encode(boot, 0).pack(mav), listener.bound)
        path = line(DOCK_AT, CALL_AT, 40)
        for i, (lat, lon) in enumerate(path):
            fix = TelemetryFix("x", None, lat, lon, 55.0, 88.0, 15.0, 90 - i, -70.0, "sim")
            out.sendto(mavlink.encode_fix(mav, fix, time_boot_ms=i * 250), listener.bound)
            out.sendto(mavlink.encode_fix(other, fix, time_boot_ms=i * 250), listener.bound)
            time.sleep(0.002)
        out.close()
        deadline = time.monotonic() + 20
        while listener.writer.stats.queued < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert listener.writer.wait_idle(20)
    finally:
        listener.stop()
    assert listener.assembler.stats.unknown_system > 0
    assert listener.writer.stats.stored == 40 and listener.writer.stats.geofence_checks == 40
    with db.read() as s:
        pts = s.scalars(select(FlightPoint).order_by(FlightPoint.at)).all()
        assert len(pts) == 40 and {p.source for p in pts} == {"mavlink"}
        assert pts[0].lat == pytest.approx(DOCK_AT[0], abs=1e-6) and pts[-1].alt_m == pytest.approx(55.0)
        assert pts[-1].camera_pitch_deg == pytest.approx(-70.0, abs=1e-3)
        assert (pts[1].at - pts[0].at).total_seconds() == pytest.approx(0.25)  # the autopilot's clock, not arrival
        f = s.get_one(Flight, flight.id)
        assert f.flagged and "camera_restricted" in f.flags  # camera down across the restricted zone


def _broker() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 1883), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _broker() and not os.environ.get("RTCC_REQUIRE_SERVICES"), reason="no MQTT broker")
def test_json_over_mqtt(db: Database, settings: Settings) -> None:
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    from rtcc.drones.mqtt import TelemetrySubscriber

    fleet = make_fleet(db, settings, code="CER-D8")
    with db.uow() as s:
        flights.start(s, None, request_id=fleet.request_id, actor=PILOT)
    prefix = f"rtcc-test-{os.getpid()}-{time.time_ns()}"
    sub = TelemetrySubscriber(_runtime(db, settings), url="mqtt://127.0.0.1:1883", topic_prefix=prefix)
    sub.start()
    try:
        assert sub.subscribed.wait(10)
        pub = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=paho.MQTTv311)
        pub.connect("127.0.0.1", 1883)
        pub.loop_start()
        topic = f"{prefix}/drones/{fleet.drone_code}/telemetry"
        for i, (lat, lon) in enumerate(line(DOCK_AT, CALL_AT, 10)):
            body = {
                "lat": lat,
                "lon": lon,
                "alt_m": 40 + i,
                "heading_deg": 90,
                "camera_pitch_deg": -10,
                "battery_pct": 80,
            }
            pub.publish(topic, json.dumps(body), qos=0).wait_for_publish(5)
        pub.publish(topic, json.dumps({"lat": 1, "lon": 1, "camera_pitch": -90}), qos=0).wait_for_publish(5)
        deadline = time.monotonic() + 15
        while (sub.writer.stats.queued < 10 or sub.malformed < 1) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sub.writer.wait_idle(15)
        pub.loop_stop()
        pub.disconnect()
    finally:
        sub.stop()
    assert sub.malformed == 1 and sub.writer.stats.stored == 10
    with db.read() as s:
        assert {p.source for p in s.scalars(select(FlightPoint))} == {"mqtt"}
