"""The demo's patrol story: a burglary near a demo household becomes a near-repeat alert, the alert and that
household's vacation house check join a CSO patrol plan for the simulated CSO unit, and the unit walks the plan
(``PatrolWalker``): it drives to each stop in route order (straight line, at the plan's travel times), stays its dose
there, and reports a position every ``every_s``, so the dose delivered that the plan shows is measured from a real
track. The house-check visit is logged from that track (``rtcc.patrol.plans.measure``).

While the unit is on a call (the shift simulator dispatched it: status other than available) the walker leaves it
alone; the plan then shows less dose delivered, which is what happened.

Demo-only: production code never imports this module.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.dispatch import calls, positions, units
from rtcc.dispatch.schemas import CallCreate
from rtcc.dispatch.unit_schemas import PositionIn
from rtcc.identity.logic import COMMUNITY_PERMISSIONS, SYSTEM, Principal
from rtcc.patrol import housechecks, nearrepeats, plans
from rtcc.patrol.schemas import HouseCheckCreate, PlanCreate, StopRead
from rtcc.places import service as places
from rtcc.settings import Settings

logger = logging.getLogger(__name__)

#: The simulated CSO that walks the demo plan, and the demo household whose house is checked (seed_community).
UNIT = "C2"
HOUSEHOLD = "linh.t"
HOME = (33.877, -118.049)
ADDRESS = "Demo household of Linh Tran"
#: The burglary: a block from the household.
BURGLARY = (33.8762, -118.0501)
PLAN_HOURS = 4


@dataclass(frozen=True)
class PatrolDemo:
    """What ``seed`` made (or found)."""

    call_number: str
    near_repeat_id: uuid.UUID
    house_check_id: uuid.UUID
    plan_id: uuid.UUID


def seed(session: Session, settings: Settings, *, start: datetime | None = None) -> PatrolDemo | None:
    """The burglary, its near-repeat alert, the household's house check and the CSO plan from ``start`` (default
    now); None when the demo unit or household is missing, or the unit already has a plan for now."""
    from rtcc.community import accounts

    user_id = accounts.find_account(session, HOUSEHOLD)
    if user_id is None or UNIT not in {u.call_sign for u in units.list_units(session)}:
        return None
    at = start or utcnow()
    if any(p.starts_at <= at < p.ends_at for p in plans.list_plans(session, call_sign=UNIT, limit=5)):
        return None  # the demo ran before and its plan still holds: keep it
    body = {"call_type": "BURGLARY_RPT", "location": {"kind": "coordinates", "lat": BURGLARY[0], "lon": BURGLARY[1]}}
    made = calls.intake(
        session,
        None,
        settings,
        CallCreate.model_validate({**body, "source": "911", "narrative": "Rear slider pried; TV and jewelry taken."}),
        actor=SYSTEM,
    )
    alert = nearrepeats.for_call(session, settings, made.call.id)
    if alert is None:
        return None
    household = _household(user_id)
    today: date = at.astimezone(places.city_zone()).date()
    check = housechecks.create(
        session,
        HouseCheckCreate(
            address=ADDRESS,
            lat=HOME[0],
            lon=HOME[1],
            starts_on=today,
            ends_on=today + timedelta(days=6),
            keyholder_name="A neighbor",
            notes="Lights on timers; no car in the driveway.",
        ),
        actor=household,
    )
    plan = plans.create(
        session,
        settings,
        PlanCreate(call_sign=UNIT, kind="cso", starts_at=at, ends_at=at + timedelta(hours=PLAN_HOURS)),
        actor=SYSTEM,
    )
    return PatrolDemo(made.call.number, alert.id, check.id, plan.id)


def _household(user_id: uuid.UUID) -> Principal:
    return Principal(kind="user", id=str(user_id), name=HOUSEHOLD, role="resident", permissions=COMMUNITY_PERMISSIONS)


def position_on_plan(stops: Sequence[StopRead], start: tuple[float, float], elapsed_s: float) -> tuple[float, float]:
    """Where the walker is ``elapsed_s`` into the plan: travelling in a straight line to the next stop (at the plan's
    travel time) or staying at a stop for its dose; at the last stop after the end."""
    here = start
    t = max(0.0, elapsed_s)
    for s in stops:
        travel = max(1.0, s.travel_s or 1.0)
        if t < travel:
            f = t / travel
            return (here[0] + (s.lat - here[0]) * f, here[1] + (s.lon - here[1]) * f)
        t -= travel
        dwell = s.dose_min * 60.0
        if t < dwell:
            return (s.lat, s.lon)
        t -= dwell
        here = (s.lat, s.lon)
    return here


class PatrolWalker:
    """Moves the demo CSO along its current plan (module docstring); ``tick(at)`` reports one position."""

    def __init__(self, db: Database, settings: Settings, *, call_sign: str = UNIT, every_s: float = 20.0) -> None:
        self.db, self.settings, self.call_sign, self.every_s = db, settings, call_sign, every_s
        self._start: dict[uuid.UUID, tuple[float, float]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self, at: datetime | None = None) -> bool:
        """Report the unit's position on its plan at ``at`` (default now) and log visits; False when idle."""
        when = at or utcnow()
        with self.db.uow() as session:
            current = [
                p
                for p in plans.list_plans(session, call_sign=self.call_sign, limit=5)
                if p.starts_at <= when < p.ends_at
            ]
            unit = units.get(session, self.call_sign)
            if not current or unit.status != "available":
                return False
            plan = current[0]
            start = self._start.setdefault(
                plan.id,
                (unit.lat, unit.lon)
                if unit.lat is not None and unit.lon is not None
                else (plan.stops[0].lat, plan.stops[0].lon),
            )
            lat, lon = position_on_plan(plan.stops, start, (when - plan.starts_at).total_seconds())
            positions.record(
                session, None, units.load(session, self.call_sign), PositionIn(lat=lat, lon=lon, at=when), source="demo"
            )
            plans.measure(session, self.settings, plan.id)
        return True

    def start(self, *, speedup: float = 1.0, clock: Callable[[], datetime] = utcnow) -> None:
        """Tick every ``every_s / speedup`` seconds in a background thread."""

        def loop() -> None:
            while not self._stop.wait(self.every_s / max(speedup, 1e-9)):
                try:
                    self.tick(clock())
                except Exception:  # one bad tick must not end the walk
                    logger.exception("demo patrol walker tick failed")

        self._thread = threading.Thread(target=loop, name="demo-patrol", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the background thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
