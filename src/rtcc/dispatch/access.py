"""Who may see and act on which call and unit (deny by default).

Dispatchers, supervisors and analysts (``calls:read_all``) see every call. A field user (deputy, CSO, guard:
``dispatch:self``) is linked to a unit by the user's ``unit`` (the call sign the user signed on to; ``rtcc.dispatch.
units.sign_on`` sets it): they see the calls their unit is or was on and, for deputies (``calls:read_area``), the
open calls of their area (the user's division, or their unit's home area). A call someone may not see answers 404
exactly like a missing one. A field user acts only for their own unit; ``calls:dispatch`` acts for any.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from rtcc.core.errors import NotFound, PermissionDenied
from rtcc.dispatch import logic, repository
from rtcc.dispatch.models import Call, Unit
from rtcc.identity.logic import Perm, Principal


def my_unit(session: Session, actor: Principal) -> Unit | None:
    """The unit a field user is linked to: the call sign in their ``unit``, else the unit they are signed on to."""
    if not actor.can(Perm.dispatch_self):
        return None
    if actor.unit:
        found = repository.unit_by_call_sign(session, actor.unit)
        if found is not None:
            return found
    user_id = actor.user_uuid
    return repository.unit_of_user(session, user_id) if user_id is not None else None


@dataclass(frozen=True)
class Scope:
    """What a principal may see: everything (``all``), or the calls of ``call_ids`` plus the open calls of ``areas``."""

    all: bool
    unit: Unit | None
    call_ids: frozenset[uuid.UUID]
    areas: frozenset[str]


def scope_of(session: Session, actor: Principal) -> Scope:
    """The principal's view of calls."""
    if actor.can(Perm.calls_read_all):
        return Scope(True, None, frozenset(), frozenset())
    unit = my_unit(session, actor)
    ids = frozenset(repository.call_ids_of_unit(session, unit.id)) if unit is not None else frozenset()
    areas: set[str] = set()
    if actor.can(Perm.calls_read_area):
        if actor.division:
            areas.add(actor.division)
        if unit is not None and unit.home_area:
            areas.add(unit.home_area)
    return Scope(False, unit, ids, frozenset(areas))


def sees(scope: Scope, call: Call) -> bool:
    """Whether a scope includes a call."""
    if scope.all or call.id in scope.call_ids:
        return True
    return call.status != logic.CallStatus.closed.value and bool(scope.areas & {call.division, call.district})


def visible_call(session: Session, call_id: uuid.UUID, actor: Principal, *, lock: bool = False) -> Call:
    """A call the principal may see; NotFound otherwise (as for a missing one)."""
    call = repository.call(session, call_id, for_update=lock)
    if call is None or not sees(scope_of(session, actor), call):
        raise NotFound(f"no call {call_id}")
    return call


def acting_unit(session: Session, actor: Principal, call_sign: str | None, *, lock: bool = False) -> Unit:
    """The unit an action is for: the named one (a dispatcher may name any; a field user only their own), or the
    field user's own unit when none is named."""
    own = my_unit(session, actor)
    if call_sign is None:
        if own is None:
            raise NotFound("you are not signed on to a unit: name the unit")
        call_sign = own.call_sign
    unit = repository.unit_by_call_sign(session, call_sign, for_update=lock)
    if unit is None:
        raise NotFound(f"no unit {call_sign}")
    if not actor.can(Perm.calls_dispatch) and (own is None or own.id != unit.id):
        raise PermissionDenied(f"you may act only for your own unit, not {call_sign}")
    return unit
