"""Recommending and assigning units, and the CSO queue (differential response).

``recommendation`` gathers the facts (the call and its type, every unit in service with its type's capabilities,
status, workload over the last shift, whether it is rostered now, its home area) and the travel times
(``rtcc.routing.service.travel_times``), and runs the pure ``rtcc.dispatch.recommend.recommend``; where the agency
flies drones, ``rtcc.drones.service.option_for_call`` adds the drone line (the launch policy's decision, the ETA and
the seconds it would arrive before the first unit).

``assign`` puts one or more units on a call in one transaction: each unit's row is locked and must be assignable and
capable (a guard is never put on a call that needs enforcement), and the assignment claims the unit through the
unique ``active_unit`` column. Two dispatchers assigning the same unit at once: the database lets one through (a row
lock or a unique violation on PostgreSQL, the single write lock on SQLite) and the other gets a Conflict (409)
naming the unit. The unit is told at once on its live topic; the step is audited and published after commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rtcc.bus.base import Bus
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, ValidationFailed, field_error, invalid
from rtcc.dispatch import access, calltypes, chain, logic, present, repository
from rtcc.dispatch.logic import AssignmentStatus, CallStatus, UnitStatus
from rtcc.dispatch.models import Assignment, Call, Unit
from rtcc.dispatch.recommend import CallFacts, Line, Recommendation, Rules, UnitFacts, call_facts, recommend, unit_facts
from rtcc.dispatch.schemas import AssignRequest, CallPage, CallRead, LineRead, ReasonRead, RecommendationRead
from rtcc.drones import service as drones
from rtcc.identity.logic import Perm, Principal
from rtcc.routing import service as routing
from rtcc.routing.schemas import TravelTimes

#: The window that counts as "this shift" for a unit's workload.
SHIFT_WINDOW = timedelta(hours=8)


def _facts(session: Session, call: Call, now: datetime) -> tuple[CallFacts, list[Unit], list[UnitFacts]]:
    cat = calltypes.catalogue()
    ct = calltypes.type_of(call.call_type)
    lvl = calltypes.level(call.priority)
    assigned = frozenset(
        str(a.unit_id)
        for a in repository.assignments_of(session, [call.id])
        if AssignmentStatus(a.status) in logic.ACTIVE_ASSIGNMENT
    )
    facts = call_facts(
        ct,
        lvl,
        units_needed=call.units_needed,
        district=call.district,
        division=call.division,
        already_assigned=assigned,
    )
    units = repository.units(session)
    rostered = repository.units_on_duty(session, now) if repository.any_shift_at(session, now) else None
    workload = repository.assignments_since(session, now - SHIFT_WINDOW)
    facts_of_units = [
        unit_facts(
            str(u.id),
            u.call_sign,
            u.unit_type,
            cat.unit_type(u.unit_type),
            u.status,
            home_area=u.home_area,
            calls_this_shift=workload.get(u.id, 0),
            on_duty=rostered is None or u.id in rostered,
        )
        for u in units
    ]
    return facts, units, facts_of_units


@dataclass(frozen=True)
class _Run:
    result: Recommendation
    travel: TravelTimes
    method_of: Mapping[str, str]  # unit id -> how its ETA was estimated
    by_id: dict[str, Unit]


def _run(session: Session, call: Call, rules: Rules | None) -> _Run:
    now = utcnow()
    facts, units, unit_facts = _facts(session, call, now)
    placed = [u for u in units if u.lat is not None and u.lon is not None]
    # one search from the call over the reversed road graph gives every unit's ETA (rtcc.routing)
    origins = [(u.lat or 0.0, u.lon or 0.0) for u in placed]
    tt = routing.travel_times(session, to=(call.lat, call.lon), origins=origins, emergent=facts.emergent)
    eta_of = {u.id: s for u, s in zip(placed, tt.seconds, strict=True)}
    method_of = {str(u.id): m for u, m in zip(placed, tt.methods, strict=True)}
    result = recommend(facts, unit_facts, [eta_of.get(u.id) for u in units], rules)
    return _Run(result, tt, method_of, {str(u.id): u for u in units})


def _line(line: Line) -> LineRead:
    score = line.score_s if line.score_s is not None and line.score_s != float("inf") else None
    return LineRead(
        unit_id=uuid.UUID(line.unit_id),
        call_sign=line.call_sign,
        unit_type=line.unit_type,
        eligible=line.eligible,
        rank=line.rank,
        eta_s=None if line.eta_s is None else round(line.eta_s, 1),
        score_s=None if score is None else round(score, 1),
        reasons=[ReasonRead(code=r.code, text=r.text) for r in line.reasons],
    )


def recommendation(
    session: Session, call_id: uuid.UUID, *, actor: Principal, rules: Rules | None = None
) -> RecommendationRead:
    """The units for a call, best first, each with its reasons (``calls:dispatch``)."""
    call = chain.load_call(session, call_id)
    run = _run(session, call, rules)
    result, by_id = run.result, run.by_id
    ranked = [_line(x) for x in result.ranked]
    etas = [x.eta_s for x in ranked if x.eta_s is not None]
    # The drone program's line (rtcc.drones): the policy's decision now, its ETA and its lead on the first unit.
    drone = drones.option_for_call(
        session, call_type=call.call_type, lat=call.lat, lon=call.lon, patrol_eta_s=min(etas) if etas else None
    )
    return RecommendationRead(
        call_id=call.id,
        method=run.travel.method,
        travel_note=run.travel.note,
        network=run.travel.network_label or run.travel.network,
        units_needed=result.units_needed,
        suggested=[by_id[i].call_sign for i in result.suggested],
        ranked=ranked,
        ineligible=[_line(x) for x in result.ineligible],
        drone=drone,
    )


def _claim(session: Session, a: Assignment, call_sign: str) -> None:
    """Insert the assignment; the unique ``active_unit`` refuses a unit already on a call."""
    try:
        with session.begin_nested():
            session.add(a)
            session.flush()
    except IntegrityError:
        raise Conflict(f"unit {call_sign} is already assigned to another call") from None


def assign(session: Session, bus: Bus | None, call_id: uuid.UUID, data: AssignRequest, *, actor: Principal) -> CallRead:
    """Put units on a call in one action (see the module docstring)."""
    signs = [s.strip().upper() for s in data.units]
    if len(set(signs)) != len(signs):
        raise invalid("units", "a unit is named twice")
    call = chain.load_call(session, call_id, lock=True)
    if call.status == CallStatus.closed.value:
        raise Conflict(f"call {call.number} is closed: reopen it first")
    run = _run(session, call, None)
    result = run.result
    lines = {x.call_sign: x for x in (*result.ranked, *result.ineligible)}
    ct = calltypes.type_of(call.call_type)
    cat = calltypes.catalogue()
    now = utcnow()
    for i, sign in enumerate(signs):
        unit = repository.unit_by_call_sign(session, sign, for_update=True)
        if unit is None or not unit.active:
            raise ValidationFailed(
                f"units.{i}: no unit {sign} in service", errors=[field_error(f"units.{i}", "no such unit")]
            )
        ut = cat.unit_type(unit.unit_type)
        lacking = sorted(set(ct.needs) - (ut.capabilities if ut else frozenset()))
        if unit.unit_type not in ct.eligible_unit_types or lacking:
            why = f"lacks {', '.join(lacking)}" if lacking else f"a {unit.unit_type} unit does not take {ct.code} calls"
            raise ValidationFailed(
                f"units.{i}: unit {sign} cannot take this call ({why})", errors=[field_error(f"units.{i}", why)]
            )
        if UnitStatus(unit.status) not in logic.ASSIGNABLE:
            raise Conflict(f"unit {sign} is {unit.status}, not available")
        line = lines.get(sign)
        a = Assignment(
            call_id=call.id,
            unit_id=unit.id,
            call_sign=unit.call_sign,
            status=AssignmentStatus.dispatched.value,
            active_unit=unit.id,
            dispatched_at=now,
            assigned_by=actor.audit_name[:64],
            eta_s=None if line is None or line.eta_s is None else round(line.eta_s, 1),
            eta_method=run.method_of.get(line.unit_id) if line is not None and line.eta_s is not None else None,
            recommended_rank=line.rank if line is not None else None,
            reasons=[{"code": r.code, "text": r.text} for r in line.reasons] if line is not None else [],
        )
        _claim(session, a, sign)
        chain.set_unit_status(session, unit, UnitStatus.dispatched, at=now, actor=actor, call_id=call.id)
        chain.record(
            session,
            call,
            kind="unit",
            actor=actor,
            at=now,
            status="dispatched",
            unit=sign,
            detail={"rank": a.recommended_rank},
        )
        present.notify_unit(session, bus, sign, type="assignment", data=_assignment_notice(call, a))
        present.publish_assignment(session, bus, call, a, change="dispatched", at=now)
        present.publish_unit(session, bus, unit, change="status", at=now)
    session.flush()
    assignments = chain.sync_call_status(session, call, at=now, actor=actor)
    chain.audit_call(session, actor, "assign", call, units=signs, method=run.travel.method)
    present.publish_call(session, bus, call, assignments, change="assigned", at=now)
    return present.call_read(call, assignments)


def _assignment_notice(call: Call, a: Assignment) -> dict[str, object]:
    """What a unit's device is told of its new call: where, what, how urgent. No caller data, no ALPR data."""
    return {
        "call_id": str(call.id),
        "number": call.number,
        "call_type": call.call_type,
        "priority": call.priority,
        "status": a.status,
        "lat": call.lat,
        "lon": call.lon,
        "location": call.location_text,
        "narrative": call.narrative,
        "premise_id": str(call.premise_id) if call.premise_id else None,
        "eta_s": a.eta_s,
    }


def take(session: Session, bus: Bus | None, call_id: uuid.UUID, *, actor: Principal) -> CallRead:
    """A field user takes a call of the CSO queue for their own unit (a CSO taking a report)."""
    unit = access.my_unit(session, actor)
    if unit is None:
        raise Conflict("you are not signed on to a unit")
    call = chain.load_call(session, call_id)
    if call.queue != logic.Queue.cso.value or call.status not in (CallStatus.received.value, CallStatus.queued.value):
        raise Conflict(f"call {call.number} is not waiting in the CSO queue")
    if not _in_my_queue(call, unit):
        raise Conflict(f"a {unit.unit_type} unit does not take {call.call_type} calls")
    return assign(session, bus, call.id, AssignRequest(units=[unit.call_sign]), actor=_as_dispatcher(actor))


def _as_dispatcher(actor: Principal) -> Principal:
    """The actor, allowed to assign its own unit (taking a queued call is assigning oneself)."""
    return replace(actor, permissions=actor.permissions | {Perm.calls_dispatch})


def _in_my_queue(call: Call, unit: Unit) -> bool:
    ct = calltypes.catalogue().call_type(call.call_type)
    return ct is not None and unit.unit_type in ct.eligible_unit_types


def cso_queue(session: Session, *, actor: Principal, limit: int = 100, offset: int = 0) -> CallPage:
    """Open calls waiting in the CSO queue (unassigned), most urgent and oldest first. Dispatchers see all; a field
    user who reads units (deputies, CSOs) sees those their unit's type may take."""
    rows, _ = repository.list_calls(
        session,
        statuses=[CallStatus.received.value, CallStatus.queued.value],
        queue=logic.Queue.cso.value,
        call_ids=None,
        areas=None,
        limit=1000,
        offset=0,
    )
    if not actor.can(Perm.calls_read_all):
        unit = access.my_unit(session, actor)
        mine = unit is not None and actor.can(Perm.units_read)
        rows = [c for c in rows if mine and unit is not None and _in_my_queue(c, unit)]
    page = rows[offset : offset + limit]
    assignments = repository.assignments_of(session, [c.id for c in page])
    return CallPage(items=[present.call_read(c, assignments) for c in page], total=len(rows))
