"""Queries on the rebate program, applications and their timelines (never commits).

``program_for_update`` locks the single program row (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the write
transaction already holds the database's one write lock) so that two approvals at once never overspend the budget.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from rtcc.rebates.models import RebateApplication, RebateEvent, RebateProgram

PROGRAM_ID = 1


def program(session: Session, *, for_update: bool = False) -> RebateProgram | None:
    """The program row, locked for the rest of the transaction when ``for_update``."""
    stmt = select(RebateProgram).where(RebateProgram.id == PROGRAM_ID)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def add(session: Session, row: object) -> None:
    """Stage a new row and flush it."""
    session.add(row)
    session.flush()


def get(session: Session, application_id: uuid.UUID, *, for_update: bool = False) -> RebateApplication | None:
    """One application, optionally row-locked."""
    stmt = select(RebateApplication).where(RebateApplication.id == application_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def of_applicant(session: Session, applicant_id: uuid.UUID) -> list[RebateApplication]:
    """An applicant's applications, newest first."""
    stmt = (
        select(RebateApplication)
        .where(RebateApplication.applicant_id == applicant_id)
        .order_by(RebateApplication.created_at.desc())
    )
    return list(session.scalars(stmt))


def claim_holder(session: Session, key: str, *, exclude: uuid.UUID | None = None) -> RebateApplication | None:
    """The application that holds the household claim on ``key``, if any (other than ``exclude``)."""
    stmt = select(RebateApplication).where(RebateApplication.household_claim == key)
    if exclude is not None:
        stmt = stmt.where(RebateApplication.id != exclude)
    return session.scalars(stmt).first()


def by_status(
    session: Session, statuses: Sequence[str], *, limit: int | None = None, offset: int = 0
) -> tuple[list[RebateApplication], int]:
    """Applications in ``statuses``, oldest submission first, and how many there are."""
    where = RebateApplication.status.in_(list(statuses))
    total = session.scalar(select(func.count()).select_from(RebateApplication).where(where)) or 0
    stmt = (
        select(RebateApplication)
        .where(where)
        .order_by(RebateApplication.submitted_at, RebateApplication.created_at, RebateApplication.id)
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt)), total


def waitlist(session: Session, *, for_update: bool = False) -> list[RebateApplication]:
    """Waitlisted applications in line order: submission time (FIFO), then id for ties."""
    stmt = (
        select(RebateApplication)
        .where(RebateApplication.status == "waitlisted")
        .order_by(RebateApplication.submitted_at, RebateApplication.id)
    )
    if for_update:
        stmt = stmt.with_for_update()
    return list(session.scalars(stmt))


def waitlist_totals(session: Session) -> tuple[int, int]:
    """(count, cents) of the waitlist."""
    row = session.execute(
        select(func.count(), func.coalesce(func.sum(RebateApplication.rebate_cents), 0)).where(
            RebateApplication.status == "waitlisted"
        )
    ).one()
    return int(row[0]), int(row[1])


def timeline(session: Session, application_id: uuid.UUID) -> list[RebateEvent]:
    """An application's events in order."""
    stmt = select(RebateEvent).where(RebateEvent.application_id == application_id).order_by(RebateEvent.id)
    return list(session.scalars(stmt))


def touching_period(session: Session, start: datetime | None, end: datetime | None) -> list[RebateApplication]:
    """Applications with a submission, decision, approval or payment inside [start, end) (None = open)."""
    cols = (
        RebateApplication.submitted_at,
        RebateApplication.approved_at,
        RebateApplication.decided_at,
        RebateApplication.paid_at,
    )
    conds: list[ColumnElement[bool]] = []
    for col in cols:
        parts: list[ColumnElement[bool]] = [col.is_not(None)]
        if start is not None:
            parts.append(col >= start)
        if end is not None:
            parts.append(col < end)
        conds.append(and_(*parts))
    stmt = select(RebateApplication).where(or_(*conds))
    return list(session.scalars(stmt))


def rebated(session: Session) -> list[RebateApplication]:
    """Approved and paid applications (the cameras the program paid or will pay for)."""
    stmt = select(RebateApplication).where(RebateApplication.status.in_(["approved", "paid"]))
    return list(session.scalars(stmt.order_by(RebateApplication.approved_at)))
