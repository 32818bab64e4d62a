"""Units: create and change them (their type must be one of the catalogue's), list them with their current call,
the status a unit sets by hand (available, at station, out of service, transporting), signing a user on to a unit
(and off), and a field user's own unit and calls ("my call"). Every change is audited and published.

Signing on links the user to the unit both ways: the unit's ``current_user_id`` and the user's ``unit`` (through the
identity service), which is what scoping and the unit's live topic read.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.bus.base import Bus
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound, PermissionDenied, invalid
from rtcc.dispatch import access, calltypes, chain, logic, present, repository
from rtcc.dispatch.logic import TransitionError, UnitStatus
from rtcc.dispatch.models import Unit
from rtcc.dispatch.schemas import CallRead, MyDispatch
from rtcc.dispatch.unit_schemas import UnitCreate, UnitRead, UnitUpdate
from rtcc.identity import service as identity
from rtcc.identity.logic import Perm, Principal
from rtcc.identity.schemas import UserUpdate
from rtcc.places import service as places

TARGET = "dispatch_unit"


def _check_type(code: str, field: str = "unit_type") -> None:
    if calltypes.catalogue().unit_type(code) is None:
        known = ", ".join(u.code for u in calltypes.catalogue().unit_types)
        raise invalid(field, f"unknown unit type {code!r} ({known})")


def division_for(explicit: str | None, home_area: str | None) -> str | None:
    """A unit's division: the one set explicitly (a code of the city profile), else its home area's (a division or
    a district's division), else a one-division profile's only division."""
    if explicit:
        if explicit not in places.division_codes():
            raise invalid("division", f"no division {explicit!r} in the city profile")
        return explicit
    return places.division_of_area(home_area) or places.division_of(None, None)


def load(session: Session, call_sign: str, *, lock: bool = False) -> Unit:
    """A unit by call sign, or NotFound."""
    unit = repository.unit_by_call_sign(session, call_sign, for_update=lock)
    if unit is None:
        raise NotFound(f"no unit {call_sign}")
    return unit


def read(session: Session, unit: Unit) -> UnitRead:
    """A unit with its current call."""
    current = repository.active_assignment_of_unit(session, unit.id)
    number = None
    if current is not None:
        call = repository.call(session, current.call_id)
        number = call.number if call else None
    return present.unit_read(unit, current, number)


def create(session: Session, bus: Bus | None, data: UnitCreate, *, actor: Principal) -> UnitRead:
    """Create a unit (available, no position yet); audited."""
    _check_type(data.unit_type)
    if repository.unit_by_call_sign(session, data.call_sign) is not None:
        raise Conflict(f"call sign {data.call_sign} is taken")
    now = utcnow()
    unit = Unit(
        call_sign=data.call_sign,
        unit_type=data.unit_type,
        home_area=data.home_area,
        division=division_for(data.division, data.home_area),
        active=True,
        status=UnitStatus.available.value,
        status_at=now,
        created_at=now,
        updated_at=now,
    )
    repository.add(session, unit)
    audit.record_for(
        session,
        actor,
        "dispatch.unit.create",
        target_type=TARGET,
        target_id=str(unit.id),
        details={
            "call_sign": unit.call_sign,
            "unit_type": unit.unit_type,
            "home_area": unit.home_area,
            "division": unit.division,
        },
    )
    present.publish_unit(session, bus, unit, change="created", at=now)
    return present.unit_read(unit)


def update(session: Session, bus: Bus | None, call_sign: str, data: UnitUpdate, *, actor: Principal) -> UnitRead:
    """Change a unit's type, home area or whether it is in service (audited)."""
    unit = load(session, call_sign, lock=True)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("unit_type") is not None:
        _check_type(changes["unit_type"])
    if changes.get("unit_type", "") is None or changes.get("active", True) is None:
        raise invalid("unit_type" if "unit_type" in changes else "active", "cannot be emptied")
    if changes.get("active") is False and repository.active_assignment_of_unit(session, unit.id) is not None:
        raise Conflict(f"unit {call_sign} is on a call: clear it first")
    if "division" in changes or "home_area" in changes:
        explicit = changes.pop("division", None)
        home_area = changes.get("home_area", unit.home_area)
        changes["division"] = division_for(explicit, home_area)
    for key, value in changes.items():
        setattr(unit, key, value)
    now = utcnow()
    unit.updated_at = now
    audit.record_for(
        session, actor, "dispatch.unit.update", target_type=TARGET, target_id=str(unit.id), details=changes
    )
    present.publish_unit(session, bus, unit, change="updated", at=now)
    return read(session, unit)


def list_units(session: Session, *, include_inactive: bool = False) -> list[UnitRead]:
    """Units by call sign, with their current calls."""
    rows = repository.units(session, active_only=not include_inactive)
    active = {a.unit_id: a for a in repository.active_assignments(session)}
    numbers = {c.id: c.number for c in (repository.call(session, a.call_id) for a in active.values()) if c}
    return [
        present.unit_read(u, active.get(u.id), numbers.get(active[u.id].call_id) if u.id in active else None)
        for u in rows
    ]


def get(session: Session, call_sign: str) -> UnitRead:
    """One unit."""
    return read(session, load(session, call_sign))


def set_status(
    session: Session, bus: Bus | None, call_sign: str | None, status: UnitStatus, *, actor: Principal
) -> UnitRead:
    """A status a unit sets by hand (a field user: their own unit); the statuses of a call follow its steps."""
    unit = access.acting_unit(session, actor, call_sign, lock=True)
    if not unit.active:
        raise Conflict(f"unit {unit.call_sign} is out of the fleet")
    current = repository.active_assignment_of_unit(session, unit.id)
    try:
        new = logic.manual_unit_status(UnitStatus(unit.status), status, on_call=current is not None)
    except TransitionError as exc:
        raise Conflict(str(exc)) from None
    now = utcnow()
    chain.set_unit_status(session, unit, new, at=now, actor=actor, call_id=current.call_id if current else None)
    audit.record_for(
        session,
        actor,
        "dispatch.unit.status",
        target_type=TARGET,
        target_id=str(unit.id),
        details={"call_sign": unit.call_sign, "status": new.value},
    )
    present.publish_unit(session, bus, unit, change="status", at=now)
    return read(session, unit)


def sign_on(
    session: Session, bus: Bus | None, call_sign: str, *, actor: Principal, user_id: uuid.UUID | None = None
) -> UnitRead:
    """Link a user to a unit for their shift: a field user signs themself on; a dispatcher may name the user."""
    target = user_id or actor.user_uuid
    if target is None:
        raise invalid("user_id", "name the user to sign on")
    if target != actor.user_uuid and not actor.can(Perm.calls_dispatch):
        raise PermissionDenied("only a dispatcher may sign someone else on to a unit")
    unit = load(session, call_sign, lock=True)
    previous = repository.unit_of_user(session, target)
    if previous is not None and previous.id != unit.id:
        previous.current_user_id = None
    unit.current_user_id = target
    now = utcnow()
    unit.updated_at = now
    identity.update_user(session, target, UserUpdate(unit=unit.call_sign), actor=actor)
    audit.record_for(
        session,
        actor,
        "dispatch.unit.sign_on",
        target_type=TARGET,
        target_id=str(unit.id),
        details={"call_sign": unit.call_sign, "user_id": str(target)},
    )
    present.publish_unit(session, bus, unit, change="sign_on", at=now)
    return read(session, unit)


def sign_off(session: Session, bus: Bus | None, call_sign: str, *, actor: Principal) -> UnitRead:
    """Unlink the unit's current user (the user themself, or a dispatcher)."""
    unit = load(session, call_sign, lock=True)
    if unit.current_user_id is None:
        raise Conflict(f"nobody is signed on to unit {call_sign}")
    if unit.current_user_id != actor.user_uuid and not actor.can(Perm.calls_dispatch):
        raise PermissionDenied("only the unit's own user or a dispatcher may sign it off")
    user_id = unit.current_user_id
    unit.current_user_id = None
    now = utcnow()
    unit.updated_at = now
    identity.update_user(session, user_id, UserUpdate(unit=None), actor=actor)
    audit.record_for(
        session,
        actor,
        "dispatch.unit.sign_off",
        target_type=TARGET,
        target_id=str(unit.id),
        details={"call_sign": unit.call_sign, "user_id": str(user_id)},
    )
    present.publish_unit(session, bus, unit, change="sign_off", at=now)
    return read(session, unit)


def my_dispatch(session: Session, *, actor: Principal) -> MyDispatch:
    """A field user's own unit and the open calls it is on (its current call first)."""
    unit = access.my_unit(session, actor)
    if unit is None:
        return MyDispatch(unit=None, calls=[])
    ids = repository.call_ids_of_unit(session, unit.id)
    calls = [c for c in (repository.call(session, i) for i in ids) if c and c.status != "closed"]
    assignments = repository.assignments_of(session, [c.id for c in calls])
    current = repository.active_assignment_of_unit(session, unit.id)
    calls.sort(key=lambda c: (current is None or c.id != current.call_id, c.priority_rank, c.received_at))
    reads: list[CallRead] = [present.call_read(c, assignments) for c in calls]
    return MyDispatch(unit=read(session, unit), calls=reads)
