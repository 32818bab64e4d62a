"""Launch decisions on the real database: the drone line of the dispatch recommendation (ETA, lead on the first
unit), a recorded recommendation flown after a pilot accepts, an excluded call type refused naming its rule and
flown only after a supervisor's audited override, a call in a no-fly zone that no override can waive, a path around
a no-fly zone, and the pilot's answers (a decline needs a reason, an expired certificate cannot accept)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from drones_support import (
    CORNER,
    DISPATCHER,
    DOCK_EAST,
    DOCK_WEST,
    PARK,
    SUPERVISOR,
    make_pilot,
    make_unit,
    new_call,
    policy_doc,
    setup_program,
    square,
)
from sqlalchemy import select

from rtcc.audit.models import AuditEntry
from rtcc.core.clock import set_clock, utcnow
from rtcc.core.db import Database
from rtcc.core.errors import Conflict, PermissionDenied, ValidationFailed
from rtcc.core.geo import distance_m
from rtcc.dispatch import assignment
from rtcc.drones import launches, service
from rtcc.drones.schemas import LaunchRequestCreate, OverrideCreate, PilotAnswer
from rtcc.settings import Settings


def _audit(db: Database, action: str) -> list[SimpleNamespace]:
    with db.read() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)).all()
        return [SimpleNamespace(actor=e.actor, target_id=e.target_id, details=dict(e.details or {})) for e in rows]


def test_no_drone_line_without_a_program(db: Database, settings: Settings) -> None:
    make_unit(db, "41A", CORNER)
    call = new_call(db, settings).call
    with db.read() as s:
        assert assignment.recommendation(s, call.id, actor=DISPATCHER).drone is None


def test_recommendation_shows_the_drone_eta_and_its_lead(db: Database, settings: Settings) -> None:
    setup_program(db)
    make_unit(db, "41A", CORNER)  # about 2.3 km from the park
    call = new_call(db, settings).call
    with db.read() as s:
        rec = assignment.recommendation(s, call.id, actor=DISPATCHER)
    assert rec.drone is not None and rec.drone.outcome == "recommended", rec.drone
    # The east dock is nearer: ETA = 20 s launch + distance / 20 m/s.
    want = 20 + distance_m(*DOCK_EAST, *PARK) / 20
    assert rec.drone.dock_code == "DK-E" and rec.drone.drone_code == "D-E1"
    assert rec.drone.eta_s == pytest.approx(want, abs=0.1)
    patrol = rec.ranked[0].eta_s
    assert patrol is not None and rec.drone.patrol_eta_s == pytest.approx(patrol, abs=0.1)
    assert rec.drone.lead_s == pytest.approx(patrol - want, abs=0.2)
    assert rec.drone.policy_version == 1


def test_recommended_decision_is_recorded_requested_and_accepted(db: Database, settings: Settings) -> None:
    pilot = setup_program(db)
    assert pilot is not None
    make_unit(db, "41A", CORNER)
    call = new_call(db, settings).call
    with db.uow() as s:
        d = launches.decide(s, None, call.id, actor=DISPATCHER)
    assert d.outcome == "recommended" and d.code == "ok" and d.policy_version == 1 and d.limits_version == 1
    docks = [c for c in d.checks if c.get("kind") == "dock"]
    assert [c["dock_code"] for c in docks] == ["DK-E", "DK-W"] and all(c["eta_s"] for c in docks)
    with db.uow() as s:
        r = launches.request_launch(s, None, LaunchRequestCreate(decision_id=d.id), actor=DISPATCHER)
    assert r.state == "pending" and r.call_number == call.number
    with db.uow() as s, pytest.raises(Conflict, match="already has a launch request"):
        launches.request_launch(s, None, LaunchRequestCreate(decision_id=d.id), actor=DISPATCHER)
    with db.uow() as s:
        done = launches.answer(s, None, r.id, True, PilotAnswer(), actor=pilot)
    assert done.state == "accepted" and done.pilot_id is not None
    with db.read() as s:
        assert service.get_drone(s, r.drone_id).status == "in_flight"
    assert [e.target_id for e in _audit(db, "drones.decision.recommended")] == [str(d.id)]
    assert [e.target_id for e in _audit(db, "drones.launch.accepted")] == [str(r.id)]
    with db.uow() as s, pytest.raises(Conflict, match="already accepted"):
        launches.answer(s, None, r.id, False, PilotAnswer(reason="too late"), actor=pilot)


def test_excluded_call_type_is_refused_naming_the_rule_until_a_supervisor_overrides(
    db: Database, settings: Settings
) -> None:
    pilot = setup_program(db)
    assert pilot is not None
    call = new_call(db, settings, "FOCUSED_PATROL").call
    with db.uow() as s:
        refused = launches.decide(s, None, call.id, actor=DISPATCHER)
    assert refused.outcome == "refused" and refused.code == "call_type.excluded"
    assert refused.rule_id == "T-1" and "no suspicionless surveillance" in refused.rule and refused.overridable
    assert refused.policy_version == 1 and refused.drone_id is None
    # Nothing flies on it without an override.
    with db.uow() as s, pytest.raises(Conflict, match="refused the launch"):
        launches.request_launch(s, None, LaunchRequestCreate(decision_id=refused.id), actor=DISPATCHER)
    with db.uow() as s:
        over = launches.override(
            s, None, call.id, OverrideCreate(decision_id=refused.id, reason="armed suspect seen on the patrol route"),
            actor=SUPERVISOR,
        )  # fmt: skip
    assert over.outcome == "overridden" and over.overrides_id == refused.id and over.drone_id is not None
    assert any(c.get("code") == "call_type.excluded" and c.get("waived") for c in over.checks)
    entry = _audit(db, "drones.decision.override")
    assert len(entry) == 1 and entry[0].actor == "sam_supervisor"
    assert entry[0].details["reason"] == "armed suspect seen on the patrol route"
    assert entry[0].details["waived"] == ["call_type.excluded"]
    with db.uow() as s:
        r = launches.request_launch(s, None, LaunchRequestCreate(decision_id=over.id), actor=DISPATCHER)
    assert r.state == "pending"
    # An override of something that was not refused is refused itself.
    with db.uow() as s, pytest.raises(Conflict, match="nothing to override"):
        launches.override(s, None, call.id, OverrideCreate(decision_id=over.id, reason="x" * 12), actor=SUPERVISOR)


def test_a_call_in_a_no_fly_zone_cannot_be_overridden(db: Database, settings: Settings) -> None:
    zone = square(PARK[0], PARK[1], 0.002)
    setup_program(db, policy_doc([("no_fly", "Stadium TFR", zone)]))
    call = new_call(db, settings).call
    with db.uow() as s:
        d = launches.decide(s, None, call.id, actor=DISPATCHER)
    assert d.outcome == "refused" and d.code == "zone.no_fly" and "Stadium TFR" in d.rule and not d.overridable
    with db.uow() as s, pytest.raises(Conflict, match="no override can waive"):
        launches.override(
            s, None, call.id, OverrideCreate(decision_id=d.id, reason="we really need it"), actor=SUPERVISOR
        )


def test_a_no_fly_zone_on_the_path_sends_the_other_dock(db: Database, settings: Settings) -> None:
    # A strip across the straight line from the east dock to the park; the west dock's path stays clear.
    mid = ((DOCK_EAST[0] + PARK[0]) / 2, (DOCK_EAST[1] + PARK[1]) / 2)
    setup_program(db, policy_doc([("no_fly", "Helipad", square(mid[0], mid[1], 0.0008))]))
    call = new_call(db, settings).call
    with db.uow() as s:
        d = launches.decide(s, None, call.id, actor=DISPATCHER)
    assert d.outcome == "recommended"
    east = next(c for c in d.checks if c.get("dock_code") == "DK-E")
    assert east["code"] == "zone.no_fly_path" and "Helipad" in east["text"]
    with db.read() as s:
        west = next(k for k in service.fleet(s).docks if k.code == "DK-W")
    assert d.dock_id == west.id and d.eta_s == pytest.approx(20 + distance_m(*DOCK_WEST, *PARK) / 20, abs=0.1)


def test_out_of_range_and_low_battery_refuse_with_the_nearest_docks_rule(db: Database, settings: Settings) -> None:
    setup_program(db, policy_doc(max_range_m=500))
    call = new_call(db, settings).call
    with db.uow() as s:
        d = launches.decide(s, None, call.id, actor=DISPATCHER)
    assert d.outcome == "refused" and d.code == "range" and "DK-E" in d.rule and not d.overridable


def test_pilot_answers(db: Database, settings: Settings) -> None:
    pilot = setup_program(db)
    assert pilot is not None
    expired = make_pilot(db, expires=utcnow().date() - timedelta(days=1))
    call = new_call(db, settings).call
    with db.uow() as s:
        d = launches.decide(s, None, call.id, actor=DISPATCHER)
        r = launches.request_launch(s, None, LaunchRequestCreate(decision_id=d.id), actor=DISPATCHER)
    with db.uow() as s, pytest.raises(PermissionDenied, match="expired"):
        launches.answer(s, None, r.id, True, PilotAnswer(), actor=expired)
    with db.uow() as s, pytest.raises(PermissionDenied, match="registered remote pilot"):
        launches.answer(s, None, r.id, True, PilotAnswer(), actor=DISPATCHER)
    with db.uow() as s, pytest.raises(ValidationFailed, match="reason"):
        launches.answer(s, None, r.id, False, PilotAnswer(), actor=pilot)
    with db.uow() as s:
        out = launches.answer(s, None, r.id, False, PilotAnswer(reason="fog at the dock"), actor=pilot)
    assert out.state == "declined" and out.response_reason == "fog at the dock"
    assert [e.details["reason"] for e in _audit(db, "drones.launch.declined")] == ["fog at the dock"]
    with db.read() as s:
        assert service.get_drone(s, r.drone_id).status == "docked"


def test_a_stale_decision_cannot_be_flown(db: Database, settings: Settings) -> None:
    setup_program(db)
    call = new_call(db, settings).call
    with db.uow() as s:
        d = launches.decide(s, None, call.id, actor=DISPATCHER)
    later = utcnow() + launches.DECISION_TTL + timedelta(seconds=1)
    set_clock(lambda: later)
    try:
        with db.uow() as s, pytest.raises(Conflict, match="decide again"):
            launches.request_launch(s, None, LaunchRequestCreate(decision_id=d.id), actor=DISPATCHER)
    finally:
        set_clock(None)


def test_no_pilot_on_duty_refuses(db: Database, settings: Settings) -> None:
    setup_program(db, pilot=False)
    call = new_call(db, settings).call
    with db.uow() as s:
        d = launches.decide(s, None, call.id, actor=DISPATCHER)
    assert d.outcome == "refused" and d.code == "pilot.none"
