"""Recommendation and assignment on the real database: the recommended unit, several units in one action, the
status chain with a timestamp per step (the call follows its units, the unit follows its assignment), closing with a
disposition, reopening, and two dispatchers racing for one unit (one wins, the other gets a Conflict naming it)."""

from __future__ import annotations

import pytest
from dispatch_support import CORNER, DISPATCHER, PARK, make_unit, new_call, person, race

from rtcc.core.db import Database
from rtcc.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rtcc.dispatch import assignment, chain, units
from rtcc.dispatch.logic import AssignmentStatus, Disposition
from rtcc.dispatch.schemas import AssignRequest, CloseRequest, ReopenRequest, StepRequest
from rtcc.identity.logic import Role
from rtcc.settings import Settings


def _assign(db: Database, call_id: object, *signs: str) -> object:
    with db.uow() as s:
        return assignment.assign(s, None, call_id, AssignRequest(units=list(signs)), actor=DISPATCHER)  # type: ignore[arg-type]


def test_recommendation_ranks_by_travel_and_keeps_guards_off_enforcement_calls(
    db: Database, settings: Settings
) -> None:
    make_unit(db, "41A", at=CORNER, home_area="2319")
    make_unit(db, "41B", at=(PARK[0] + 0.004, PARK[1]), home_area="2316")
    make_unit(db, "G1", "guard", at=PARK)
    call = new_call(db, settings).call
    with db.read() as s:
        rec = assignment.recommendation(s, call.id, actor=DISPATCHER)
    assert rec.method == "straight_line" and rec.suggested == ["41B"]
    assert [x.call_sign for x in rec.ranked] == ["41B", "41A"]
    assert rec.ranked[0].eta_s is not None and rec.ranked[0].eta_s < rec.ranked[1].eta_s  # type: ignore[operator]
    guard = next(x for x in rec.ineligible if x.call_sign == "G1")
    assert {r.code for r in guard.reasons} >= {"no_authority"}
    # every reason carries the values its sentence names, so a Spanish screen can say the same
    travel = next(r for r in rec.ranked[0].reasons if r.code == "travel")
    assert float(travel.args["minutes"]) == pytest.approx(rec.ranked[0].eta_s / 60, abs=0.05)  # type: ignore[operator]
    assert rec.travel_note_code == "straight_line" and rec.travel_note
    with pytest.raises(ValidationFailed, match="G1 cannot take this call"):
        _assign(db, call.id, "G1")


def test_recommendation_uses_the_road_network_once_one_is_loaded(db: Database, settings: Settings) -> None:
    from rtcc.demo.road_grid import install_if_none

    # the call and the units at intersections of the profile's gazetteer, which the demo's arterial grid joins
    make_unit(db, "41A", at=(33.873, -118.028), home_area="2319")  # Artesia Blvd & Valley View St
    make_unit(db, "41B", at=(33.858, -118.09), home_area="2316")  # Gridley Rd & South St
    call = new_call(db, settings, at=CORNER).call  # Alondra Blvd & Carmenita Rd
    with db.uow() as s:
        assert install_if_none(s) is not None
    with db.read() as s:
        rec = assignment.recommendation(s, call.id, actor=DISPATCHER)
    assert rec.method == "network" and rec.network is not None and "gazetteer" in rec.network
    assert rec.travel_note is None and all(x.eta_s is not None for x in rec.ranked)
    assigned = _assign(db, call.id, rec.suggested[0])
    assert assigned.assignments[0].eta_method == "network"  # type: ignore[attr-defined]


def test_the_status_chain_from_dispatch_to_close(db: Database, settings: Settings) -> None:
    make_unit(db, "41A", at=CORNER)
    make_unit(db, "41B", at=PARK)
    call = new_call(db, settings, "SHOTS").call  # two units needed
    assigned = _assign(db, call.id, "41A", "41B")
    assert assigned.status == "dispatched" and {a.call_sign for a in assigned.assignments} == {"41A", "41B"}  # type: ignore[attr-defined]
    deputy = person(Role.officer, unit="41A")
    steps = [("41A", "acknowledged"), ("41A", "en_route"), ("41B", "en_route"), ("41A", "on_scene")]
    for sign, status in steps:
        with db.uow() as s:
            actor = deputy if sign == "41A" else DISPATCHER
            read = chain.step(s, None, call.id, StepRequest(status=AssignmentStatus(status), unit=sign), actor=actor)
    assert read.status == "on_scene" and read.on_scene_at is not None and read.en_route_at is not None
    with db.read() as s:
        assert units.get(s, "41A").status == "on_scene" and units.get(s, "41B").status == "en_route"
    with db.uow() as s, pytest.raises(Conflict, match="still on the call"):
        chain.close(s, None, call.id, CloseRequest(disposition=Disposition.arrest), actor=DISPATCHER)
    for sign, status in (("41B", "cancelled"), ("41A", "cleared")):
        with db.uow() as s:
            read = chain.step(
                s, None, call.id, StepRequest(status=AssignmentStatus(status), unit=sign), actor=DISPATCHER
            )
    assert read.status == "cleared" and read.cleared_at is not None
    with db.read() as s:
        assert units.get(s, "41A").status == "available" and units.get(s, "41A").current_call_id is None
    with db.uow() as s:
        closed = chain.close(
            s, None, call.id, CloseRequest(disposition=Disposition.arrest, note="one in custody"), actor=deputy
        )
    assert (closed.status, closed.disposition) == ("closed", "arrest") and closed.closed_at is not None
    with db.uow() as s:
        reopened = chain.reopen(s, None, call.id, ReopenRequest(reason="victim called back"), actor=DISPATCHER)
    assert (reopened.status, reopened.disposition, reopened.reopen_count) == ("queued", None, 1)
    assert reopened.dispatched_at == assigned.dispatched_at  # type: ignore[attr-defined]  # first times are kept
    from rtcc.dispatch import calls

    with db.read() as s:
        detail = calls.get_call(s, call.id, actor=DISPATCHER)
    kinds = [(e.kind, e.status, e.unit) for e in detail.timeline]
    assert ("unit", "on_scene", "41A") in kinds and ("status", "closed", None) in kinds and kinds[-1][0] == "reopen"
    assert [n.text for n in detail.notes] == ["one in custody"]


def test_a_field_user_acts_only_for_their_own_unit(db: Database, settings: Settings) -> None:
    make_unit(db, "41A", at=CORNER)
    make_unit(db, "41B", at=PARK)
    call = new_call(db, settings).call
    _assign(db, call.id, "41A")
    other = person(Role.officer, unit="41B")
    with db.uow() as s, pytest.raises(NotFound):  # not their call and not their area: as if it did not exist
        chain.step(s, None, call.id, StepRequest(status=AssignmentStatus.en_route), actor=other)
    area = person(Role.officer, unit="41B", division="CER")
    with db.uow() as s, pytest.raises(PermissionDenied, match="only for your own unit"):
        chain.step(s, None, call.id, StepRequest(status=AssignmentStatus.en_route, unit="41A"), actor=area)
    with db.uow() as s, pytest.raises(Conflict, match="not on call"):
        chain.step(s, None, call.id, StepRequest(status=AssignmentStatus.en_route), actor=area)


def test_two_dispatchers_assigning_one_unit_at_once(db: Database, settings: Settings) -> None:
    make_unit(db, "41A", at=CORNER)
    calls_ = [new_call(db, settings, "NOISE", at=(PARK[0] + 0.002 * i, PARK[1])).call for i in range(4)]
    results = race(4, lambda i: _assign(db, calls_[i].id, "41A"))
    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1, results
    assert all(isinstance(e, Conflict) and "41A" in e.detail for e in lost), lost
    with db.read() as s:
        unit = units.get(s, "41A")
    assert unit.status == "dispatched" and unit.current_call_id == won[0].id  # type: ignore[attr-defined]


def test_the_unique_claim_holds_even_without_the_status_check(db: Database, settings: Settings) -> None:
    """The database guarantee itself: a second active assignment of a unit is refused by the unique constraint."""
    make_unit(db, "41A", at=CORNER)
    one, two = new_call(db, settings, "NOISE").call, new_call(db, settings, "NOISE", at=CORNER).call
    _assign(db, one.id, "41A")
    from rtcc.dispatch import repository

    with db.uow() as s:
        unit = repository.unit_by_call_sign(s, "41A")
        assert unit is not None
        unit.status = "available"  # pretend the status check was fooled
    with pytest.raises(Conflict, match="41A is already assigned"):
        _assign(db, two.id, "41A")


def test_a_cso_takes_a_collision_report_from_the_cso_queue(db: Database, settings: Settings) -> None:
    make_unit(db, "C1", "cso", at=PARK)
    make_unit(db, "G1", "guard", at=PARK)
    report = new_call(db, settings, "COLLISION_NONINJ").call
    new_call(db, settings, "FIGHT", at=CORNER)
    cso, guard = person(Role.cso, unit="C1"), person(Role.guard, unit="G1")
    with db.read() as s:
        assert [c.id for c in assignment.cso_queue(s, actor=DISPATCHER).items] == [report.id]
        assert [c.id for c in assignment.cso_queue(s, actor=cso).items] == [report.id]
        assert assignment.cso_queue(s, actor=guard).items == []  # guards see only what is assigned to them
    with db.uow() as s:
        taken = assignment.take(s, None, report.id, actor=cso)
    assert taken.status == "dispatched" and taken.assignments[0].call_sign == "C1"
    with db.read() as s:
        assert assignment.cso_queue(s, actor=DISPATCHER).items == []
