"""The pure dispatch rules: the assignment state machine, how a call's status follows its units, closing and
reopening, the priority rule in force, call numbers, differential response and who sees which live event."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rtcc.dispatch import logic
from rtcc.dispatch.logic import AssignmentStatus as A
from rtcc.dispatch.logic import CallStatus as C
from rtcc.dispatch.logic import RuleVersion, TransitionError, UnitStatus


def test_assignment_steps_move_forward_only() -> None:
    assert logic.assignment_step(A.dispatched, A.acknowledged) is A.acknowledged
    assert logic.assignment_step(A.acknowledged, A.on_scene) is A.on_scene  # a step may be skipped
    with pytest.raises(TransitionError, match="on_scene cannot become en_route"):
        logic.assignment_step(A.on_scene, A.en_route)
    with pytest.raises(TransitionError, match="allowed: none"):
        logic.assignment_step(A.cleared, A.on_scene)
    with pytest.raises(TransitionError):
        logic.assignment_step(A.on_scene, A.cancelled)  # a unit on scene clears; it is not cancelled


def test_call_status_follows_the_most_advanced_active_unit() -> None:
    assert logic.call_status_from([], had_units=False) is C.queued
    assert logic.call_status_from([A.dispatched], had_units=True) is C.dispatched
    assert logic.call_status_from([A.dispatched, A.en_route], had_units=True) is C.en_route
    assert logic.call_status_from([A.cleared, A.on_scene], had_units=True) is C.on_scene
    assert logic.call_status_from([A.cleared, A.cleared], had_units=True) is C.cleared
    assert logic.call_status_from([A.cancelled], had_units=True) is C.queued  # nobody went: back to the queue


def test_unit_status_follows_its_assignment_and_manual_statuses_are_limited() -> None:
    assert logic.unit_status_for(A.en_route) is UnitStatus.en_route
    assert logic.unit_status_for(A.cleared) is UnitStatus.available
    assert logic.manual_unit_status(UnitStatus.available, UnitStatus.out_of_service, on_call=False)
    assert logic.manual_unit_status(UnitStatus.on_scene, UnitStatus.transporting, on_call=True)
    with pytest.raises(TransitionError, match="follows the unit's assignment"):
        logic.manual_unit_status(UnitStatus.available, UnitStatus.on_scene, on_call=False)
    with pytest.raises(TransitionError, match="clear its assignment"):
        logic.manual_unit_status(UnitStatus.en_route, UnitStatus.available, on_call=True)


def test_close_needs_a_disposition_and_no_active_unit_and_only_closed_calls_reopen() -> None:
    with pytest.raises(TransitionError, match="disposition is required"):
        logic.can_close(C.cleared, None, active_units=0)
    with pytest.raises(TransitionError, match="still on the call"):
        logic.can_close(C.on_scene, "arrest", active_units=1)
    logic.can_close(C.cleared, "false_alarm", active_units=0)
    with pytest.raises(TransitionError, match="closed already"):
        logic.can_close(C.closed, "arrest", active_units=0)
    logic.can_reopen(C.closed)
    with pytest.raises(TransitionError):
        logic.can_reopen(C.cleared)


def _at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 8, tzinfo=UTC)


def test_the_rule_in_force_when_a_call_was_received_decides() -> None:
    rules = [
        RuleVersion(1, "ALARM_BURG_RES", "Priority", _at(2024, 11, 1), 1),
        RuleVersion(2, "ALARM_BURG_RES", "Emergent", _at(2025, 6, 1), 2),
        RuleVersion(3, "ALARM_BURG_RES", "Routine", _at(2025, 6, 1), 3),  # same day: the later version wins
        RuleVersion(4, "NOISE", "Priority", _at(2020, 1, 1), 1),
    ]
    assert logic.rule_in_force(rules, "ALARM_BURG_RES", _at(2024, 10, 31)) is None
    assert logic.rule_in_force(rules, "ALARM_BURG_RES", _at(2024, 11, 1)) == rules[0]
    assert logic.rule_in_force(rules, "ALARM_BURG_RES", _at(2025, 1, 1)) == rules[0]
    assert logic.rule_in_force(rules, "ALARM_BURG_RES", _at(2025, 7, 1)) == rules[2]
    assert logic.rule_in_force(rules, "FIGHT", _at(2025, 7, 1)) is None


def test_call_numbers() -> None:
    assert logic.call_number(2024, 1) == "24-000001"
    assert logic.call_number(2031, 123456) == "31-123456"
    assert logic.CALL_NUMBER.match(logic.call_number(2024, 999_999))
    with pytest.raises(ValueError):
        logic.call_number(2024, 1_000_000)


def test_differential_response_routes_report_calls_away_from_deputies() -> None:
    kw = {"source": "911"}
    assert logic.route_queue(cso_may_take=True, online_report_ok=False, emergent=False, **kw) is logic.Queue.cso
    assert (
        logic.route_queue(cso_may_take=False, online_report_ok=True, emergent=False, **kw) is logic.Queue.online_report
    )
    assert logic.route_queue(cso_may_take=True, online_report_ok=True, emergent=True, **kw) is logic.Queue.dispatch
    assert logic.route_queue(cso_may_take=False, online_report_ok=False, emergent=False, **kw) is logic.Queue.dispatch
    assert (
        logic.route_queue(cso_may_take=True, online_report_ok=True, emergent=False, source="officer_initiated")
        is logic.Queue.dispatch
    )


def test_duplicates_need_the_same_or_a_related_type_nearby() -> None:
    base = {"lat": 33.866, "lon": -118.051, "call_type": "FIGHT", "radius_m": 150.0}
    assert logic.is_proposed_duplicate(**base, other_lat=33.8665, other_lon=-118.051, other_type="FIGHT", related=False)
    assert not logic.is_proposed_duplicate(
        **base, other_lat=33.870, other_lon=-118.051, other_type="FIGHT", related=False
    )
    assert not logic.is_proposed_duplicate(
        **base, other_lat=33.866, other_lon=-118.051, other_type="NOISE", related=False
    )
    assert logic.is_proposed_duplicate(**base, other_lat=33.866, other_lon=-118.051, other_type="ASSAULT", related=True)


def _visible(topic: str, data: dict[str, object], **kw: object) -> bool:
    args: dict[str, object] = {
        "sees_all": False,
        "sees_units": False,
        "my_unit": None,
        "my_area": None,
        "area_calls": False,
    }
    args.update(kw)
    return logic.live_visible(topic=topic, data=data, **args)  # type: ignore[arg-type]


def test_live_dispatch_events_are_denied_by_default_and_scoped() -> None:
    call = {"status": "queued", "division": "CER", "district": "2316", "units": ["41A"]}
    assert _visible("dispatch", call, sees_all=True)
    assert _visible("dispatch", call, my_unit="41A")  # the guard or CSO on the call
    assert not _visible("dispatch", call, my_unit="G1")  # a guard sees nothing else
    assert _visible("dispatch", call, my_unit="41B", my_area="CER", area_calls=True)  # a deputy of the area
    assert not _visible("dispatch", {**call, "status": "closed"}, my_unit="41B", my_area="CER", area_calls=True)
    assert not _visible("dispatch", call, my_unit="C1", my_area="CER", area_calls=False)  # a CSO: no area calls
    assert _visible("unit-G1", {}, my_unit="G1")
    assert not _visible("unit-G1", {}, my_unit="G2")
    assert _visible("unit-G1", {}, sees_all=True)
    assert _visible("units", {}, sees_units=True)
    assert not _visible("units", {}, my_unit="G1")
    assert not _visible("other", {}, sees_all=True, sees_units=True)


def test_dispatch_live_events_never_become_alert_notifications() -> None:
    from rtcc.notify.logic import notification_for

    board = {"id": 7, "topic": "dispatch", "type": "call.created", "data": {"id": "x", "priority": "Routine"}}
    assert notification_for(board, max_priority=2) is None
    hit = {"id": 8, "topic": "alerts", "type": "alert.created", "data": {"id": "a", "kind": "hit", "priority": 1}}
    assert notification_for(hit, max_priority=2) is not None
