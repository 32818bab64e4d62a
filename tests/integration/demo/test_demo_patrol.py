"""The demo's patrol story: a burglary near a demo household makes a near-repeat alert; it and the household's house
check join the simulated CSO's plan; the walker moves the unit along the plan, and the dose delivered and the
house-check visit are measured from the unit's track. The walk is replayed over a plan that started three hours ago,
one position every 30 s, so every report lies in the past as a real track does."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from rtcc.community import accounts
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.demo import patrol, seed_community, seed_dispatch
from rtcc.identity.logic import SYSTEM
from rtcc.patrol import housechecks, plans
from rtcc.patrol.schemas import StopRead
from rtcc.settings import Settings


def _stop(seq: int, lat: float, travel_s: float, dose_min: float) -> StopRead:
    return StopRead(
        seq=seq,
        kind="hotspot",
        key=f"c{seq}",
        label="",
        lat=lat,
        lon=-118.0,
        box=None,
        radius_m=50,
        risk=1.0,
        dose_min=dose_min,
        delivered_min=0.0,
        travel_s=travel_s,
        near_repeat_id=None,
        house_check_id=None,
    )


def test_position_on_plan_travels_then_dwells() -> None:
    stops = [_stop(1, 33.01, 100, 1.0), _stop(2, 33.02, 100, 1.0)]
    start = (33.0, -118.0)
    assert patrol.position_on_plan(stops, start, 50) == pytest.approx((33.005, -118.0))
    assert patrol.position_on_plan(stops, start, 130) == (33.01, -118.0)  # dwelling at the first stop
    assert patrol.position_on_plan(stops, start, 210) == pytest.approx((33.015, -118.0))
    assert patrol.position_on_plan(stops, start, 10_000) == (33.02, -118.0)


def test_the_demo_cso_walks_its_plan_and_the_dose_is_measured(db: Database, settings: Settings) -> None:
    with db.uow() as s:
        seed_dispatch.seed(s)
        seed_community.seed(s, now=utcnow(), rng=random.Random(7))
        start = utcnow() - timedelta(hours=3)
        made = patrol.seed(s, settings, start=start)
    assert made is not None
    with db.read() as s:
        plan = plans.get(s, made.plan_id, actor=SYSTEM, own_only=False)
    kinds = [st.kind for st in plan.stops]
    assert "near_repeat" in kinds and "house_check" in kinds and plan.call_sign == patrol.UNIT
    walker = patrol.PatrolWalker(db, settings)
    at = start
    while at < utcnow() - timedelta(seconds=5):
        walker.tick(at)
        at += timedelta(seconds=30)
    with db.uow() as s:
        plan = plans.get(s, made.plan_id, actor=SYSTEM, own_only=False)
    nr = next(st for st in plan.stops if st.kind == "near_repeat")
    assert nr.delivered_min >= nr.dose_min - 0.5  # its whole dose, give or take the last interval
    assert plan.dose_delivered_min > 0 and plan.track_fixes > 100
    house = next(st for st in plan.stops if st.kind == "house_check")
    assert house.visited_at is not None
    with db.read() as s:  # the household sees the check in the portal
        uid = accounts.find_account(s, patrol.HOUSEHOLD)
        assert uid is not None
        [mine] = housechecks.mine(s, actor=patrol._household(uid))
    assert [v.source for v in mine.visits] == ["track"]
    with db.uow() as s:  # the demo does not make a second plan while its plan holds
        assert patrol.seed(s, settings, start=start + timedelta(minutes=1)) is None
