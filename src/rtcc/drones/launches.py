"""Launch decisions and launch requests: the use cases that join a dispatch call to the drone program.

- ``decide``: a dispatcher asks whether a drone may fly to an open call; the pure ``rtcc.drones.logic.decide`` runs
  on the policy and fleet in force, with the first patrol unit's ETA from the dispatch recommendation, and the
  decision (recommended or refused, the rule and policy version, every check and every dock's ETA) is recorded and
  audited (``drones.decision.<outcome>``).
- ``override``: a supervisor overrides a refusal whose rule the policy lets be overridden (``logic.OVERRIDABLE``:
  an excluded or non-eligible call type, the policy's daylight-only rule), with a reason; the decision runs again
  with exactly those rules waived and is recorded as ``overridden`` (naming the refusal) — or refused again by a rule
  nobody can waive. Audited as ``drones.decision.override``.
- ``request_launch``: a dispatcher asks the pilots to launch on a recorded ``recommended`` or ``overridden``
  decision of the last ``DECISION_TTL`` for a call still open (a refused one cannot be flown: nothing flies on an
  excluded call type without an audited override).
- ``answer``: a registered pilot, with a certificate valid today, accepts (the drone is marked ``in_flight`` and
  ``drones.launch.answered`` tells the flights side) or declines with a reason. Both are recorded and audited.

Every change is audited in the same transaction and published after commit (``rtcc.drones.events``), and shown on
the live topic ``drones`` (``drones:read``): a pilot's queue of launch requests updates without polling.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.bus.base import Bus
from rtcc.bus.outbox import publish_after_commit
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound, PermissionDenied, invalid
from rtcc.dispatch import assignment as dispatch_assignment
from rtcc.dispatch import calls as dispatch_calls
from rtcc.dispatch.logic import CallStatus
from rtcc.drones import events, logic, repository, service
from rtcc.drones.models import LaunchDecision, LaunchRequest
from rtcc.drones.schemas import (
    DecisionPage,
    DecisionRead,
    LaunchRequestCreate,
    LaunchRequestRead,
    OverrideCreate,
    PilotAnswer,
)
from rtcc.identity.logic import Principal
from rtcc.live import service as live

#: The live topic of launch decisions and requests (``drones:read``).
LIVE_TOPIC = "drones"
#: How long a recorded decision can be flown on (after that, the fleet and the weather may have changed).
DECISION_TTL = timedelta(minutes=10)
#: Call statuses a drone is no longer launched for.
_DONE = frozenset({CallStatus.cleared.value, CallStatus.closed.value})


def _check_json(c: logic.Check) -> dict[str, Any]:
    return {"code": c.code.value, "ok": c.ok, "text": c.text, "rule_id": c.rule_id, "waived": c.waived}


def _option_json(o: logic.DockOption) -> dict[str, Any]:
    return {
        "kind": "dock",
        "dock_id": o.dock_id,
        "dock_code": o.dock_code,
        "drone_id": o.drone_id,
        "drone_code": o.drone_code,
        "distance_m": round(o.distance_m, 1),
        "eta_s": None if o.eta_s is None else round(o.eta_s, 1),
        "ok": o.ok,
        "code": o.code.value,
        "text": o.text,
        "camera_restricted": list(o.camera_restricted),
        "notes": list(o.notes),
    }


def read(d: LaunchDecision) -> DecisionRead:
    """A recorded decision as its schema."""
    return DecisionRead(
        id=d.id,
        call_id=d.call_id,
        call_number=d.call_number,
        call_type=d.call_type,
        lat=d.lat,
        lon=d.lon,
        outcome=d.outcome,
        code=d.code,
        rule_id=d.rule_id,
        rule=d.rule,
        policy_version=d.policy_version,
        limits_version=d.limits_version,
        dock_id=d.dock_id,
        drone_id=d.drone_id,
        eta_s=d.eta_s,
        patrol_eta_s=d.patrol_eta_s,
        lead_s=d.lead_s,
        distance_m=d.distance_m,
        overridable=d.outcome == logic.Outcome.refused.value and d.code in {c.value for c in logic.OVERRIDABLE},
        checks=list(d.checks),
        overrides_id=d.overrides_id,
        override_reason=d.override_reason,
        decided_at=d.decided_at,
        decided_by=d.decided_by,
        decided_by_role=d.decided_by_role,
    )


def _record(
    session: Session,
    bus: Bus | None,
    call: Any,
    decision: logic.Decision,
    facts: service.Facts,
    *,
    actor: Principal,
    overrides: LaunchDecision | None = None,
    reason: str | None = None,
) -> LaunchDecision:
    o = decision.option
    row = LaunchDecision(
        call_id=call.id,
        call_number=call.number,
        call_type=call.call_type,
        lat=call.location.lat,
        lon=call.location.lon,
        outcome=decision.outcome.value,
        code=decision.code.value,
        rule_id=decision.rule_id[:48],
        rule=decision.rule,
        policy_id=facts.policy_id,
        policy_version=decision.policy_version,
        limits_version=decision.limits_version,
        dock_id=uuid.UUID(o.dock_id) if o else None,
        drone_id=uuid.UUID(o.drone_id) if o and o.drone_id else None,
        eta_s=None if o is None or o.eta_s is None else round(o.eta_s, 1),
        patrol_eta_s=None if decision.patrol_eta_s is None else round(decision.patrol_eta_s, 1),
        lead_s=None if decision.lead_s is None else round(decision.lead_s, 1),
        distance_m=None if o is None else round(o.distance_m, 1),
        checks=[_check_json(c) for c in decision.checks]
        + [_option_json(x) for x in decision.options]
        + [
            {
                "kind": "flight",
                "night": decision.night,
                "max_altitude_m": decision.max_altitude_m,
                "camera_restricted_at_scene": list(decision.camera_restricted_at_scene),
            }
        ],
        overrides_id=overrides.id if overrides else None,
        override_reason=reason,
        decided_at=utcnow(),
        decided_by=actor.audit_name[:128],
        decided_by_role=actor.role,
    )
    session.add(row)
    session.flush()
    audit.record_for(
        session,
        actor,
        "drones.decision.override" if overrides is not None else f"drones.decision.{decision.outcome.value}",
        target_type="drone_decision",
        target_id=str(row.id),
        details={
            "call_id": str(call.id),
            "call_number": call.number,
            "call_type": call.call_type,
            "outcome": row.outcome,
            "rule_id": row.rule_id,
            "policy_version": row.policy_version,
            **({"overrides": str(overrides.id), "reason": reason} if overrides is not None else {}),
            **({"waived": [c.code.value for c in decision.checks if c.waived]} if overrides is not None else {}),
        },
    )
    if bus is not None:
        live.emit(
            session,
            bus,
            topic=LIVE_TOPIC,
            type=events.DECISION_RECORDED,
            data={
                "id": str(row.id), "call_id": str(call.id), "call_number": call.number, "call_type": call.call_type,
                "outcome": row.outcome, "rule_id": row.rule_id, "eta_s": row.eta_s, "lead_s": row.lead_s,
            },
        )  # fmt: skip
        event = events.DroneEvent(
            type=events.DECISION_RECORDED,
            change=row.outcome,
            call_id=call.id,
            call_number=call.number,
            call_type=call.call_type,
            decision_id=row.id,
            drone_id=row.drone_id,
            dock_id=row.dock_id,
            at=row.decided_at,
            data={"rule_id": row.rule_id, "policy_version": row.policy_version, "eta_s": row.eta_s},
        )
        publish_after_commit(session, bus, event.envelope())
    return row


def _run(
    session: Session, call_id: uuid.UUID, actor: Principal, waive: frozenset[logic.Code]
) -> tuple[Any, logic.Decision, service.Facts]:
    call = dispatch_calls.get_call(session, call_id, actor=actor)
    if call.status in _DONE:
        raise Conflict(f"call {call.number} is {call.status}: no drone is launched for it")
    rec = dispatch_assignment.recommendation(session, call_id, actor=actor)
    etas = [line.eta_s for line in rec.ranked if line.eta_s is not None]
    now = utcnow()
    facts = service.facts(session, now)
    c = logic.CallFacts(call.call_type, call.location.lat, call.location.lon, now)
    decision = logic.decide(
        c, facts.policy, facts.limits, facts.docks, facts.index, facts.pilots,
        patrol_eta_s=min(etas) if etas else None, waive=waive,
    )  # fmt: skip
    return call, decision, facts


def decide(session: Session, bus: Bus | None, call_id: uuid.UUID, *, actor: Principal) -> DecisionRead:
    """Decide and record whether a drone may launch to a call (see the module docstring)."""
    call, decision, facts = _run(session, call_id, actor, frozenset())
    return read(_record(session, bus, call, decision, facts, actor=actor))


def override(
    session: Session, bus: Bus | None, call_id: uuid.UUID, data: OverrideCreate, *, actor: Principal
) -> DecisionRead:
    """A supervisor's override of a refusal (see the module docstring)."""
    refused = repository.decision(session, data.decision_id)
    if refused is None or refused.call_id != call_id:
        raise NotFound(f"no decision {data.decision_id} for call {call_id}")
    if refused.outcome != logic.Outcome.refused.value:
        raise Conflict(f"decision {refused.id} was {refused.outcome}, not refused: there is nothing to override")
    failing = {c["code"] for c in refused.checks if c.get("kind") is None and not c["ok"]}
    waive = frozenset(logic.Code(c) for c in failing if c in {x.value for x in logic.OVERRIDABLE})
    if refused.code not in {x.value for x in logic.OVERRIDABLE}:
        raise Conflict(
            f"the refusal rests on rule {refused.rule_id} ({refused.code}), which no override can waive: {refused.rule}"
        )
    call, decision, facts = _run(session, call_id, actor, waive)
    return read(_record(session, bus, call, decision, facts, actor=actor, overrides=refused, reason=data.reason))


def list_decisions(
    session: Session, *, call_id: uuid.UUID | None, outcome: str | None, limit: int, offset: int
) -> DecisionPage:
    """Recorded decisions, newest first."""
    rows, total = repository.decisions(session, call_id=call_id, outcome=outcome, limit=limit, offset=offset)
    return DecisionPage(items=[read(d) for d in rows], total=total)


def get_decision(session: Session, decision_id: uuid.UUID) -> DecisionRead:
    """One recorded decision."""
    d = repository.decision(session, decision_id)
    if d is None:
        raise NotFound(f"no decision {decision_id}")
    return read(d)


def _publish_request(session: Session, bus: Bus | None, r: LaunchRequest, kind: events.EventType, change: str) -> None:
    if bus is None:
        return
    # The pilots' queue and the dispatcher's screen follow the live topic (no polling).
    live.emit(
        session, bus, topic=LIVE_TOPIC, type=kind, data=LaunchRequestRead.model_validate(r).model_dump(mode="json")
    )
    event = events.DroneEvent(
        type=kind,
        change=change,
        call_id=r.call_id,
        call_number=r.call_number,
        call_type=r.call_type,
        decision_id=r.decision_id,
        request_id=r.id,
        drone_id=r.drone_id,
        dock_id=r.dock_id,
        at=r.responded_at or r.requested_at,
        data={"pilot_id": str(r.pilot_id) if r.pilot_id else None, "eta_s": r.eta_s},
    )
    publish_after_commit(session, bus, event.envelope())


def request_launch(
    session: Session, bus: Bus | None, data: LaunchRequestCreate, *, actor: Principal
) -> LaunchRequestRead:
    """Ask the pilots to launch on a recorded decision that allows it; audited as ``drones.launch.request``."""
    d = repository.decision(session, data.decision_id)
    if d is None:
        raise NotFound(f"no decision {data.decision_id}")
    if utcnow() - d.decided_at > DECISION_TTL:
        raise Conflict(
            f"decision {d.id} was taken at {d.decided_at.isoformat()}, more than "
            f"{int(DECISION_TTL.total_seconds() // 60)} minutes ago: decide again (the fleet and the weather change)"
        )
    call = dispatch_calls.get_call(session, d.call_id, actor=actor)
    if call.status in _DONE:
        raise Conflict(f"call {call.number} is {call.status}: no drone is launched for it")
    if d.outcome not in (logic.Outcome.recommended.value, logic.Outcome.overridden.value) or d.drone_id is None:
        raise Conflict(
            f"decision {d.id} {d.outcome} the launch (rule {d.rule_id}: {d.rule}); only a recommended decision or a "
            "supervisor's override can be flown"
        )
    drone = repository.drone(session, d.drone_id, for_update=True)
    if drone is None or drone.status not in {s.value for s in logic.LAUNCHABLE}:
        raise Conflict(f"drone {drone.code if drone else d.drone_id} is no longer ready: decide again")
    if repository.pending_for_drone(session, drone.id) is not None:
        raise Conflict(f"drone {drone.code} already has a launch request waiting for a pilot")
    r = LaunchRequest(
        decision_id=d.id,
        call_id=d.call_id,
        call_number=d.call_number,
        call_type=d.call_type,
        lat=d.lat,
        lon=d.lon,
        drone_id=drone.id,
        dock_id=d.dock_id,
        state=logic.RequestState.pending.value,
        eta_s=d.eta_s,
        requested_at=utcnow(),
        requested_by=actor.audit_name[:128],
    )
    session.add(r)
    session.flush()
    audit.record_for(
        session,
        actor,
        "drones.launch.request",
        target_type="drone_launch_request",
        target_id=str(r.id),
        details={"decision_id": str(d.id), "call_number": d.call_number, "drone": drone.code, "outcome": d.outcome},
    )
    _publish_request(session, bus, r, events.LAUNCH_REQUESTED, "requested")
    return LaunchRequestRead.model_validate(r)


def list_requests(session: Session, *, state: str | None, limit: int, offset: int) -> list[LaunchRequestRead]:
    """Launch requests, newest first (``state``: only those in it)."""
    return [
        LaunchRequestRead.model_validate(r)
        for r in repository.launch_requests(session, state=state, limit=limit, offset=offset)
    ]


def get_request(session: Session, request_id: uuid.UUID) -> LaunchRequestRead:
    """One launch request."""
    r = repository.launch_request(session, request_id)
    if r is None:
        raise NotFound(f"no launch request {request_id}")
    return LaunchRequestRead.model_validate(r)


def answer(
    session: Session, bus: Bus | None, request_id: uuid.UUID, accept: bool, data: PilotAnswer, *, actor: Principal
) -> LaunchRequestRead:
    """A pilot accepts or declines a pending launch request (see the module docstring)."""
    r = repository.launch_request(session, request_id, for_update=True)
    if r is None:
        raise NotFound(f"no launch request {request_id}")
    pilot = service.pilot_of(session, actor)
    if pilot is None:
        raise PermissionDenied("only a registered remote pilot can answer a launch request")
    today = utcnow().date()
    if not logic.pilot_certified(logic.PilotFacts(str(pilot.id), pilot.certificate_expires, pilot.active), today):
        raise PermissionDenied(
            f"your remote pilot certificate {pilot.certificate_number} expired on "
            f"{pilot.certificate_expires.isoformat()} (or your pilot record is inactive)"
        )
    if not accept and not (data.reason and data.reason.strip()):
        raise invalid("reason", "a decline needs a reason")
    if r.state != logic.RequestState.pending.value:
        raise Conflict(f"launch request {r.id} is already {r.state}")
    now = utcnow()
    if accept:
        drone = repository.drone(session, r.drone_id, for_update=True)
        if drone is None or drone.status not in {s.value for s in logic.LAUNCHABLE}:
            raise Conflict(f"drone {drone.code if drone else r.drone_id} is not ready to launch")
        drone.status, drone.status_at, drone.updated_at = logic.DroneStatus.in_flight.value, now, now
    r.state = (logic.RequestState.accepted if accept else logic.RequestState.declined).value
    r.pilot_id, r.responded_at, r.responded_by = pilot.id, now, actor.audit_name[:128]
    r.response_reason = data.reason.strip() if data.reason else None
    session.flush()
    audit.record_for(
        session,
        actor,
        f"drones.launch.{r.state}",
        target_type="drone_launch_request",
        target_id=str(r.id),
        details={"call_number": r.call_number, "certificate": pilot.certificate_number, "reason": r.response_reason},
    )
    _publish_request(session, bus, r, events.LAUNCH_ANSWERED, r.state)
    return LaunchRequestRead.model_validate(r)


def cancel(
    session: Session, bus: Bus | None, request_id: uuid.UUID, data: PilotAnswer, *, actor: Principal
) -> LaunchRequestRead:
    """A dispatcher withdraws a pending launch request (the call no longer needs the drone); audited as
    ``drones.launch.cancelled``."""
    r = repository.launch_request(session, request_id, for_update=True)
    if r is None:
        raise NotFound(f"no launch request {request_id}")
    if r.state != logic.RequestState.pending.value:
        raise Conflict(f"launch request {r.id} is already {r.state}")
    r.state = logic.RequestState.cancelled.value
    r.responded_at, r.responded_by = utcnow(), actor.audit_name[:128]
    r.response_reason = data.reason.strip() if data.reason else None
    session.flush()
    audit.record_for(
        session,
        actor,
        "drones.launch.cancelled",
        target_type="drone_launch_request",
        target_id=str(r.id),
        details={"call_number": r.call_number, "reason": r.response_reason},
    )
    _publish_request(session, bus, r, events.LAUNCH_ANSWERED, r.state)
    return LaunchRequestRead.model_validate(r)
