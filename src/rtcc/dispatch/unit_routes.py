"""HTTP routes of units, positions, shifts, rosters and overtime budgets under ``/api/v1/dispatch`` (included by
``rtcc.dispatch.routes``). Field users set their own unit's status, sign on and report its position; dispatchers do
so for any unit; supervisors create units, shifts, rosters and budgets (``units:admin``)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from rtcc.deps import BusDep, DbDep
from rtcc.dispatch import positions, rosters, units
from rtcc.dispatch.unit_schemas import (
    BudgetCreate,
    BudgetRead,
    PositionIn,
    PositionRead,
    RosterAdd,
    ShiftCreate,
    ShiftRead,
    UnitCreate,
    UnitRead,
    UnitStatusSet,
    UnitUpdate,
)
from rtcc.identity.deps import require
from rtcc.identity.logic import Perm, Principal

router = APIRouter(prefix="/api/v1/dispatch", tags=["dispatch"])

UnitReader = Annotated[Principal, require(Perm.units_read)]
UnitAdmin = Annotated[Principal, require(Perm.units_admin)]
StatusSetter = Annotated[Principal, require(Perm.units_status)]
Reporter = Annotated[Principal, require(Perm.positions_write)]


@router.get("/units")
def list_units(
    db: DbDep,
    _p: UnitReader,
    include_inactive: Annotated[bool, Query(description="Units out of the fleet too.")] = False,
) -> list[UnitRead]:
    """Units with their status, last position and current call (the unit status board)."""
    with db.read() as session:
        return units.list_units(session, include_inactive=include_inactive)


@router.post("/units", status_code=201)
def create_unit(body: UnitCreate, db: DbDep, bus: BusDep, actor: UnitAdmin) -> UnitRead:
    """Create a unit of a catalogue unit type."""
    with db.uow() as session:
        return units.create(session, bus, body, actor=actor)


@router.get("/units/{call_sign}")
def get_unit(call_sign: str, db: DbDep, _p: UnitReader) -> UnitRead:
    """One unit."""
    with db.read() as session:
        return units.get(session, call_sign)


@router.patch("/units/{call_sign}")
def update_unit(call_sign: str, body: UnitUpdate, db: DbDep, bus: BusDep, actor: UnitAdmin) -> UnitRead:
    """Change a unit's type, home area, or take it out of (or back into) the fleet."""
    with db.uow() as session:
        return units.update(session, bus, call_sign, body, actor=actor)


@router.post("/units/{call_sign}/status")
def set_unit_status(call_sign: str, body: UnitStatusSet, db: DbDep, bus: BusDep, actor: StatusSetter) -> UnitRead:
    """Set a status by hand: available, at station, out of service, transporting (field users: their own unit)."""
    with db.uow() as session:
        return units.set_status(session, bus, call_sign, body.status, actor=actor)


@router.post("/units/{call_sign}/sign-on")
def sign_on(
    call_sign: str,
    db: DbDep,
    bus: BusDep,
    actor: StatusSetter,
    user_id: Annotated[uuid.UUID | None, Query(description="The user to sign on (dispatchers); default: you.")] = None,
) -> UnitRead:
    """Sign a user on to a unit for the shift ("my unit")."""
    with db.uow() as session:
        return units.sign_on(session, bus, call_sign, actor=actor, user_id=user_id)


@router.post("/units/{call_sign}/sign-off")
def sign_off(call_sign: str, db: DbDep, bus: BusDep, actor: StatusSetter) -> UnitRead:
    """Sign the unit's user off."""
    with db.uow() as session:
        return units.sign_off(session, bus, call_sign, actor=actor)


@router.post("/units/{call_sign}/position", status_code=201)
def report_position(call_sign: str, body: PositionIn, db: DbDep, bus: BusDep, actor: Reporter) -> PositionRead:
    """Report a unit's position (AVL); kept in its track (field users: their own unit)."""
    with db.uow() as session:
        return positions.report(session, bus, call_sign, body, actor=actor)


@router.get("/units/{call_sign}/track")
def unit_track(
    call_sign: str,
    db: DbDep,
    _p: UnitReader,
    since: Annotated[AwareDatetime | None, Query(description="Only positions at or after this time.")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[PositionRead]:
    """A unit's track, oldest first."""
    with db.read() as session:
        return list(positions.track(session, call_sign, since=since, limit=limit))


@router.get("/shifts")
def list_shifts(db: DbDep, _p: UnitReader, on: Annotated[date, Query(description="A local date.")]) -> list[ShiftRead]:
    """Shifts of a day with their rosters."""
    with db.read() as session:
        return rosters.shifts_on(session, on)


@router.post("/shifts", status_code=201)
def create_shift(body: ShiftCreate, db: DbDep, actor: UnitAdmin) -> ShiftRead:
    """Create a shift: a regular watch, a holiday patrol, or an overtime shift from a budget."""
    with db.uow() as session:
        return rosters.create_shift(session, body, actor=actor)


@router.post("/shifts/{shift_id}/roster", status_code=201)
def add_to_roster(shift_id: uuid.UUID, body: RosterAdd, db: DbDep, actor: UnitAdmin) -> ShiftRead:
    """Put a unit on a shift; an overtime shift draws its cost and hours from the budget."""
    with db.uow() as session:
        return rosters.add_to_roster(session, shift_id, body, actor=actor)


@router.get("/budgets")
def list_budgets(db: DbDep, _p: UnitReader) -> list[BudgetRead]:
    """Overtime budgets with the hours and dollars drawn against them."""
    with db.read() as session:
        return rosters.budgets(session)


@router.post("/budgets", status_code=201)
def create_budget(body: BudgetCreate, db: DbDep, actor: UnitAdmin) -> BudgetRead:
    """Create an overtime budget (integer cents)."""
    with db.uow() as session:
        return rosters.create_budget(session, body, actor=actor)
