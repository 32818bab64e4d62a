"""The status chain of calls and assignments: a unit's step on a call (acknowledged, en route, on scene, cleared,
cancelled), closing a call with its disposition, reopening it, and the unit status each step puts a unit in.

The rules are the pure state machine of ``rtcc.dispatch.logic``; this module applies them: it stamps the time of
each step (on the assignment, and on the call the first time the call reaches a status), appends the step to the
call's timeline and the unit's status log, audits it in the same transaction, and publishes it after commit.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.bus.base import Bus
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound, PermissionDenied
from rtcc.dispatch import access, logic, permits, present, repository
from rtcc.dispatch.logic import AssignmentStatus, CallStatus, TransitionError, UnitStatus
from rtcc.dispatch.models import Assignment, Call, CallEvent, CallNote, Unit, UnitStatusChange
from rtcc.dispatch.schemas import CallRead, CloseRequest, ReopenRequest, StepRequest
from rtcc.identity.logic import Perm, Principal

TARGET = "dispatch_call"
_STAMPS = {
    CallStatus.queued: "queued_at",
    CallStatus.dispatched: "dispatched_at",
    CallStatus.acknowledged: "acknowledged_at",
    CallStatus.en_route: "en_route_at",
    CallStatus.on_scene: "on_scene_at",
    CallStatus.cleared: "cleared_at",
    CallStatus.closed: "closed_at",
}


def record(
    session: Session,
    call: Call,
    *,
    kind: str,
    actor: Principal | str,
    at: datetime,
    status: str | None = None,
    unit: str | None = None,
    detail: dict[str, Any] | None = None,
    client_id: str | None = None,
) -> None:
    """Append a step to a call's timeline."""
    name = actor if isinstance(actor, str) else actor.audit_name
    session.add(
        CallEvent(
            call_id=call.id,
            at=at,
            kind=kind,
            status=status,
            unit=unit,
            actor=name[:64],
            detail=detail or {},
            client_id=client_id,
        )
    )


def audit_call(session: Session, actor: Principal, action: str, call: Call, **details: Any) -> None:
    """Audit an action on a call as ``dispatch.call.<action>`` with its number and status."""
    audit.record_for(
        session,
        actor,
        f"dispatch.call.{action}",
        target_type=TARGET,
        target_id=str(call.id),
        details={"number": call.number, "status": call.status, **details},
    )


def stamp(call: Call, status: CallStatus, at: datetime) -> None:
    """Move a call to ``status``, stamping the first time it reached it."""
    call.status = status.value
    call.updated_at = at
    column = _STAMPS.get(status)
    if column is not None and getattr(call, column) is None:
        setattr(call, column, at)


def set_unit_status(
    session: Session, unit: Unit, status: UnitStatus, *, at: datetime, actor: Principal | str, call_id: uuid.UUID | None
) -> None:
    """Put a unit in ``status`` and log it."""
    unit.status = status.value
    unit.status_at = at
    unit.updated_at = at
    name = actor if isinstance(actor, str) else actor.audit_name
    session.add(UnitStatusChange(unit_id=unit.id, at=at, status=status.value, call_id=call_id, actor=name[:64]))


def sync_call_status(session: Session, call: Call, *, at: datetime, actor: Principal | str) -> list[Assignment]:
    """Let an open call's status follow its units; returns the call's assignments."""
    assignments = repository.assignments_of(session, [call.id])
    if call.status == CallStatus.closed.value:
        return assignments
    target = logic.call_status_from((AssignmentStatus(a.status) for a in assignments), had_units=bool(assignments))
    if target.value != call.status:
        stamp(call, target, at)
        record(session, call, kind="status", actor=actor, at=at, status=target.value)
    return assignments


def _assignment_on(session: Session, call: Call, unit: Unit) -> Assignment:
    for a in repository.assignments_of(session, [call.id]):
        if a.unit_id == unit.id and AssignmentStatus(a.status) in logic.ACTIVE_ASSIGNMENT:
            return a
    raise Conflict(f"unit {unit.call_sign} is not on call {call.number}")


def step(session: Session, bus: Bus | None, call_id: uuid.UUID, data: StepRequest, *, actor: Principal) -> CallRead:
    """Move a unit's assignment on a call one step; the unit's and the call's statuses follow (audited). A step resent
    with the same ``client_id`` (a field client back online) is answered with the call as it is, not applied again."""
    call = access.visible_call(session, call_id, actor, lock=True)
    if data.client_id is not None and (done := repository.event_by_client_id(session, data.client_id)) is not None:
        if done.call_id != call.id:
            raise Conflict(f"client_id {data.client_id} was already used for another call")
        return present.call_read(call, repository.assignments_of(session, [call.id]))
    unit = access.acting_unit(session, actor, data.unit, lock=True)
    a = _assignment_on(session, call, unit)
    try:
        new = logic.assignment_step(AssignmentStatus(a.status), data.status)
    except TransitionError as exc:
        raise Conflict(str(exc)) from None
    now = utcnow()
    a.status = new.value
    setattr(a, f"{new.value}_at", now)
    if new not in logic.ACTIVE_ASSIGNMENT:
        a.active_unit = None  # the unit is free for another call (the unique claim is released)
    set_unit_status(session, unit, logic.unit_status_for(new), at=now, actor=actor, call_id=call.id)
    record(
        session, call, kind="unit", actor=actor, at=now, status=new.value, unit=unit.call_sign, client_id=data.client_id
    )
    session.flush()
    assignments = sync_call_status(session, call, at=now, actor=actor)
    audit_call(session, actor, "step", call, unit=unit.call_sign, assignment=new.value)
    present.publish_assignment(session, bus, call, a, change=new.value, at=now)
    present.publish_call(session, bus, call, assignments, change=f"unit.{new.value}", at=now)
    present.publish_unit(session, bus, unit, change="status", at=now)
    return present.call_read(call, assignments)


def close(session: Session, bus: Bus | None, call_id: uuid.UUID, data: CloseRequest, *, actor: Principal) -> CallRead:
    """Close a call with its disposition (every unit cleared first); a field user only a call their unit was on."""
    call = access.visible_call(session, call_id, actor, lock=True)
    if not actor.can(Perm.calls_dispatch):
        scope = access.scope_of(session, actor)
        if call.id not in scope.call_ids:
            raise PermissionDenied("only a unit that was on the call, or a dispatcher, may close it")
    assignments = repository.assignments_of(session, [call.id])
    active = sum(1 for a in assignments if AssignmentStatus(a.status) in logic.ACTIVE_ASSIGNMENT)
    try:
        logic.can_close(CallStatus(call.status), data.disposition.value, active_units=active)
    except TransitionError as exc:
        raise Conflict(str(exc)) from None
    now = utcnow()
    call.disposition = data.disposition.value
    stamp(call, CallStatus.closed, now)
    call.closed_at = now  # a reopened call closes again: the latest close counts
    record(session, call, kind="status", actor=actor, at=now, status="closed", detail={"disposition": call.disposition})
    if data.note:
        session.add(CallNote(call_id=call.id, at=now, author=actor.audit_name[:64], unit=actor.unit, text=data.note))
    audit_call(session, actor, "close", call, disposition=call.disposition)
    permits.record_disposition(session, call, actor=actor, at=now)  # a false alarm counts against the permit
    present.publish_call(session, bus, call, assignments, change="closed", at=now)
    return present.call_read(call, assignments)


def reopen(session: Session, bus: Bus | None, call_id: uuid.UUID, data: ReopenRequest, *, actor: Principal) -> CallRead:
    """Reopen a closed call (back to the queue), saying why; its disposition is kept in the timeline."""
    call = access.visible_call(session, call_id, actor, lock=True)
    try:
        logic.can_reopen(CallStatus(call.status))
    except TransitionError as exc:
        raise Conflict(str(exc)) from None
    now = utcnow()
    previous = call.disposition
    call.disposition = None
    call.status = CallStatus.queued.value
    call.reopened_at = now
    call.reopen_count += 1
    call.updated_at = now
    record(
        session,
        call,
        kind="reopen",
        actor=actor,
        at=now,
        status="queued",
        detail={"reason": data.reason, "previous_disposition": previous},
    )
    audit_call(session, actor, "reopen", call, reason=data.reason, previous_disposition=previous)
    permits.record_disposition(session, call, actor=actor, at=now)  # a reopened call no longer counts
    assignments = repository.assignments_of(session, [call.id])
    present.publish_call(session, bus, call, assignments, change="reopened", at=now)
    return present.call_read(call, assignments)


def load_call(session: Session, call_id: uuid.UUID, *, lock: bool = False) -> Call:
    """Any call (dispatch desk use cases); NotFound when missing."""
    call = repository.call(session, call_id, for_update=lock)
    if call is None:
        raise NotFound(f"no call {call_id}")
    return call
