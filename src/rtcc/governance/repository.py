"""Queries of the governance domain (never commits): its own tables, and the read-only aggregates the transparency
portal and the misuse scan need from other domains' tables, through the tables those domains publish in their
``queries`` modules (never their models): ALPR reads, hit alerts, hotlist entries carrying a case number, and ALPR
searches in the audit log.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Integer, func, select
from sqlalchemy.orm import Session

from rtcc.alerts import queries as alerts_queries
from rtcc.alpr import queries as alpr_queries
from rtcc.audit import queries as audit_queries
from rtcc.governance.models import DutySchedule, MisuseFlag, PurposeCode, SharingAgency, SharingRequest
from rtcc.hotlists import queries as hotlists_queries

# --- other domains' published tables (their ``queries`` modules), read only ---------------------------------------

_reads = alpr_queries.READS
_alerts = alerts_queries.ALERTS
_hotlist_entries = hotlists_queries.ENTRIES
_audit = audit_queries.ENTRIES


# --- purposes ---------------------------------------------------------------------------------------------------------


def purpose_rows(session: Session) -> list[PurposeCode]:
    """Every stored purpose code (active or retired) in display order."""
    return list(session.scalars(select(PurposeCode).order_by(PurposeCode.position, PurposeCode.code)))


def purpose_row(session: Session, code: str) -> PurposeCode | None:
    """One stored purpose code."""
    return session.get(PurposeCode, code)


# --- duty schedules ---------------------------------------------------------------------------------------------------


def duty_schedules(session: Session) -> list[DutySchedule]:
    """Every per-user duty schedule, by actor."""
    return list(session.scalars(select(DutySchedule).order_by(DutySchedule.actor)))


def duty_schedule(session: Session, actor: str) -> DutySchedule | None:
    """One user's duty schedule."""
    return session.get(DutySchedule, actor)


# --- sharing ----------------------------------------------------------------------------------------------------------


def agencies(session: Session, *, active: bool | None = None) -> list[SharingAgency]:
    """Agencies on the sharing list, by code."""
    q = select(SharingAgency)
    if active is not None:
        q = q.where(SharingAgency.active.is_(active))
    return list(session.scalars(q.order_by(SharingAgency.code)))


def agency_by_code(session: Session, code: str) -> SharingAgency | None:
    """One agency by its code."""
    return session.scalars(select(SharingAgency).where(SharingAgency.code == code)).first()


def sharing_requests(
    session: Session, *, agency_code: str | None, decision: str | None, before: datetime | None, limit: int
) -> list[SharingRequest]:
    """Sharing requests, newest first (keyset by time)."""
    q = select(SharingRequest)
    if agency_code:
        q = q.where(SharingRequest.agency_code == agency_code)
    if decision:
        q = q.where(SharingRequest.decision == decision)
    if before:
        q = q.where(SharingRequest.at < before)
    return list(session.scalars(q.order_by(SharingRequest.at.desc(), SharingRequest.id).limit(limit)))


def sharing_counts(session: Session, *, since: datetime) -> dict[str, int]:
    """Sharing requests since ``since`` counted by decision."""
    q = (
        select(SharingRequest.decision, func.count())
        .where(SharingRequest.at >= since)
        .group_by(SharingRequest.decision)
    )
    return {d: int(n) for d, n in session.execute(q).all()}


# --- misuse flags -----------------------------------------------------------------------------------------------------


def flags_by_keys(session: Session, keys: Sequence[str]) -> dict[str, MisuseFlag]:
    """Existing flags by dedup key."""
    if not keys:
        return {}
    found = session.scalars(select(MisuseFlag).where(MisuseFlag.dedup_key.in_(list(keys))))
    return {f.dedup_key: f for f in found}


def flag(session: Session, flag_id: uuid.UUID, *, for_update: bool = False) -> MisuseFlag | None:
    """One flag."""
    q = select(MisuseFlag).where(MisuseFlag.id == flag_id)
    if for_update:
        q = q.with_for_update()
    return session.scalars(q).first()


def flags(
    session: Session,
    *,
    status: str | None,
    detector: str | None,
    subject: str | None,
    limit: int,
    offset: int,
) -> tuple[list[MisuseFlag], int]:
    """A page of flags, newest first, and the total matching."""
    q = select(MisuseFlag)
    if status:
        q = q.where(MisuseFlag.status == status)
    if detector:
        q = q.where(MisuseFlag.detector == detector)
    if subject:
        q = q.where(MisuseFlag.subject.startswith(subject, autoescape=True))
    total = int(session.scalar(select(func.count()).select_from(q.subquery())) or 0)
    rows = session.scalars(q.order_by(MisuseFlag.created_at.desc(), MisuseFlag.id).limit(limit).offset(offset))
    return list(rows), total


def flag_counts(session: Session) -> dict[str, int]:
    """Flags counted by status."""
    q = select(MisuseFlag.status, func.count()).group_by(MisuseFlag.status)
    return {s: int(n) for s, n in session.execute(q).all()}


# --- read-only aggregates over other domains' tables ------------------------------------------------------------------


def count_reads(session: Session, *, since: datetime, until: datetime) -> tuple[int, int]:
    """(reads, hit reads) observed in ``[since, until)``."""
    hits = func.sum(func.cast(_reads.c.is_hit, Integer))
    q = select(func.count(), hits).where(_reads.c.observed_at >= since, _reads.c.observed_at < until)
    total, hit = session.execute(q).one()
    return int(total or 0), int(hit or 0)


def hit_flags(session: Session, read_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, bool]:
    """Whether each of these reads hit a hotlist."""
    out: dict[uuid.UUID, bool] = {}
    ids = list(read_ids)
    for i in range(0, len(ids), 500):
        q = select(_reads.c.id, _reads.c.is_hit).where(_reads.c.id.in_(ids[i : i + 500]))
        out.update({rid: bool(hit) for rid, hit in session.execute(q).all()})
    return out


def hit_alert_counts(session: Session, *, since: datetime, until: datetime) -> dict[tuple[str, str | None], int]:
    """Hit alerts created in ``[since, until)`` counted by (state, reject reason)."""
    q = (
        select(_alerts.c.state, _alerts.c.reject_reason, func.count())
        .where(_alerts.c.kind == "hit", _alerts.c.created_at >= since, _alerts.c.created_at < until)
        .group_by(_alerts.c.state, _alerts.c.reject_reason)
    )
    return {(state, reason): int(n) for state, reason, n in session.execute(q).all()}


def searches_by_purpose(session: Session, *, action: str, since: datetime, until: datetime) -> dict[str | None, int]:
    """Audit entries of exactly ``action`` in ``[since, until)`` counted by their purpose code."""
    purpose = _audit.c.details["purpose"].as_string()
    q = (
        select(purpose, func.count())
        .where(_audit.c.action == action, _audit.c.at >= since, _audit.c.at < until)
        .group_by(purpose)
    )
    return {p: int(n) for p, n in session.execute(q).all()}


def hotlist_case_activity(session: Session, cases: Sequence[str]) -> list[tuple[str, datetime, int]]:
    """(case number, added at, entry id) of hotlist entries carrying one of ``cases`` (compared upper case)."""
    if not cases:
        return []
    out: list[tuple[str, datetime, int]] = []
    wanted = sorted(set(cases))
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        q = select(_hotlist_entries.c.case_number, _hotlist_entries.c.added_at, _hotlist_entries.c.id).where(
            func.upper(_hotlist_entries.c.case_number).in_(chunk)
        )
        out.extend((str(c), at, int(i_)) for c, at, i_ in session.execute(q).all())
    return out
