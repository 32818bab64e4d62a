"""Shifts and rosters: regular watches from the catalogue's shift templates (day, PM, early morning) on a local date,
holiday patrols, and overtime shifts drawn from an overtime budget; which units (and users) are on each shift.

An overtime shift has an hourly rate; each unit put on it draws ``hours x rate`` cents and the shift's minutes from
its budget, under the budget's row lock (``SELECT ... FOR UPDATE`` on PostgreSQL, the write lock on SQLite), so two
supervisors at once never overspend it; a unit that does not fit is refused with a Conflict. Money is integer cents.
Everything is audited.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.core.clock import ensure_utc, utcnow
from rtcc.core.errors import Conflict, NotFound, invalid
from rtcc.dispatch import calltypes, repository
from rtcc.dispatch.models import OvertimeBudget, RosterEntry, Shift
from rtcc.dispatch.unit_schemas import BudgetCreate, BudgetRead, RosterAdd, RosterEntryRead, ShiftCreate, ShiftRead
from rtcc.identity.logic import Principal
from rtcc.places import service as places


def budget_read(row: OvertimeBudget) -> BudgetRead:
    """A budget with what is left of it."""
    return BudgetRead(
        id=row.id,
        name=row.name,
        total_cents=row.total_cents,
        used_cents=row.used_cents,
        used_minutes=row.used_minutes,
        available_cents=row.total_cents - row.used_cents,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
    )


def create_budget(session: Session, data: BudgetCreate, *, actor: Principal) -> BudgetRead:
    """Create an overtime budget (audited)."""
    if any(b.name == data.name for b in repository.budgets(session)):
        raise Conflict(f"a budget named {data.name!r} exists")
    row = OvertimeBudget(
        name=data.name,
        total_cents=data.total_cents,
        used_cents=0,
        used_minutes=0,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        created_by=actor.audit_name[:64],
        created_at=utcnow(),
    )
    repository.add(session, row)
    audit.record_for(
        session,
        actor,
        "dispatch.budget.create",
        target_type="dispatch_budget",
        target_id=str(row.id),
        details={"name": row.name, "total_cents": row.total_cents},
    )
    return budget_read(row)


def budgets(session: Session) -> list[BudgetRead]:
    """Every overtime budget with what was drawn against it."""
    return [budget_read(b) for b in repository.budgets(session)]


def _times(data: ShiftCreate) -> tuple[datetime, datetime, str | None, str]:
    if data.template is not None:
        tpl = calltypes.catalogue().shift(data.template)
        if tpl is None:
            raise invalid("template", f"unknown shift template {data.template!r}")
        if data.on is None:
            raise invalid("on", "a shift from a template needs its local date")
        hh, mm = (int(x) for x in tpl.start.split(":"))
        start = datetime.combine(data.on, time(hh, mm), tzinfo=places.city_zone())
        return ensure_utc(start), ensure_utc(start + timedelta(hours=tpl.hours)), tpl.code, data.name or tpl.name
    if data.starts_at is None or data.ends_at is None:
        raise invalid("starts_at", "give a template and a date, or starts_at and ends_at")
    start, end = ensure_utc(data.starts_at), ensure_utc(data.ends_at)
    if end <= start or end - start > timedelta(hours=24):
        raise invalid("ends_at", "a shift ends after it starts, within 24 hours")
    return start, end, None, data.name or f"{data.kind} shift"


def shift_read(session: Session, row: Shift) -> ShiftRead:
    """A shift with its roster."""
    entries = repository.roster(session, [row.id])
    units = {u.id: u.call_sign for u in repository.units(session, active_only=False)}
    return ShiftRead(
        id=row.id,
        kind=row.kind,
        template=row.template,
        name=row.name,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        budget_id=row.budget_id,
        hourly_rate_cents=row.hourly_rate_cents,
        cost_cents=row.cost_cents,
        roster=[
            RosterEntryRead(unit_id=e.unit_id, call_sign=units.get(e.unit_id, "?"), user_id=e.user_id) for e in entries
        ],
    )


def create_shift(session: Session, data: ShiftCreate, *, actor: Principal) -> ShiftRead:
    """Create a shift (audited); an overtime shift names its budget and hourly rate."""
    start, end, template, name = _times(data)
    if data.kind == "overtime":
        if data.budget_id is None:
            raise invalid("budget_id", "an overtime shift is drawn from a budget")
        if data.hourly_rate_cents is None:
            raise invalid("hourly_rate_cents", "an overtime shift needs its hourly rate")
        row_budget = repository.budget(session, data.budget_id)
        if row_budget is None:
            raise invalid("budget_id", f"no budget {data.budget_id}")
        local = start.astimezone(places.city_zone()).date()
        if not row_budget.starts_on <= local <= row_budget.ends_on:
            raise invalid("budget_id", f"the budget runs {row_budget.starts_on} to {row_budget.ends_on}")
    elif data.budget_id is not None:
        raise invalid("budget_id", "only overtime shifts draw from a budget")
    row = Shift(
        kind=data.kind,
        template=template,
        name=name,
        starts_at=start,
        ends_at=end,
        budget_id=data.budget_id,
        hourly_rate_cents=data.hourly_rate_cents,
        cost_cents=0,
        created_by=actor.audit_name[:64],
        created_at=utcnow(),
    )
    repository.add(session, row)
    audit.record_for(
        session,
        actor,
        "dispatch.shift.create",
        target_type="dispatch_shift",
        target_id=str(row.id),
        details={"kind": row.kind, "name": row.name, "starts_at": start.isoformat(), "ends_at": end.isoformat()},
    )
    return shift_read(session, row)


def shifts_on(session: Session, day: date) -> list[ShiftRead]:
    """Shifts overlapping a local day, with their rosters."""
    zone = places.city_zone()
    start = ensure_utc(datetime.combine(day, time(0), tzinfo=zone))
    end = ensure_utc(datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone))
    return [shift_read(session, s) for s in repository.shifts_between(session, start, end)]


def add_to_roster(session: Session, shift_id: uuid.UUID, data: RosterAdd, *, actor: Principal) -> ShiftRead:
    """Put a unit on a shift; on an overtime shift, draw its cost and hours from the budget (audited)."""
    row = repository.shift(session, shift_id)
    if row is None:
        raise NotFound(f"no shift {shift_id}")
    unit = repository.unit_by_call_sign(session, data.unit)
    if unit is None:
        raise invalid("unit", f"no unit {data.unit}")
    if repository.roster_entry(session, row.id, unit.id) is not None:
        raise Conflict(f"unit {unit.call_sign} is on this shift already")
    drawn = 0
    minutes = int((row.ends_at - row.starts_at).total_seconds() // 60)
    if row.kind == "overtime" and row.budget_id is not None:
        b = repository.budget(session, row.budget_id, for_update=True)
        assert b is not None  # the foreign key holds it
        drawn = minutes * (row.hourly_rate_cents or 0) // 60
        if b.used_cents + drawn > b.total_cents:
            left = b.total_cents - b.used_cents
            raise Conflict(f"budget {b.name!r} has {left} cents left; this unit's shift costs {drawn}")
        b.used_cents += drawn
        b.used_minutes += minutes
        row.cost_cents += drawn
    repository.add(
        session,
        RosterEntry(
            shift_id=row.id,
            unit_id=unit.id,
            user_id=data.user_id,
            created_by=actor.audit_name[:64],
            created_at=utcnow(),
        ),
    )
    audit.record_for(
        session,
        actor,
        "dispatch.roster.add",
        target_type="dispatch_shift",
        target_id=str(row.id),
        details={"unit": unit.call_sign, "drawn_cents": drawn, "minutes": minutes if drawn else 0},
    )
    return shift_read(session, row)
