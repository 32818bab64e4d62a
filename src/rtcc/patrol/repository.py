"""Queries of the patrol domain (never commits). Near-repeat alerts belong to their call's division and patrol plans
to their unit's: the lists (and the dose report over the plans) honour the request's division scope
(``dispatch.queries.of_visible_calls``, ``of_visible_units``); the one-alert-per-call check does not (it is the
machinery's idempotency, not a screen)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rtcc.dispatch.queries import of_visible_calls, of_visible_units
from rtcc.patrol.models import HouseCheck, HouseCheckVisit, NearRepeatAlert, PatrolPlan, PlanStop


def near_repeat_of_call(session: Session, call_id: uuid.UUID) -> NearRepeatAlert | None:
    """The alert a burglary call made, if any."""
    return session.scalars(select(NearRepeatAlert).where(NearRepeatAlert.call_id == call_id)).first()


def near_repeats(session: Session, *, active_at: datetime | None, limit: int) -> Sequence[NearRepeatAlert]:
    """Alerts newest first; with ``active_at`` only those whose window holds that instant."""
    stmt = select(NearRepeatAlert)
    if active_at is not None:
        stmt = stmt.where(NearRepeatAlert.starts_at <= active_at, NearRepeatAlert.ends_at > active_at)
    stmt = of_visible_calls(stmt, NearRepeatAlert.call_id)
    return list(session.scalars(stmt.order_by(NearRepeatAlert.created_at.desc()).limit(limit)))


def near_repeats_overlapping(
    session: Session, *, start: datetime, end: datetime, limit: int
) -> Sequence[NearRepeatAlert]:
    """Alerts whose window overlaps [start, end), newest first."""
    stmt = select(NearRepeatAlert).where(NearRepeatAlert.starts_at < end, NearRepeatAlert.ends_at > start)
    stmt = of_visible_calls(stmt, NearRepeatAlert.call_id)
    return list(session.scalars(stmt.order_by(NearRepeatAlert.created_at.desc()).limit(limit)))


def plan(session: Session, plan_id: uuid.UUID) -> PatrolPlan | None:
    """One plan, if its unit belongs to a division the request may see (a plan of another division is not found)."""
    stmt = of_visible_units(select(PatrolPlan).where(PatrolPlan.id == plan_id), PatrolPlan.call_sign)
    return session.scalars(stmt).first()


def near_repeat(session: Session, alert_id: uuid.UUID) -> NearRepeatAlert | None:
    """One near-repeat alert, if its call belongs to a division the request may see."""
    stmt = of_visible_calls(select(NearRepeatAlert).where(NearRepeatAlert.id == alert_id), NearRepeatAlert.call_id)
    return session.scalars(stmt).first()


def stops(session: Session, plan_id: uuid.UUID) -> Sequence[PlanStop]:
    """A plan's stops in route order."""
    return list(session.scalars(select(PlanStop).where(PlanStop.plan_id == plan_id).order_by(PlanStop.seq)))


def plans(
    session: Session, *, call_sign: str | None, since: datetime | None, until: datetime | None, limit: int
) -> Sequence[PatrolPlan]:
    """Plans newest first (of the units the request may see), optionally of one unit and overlapping [since, until)."""
    stmt = of_visible_units(select(PatrolPlan), PatrolPlan.call_sign)
    if call_sign is not None:
        stmt = stmt.where(PatrolPlan.call_sign == call_sign)
    if since is not None:
        stmt = stmt.where(PatrolPlan.ends_at > since)
    if until is not None:
        stmt = stmt.where(PatrolPlan.starts_at < until)
    return list(session.scalars(stmt.order_by(PatrolPlan.starts_at.desc()).limit(limit)))


def house_check(session: Session, check_id: uuid.UUID) -> HouseCheck | None:
    """One house check."""
    return session.get(HouseCheck, check_id)


def house_checks_of(session: Session, user_id: uuid.UUID) -> Sequence[HouseCheck]:
    """A resident's requests, newest first."""
    stmt = select(HouseCheck).where(HouseCheck.user_id == user_id).order_by(HouseCheck.created_at.desc())
    return list(session.scalars(stmt))


def house_checks_due(session: Session, day: date, last_day: date | None = None) -> Sequence[HouseCheck]:
    """Active requests whose dates hold ``day`` (or any day from ``day`` to ``last_day``)."""
    stmt = select(HouseCheck).where(
        HouseCheck.status == "active", HouseCheck.starts_on <= (last_day or day), HouseCheck.ends_on >= day
    )
    return list(session.scalars(stmt.order_by(HouseCheck.created_at)))


def visits(session: Session, check_ids: Sequence[uuid.UUID]) -> Sequence[HouseCheckVisit]:
    """Visits of these checks, newest first."""
    if not check_ids:
        return []
    stmt = select(HouseCheckVisit).where(HouseCheckVisit.check_id.in_(check_ids))
    return list(session.scalars(stmt.order_by(HouseCheckVisit.at.desc(), HouseCheckVisit.id.desc())))


def track_visit(session: Session, check_id: uuid.UUID, plan_id: uuid.UUID) -> HouseCheckVisit | None:
    """The visit a plan's track already logged for a check, if any."""
    stmt = select(HouseCheckVisit).where(
        HouseCheckVisit.check_id == check_id, HouseCheckVisit.plan_id == plan_id, HouseCheckVisit.source == "track"
    )
    return session.scalars(stmt).first()
