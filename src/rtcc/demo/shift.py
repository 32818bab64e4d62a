"""The demo's simulated shift of calls for service: calls arrive, a simulated dispatcher sends what nobody else took,
and units drive along the streets, work their calls and clear them, all through the real dispatch services.

* **Arrivals** follow ``data/call_profile.json`` (the hour-of-week shape of a real CAD export and a call mix of APCO
  types from the LASD Cerritos incidents; see ``data/SOURCES.md``) through the arrivals kernel
  (``rtcc.analytics.kernels.arrivals``), at ``calls_per_day`` a day, never fewer than ``min_per_hour`` (the demo's
  quiet hours are compressed, as the camera simulator does). Each mix type becomes a call type of the catalogue with
  that APCO code (and alarm premise kind); types the catalogue lacks are left out. Calls come in at random points of
  the city as 911 or alarm-company calls.
* **The simulated dispatcher** assigns the recommended unit (``rtcc.dispatch.assignment``) to a call nobody has taken
  after ``auto_dispatch_s``, never one of the ``manual_units`` (the units the demo's people drive from their phones:
  41A, C1, G1), so a person at the dispatcher's screen has time to take calls first.
* **Units** of the simulation acknowledge, drive the route the routing module gives (positions every
  ``position_every_s`` along its polyline), arrive, spend a time on scene drawn for the call, clear, and the call is
  closed with a plausible disposition.

Everything is written through the services with the simulator as the actor (audited like any user). ``speedup``
compresses the simulation's clock (tests); the demo runs it at 1.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import numpy as np

from rtcc.analytics.kernels.arrivals import ArrivalProfile, sample_arrivals, sample_mix
from rtcc.bus.base import Bus
from rtcc.core.db import Database
from rtcc.demo import seed_dispatch
from rtcc.dispatch import alarms, assignment, calls, calltypes, chain, permits, positions, units
from rtcc.dispatch.logic import AssignmentStatus, Disposition
from rtcc.dispatch.schemas import AssignRequest, CallCreate, CallLocation, CloseRequest, StepRequest
from rtcc.dispatch.unit_schemas import PositionIn
from rtcc.identity.logic import ALARM_COMPANY_PERMISSIONS, Principal, Role, permissions_for
from rtcc.places import service as places
from rtcc.routing import service as routing
from rtcc.settings import Settings

logger = logging.getLogger(__name__)

#: The simulated dispatcher and field units act as this principal (audited as such).
ACTOR = Principal(
    kind="user",
    id="demo-shift",
    name="demo-shift",
    role=Role.dispatcher.value,
    permissions=permissions_for("dispatcher"),
)
#: The demo alarm company's key, as ``rtcc.identity`` resolves it (its messages take the company's own path).
ALARM_COMPANY = Principal(
    kind="apikey",
    id="demo-alarms",
    name="demo alarm company",
    role="alarm_company",
    permissions=ALARM_COMPANY_PERMISSIONS,
    unit=seed_dispatch.ALARM_COMPANY.code,
)
#: Units the demo's people drive from the field view; the simulation never assigns or moves them.
MANUAL_UNITS = ("41A", "C1", "G1")


def load_profile() -> tuple[ArrivalProfile, dict[str, float]]:
    """The committed arrival shape (weights summing to 1 a week) and the APCO call mix."""
    raw = resources.files("rtcc.demo").joinpath("data", "call_profile.json").read_text(encoding="utf-8")
    data = json.loads(raw)
    return ArrivalProfile(tuple(data["hour_of_week_weights"])), dict(data["mix"])


def catalogue_mix(mix: dict[str, float]) -> dict[str, float]:
    """The APCO mix as the catalogue's call types: a key ``CODE`` or ``CODE/premise`` goes to the call types with that
    APCO code (and that alarm premise kind), its weight shared equally; keys the catalogue has no type for drop out."""
    cat = calltypes.catalogue()
    out: dict[str, float] = {}
    for key, weight in mix.items():
        apco, _, premise = key.partition("/")
        types = [
            ct.code
            for ct in cat.call_types
            if ct.apco_code == apco and (not premise or (ct.alarm is not None and ct.alarm.location == premise))
        ]
        for code in types:
            out[code] = out.get(code, 0.0) + weight / len(types)
    return out


@dataclass
class _Job:
    """A simulated unit's work on one call: its steps' due times (simulation seconds) and its route."""

    call_id: uuid.UUID
    unit: str
    emergent: bool
    ack_at: float
    leave_at: float
    route: list[tuple[float, float]] = field(default_factory=list)
    travel_s: float = 0.0
    on_scene_s: float = 0.0
    stage: str = "dispatched"
    arrive_at: float = math.inf
    clear_at: float = math.inf
    next_position_at: float = 0.0


@dataclass
class ShiftStats:
    """What the simulation did (tests and the demo's banner read it)."""

    calls: int = 0
    alarms: int = 0  # of which residential alarms sent by the demo's alarm company
    assigned: int = 0
    arrived: int = 0
    closed: int = 0
    positions: int = 0
    errors: int = 0


class ShiftSimulator:
    """Calls, a simulated dispatcher and moving units (module docstring). ``tick`` does everything due; ``start`` runs
    it in a background thread every ``tick_s`` until ``stop``."""

    def __init__(
        self,
        db: Database,
        bus: Bus | None,
        settings: Settings,
        *,
        calls_per_day: float = 60.0,
        min_per_hour: float = 6.0,
        auto_dispatch_s: float = 90.0,
        position_every_s: float = 10.0,
        speedup: float = 1.0,
        manual_units: Sequence[str] = MANUAL_UNITS,
        seed: int = 20261206,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db, self.bus, self.settings = db, bus, settings
        self.auto_dispatch_s, self.position_every_s, self.speedup = auto_dispatch_s, position_every_s, speedup
        self.manual_units = frozenset(manual_units)
        self.rng = np.random.default_rng(seed)
        self.stats = ShiftStats()
        shape, mix = load_profile()
        self.profile = shape.scaled(calls_per_day * 7.0)
        self.min_per_hour = min_per_hour
        self.mix = catalogue_mix(mix)
        self._clock = clock
        self._t0 = clock()
        self._arrivals: list[float] = []
        self._planned_until = 0.0
        self._waiting: dict[uuid.UUID, float] = {}  # call id -> simulation time it came in
        self._jobs: dict[str, _Job] = {}  # unit call sign -> its job
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- clock and arrivals ---------------------------------------------------------------------------------------
    def now(self) -> float:
        """Simulation seconds since the start."""
        return (self._clock() - self._t0) * self.speedup

    def _plan(self, until: float) -> None:
        """Draw the arrivals up to ``until`` (simulation seconds), an hour at a time."""
        zone = places.city_zone()
        while self._planned_until < until:
            start = datetime.now(zone)
            how = start.weekday() * 24 + start.hour + start.minute / 60
            hour = sample_arrivals(self.profile, start_hour_of_week=how, hours=1.0, rng=self.rng)
            if hour.size < self.min_per_hour:  # quiet hours compressed: at least min_per_hour a simulated hour
                hour = np.sort(self.rng.uniform(0.0, 3600.0, int(self.rng.poisson(self.min_per_hour))))
            self._arrivals.extend(float(t) + self._planned_until for t in hour)
            self._planned_until += 3600.0

    # -- the loop -------------------------------------------------------------------------------------------------
    def start(self, tick_s: float = 1.0) -> None:
        """Run ``tick`` every ``tick_s`` in a background thread."""

        def loop() -> None:
            while not self._stop.wait(tick_s):
                self.tick()

        self._thread = threading.Thread(target=loop, name="demo-shift", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the background thread (waits for the current tick)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def tick(self) -> None:
        """Everything due now: new calls, the simulated dispatcher, the units' next steps. One failing step is logged
        and counted; the others go on."""
        now = self.now()
        self._plan(now + 3600.0)
        while self._arrivals and self._arrivals[0] <= now:
            self._arrivals.pop(0)
            self._guard(self._new_call, now)
        for call_id, since in list(self._waiting.items()):
            if now - since >= self.auto_dispatch_s:
                self._guard(self._dispatch, call_id, now)
        for job in list(self._jobs.values()):
            self._guard(self._advance, job, now)

    def _guard(self, step: Callable[..., None], *args: Any) -> None:
        try:
            step(*args)
        except Exception:  # a demo keeps going; the log says what failed
            self.stats.errors += 1
            logger.exception("demo shift: %s failed", step.__name__)

    # -- steps ----------------------------------------------------------------------------------------------------
    def _new_call(self, now: float) -> None:
        if not self.mix:
            return
        code = sample_mix(self.mix, 1, rng=self.rng)[0]
        ct = calltypes.type_of(code)
        if ct.alarm is not None and ct.alarm.location == "residential" and self._alarm_from_company(now):
            return
        lat, lon = places.random_points(1, self.rng)[0]
        body = CallCreate(
            call_type=code,
            location=CallLocation(kind="coordinates", lat=lat, lon=lon),
            source="alarm_company" if ct.alarm is not None else "911",
            narrative=f"Simulated {ct.name.lower()} (demo shift)",
        )
        with self.db.uow() as s:
            made = calls.intake(s, self.bus, self.settings, body, actor=ACTOR)
        self._waiting[made.call.id] = now
        self.stats.calls += 1

    def _alarm_from_company(self, now: float) -> bool:
        """A residential burglary alarm at one of the demo company's permitted homes, sent as the company's message
        (``rtcc.dispatch.alarms``, the path its API key takes); False when the demo has no such home."""
        homes = seed_dispatch.HOMES
        number, address, _place = homes[int(self.rng.integers(len(homes)))]
        message = {
            "message": "alarm",
            "event_id": f"DEMO-{uuid.uuid4().hex[:12]}",
            "category": "burglary",
            "premise_type": "residential",
            "occurred_at": datetime.now(UTC).isoformat(),
            "address": {"street": address, "city": places.city_name(), "state": "CA"},
            "permit_number": number,
            "zone": {"number": str(int(self.rng.integers(1, 9))), "description": "simulated zone"},
            "contacts": [{"name": "Demo resident", "phone": "562-555-0100"}],
            "call_back": {"operator": "Demo operator", "phone": "800-555-0100"},
        }
        with self.db.uow() as s:
            if permits.search(s, q=number, limit=1)[1] == 0:
                return False
            receipt = alarms.receive(s, self.bus, self.settings, message, actor=ALARM_COMPANY)
        self._waiting[receipt.alarm.call_id] = now
        self.stats.calls += 1
        self.stats.alarms += 1
        return True

    def _dispatch(self, call_id: uuid.UUID, now: float) -> None:
        with self.db.uow() as s:
            call = calls.get_call(s, call_id, actor=ACTOR)
            if call.status != "queued" or call.assignments:
                self._waiting.pop(call_id, None)  # someone (a person) took it, or it was closed
                return
            rec = assignment.recommendation(s, call_id, actor=ACTOR)
            pick = next((line for line in rec.ranked if line.call_sign not in self.manual_units), None)
            if pick is None:
                return  # no free unit of the simulation: try again next tick
            assignment.assign(s, self.bus, call_id, AssignRequest(units=[pick.call_sign]), actor=ACTOR)
            emergent = calltypes.level(call.priority).emergent
        self._waiting.pop(call_id, None)
        self.stats.assigned += 1
        self._jobs[pick.call_sign] = _Job(
            call_id=call_id,
            unit=pick.call_sign,
            emergent=emergent,
            ack_at=now + float(self.rng.uniform(5, 20)),
            leave_at=now + float(self.rng.uniform(25, 60)),
        )

    def _step(self, job: _Job, status: AssignmentStatus) -> None:
        with self.db.uow() as s:
            chain.step(s, self.bus, job.call_id, StepRequest(status=status, unit=job.unit), actor=ACTOR)

    def _advance(self, job: _Job, now: float) -> None:
        if job.stage == "dispatched" and now >= job.ack_at:
            self._step(job, AssignmentStatus.acknowledged)
            job.stage = "acknowledged"
        if job.stage == "acknowledged" and now >= job.leave_at:
            self._leave(job, now)
        if job.stage == "en_route":
            if now >= job.arrive_at:
                self._move(job, 1.0)
                self._step(job, AssignmentStatus.on_scene)
                job.stage = "on_scene"
                self.stats.arrived += 1
            elif now >= job.next_position_at:
                self._move(job, (now - (job.arrive_at - job.travel_s)) / max(job.travel_s, 1e-9))
                job.next_position_at = now + self.position_every_s
        if job.stage == "on_scene" and now >= job.clear_at:
            self._clear(job)

    def _leave(self, job: _Job, now: float) -> None:
        with self.db.uow() as s:
            unit = units.load(s, job.unit)
            call = chain.load_call(s, job.call_id)
            start = (unit.lat, unit.lon) if unit.lat is not None and unit.lon is not None else (call.lat, call.lon)
            route = routing.route(s, start=start, end=(call.lat, call.lon), emergent=job.emergent)
            chain.step(
                s, self.bus, job.call_id, StepRequest(status=AssignmentStatus.en_route, unit=job.unit), actor=ACTOR
            )
        job.route = [tuple(p) for p in route.polyline]  # type: ignore[misc]
        job.travel_s = float(route.seconds or 60.0)
        job.stage = "en_route"
        job.arrive_at = now + job.travel_s
        job.on_scene_s = float(self.rng.gamma(2.0, 9.0 * 60 / 2.0))  # mean 9 minutes on scene
        job.clear_at = job.arrive_at + job.on_scene_s
        job.next_position_at = now

    def _move(self, job: _Job, share: float) -> None:
        """Report the unit's position ``share`` of the way along its route (by distance)."""
        lat, lon = along(job.route, min(max(share, 0.0), 1.0))
        with self.db.uow() as s:
            positions.record(s, self.bus, units.load(s, job.unit), PositionIn(lat=lat, lon=lon), source="demo")
        self.stats.positions += 1

    def _clear(self, job: _Job) -> None:
        self._step(job, AssignmentStatus.cleared)
        disposition = Disposition(
            str(self.rng.choice(["report_taken", "no_report", "false_alarm", "gone_on_arrival", "cited"],
                                p=[0.35, 0.3, 0.15, 0.15, 0.05]))
        )  # fmt: skip
        with self.db.uow() as s:
            call = chain.load_call(s, job.call_id)
            if call.status == "cleared":
                chain.close(s, self.bus, job.call_id, CloseRequest(disposition=disposition), actor=ACTOR)
                self.stats.closed += 1
        self._jobs.pop(job.unit, None)


def along(polyline: Sequence[tuple[float, float]], share: float) -> tuple[float, float]:
    """The point ``share`` (0-1) of the way along ``polyline`` by length (planar in degrees scaled by latitude)."""
    if not polyline:
        raise ValueError("an empty route")
    if len(polyline) == 1:
        return polyline[0]
    pts = np.asarray(polyline, dtype=np.float64)
    scale = math.cos(math.radians(float(pts[0, 0])))
    seg = np.hypot(np.diff(pts[:, 0]), np.diff(pts[:, 1]) * scale)
    total = float(seg.sum())
    if total == 0.0:
        return polyline[-1]
    target = share * total
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    i = min(int(np.searchsorted(cum, target, side="right")) - 1, len(seg) - 1)
    f = 0.0 if seg[i] == 0 else (target - cum[i]) / seg[i]
    return (float(pts[i, 0] + f * (pts[i + 1, 0] - pts[i, 0])), float(pts[i, 1] + f * (pts[i + 1, 1] - pts[i, 1])))
