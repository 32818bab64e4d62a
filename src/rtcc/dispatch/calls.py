"""Calls for service: intake, reading (scoped by ``rtcc.dispatch.access``), the caller's personal data (each read
audited), append-only notes, and the duplicate decision.

Intake resolves the location (coordinates, a map point, an intersection or place of the city profile, or a premise
of the registry), refuses a point outside the city or an unknown call type with a named error, takes the next
``YY-NNNNNN`` number of the year (city time), locates the reporting district, lets the priority rule in force at
the moment the call was received decide its priority (and stores which rule and version did), routes it by
differential response (dispatch queue, CSO queue, or offered as an online report), and reports what it found around
the call: recent calls at the location (the call type's look-back), a proposed duplicate (an open call of the same
type nearby) and the premise's history. Everything is audited in the transaction and published after commit.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from rtcc.bus.base import Bus
from rtcc.core.clock import ensure_utc, utcnow
from rtcc.core.errors import Conflict, NotFound, ValidationFailed, field_error, invalid
from rtcc.core.geo import distance_m
from rtcc.dispatch import access, calltypes, chain, logic, premises, present, repository
from rtcc.dispatch.logic import CallStatus
from rtcc.dispatch.models import Call, CallNote, Premise
from rtcc.dispatch.schemas import (
    CallCreate,
    CallDetail,
    CallerRead,
    CallEventRead,
    CallLocation,
    CallPage,
    CallRead,
    CallSummary,
    DuplicateDecision,
    IntakeResult,
    NoteCreate,
    NoteRead,
)
from rtcc.identity.logic import Principal
from rtcc.places import service as places
from rtcc.settings import Settings

#: How far in the future a given ``received_at`` may lie (clock skew of the sender).
_FUTURE_SLACK = timedelta(minutes=5)


def _resolve(session: Session, loc: CallLocation) -> tuple[str | None, float, float, Premise | None]:
    """(text, lat, lon, premise) of a location; a named error when it cannot be found."""
    if loc.kind == "premise":
        assert loc.premise_id is not None  # the schema requires it
        premise = repository.premise(session, loc.premise_id)
        if premise is None:
            raise invalid("location.premise_id", f"no premise {loc.premise_id}")
        return premise.address, premise.lat, premise.lon, premise
    if loc.kind == "place":
        place = places.resolve(loc.text or "")
        if place is None:
            raise invalid("location.text", f"no intersection or place {loc.text!r} in {places.city_name()}")
        return place.name, place.lat, place.lon, None
    assert loc.lat is not None and loc.lon is not None  # the schema requires them
    return loc.text, loc.lat, loc.lon, None


def _division(explicit: str | None, located: str | None) -> str | None:
    """A call's division: the one the call taker set (a code of the city profile), else the division it lies in,
    else a one-division profile's only division."""
    if explicit:
        if explicit not in places.division_codes():
            raise invalid("division", f"no division {explicit!r} in the city profile")
        return explicit
    return located or places.division_of(None, None)


def intake(
    session: Session,
    bus: Bus | None,
    settings: Settings,
    data: CallCreate,
    *,
    actor: Principal,
    reporter: uuid.UUID | None = None,
) -> IntakeResult:
    """Take a call (see the module docstring); audited as ``dispatch.call.create``. ``reporter``: the community
    account that made it (an online report from the portal), which may then follow its coarse status."""
    ct = calltypes.type_of(data.call_type)
    text, lat, lon, premise = _resolve(session, data.location)
    where = places.locate(lat, lon)
    if not where.inside_city:
        raise invalid("location", f"the point ({lat:.5f}, {lon:.5f}) is outside {places.city_name()}")
    now = utcnow()
    received = ensure_utc(data.received_at) if data.received_at is not None else now
    if received > now + _FUTURE_SLACK:
        raise invalid("received_at", "lies in the future")
    decided = calltypes.priority_for(session, ct, received)
    queue = logic.route_queue(
        cso_may_take=ct.cso_may_take,
        online_report_ok=ct.online_report_ok,
        emergent=decided.level.emergent,
        source=data.source.value,
    )
    year = received.astimezone(places.city_zone()).year
    call = Call(
        number=logic.call_number(year, repository.next_call_seq(session, year)),
        call_type=ct.code,
        apco_code=ct.apco_code,
        priority=decided.level.code,
        priority_rank=decided.level.rank,
        priority_rule_id=decided.rule.id if decided.rule else None,
        priority_rule_version=decided.rule.version if decided.rule else None,
        priority_basis=decided.basis,
        status=CallStatus.received.value,
        queue=queue.value,
        offer_online_report=ct.online_report_ok and queue != logic.Queue.dispatch,
        units_needed=ct.units_needed,
        source=data.source.value,
        source_ref=data.source_ref,
        source_party=data.source_party,
        caller_name=data.caller_name,
        caller_phone=data.caller_phone,
        location_kind=data.location.kind,
        location_text=text,
        lat=lat,
        lon=lon,
        district=where.district.code if where.district else None,
        division=_division(data.division, where.division.code if where.division else None),
        neighborhood=where.neighborhood.code if where.neighborhood else None,
        premise_id=premise.id if premise else None,
        narrative=data.narrative,
        received_at=received,
        reopen_count=0,
        created_by=actor.audit_name[:64],
        updated_at=now,
        reporter_user_id=reporter,
    )
    repository.add(session, call)
    chain.record(
        session,
        call,
        kind="status",
        actor=actor,
        at=received,
        status="received",
        detail={"priority": call.priority, "basis": call.priority_basis, "rule_version": call.priority_rule_version},
    )
    chain.stamp(call, CallStatus.queued, now)
    chain.record(session, call, kind="status", actor=actor, at=now, status="queued", detail={"queue": call.queue})
    recent = recent_at_location(session, settings, call, lookback_days=ct.lookback_days)
    duplicate = proposed_duplicate(session, settings, call)
    if duplicate is not None:
        call.proposed_duplicate_of = duplicate.id
    history = premises.history(session, premise, exclude=call.id, now=now) if premise is not None else None
    chain.audit_call(
        session,
        actor,
        "create",
        call,
        call_type=call.call_type,
        priority=call.priority,
        rule_id=call.priority_rule_id,
        rule_version=call.priority_rule_version,
        source=call.source,
        source_ref=call.source_ref,
        queue=call.queue,
        proposed_duplicate_of=str(duplicate.id) if duplicate else None,
    )
    session.flush()
    present.publish_call(session, bus, call, [], change="created", at=now)
    return IntakeResult(
        call=present.call_read(call),
        recent_at_location=recent,
        proposed_duplicate=duplicate,
        premise_history=history,
    )


def recent_at_location(
    session: Session, settings: Settings, call: Call, *, lookback_days: int, now: datetime | None = None
) -> list[CallSummary]:
    """Calls at the call's location (within ``dispatch_history_radius_m``) in the call type's look-back period."""
    if lookback_days <= 0:
        return []
    since = (now or call.received_at) - timedelta(days=lookback_days)
    radius = settings.dispatch_history_radius_m
    out = []
    for other in repository.calls_near(session, call.lat, call.lon, radius, since=since, exclude=call.id):
        d = distance_m(call.lat, call.lon, other.lat, other.lon)
        if d <= radius:
            out.append(present.summary(other, d))
    return out


def proposed_duplicate(session: Session, settings: Settings, call: Call) -> CallSummary | None:
    """The nearest open call of the same type (or the same APCO code) received shortly before, if any."""
    since = call.received_at - timedelta(minutes=settings.dispatch_duplicate_window_min)
    radius = settings.dispatch_duplicate_radius_m
    best: tuple[float, Call] | None = None
    for other in repository.calls_near(
        session, call.lat, call.lon, radius, since=since, open_only=True, exclude=call.id
    ):
        if other.received_at > call.received_at:
            continue
        if not logic.is_proposed_duplicate(
            lat=call.lat,
            lon=call.lon,
            call_type=call.call_type,
            other_lat=other.lat,
            other_lon=other.lon,
            other_type=other.call_type,
            related=other.apco_code == call.apco_code,
            radius_m=radius,
        ):
            continue
        d = distance_m(call.lat, call.lon, other.lat, other.lon)
        if best is None or d < best[0]:
            best = (d, other)
    return None if best is None else present.summary(best[1], best[0])


def get_call(session: Session, call_id: uuid.UUID, *, actor: Principal) -> CallDetail:
    """One call the principal may see, with its units, timeline and notes."""
    call = access.visible_call(session, call_id, actor)
    return detail(session, call)


def detail(session: Session, call: Call) -> CallDetail:
    """A call with its units, timeline and notes."""
    base = present.call_read(call, repository.assignments_of(session, [call.id]))
    return CallDetail(
        **base.model_dump(),
        timeline=[CallEventRead.model_validate(e) for e in repository.timeline(session, call.id)],
        notes=[NoteRead.model_validate(n) for n in repository.notes(session, call.id)],
    )


def get_by_number(session: Session, number: str, *, actor: Principal) -> CallDetail:
    """One call by its number (as ``get_call``)."""
    if not logic.CALL_NUMBER.match(number):
        raise ValidationFailed(
            "number: expected YY-NNNNNN", errors=[field_error("number", "expected YY-NNNNNN", where="path")]
        )
    call = repository.call_by_number(session, number)
    if call is None:
        raise NotFound(f"no call {number}")
    return get_call(session, call.id, actor=actor)


def list_calls(
    session: Session,
    *,
    actor: Principal,
    statuses: list[str] | None = None,
    queue: str | None = None,
    open_only: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> CallPage:
    """The calls the principal may see, most urgent and oldest first."""
    for s in statuses or []:
        if s not in CallStatus.__members__:
            raise invalid("status", f"unknown status {s!r}", where="query")
    if queue is not None and queue not in logic.Queue.__members__:
        raise invalid("queue", f"unknown queue {queue!r}", where="query")
    wanted = statuses or ([s.value for s in logic.OPEN_STATUSES] if open_only else None)
    scope = access.scope_of(session, actor)
    rows, total = repository.list_calls(
        session,
        statuses=wanted,
        queue=queue,
        call_ids=None if scope.all else sorted(scope.call_ids),
        areas=None if scope.all else sorted(scope.areas),
        limit=limit,
        offset=offset,
    )
    assignments = repository.assignments_of(session, [c.id for c in rows])
    return CallPage(items=[present.call_read(c, assignments) for c in rows], total=total)


def caller(session: Session, call_id: uuid.UUID, *, actor: Principal) -> CallerRead:
    """A call's caller name and callback number; the read is audited (``dispatch.call.caller.view``)."""
    call = access.visible_call(session, call_id, actor)
    chain.audit_call(session, actor, "caller.view", call)
    return CallerRead(call_id=call.id, caller_name=call.caller_name, caller_phone=call.caller_phone)


def add_note(session: Session, bus: Bus | None, call_id: uuid.UUID, data: NoteCreate, *, actor: Principal) -> NoteRead:
    """Append a note to a call the principal may see (audited; notes are never edited or deleted). A note resent with
    the same ``client_id`` (a field client back online) is answered with the note already kept, not added again."""
    call = access.visible_call(session, call_id, actor, lock=data.client_id is not None)  # the lock orders resends
    if data.client_id is not None and (done := repository.note_by_client_id(session, data.client_id)) is not None:
        if done.call_id != call.id:
            raise Conflict(f"client_id {data.client_id} was already used for another call")
        return NoteRead.model_validate(done)
    now = utcnow()
    unit = access.my_unit(session, actor)
    note = CallNote(
        call_id=call.id,
        at=now,
        author=actor.audit_name[:64],
        unit=unit.call_sign if unit else None,
        text=data.text,
        client_id=data.client_id,
    )
    repository.add(session, note)
    chain.audit_call(session, actor, "note", call, note_id=note.id)
    present.publish_call(session, bus, call, repository.assignments_of(session, [call.id]), change="note", at=now)
    return NoteRead.model_validate(note)


def decide_duplicate(
    session: Session, bus: Bus | None, call_id: uuid.UUID, data: DuplicateDecision, *, actor: Principal
) -> CallRead:
    """Link a call to the call it duplicates, or keep it separate (audited; the proposal stays on record)."""
    call = chain.load_call(session, call_id, lock=True)
    now = utcnow()
    if data.action == "separate":
        call.duplicate_of = None
        call.duplicate_decision = "separate"
        detail: dict[str, object] = {
            "proposed": str(call.proposed_duplicate_of) if call.proposed_duplicate_of else None
        }
    else:
        target_id = data.of or call.proposed_duplicate_of
        if target_id is None:
            raise invalid("of", "no duplicate was proposed: name the call this one duplicates")
        if target_id == call.id:
            raise invalid("of", "a call cannot duplicate itself")
        target = chain.load_call(session, target_id)
        if target.duplicate_of is not None:
            raise Conflict(f"call {target.number} is itself linked to another call: link to that one")
        call.duplicate_of = target.id
        call.duplicate_decision = "linked"
        detail = {"of": str(target.id), "of_number": target.number}
    call.updated_at = now
    chain.record(session, call, kind="duplicate", actor=actor, at=now, detail={"action": data.action, **detail})
    chain.audit_call(session, actor, "duplicate", call, decision=data.action, **detail)
    assignments = repository.assignments_of(session, [call.id])
    present.publish_call(session, bus, call, assignments, change=f"duplicate.{data.action}", at=now)
    return present.call_read(call, assignments)
