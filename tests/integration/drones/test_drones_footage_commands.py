"""Drone footage in the footage domain's custody (hashed on upload, custody chain, evidence package, purge after
the retention unless attached to a case, the public log saying which), and the pilot's return-to-dock / land
commands: recorded and audited, sent as a MAVLink COMMAND_LONG to the drone whose telemetry arrived over UDP, and
obeyed by the demo's simulated drone."""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import time
import zipfile
from collections.abc import Callable
from datetime import timedelta

import pytest
from drones_support import CORNER, new_call
from fastapi.testclient import TestClient
from flights_support import CALL_AT, DOCK_AT, PILOT, line, make_fleet
from pymavlink.dialects.v20 import common as mavlink2
from sqlalchemy import select

from rtcc.audit.models import AuditEntry
from rtcc.bus.memory import MemoryBus
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.demo import drone_flights, seed_drones
from rtcc.drones import commands, flights, footage_retention, mavlink, publiclog
from rtcc.drones.flight_models import Flight
from rtcc.drones.flight_schemas import CommandCreate
from rtcc.drones.mavlink_udp import SERVICE_KEY, MavlinkListener
from rtcc.drones.models import Dock, DroneCommand
from rtcc.drones.telemetry import TelemetryFix
from rtcc.footage.storage import store_for
from rtcc.identity import service as identity
from rtcc.runtime import Runtime
from rtcc.settings import Settings

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 8


def _flight(client: TestClient, h: dict[str, str], request_id: str, code: str) -> str:
    r = client.post("/api/v1/drones/flights", json={"request_id": request_id}, headers=h)
    assert r.status_code == 201, r.text
    fid = str(r.json()["id"])
    t0 = utcnow() - timedelta(minutes=3)
    body = [
        {"drone": code, "at": (t0 + timedelta(seconds=i)).isoformat(), "lat": lat, "lon": lon, "alt_m": 50}
        for i, (lat, lon) in enumerate(line(DOCK_AT, CALL_AT, 10))
    ]
    assert client.post("/api/v1/drones/telemetry", json=body, headers=h).status_code == 202
    return fid


def test_drone_footage_is_kept_by_the_footage_domain(
    app_client: TestClient, login: Callable[..., dict[str, str]], db: Database, settings: Settings
) -> None:
    admin = login("admin")
    kept, dropped = (make_fleet(db, settings, code=f"CER-F{i}") for i in range(2))
    ids = []
    for f in (kept, dropped):
        fid = _flight(app_client, admin, str(f.request_id), f.drone_code)
        assert app_client.post(f"/api/v1/drones/flights/{fid}/land", headers=admin).status_code == 200
        ids.append(fid)
    r = app_client.post(f"/api/v1/drones/flights/{ids[0]}/footage?filename=k.mp4", content=MP4, headers=admin)
    assert r.status_code == 201, r.text
    rec = r.json()
    assert rec["source"] == "drone" and rec["source_ref"] == ids[0] and rec["case_number"] is None
    assert rec["clips"][0]["sha256"] == hashlib.sha256(MP4).hexdigest()  # hashed by the footage store on receipt
    bad = app_client.post(f"/api/v1/drones/flights/{ids[1]}/footage?filename=x.mp4", content=b"nope", headers=admin)
    assert bad.status_code == 415
    other = MP4 + b"other"
    assert app_client.post(f"/api/v1/drones/flights/{ids[1]}/footage", content=other, headers=admin).status_code == 201

    # the footage domain lists it and keeps its custody; a case makes it evidence
    custody = app_client.get(f"/api/v1/footage/requests/{rec['id']}/custody", headers=admin).json()
    assert [e["action"] for e in custody] == ["recorded", "upload"]
    r = app_client.post(
        f"/api/v1/drones/footage/{rec['id']}/evidence",
        json={"case_number": "26-004411", "reason": "suspect vehicle seen leaving"},
        headers=admin,
    )
    assert r.status_code == 200 and r.json()["case_number"] == "26-004411" and r.json()["retain_until"] is None
    listed = app_client.get("/api/v1/footage/requests?case_number=26-004411", headers=admin).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == rec["id"]
    pkg = app_client.get(f"/api/v1/footage/requests/{rec['id']}/package", headers=admin)
    assert pkg.status_code == 200, pkg.text
    with zipfile.ZipFile(io.BytesIO(pkg.content)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        clip = manifest["clips"][0]
        assert hashlib.sha256(zf.read(clip["file"])).hexdigest() == clip["sha256"]
        assert manifest["request"]["source"] == "drone" and manifest["request"]["case_number"] == "26-004411"
        actions = [e["action"] for e in json.loads(zf.read("custody_log.json"))]
        assert actions == ["recorded", "upload", "evidence", "export"]

    # the retention job: the unattached one is purged after 30 days (its file deleted), the evidence stays
    store = store_for(settings.footage_dir, settings.data_dir)
    unattached = app_client.get(f"/api/v1/drones/flights/{ids[1]}/footage", headers=admin).json()[0]
    key = unattached["clips"][0]["sha256"]
    with db.uow() as s:
        assert footage_retention.purge_due(s, store, now=utcnow() + timedelta(days=29)) == 0
        assert footage_retention.purge_due(s, store, now=utcnow() + timedelta(days=31)) == 1
    store_path = settings.data_dir / "evidence"
    assert not any(p.name.startswith(key) for p in store_path.rglob("*"))
    assert any(p.name.startswith(rec["clips"][0]["sha256"]) for p in store_path.rglob("*"))
    gone = app_client.get(f"/api/v1/footage/requests/{unattached['id']}/package", headers=admin)
    assert gone.status_code == 409 and "purged on" in gone.text
    with db.read() as s:
        rows = {str(r.id): r for r in publiclog.page(s, after=None, limit=10).items}
    assert rows[ids[0]].footage == "evidence"
    assert rows[ids[1]].footage == "purged" and rows[ids[1]].footage_purged_at is not None


def test_return_to_dock_goes_out_as_mavlink_command_long(db: Database, settings: Settings) -> None:
    fleet = make_fleet(db, settings, code="CER-C7")
    with db.uow() as s:
        flight = flights.start(s, None, request_id=fleet.request_id, actor=PILOT)
    runtime = Runtime(settings=settings, db=db, bus=MemoryBus())
    # no uplink yet (no telemetry received anywhere): recorded with channel none for the pilot to relay
    first = commands.issue(runtime, flight.id, CommandCreate(command="land", reason="test"), actor=PILOT)
    assert first.channel == "none" and first.sent_at is None
    listener = MavlinkListener(runtime, address="127.0.0.1:0", systems=f"7={fleet.drone_code}")
    listener.start()
    runtime.services[SERVICE_KEY] = listener
    drone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    drone.bind(("127.0.0.1", 0))
    drone.settimeout(5)
    try:
        mav = mavlink.encoder(7)
        fix = TelemetryFix("x", None, DOCK_AT[0], DOCK_AT[1], 40.0, 90.0, 10.0, 80.0, -10.0, "sim")
        drone.sendto(mavlink.encode_fix(mav, fix, time_boot_ms=1000), listener.bound)
        deadline = time.monotonic() + 10
        while not listener.reaches(fleet.drone_code) and time.monotonic() < deadline:
            time.sleep(0.02)
        cmd = commands.issue(runtime, flight.id, CommandCreate(command="return_to_dock", reason="battery"), actor=PILOT)
        assert cmd.channel == "mavlink" and cmd.sent_at is not None and cmd.send_error is None
        data, _ = drone.recvfrom(65535)
    finally:
        listener.stop()
        drone.close()
    (msg,) = mavlink2.MAVLink(None).parse_buffer(data)
    assert msg.get_type() == "COMMAND_LONG" and msg.command == mavlink2.MAV_CMD_NAV_RETURN_TO_LAUNCH
    assert msg.target_system == 7 and msg.get_srcSystem() == mavlink.GCS_SYSTEM_ID
    with db.read() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "drone.command")).all()
        assert [e.details["command"] for e in entries] == ["land", "return_to_dock"]
        assert len(commands.of_flight(s, flight.id)) == 2


def test_the_simulated_drone_obeys_return_to_dock(db: Database, settings: Settings) -> None:
    with db.uow() as s:
        identity.ensure_user(s, username="pilot", password="demo-password-1", role="pilot", display_name="Pia Pilot")
        seed_drones.seed(s, now=utcnow())
    call = new_call(db, settings, "SHOTS", at=CORNER).call
    ticks = {"n": 0}

    def sleep(_s: float) -> None:  # 3 s into the flight the pilot orders it home
        ticks["n"] += 1
        if ticks["n"] == 3:
            with db.uow() as s:
                (f,) = s.scalars(select(Flight)).all()
                commands.record(
                    s, None, f.id, CommandCreate(command="return_to_dock"), actor=PILOT, channel="simulator"
                )

    flight = drone_flights.fly(db, None, settings, call.id, hover_s=60, sleep=sleep)
    assert flight is not None and flight.status == "landed"
    assert flight.on_scene_at is None and flight.camera_down_s == 0  # it turned back before reaching the call
    with db.read() as s:
        (cmd,) = s.scalars(select(DroneCommand)).all()
        assert cmd.acked_at is not None and cmd.channel == "simulator"
    assert flight.footage == "retained"  # its recording is in the footage domain's custody


def test_a_pilot_enters_a_wind_reading(
    app_client: TestClient, login: Callable[..., dict[str, str]], db: Database, settings: Settings
) -> None:
    fleet = make_fleet(db, settings, code="CER-W1")
    pilot, dispatcher = login("pilot"), login("dispatcher")
    with db.read() as s:
        dock_code = s.scalar(select(Dock.code).where(Dock.id == fleet.dock_id))
    body = {"dock_code": dock_code, "wind_mps": 13.5, "gust_mps": 16.0}
    assert app_client.post("/api/v1/drones/weather", json=body, headers=dispatcher).status_code == 403
    r = app_client.post("/api/v1/drones/weather", json=body, headers=pilot)
    assert r.status_code == 201 and r.json()["source"] == "manual", r.text
    bad = app_client.post("/api/v1/drones/weather", json={**body, "dock_code": "NOPE"}, headers=pilot)
    assert bad.status_code == 422 and "dock_code" in bad.text
    dock = next(
        d for d in app_client.get("/api/v1/drones/fleet", headers=pilot).json()["docks"] if d["code"] == dock_code
    )
    assert dock["wind_mps"] == 13.5 and dock["weather_source"] == "manual"
    assert app_client.get("/api/v1/drones/weather", headers=dispatcher).json()[0]["wind_mps"] == 13.5
    with db.read() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "drones.weather.enter")).one()


def _broker() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 1883), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _broker() and not os.environ.get("RTCC_REQUIRE_SERVICES"), reason="no MQTT broker")
def test_land_goes_out_as_json_on_mqtt(db: Database, settings: Settings) -> None:
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    from rtcc.drones.mqtt import SERVICE_KEY as MQTT_KEY
    from rtcc.drones.mqtt import TelemetrySubscriber

    fleet = make_fleet(db, settings, code="CER-M1")
    with db.uow() as s:
        flight = flights.start(s, None, request_id=fleet.request_id, actor=PILOT)
    runtime = Runtime(settings=settings, db=db, bus=MemoryBus())
    prefix = f"rtcc-cmd-{os.getpid()}-{time.time_ns()}"
    sub = TelemetrySubscriber(runtime, url="mqtt://127.0.0.1:1883", topic_prefix=prefix)
    runtime.services[MQTT_KEY] = sub
    got: list[bytes] = []
    gateway = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=paho.MQTTv311)
    gateway.on_message = lambda _c, _u, m: got.append(bytes(m.payload))
    sub.start()
    try:
        assert sub.subscribed.wait(10)
        gateway.connect("127.0.0.1", 1883)
        gateway.loop_start()
        gateway.subscribe(f"{prefix}/drones/{fleet.drone_code}/command", qos=1)
        time.sleep(0.3)
        fix = {"lat": DOCK_AT[0], "lon": DOCK_AT[1], "alt_m": 30}
        topic = f"{prefix}/drones/{fleet.drone_code}/telemetry"
        gateway.publish(topic, json.dumps(fix), qos=0).wait_for_publish(5)
        deadline = time.monotonic() + 10
        while not sub.reaches(fleet.drone_code) and time.monotonic() < deadline:
            time.sleep(0.02)
        cmd = commands.issue(runtime, flight.id, CommandCreate(command="land", reason="gusts"), actor=PILOT)
        deadline = time.monotonic() + 10
        while not got and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        gateway.loop_stop()
        gateway.disconnect()
        sub.stop()
    assert cmd.channel == "mqtt" and cmd.sent_at is not None
    (body,) = (json.loads(g) for g in got)
    assert body == {"id": str(cmd.id), "command": "land", "issued_at": cmd.issued_at.isoformat(), "reason": "gusts"}
