"""Queries of the dispatch domain (never commits).

``next_call_seq`` is the one place call numbers come from: an atomic upsert of the year's counter that returns the
new value (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` on PostgreSQL and SQLite alike), so concurrent
intakes never share a number. Near-location queries filter on a bounding box first (indexed lat/lon) and leave the
exact distance to the caller.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from rtcc.core import divisions
from rtcc.core.geo import bbox_around
from rtcc.dispatch.logic import ACTIVE_ASSIGNMENT, OPEN_STATUSES
from rtcc.dispatch.models import (
    Assignment,
    Call,
    CallCounter,
    CallEvent,
    CallNote,
    OvertimeBudget,
    Position,
    Premise,
    PriorityRule,
    RosterEntry,
    Shift,
    Unit,
    UnitStatusChange,
)

_ACTIVE = [s.value for s in ACTIVE_ASSIGNMENT]
_OPEN = [s.value for s in OPEN_STATUSES]


def add(session: Session, row: object) -> None:
    """Stage a new row and flush it."""
    session.add(row)
    session.flush()


def next_call_seq(session: Session, year: int) -> int:
    """The next call sequence number of ``year`` (1 for its first call), atomically."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(CallCounter)
        .values(year=year, last=1)
        .on_conflict_do_update(index_elements=[CallCounter.year], set_={"last": CallCounter.last + 1})
        .returning(CallCounter.last)
    )
    return int(session.execute(stmt).scalar_one())


# --- priority rules ---------------------------------------------------------------------------------------------------


def rules(session: Session, call_type: str | None = None) -> list[PriorityRule]:
    """Priority rules (of one call type), oldest version first."""
    stmt = select(PriorityRule).order_by(PriorityRule.call_type, PriorityRule.version)
    if call_type is not None:
        stmt = stmt.where(PriorityRule.call_type == call_type)
    return list(session.scalars(stmt))


def last_rule_version(session: Session, call_type: str) -> int:
    """The highest version of a call type's rules (0 when none)."""
    found = session.scalar(select(func.max(PriorityRule.version)).where(PriorityRule.call_type == call_type))
    return int(found or 0)


# --- premises -------------------------------------------------------------------------------------------------------


def premise(session: Session, premise_id: uuid.UUID) -> Premise | None:
    """One premise."""
    return session.get(Premise, premise_id)


def premises(session: Session, *, q: str | None, limit: int, offset: int) -> tuple[list[Premise], int]:
    """Premises whose address or name contains ``q``, by address, and how many."""
    stmt = select(Premise)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(func.lower(Premise.address).like(like) | func.lower(Premise.name).like(like))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Premise.address, Premise.id).limit(limit).offset(offset))
    return list(rows), int(total)


# --- calls ----------------------------------------------------------------------------------------------------------


def call(session: Session, call_id: uuid.UUID, *, for_update: bool = False) -> Call | None:
    """One call, optionally row-locked."""
    stmt = divisions.scoped(select(Call).where(Call.id == call_id), Call.division)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def call_by_number(session: Session, number: str) -> Call | None:
    """One call by its number."""
    return session.scalars(divisions.scoped(select(Call).where(Call.number == number), Call.division)).first()


def calls_near(
    session: Session,
    lat: float,
    lon: float,
    radius_m: float,
    *,
    since: datetime | None = None,
    open_only: bool = False,
    exclude: uuid.UUID | None = None,
    limit: int = 200,
) -> list[Call]:
    """Calls inside the box around a point (the caller checks the exact distance), newest first."""
    min_lat, min_lon, max_lat, max_lon = bbox_around(lat, lon, radius_m)
    stmt = select(Call).where(Call.lat.between(min_lat, max_lat), Call.lon.between(min_lon, max_lon))
    stmt = divisions.scoped(stmt, Call.division)
    if since is not None:
        stmt = stmt.where(Call.received_at >= since)
    if open_only:
        stmt = stmt.where(Call.status.in_(_OPEN))
    if exclude is not None:
        stmt = stmt.where(Call.id != exclude)
    return list(session.scalars(stmt.order_by(Call.received_at.desc()).limit(limit)))


def calls_at_premise(session: Session, premise_id: uuid.UUID, *, exclude: uuid.UUID | None, limit: int) -> list[Call]:
    """A premise's calls, newest first."""
    stmt = divisions.scoped(select(Call).where(Call.premise_id == premise_id), Call.division)
    if exclude is not None:
        stmt = stmt.where(Call.id != exclude)
    return list(session.scalars(stmt.order_by(Call.received_at.desc()).limit(limit)))


def false_alarms_at(session: Session, premise_id: uuid.UUID, since: datetime) -> int:
    """Calls at a premise closed as false alarms since ``since``."""
    stmt = select(func.count()).where(
        Call.premise_id == premise_id, Call.disposition == "false_alarm", Call.received_at >= since
    )
    return int(session.scalar(stmt) or 0)


def list_calls(
    session: Session,
    *,
    statuses: Sequence[str] | None,
    queue: str | None,
    call_ids: Sequence[uuid.UUID] | None,
    areas: Sequence[str] | None,
    limit: int,
    offset: int,
) -> tuple[list[Call], int]:
    """Calls by filters, most urgent and oldest first, and how many. ``call_ids`` and ``areas`` (division or
    district codes of open calls) together form a field user's scope: a call matches either."""
    stmt = divisions.scoped(select(Call), Call.division)
    if statuses:
        stmt = stmt.where(Call.status.in_(list(statuses)))
    if queue:
        stmt = stmt.where(Call.queue == queue)
    if call_ids is not None or areas is not None:
        scope: ColumnElement[bool] = Call.id.in_(list(call_ids or []))
        if areas:
            scope = scope | (Call.status.in_(_OPEN) & (Call.division.in_(list(areas)) | Call.district.in_(list(areas))))
        stmt = stmt.where(scope)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    stmt = stmt.order_by(Call.priority_rank, Call.received_at, Call.id).limit(limit).offset(offset)
    return list(session.scalars(stmt)), int(total)


def timeline(session: Session, call_id: uuid.UUID) -> list[CallEvent]:
    """A call's timeline in order."""
    return list(session.scalars(select(CallEvent).where(CallEvent.call_id == call_id).order_by(CallEvent.id)))


def notes(session: Session, call_id: uuid.UUID) -> list[CallNote]:
    """A call's notes in order."""
    return list(session.scalars(select(CallNote).where(CallNote.call_id == call_id).order_by(CallNote.id)))


def event_by_client_id(session: Session, client_id: str) -> CallEvent | None:
    """The timeline step a field client sent under ``client_id``, if any (a resend)."""
    return session.scalars(select(CallEvent).where(CallEvent.client_id == client_id)).first()


def note_by_client_id(session: Session, client_id: str) -> CallNote | None:
    """The note a field client sent under ``client_id``, if any (a resend)."""
    return session.scalars(select(CallNote).where(CallNote.client_id == client_id)).first()


def calls_of_reporter(session: Session, user_id: uuid.UUID, *, limit: int) -> list[Call]:
    """The calls and online reports a community account made, newest first."""
    stmt = select(Call).where(Call.reporter_user_id == user_id).order_by(Call.received_at.desc(), Call.id).limit(limit)
    return list(session.scalars(stmt))


# --- assignments ----------------------------------------------------------------------------------------------------


def assignments_of(session: Session, call_ids: Sequence[uuid.UUID]) -> list[Assignment]:
    """The assignments of some calls, in dispatch order."""
    if not call_ids:
        return []
    stmt = select(Assignment).where(Assignment.call_id.in_(list(call_ids)))
    return list(session.scalars(stmt.order_by(Assignment.dispatched_at, Assignment.call_sign)))


def active_assignment_of_unit(session: Session, unit_id: uuid.UUID) -> Assignment | None:
    """The unit's active assignment, if any."""
    return session.scalars(select(Assignment).where(Assignment.active_unit == unit_id)).first()


def active_assignments(session: Session) -> list[Assignment]:
    """Every active assignment."""
    return list(session.scalars(select(Assignment).where(Assignment.status.in_(_ACTIVE))))


def call_ids_of_unit(session: Session, unit_id: uuid.UUID) -> list[uuid.UUID]:
    """Every call a unit was ever assigned to."""
    return list(session.scalars(select(Assignment.call_id).where(Assignment.unit_id == unit_id).distinct()))


def assignments_since(session: Session, since: datetime) -> dict[uuid.UUID, int]:
    """How many assignments each unit took since ``since`` (its workload this shift)."""
    stmt = (
        select(Assignment.unit_id, func.count())
        .where(Assignment.dispatched_at >= since, Assignment.status != "cancelled")
        .group_by(Assignment.unit_id)
    )
    return {uid: int(n) for uid, n in session.execute(stmt)}


# --- units ------------------------------------------------------------------------------------------------------------


def unit(session: Session, unit_id: uuid.UUID, *, for_update: bool = False) -> Unit | None:
    """One unit by id."""
    stmt = divisions.scoped(select(Unit).where(Unit.id == unit_id), Unit.division)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def unit_by_call_sign(session: Session, call_sign: str, *, for_update: bool = False) -> Unit | None:
    """One unit by call sign."""
    stmt = divisions.scoped(select(Unit).where(Unit.call_sign == call_sign), Unit.division)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def units(session: Session, *, active_only: bool = True) -> list[Unit]:
    """Units by call sign."""
    stmt = divisions.scoped(select(Unit), Unit.division)
    if active_only:
        stmt = stmt.where(Unit.active.is_(True))
    return list(session.scalars(stmt.order_by(Unit.call_sign)))


def unit_of_user(session: Session, user_id: uuid.UUID) -> Unit | None:
    """The unit a user is signed on to."""
    return session.scalars(select(Unit).where(Unit.current_user_id == user_id)).first()


def status_log(session: Session, unit_id: uuid.UUID, *, limit: int) -> list[UnitStatusChange]:
    """A unit's latest status changes, newest first."""
    stmt = select(UnitStatusChange).where(UnitStatusChange.unit_id == unit_id)
    return list(session.scalars(stmt.order_by(UnitStatusChange.id.desc()).limit(limit)))


def track(session: Session, unit_id: uuid.UUID, *, since: datetime | None, limit: int) -> list[Position]:
    """A unit's positions, oldest first (the newest ``limit`` of them)."""
    stmt = select(Position).where(Position.unit_id == unit_id)
    if since is not None:
        stmt = stmt.where(Position.at >= since)
    rows = list(session.scalars(stmt.order_by(Position.at.desc(), Position.id.desc()).limit(limit)))
    return rows[::-1]


# --- shifts, rosters, budgets -------------------------------------------------------------------------------------


def budget(session: Session, budget_id: uuid.UUID, *, for_update: bool = False) -> OvertimeBudget | None:
    """One overtime budget, optionally row-locked."""
    stmt = select(OvertimeBudget).where(OvertimeBudget.id == budget_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def budgets(session: Session) -> list[OvertimeBudget]:
    """Every overtime budget by start date."""
    return list(session.scalars(select(OvertimeBudget).order_by(OvertimeBudget.starts_on, OvertimeBudget.name)))


def shift(session: Session, shift_id: uuid.UUID) -> Shift | None:
    """One shift."""
    return session.get(Shift, shift_id)


def shifts_between(session: Session, start: datetime, end: datetime) -> list[Shift]:
    """Shifts overlapping [start, end), by start."""
    stmt = select(Shift).where(Shift.starts_at < end, Shift.ends_at > start)
    return list(session.scalars(stmt.order_by(Shift.starts_at, Shift.name)))


def roster(session: Session, shift_ids: Sequence[uuid.UUID]) -> list[RosterEntry]:
    """Roster entries of some shifts."""
    if not shift_ids:
        return []
    return list(session.scalars(select(RosterEntry).where(RosterEntry.shift_id.in_(list(shift_ids)))))


def roster_entry(session: Session, shift_id: uuid.UUID, unit_id: uuid.UUID) -> RosterEntry | None:
    """A unit's entry on a shift."""
    stmt = select(RosterEntry).where(RosterEntry.shift_id == shift_id, RosterEntry.unit_id == unit_id)
    return session.scalars(stmt).first()


def units_on_duty(session: Session, at: datetime) -> set[uuid.UUID]:
    """Units rostered on a shift running at ``at``."""
    stmt = (
        select(RosterEntry.unit_id)
        .join(Shift, Shift.id == RosterEntry.shift_id)
        .where(Shift.starts_at <= at, Shift.ends_at > at)
    )
    return set(session.scalars(stmt))


def any_shift_at(session: Session, at: datetime) -> bool:
    """Whether any shift is running at ``at`` (no roster at all: every unit counts as on duty)."""
    return session.scalar(select(Shift.id).where(Shift.starts_at <= at, Shift.ends_at > at).limit(1)) is not None


def call_by_source_ref(session: Session, source: str, source_ref: str) -> Call | None:
    """The call a source already created for its own id (an ALPR alert, an alarm event), if any."""
    return session.scalars(select(Call).where(Call.source == source, Call.source_ref == source_ref).limit(1)).first()
