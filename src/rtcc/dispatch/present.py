"""How dispatch rows become API reads, and how changes reach screens and other domains after commit.

``publish_call`` writes a live event on the ``dispatch`` topic (the dispatch board; field users receive the calls
they may see, ``rtcc.dispatch.logic.live_visible``) and publishes the typed ``DispatchEvent`` on the bus;
``notify_unit`` writes on the unit's own topic ``unit-<call sign>`` (its phone is told of an assignment at once);
``publish_unit`` writes on the ``units`` board. Live events are stored in the caller's transaction and sent after
commit (``rtcc.live.service``); bus events are published after commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from rtcc.bus.base import Bus
from rtcc.bus.outbox import publish_after_commit
from rtcc.dispatch import calltypes, events, logic
from rtcc.dispatch.models import Assignment, Call, Unit
from rtcc.dispatch.schemas import AssignmentRead, CallRead, CallSummary, LocationRead
from rtcc.dispatch.unit_schemas import UnitRead
from rtcc.live import service as live


def call_read(call: Call, assignments: Sequence[Assignment] = ()) -> CallRead:
    """A call as the API reads it (without its caller)."""
    cat = calltypes.catalogue()
    ct = cat.call_type(call.call_type)
    lvl = cat.scheme.level(call.priority)
    return CallRead(
        id=call.id,
        number=call.number,
        call_type=call.call_type,
        call_type_name=ct.name if ct else call.call_type,
        call_type_names=dict(ct.names) if ct else {},
        apco_code=call.apco_code,
        priority=call.priority,
        priority_name=lvl.name if lvl else call.priority,
        priority_names=dict(lvl.names) if lvl else {},
        priority_rank=call.priority_rank,
        priority_target_s=lvl.target_s if lvl else None,
        priority_rule_id=call.priority_rule_id,
        priority_rule_version=call.priority_rule_version,
        priority_basis=call.priority_basis,
        status=call.status,
        queue=call.queue,
        offer_online_report=call.offer_online_report,
        units_needed=call.units_needed,
        source=call.source,
        source_ref=call.source_ref,
        source_party=call.source_party,
        has_caller=bool(call.caller_name or call.caller_phone),
        location=LocationRead(
            kind=call.location_kind,
            text=call.location_text,
            lat=call.lat,
            lon=call.lon,
            district=call.district,
            division=call.division,
            neighborhood=call.neighborhood,
            premise_id=call.premise_id,
        ),
        narrative=call.narrative,
        disposition=call.disposition,
        proposed_duplicate_of=call.proposed_duplicate_of,
        duplicate_of=call.duplicate_of,
        duplicate_decision=call.duplicate_decision,
        received_at=call.received_at,
        queued_at=call.queued_at,
        dispatched_at=call.dispatched_at,
        acknowledged_at=call.acknowledged_at,
        en_route_at=call.en_route_at,
        on_scene_at=call.on_scene_at,
        cleared_at=call.cleared_at,
        closed_at=call.closed_at,
        reopened_at=call.reopened_at,
        reopen_count=call.reopen_count,
        created_by=call.created_by,
        assignments=[AssignmentRead.model_validate(a) for a in assignments if a.call_id == call.id],
    )


def summary(call: Call, distance_m: float | None = None) -> CallSummary:
    """A call in a history or duplicate list."""
    return CallSummary(
        id=call.id,
        number=call.number,
        call_type=call.call_type,
        priority=call.priority,
        status=call.status,
        disposition=call.disposition,
        received_at=call.received_at,
        distance_m=None if distance_m is None else round(distance_m, 1),
    )


def unit_read(unit: Unit, current: Assignment | None = None, call_number: str | None = None) -> UnitRead:
    """A unit with its type's facts and its current call."""
    ut = calltypes.catalogue().unit_type(unit.unit_type)
    return UnitRead(
        id=unit.id,
        call_sign=unit.call_sign,
        unit_type=unit.unit_type,
        unit_type_name=ut.name if ut else unit.unit_type,
        unit_type_names=dict(ut.names) if ut else {},
        sworn=ut.sworn if ut else False,
        capabilities=sorted(ut.capabilities) if ut else [],
        home_area=unit.home_area,
        division=unit.division,
        active=unit.active,
        status=unit.status,
        status_at=unit.status_at,
        current_user_id=unit.current_user_id,
        lat=unit.lat,
        lon=unit.lon,
        position_at=unit.position_at,
        current_call_id=current.call_id if current else None,
        current_call_number=call_number,
    )


def board_facts(call: Call, assignments: Sequence[Assignment]) -> dict[str, Any]:
    """What the dispatch board (and the scoping of its live events) needs of a call: no personal data."""
    return {
        "id": str(call.id),
        "number": call.number,
        "call_type": call.call_type,
        "priority": call.priority,
        "priority_rank": call.priority_rank,
        "status": call.status,
        "queue": call.queue,
        "lat": call.lat,
        "lon": call.lon,
        "division": call.division,
        "district": call.district,
        "received_at": call.received_at.isoformat(),
        "units": sorted({a.call_sign for a in assignments if a.call_id == call.id}),
    }


def publish_call(
    session: Session, bus: Bus | None, call: Call, assignments: Sequence[Assignment], *, change: str, at: datetime
) -> None:
    """Tell the dispatch board (live) and other domains (bus) that a call was created or changed."""
    if bus is None:
        return
    facts = board_facts(call, assignments)
    created = change == "created"
    live.emit(
        session,
        bus,
        topic="dispatch",
        type="call.created" if created else "call.updated",
        data={**facts, "change": change},
    )
    event = events.DispatchEvent(
        type=events.CALL_CREATED if created else events.CALL_UPDATED,
        change=change,
        call_id=call.id,
        call_number=call.number,
        at=at,
        data={k: v for k, v in facts.items() if k not in ("id", "number")},
    )
    publish_after_commit(session, bus, event.envelope())


def notify_unit(session: Session, bus: Bus | None, call_sign: str, *, type: str, data: dict[str, Any]) -> None:
    """Write on a unit's own live topic (its phone or car listens there)."""
    if bus is not None:
        live.emit(session, bus, topic=logic.unit_topic(call_sign), type=type, data=data)


def publish_assignment(
    session: Session, bus: Bus | None, call: Call, a: Assignment, *, change: str, at: datetime
) -> None:
    """Publish an assignment step on the bus."""
    if bus is None:
        return
    event = events.DispatchEvent(
        type=events.ASSIGNMENT_CHANGED,
        change=change,
        call_id=call.id,
        call_number=call.number,
        unit_id=a.unit_id,
        call_sign=a.call_sign,
        at=at,
        data={"status": a.status, "eta_s": a.eta_s},
    )
    publish_after_commit(session, bus, event.envelope())


def publish_unit(session: Session, bus: Bus | None, unit: Unit, *, change: str, at: datetime) -> None:
    """Tell the unit board (live) and the bus that a unit's status or position changed."""
    if bus is None:
        return
    data: dict[str, Any] = {
        "id": str(unit.id),
        "call_sign": unit.call_sign,
        "unit_type": unit.unit_type,
        "status": unit.status,
        "home_area": unit.home_area,
        "division": unit.division,
        "lat": unit.lat,
        "lon": unit.lon,
        "position_at": unit.position_at.isoformat() if unit.position_at else None,
    }
    live.emit(session, bus, topic="units", type="unit.position" if change == "position" else "unit.updated", data=data)
    event = events.DispatchEvent(
        type=events.UNIT_POSITION if change == "position" else events.UNIT_CHANGED,
        change=change,
        unit_id=unit.id,
        call_sign=unit.call_sign,
        at=at,
        data={k: v for k, v in data.items() if k not in ("id", "call_sign")},
    )
    publish_after_commit(session, bus, event.envelope())
