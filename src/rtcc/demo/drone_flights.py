"""The demo's simulated drone flights: every ``every_s`` seconds the simulator takes the newest open call that has no
launch decision yet, asks the launch policy (``rtcc.drones.launches.decide``, as a dispatcher would), and when the
decision recommends a launch requests it, has the demo pilot accept it, and flies it: telemetry at ``rate_hz`` from
the dock to the call at the drone's cruise speed, a hover over the call with the camera down, and the flight home,
all through the real ingest path (geofence check, live map topic ``drones``, track), then lands it and uploads a
recording to the footage domain (whose retention the public log then shows). A refused call type is left refused, its
rule named in the decision.

The simulated drone obeys the pilot's commands (``rtcc.drones.commands``, channel ``simulator``): between two
seconds of flight it reads the commands addressed to it, acknowledges them, and on ``return_to_dock`` flies straight
home from where it is (camera up), on ``land`` comes down where it is. Each dock's simulated weather station reports
its wind before every decision and on every loop pass (``rtcc.drones.weather_feed.record``, source ``dock``), so the
policy's ``wind.stale`` rule sees a current observation.

``fly`` is one flight (tests call it directly with a large ``speedup``); ``DroneFlightSimulator`` is the loop the demo
runs. Everything goes through the services with the demo's dispatcher and pilot as the actors (audited).
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from rtcc.bus.base import Bus
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.dispatch import calls
from rtcc.drones import commands, flights, footage_retention, launches, weather, weather_feed
from rtcc.drones import service as drones_service
from rtcc.drones.flight_schemas import FlightRead
from rtcc.drones.ingest import ingest
from rtcc.drones.models import LaunchDecision
from rtcc.drones.schemas import LaunchRequestCreate, PilotAnswer
from rtcc.drones.telemetry import TelemetryFix
from rtcc.footage.storage import store_for
from rtcc.identity import service as identity
from rtcc.identity.logic import Principal, Role, permissions_for
from rtcc.settings import Settings

logger = logging.getLogger(__name__)

DISPATCHER = Principal(
    kind="user",
    id="demo-drones",
    name="demo-drones",
    role=Role.dispatcher.value,
    permissions=permissions_for("dispatcher"),
)
PILOT_USERNAME = "pilot"
M_PER_DEG = 111_320.0
#: The simulated docks' anemometers read a light breeze (m/s, sustained and gusts).
DEMO_WIND = (3.5, 5.0)
#: The start of an MP4 file (an ISO base media ``ftyp`` box, brand mp42): the simulated recording's header.
_MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


def report_weather(db: Database) -> int:
    """Every dock's simulated weather station reports its wind now; returns how many docks reported."""
    now = utcnow()
    with db.uow() as s:
        docks = drones_service.fleet(s).docks
        for d in docks:
            obs = weather.WindObservation(d.code, now, DEMO_WIND[0], DEMO_WIND[1], None, "dock", "demo station")
            weather_feed.record(s, obs, dock_id=d.id, entered_by="demo-station")
    return len(docks)


def _recording(flight_id: uuid.UUID, fixes: int) -> tuple[bytes, str]:
    """The simulated recording's bytes (an MP4 header and a body unique to the flight) and its file name."""
    body = hashlib.sha256(f"demo recording of flight {flight_id}".encode()).digest() * max(1, fixes)
    return _MP4_HEAD + body, f"flight-{flight_id}.mp4"


def _pilot(db: Database) -> Principal:
    with db.read() as s:
        user = next((u for u in identity.list_users(s) if u.username == PILOT_USERNAME), None)
        if user is None:
            raise LookupError(f"the demo pilot {PILOT_USERNAME!r} is not seeded")
        return identity.principal_of(user)


def _leg(a: tuple[float, float], b: tuple[float, float], speed: float, rate_hz: float) -> list[tuple[float, float]]:
    dy = (b[0] - a[0]) * M_PER_DEG
    dx = (b[1] - a[1]) * M_PER_DEG * math.cos(math.radians(a[0]))
    n = max(2, int(math.hypot(dx, dy) / max(speed, 1.0) * rate_hz))
    return [(a[0] + (b[0] - a[0]) * i / n, a[1] + (b[1] - a[1]) * i / n) for i in range(1, n + 1)]


def _heading(a: tuple[float, float], b: tuple[float, float]) -> float:
    dy = b[0] - a[0]
    dx = (b[1] - a[1]) * math.cos(math.radians(a[0]))
    return math.degrees(math.atan2(dx, dy)) % 360.0


def fly(
    db: Database,
    bus: Bus | None,
    settings: Settings,
    call_id: uuid.UUID,
    *,
    speedup: float = 1.0,
    rate_hz: float = 2.0,
    hover_s: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
) -> FlightRead | None:
    """Decide, request, accept and fly a launch for one call; None when the policy refused it (the decision records
    the rule)."""
    report_weather(db)
    with db.uow() as s:
        decision = launches.decide(s, bus, call_id, actor=DISPATCHER)
    if decision.outcome != "recommended" or decision.drone_id is None or decision.dock_id is None:
        logger.info("demo drones: call %s not flown (%s: %s)", decision.call_number, decision.rule_id, decision.rule)
        return None
    pilot = _pilot(db)
    with db.uow() as s:
        req = launches.request_launch(s, bus, LaunchRequestCreate(decision_id=decision.id), actor=DISPATCHER)
    with db.uow() as s:
        launches.answer(s, bus, req.id, True, PilotAnswer(reason=None), actor=pilot)
        fleet = drones_service.fleet(s)
        dock = next(d for d in fleet.docks if d.id == decision.dock_id)
        drone = next(d for d in fleet.drones if d.id == decision.drone_id)
    with db.uow() as s:
        flight = flights.start(s, bus, request_id=req.id, actor=pilot)
    home, scene = (dock.lat, dock.lon), (decision.lat, decision.lon)
    speed = drone.cruise_speed_mps
    legs: list[tuple[list[tuple[float, float]], float, float, float]] = [
        (_leg(home, scene, speed, rate_hz), _heading(home, scene), -10.0, 60.0),  # transit: camera up
        ([scene] * max(1, int(hover_s * rate_hz)), _heading(home, scene), -75.0, 45.0),  # over the call: camera down
        (_leg(scene, home, speed, rate_hz), _heading(scene, home), -10.0, 60.0),
    ]
    start = utcnow()
    k = 0
    battery = 100.0
    here = home
    step = max(1, int(rate_hz))
    li = 0
    while li < len(legs):
        points, heading, pitch, alt = legs[li]
        li += 1
        for i in range(0, len(points), step):  # one batch per second of flight
            batch = []
            for lat, lon in points[i : i + step]:
                battery = max(5.0, battery - 0.02)
                at = start + timedelta(seconds=k / rate_hz)
                batch.append(
                    TelemetryFix(drone.code, at, lat, lon, alt, heading, speed, round(battery, 1), pitch, "demo")
                )
                here = (lat, lon)
                k += 1
            with db.uow() as s:
                ingest(s, bus, batch, settings)
                orders = commands.pending(s, drone.code)
                for order in orders:
                    commands.acknowledge(s, order.id)
            sleep(len(batch) / rate_hz / speedup)
            order_now = orders[-1].command if orders else None
            if order_now == "return_to_dock":  # fly home from here, camera up
                legs[li:] = [(_leg(here, home, speed, rate_hz), _heading(here, home), -10.0, 60.0)]
                logger.info("demo drones: %s returns to its dock on the pilot's command", drone.code)
                break
            if order_now == "land":  # come down where it is
                legs[li:] = [([here] * 3, heading, -10.0, 0.0)]
                logger.info("demo drones: %s lands where it is on the pilot's command", drone.code)
                break
    with db.uow() as s:
        landed = flights.land(
            s, bus, flight.id, actor=pilot, settings=settings, at=start + timedelta(seconds=k / rate_hz)
        )
    data, name = _recording(flight.id, k)
    store = store_for(settings.footage_dir, settings.data_dir)
    writer = store.begin(max_bytes=len(data) + 1, allowed=["video/mp4"], declared="video/mp4")
    writer.write(data)
    footage_retention.store_upload(
        db, store, flight.id, writer.finish(), actor=pilot, settings=settings, filename=name, started_at=utcnow()
    )
    with db.read() as s:
        landed = flights.get(s, flight.id)
    logger.info("demo drones: %s flew call %s (%d fixes)", drone.code, decision.call_number, k)
    return landed


class DroneFlightSimulator:
    """The demo's loop (see the module docstring)."""

    def __init__(
        self, db: Database, bus: Bus, settings: Settings, *, speedup: float = 1.0, every_s: float = 120.0
    ) -> None:
        self.db, self.bus, self.settings = db, bus, settings
        self.speedup, self.every_s = speedup, every_s
        self.flown = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-drone-flights", daemon=True)

    def start(self) -> None:
        """Start the loop."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current step."""
        self._stop.set()
        self._thread.join(10)

    def _sleep(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise InterruptedError

    def _next_call(self) -> uuid.UUID | None:
        with self.db.read() as s:
            page = calls.list_calls(s, actor=DISPATCHER, open_only=True, limit=50)
            decided = set(s.scalars(select(LaunchDecision.call_id)))
        fresh = [c for c in page.items if c.id not in decided]
        return max(fresh, key=lambda c: c.received_at).id if fresh else None

    def _run(self) -> None:
        while not self._stop.wait(self.every_s / self.speedup):
            try:
                report_weather(self.db)
                call_id = self._next_call()
                if call_id is not None and fly(
                    self.db, self.bus, self.settings, call_id, speedup=self.speedup, sleep=self._sleep
                ):
                    self.flown += 1
            except InterruptedError:
                return
            except Exception:
                logger.exception("demo drones: a simulated flight failed")
