"""Queries of alarm companies, their alarm events, alarm permits and the false alarms counted against permits (never
commits)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from rtcc.dispatch.models import AlarmCompany, AlarmEventRecord, AlarmPermit, PermitFalseAlarm, Premise


def company_by_code(session: Session, code: str, *, for_update: bool = False) -> AlarmCompany | None:
    """A company by its code, optionally row-locked (serialises one company's messages on PostgreSQL)."""
    stmt = select(AlarmCompany).where(AlarmCompany.code == code)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def company(session: Session, company_id: uuid.UUID) -> AlarmCompany | None:
    """A company by id."""
    return session.get(AlarmCompany, company_id)


def companies(session: Session) -> list[AlarmCompany]:
    """Every company, by code."""
    return list(session.scalars(select(AlarmCompany).order_by(AlarmCompany.code)))


def alarm_event(session: Session, company_id: uuid.UUID, event_id: str) -> AlarmEventRecord | None:
    """A company's alarm event by the company's own event id."""
    stmt = select(AlarmEventRecord).where(
        AlarmEventRecord.company_id == company_id, AlarmEventRecord.event_id == event_id
    )
    return session.scalars(stmt).first()


def alarm_of_call(session: Session, call_id: uuid.UUID) -> AlarmEventRecord | None:
    """The alarm event that made a call, if any."""
    return session.scalars(select(AlarmEventRecord).where(AlarmEventRecord.call_id == call_id)).first()


def permit(session: Session, permit_id: uuid.UUID) -> AlarmPermit | None:
    """A permit by id."""
    return session.get(AlarmPermit, permit_id)


def permit_by_number(session: Session, number: str) -> AlarmPermit | None:
    """A permit by its number (exact)."""
    return session.scalars(select(AlarmPermit).where(AlarmPermit.number == number)).first()


def permits_of_premise(session: Session, premise_id: uuid.UUID) -> list[AlarmPermit]:
    """A premise's permits, active ones first, newest first."""
    stmt = (
        select(AlarmPermit)
        .where(AlarmPermit.premise_id == premise_id)
        .order_by((AlarmPermit.status != "active"), AlarmPermit.created_at.desc())
    )
    return list(session.scalars(stmt))


def permits(
    session: Session,
    *,
    q: str | None,
    premise_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[AlarmPermit, Premise]], int]:
    """Permits (with their premise) whose number, holder or premise address contains ``q``, and how many."""
    stmt = select(AlarmPermit, Premise).join(Premise, Premise.id == AlarmPermit.premise_id)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(
            func.lower(AlarmPermit.number).like(like)
            | func.lower(AlarmPermit.holder).like(like)
            | func.lower(Premise.address).like(like)
        )
    if premise_id is not None:
        stmt = stmt.where(AlarmPermit.premise_id == premise_id)
    if status is not None:
        stmt = stmt.where(AlarmPermit.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(AlarmPermit.number).limit(limit).offset(offset))
    return [(row[0], row[1]) for row in rows], int(total)


def permit_has_events(session: Session, permit_id: uuid.UUID) -> bool:
    """Whether any alarm event or false alarm refers to a permit."""
    events = select(AlarmEventRecord.id).where(AlarmEventRecord.permit_id == permit_id).limit(1)
    falses = select(PermitFalseAlarm.id).where(PermitFalseAlarm.permit_id == permit_id).limit(1)
    return session.scalar(events) is not None or session.scalar(falses) is not None


def false_alarm_count(session: Session, permit_id: uuid.UUID, since: datetime) -> int:
    """False alarms counted against a permit of calls received since ``since``."""
    stmt = select(func.count(PermitFalseAlarm.id)).where(
        PermitFalseAlarm.permit_id == permit_id, PermitFalseAlarm.at >= since
    )
    return int(session.scalar(stmt) or 0)


def false_alarm_of_call(session: Session, call_id: uuid.UUID) -> PermitFalseAlarm | None:
    """The false alarm a call counts as, if any."""
    return session.scalars(select(PermitFalseAlarm).where(PermitFalseAlarm.call_id == call_id)).first()


def withdraw_false_alarm(session: Session, call_id: uuid.UUID) -> int:
    """Stop counting a call as a false alarm; returns how many rows went (0 or 1)."""
    result = session.execute(delete(PermitFalseAlarm).where(PermitFalseAlarm.call_id == call_id))
    return int(getattr(result, "rowcount", 0) or 0)


def premise_by_address(session: Session, address: str) -> Premise | None:
    """A registered premise whose address is exactly this one (case-insensitive)."""
    stmt = select(Premise).where(func.lower(Premise.address) == address.strip().lower()).order_by(Premise.id)
    return session.scalars(stmt).first()
