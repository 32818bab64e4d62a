"""Misuse flags (use cases): the scan that runs the pure detectors (``detectors``) over the audit log and writes
their flags into the auditor queue, and the queue itself (list, read, resolve).

A scan reads the last ``misuse_scan_lookback_days`` of the audit log (ALPR accesses and refusals, and every entry
carrying a case number or purpose), the duty schedules, and hotlist entries carrying the searched case numbers.
Flags are deduplicated by detector, subject and window: a flag raised again while open gets the new evidence; a
resolved flag is left as the auditor closed it.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound
from rtcc.governance import repository, service
from rtcc.governance.detectors import (
    ACCESS_ACTIONS,
    AuditRow,
    CaseActivity,
    DetectorParams,
    DutyWindow,
    run_all,
)
from rtcc.governance.models import MisuseFlag
from rtcc.governance.schemas import FlagResolve, MisuseFlagPage, MisuseFlagRead, ScanResult
from rtcc.identity.logic import Principal
from rtcc.places import service as places
from rtcc.settings import Settings

logger = logging.getLogger(__name__)

#: Audit actions the detectors read besides entries carrying a case number or purpose.
REVIEWED_ACTIONS: tuple[str, ...] = (
    *sorted(ACCESS_ACTIONS),
    "alpr.read.view",
    "alpr.image.view",
    "alpr.search.refused",
)
_BATCH = 5000


def duty_timezone(settings: Settings) -> str:
    """The zone duty hours are read in: ``governance_timezone``, else the city profile's."""
    return settings.governance_timezone or places.time_zone()


def params_from(settings: Settings) -> DetectorParams:
    """The detectors' parameters from the settings."""
    start = settings.misuse_duty_start_hour * 60
    end = (settings.misuse_duty_end_hour % 24) * 60
    default = DutyWindow(frozenset(range(7)), start, end, ZoneInfo(duty_timezone(settings)))
    return DetectorParams(
        default_duty=default,
        volume_window_days=settings.misuse_volume_window_days,
        volume_z=settings.misuse_volume_z,
        volume_min_searches=settings.misuse_volume_min_searches,
        volume_min_peers=settings.misuse_volume_min_peers,
        repeat_window_days=settings.misuse_repeat_window_days,
        repeat_threshold=settings.misuse_repeat_threshold,
        case_inactive_days=settings.misuse_case_inactive_days,
    )


def _rows(session: Session, *, since: datetime, until: datetime, **filters: object) -> dict[int, AuditRow]:
    out: dict[int, AuditRow] = {}
    after = 0
    while True:
        batch = audit.search(
            session, since=since, until=until, oldest_first=True, after_seq=after, limit=_BATCH, **filters
        )
        for e in batch:
            out[e.seq] = AuditRow(e.seq, e.at, e.actor, e.actor_role, e.action, dict(e.details or {}))
        if len(batch) < _BATCH:
            return out
        after = batch[-1].seq


def review_rows(session: Session, *, since: datetime, until: datetime) -> list[AuditRow]:
    """The audit rows of ``[since, until)`` the detectors read, in chain order."""
    rows = _rows(session, since=since, until=until, actions=REVIEWED_ACTIONS)
    rows.update(_rows(session, since=since, until=until, has_detail=("case_number", "purpose")))
    return [rows[k] for k in sorted(rows)]


def _case_activity(session: Session, rows: list[AuditRow]) -> list[CaseActivity]:
    cases = sorted({r.case_number for r in rows if r.case_number and r.action == "alpr.search"})
    return [
        CaseActivity(case, at, "hotlist_entry", str(entry_id))
        for case, at, entry_id in repository.hotlist_case_activity(session, cases)
    ]


def _alias_read_view(rows: list[AuditRow]) -> list[AuditRow]:
    """``alpr.read.view`` (the ALPR domain's name for opening one read) counts as ``alpr.read.open``."""
    return [
        AuditRow(r.seq, r.at, r.actor, r.role, "alpr.read.open", r.details) if r.action == "alpr.read.view" else r
        for r in rows
    ]


def scan(
    session: Session,
    *,
    settings: Settings,
    actor: Principal,
    now: datetime | None = None,
    audit_noop: bool = True,
) -> ScanResult:
    """Run every detector over the recent audit log and upsert the flags (audited as ``misuse.scan``; with
    ``audit_noop=False``, as the scheduled scan does, a pass that changed nothing is only logged)."""
    now = now or utcnow()
    since = now - timedelta(days=settings.misuse_scan_lookback_days)
    rows = _alias_read_view(review_rows(session, since=since, until=now))
    params = params_from(settings)
    forbidden = frozenset(p.code for p in service.purposes(session) if not p.allowed)
    drafts = run_all(
        rows,
        params=params,
        schedules=service.duty_windows(session, default_tz=duty_timezone(settings)),
        activity=_case_activity(session, rows),
        forbidden=forbidden,
        now=now,
    )
    unique = {d.dedup_key: d for d in drafts}
    existing = repository.flags_by_keys(session, list(unique))
    created = updated = 0
    for key, d in unique.items():
        found = existing.get(key)
        if found is None:
            session.add(
                MisuseFlag(
                    detector=d.detector,
                    subject=d.subject[:160],
                    window_start=d.window_start,
                    window_end=d.window_end,
                    dedup_key=key,
                    severity=d.severity,
                    summary=d.summary[:255],
                    evidence=d.evidence,
                    status="open",
                    created_at=now,
                    updated_at=now,
                )
            )
            created += 1
        elif found.status == "open" and found.evidence != d.evidence:
            found.evidence = d.evidence
            found.summary = d.summary[:255]
            found.severity = d.severity
            found.updated_at = now
            updated += 1
    session.flush()
    by_detector = dict(Counter(d.detector for d in unique.values()))
    result = ScanResult(
        since=since,
        until=now,
        entries_examined=len(rows),
        flags_raised=len(unique),
        flags_created=created,
        flags_updated=updated,
        by_detector=by_detector,
    )
    if not audit_noop and not (created or updated):
        logger.debug("misuse scan: %d entries, nothing new", len(rows))
        return result
    audit.record_for(
        session,
        actor,
        "misuse.scan",
        details={
            "since": since,
            "until": now,
            "examined": len(rows),
            "raised": len(unique),
            "created": created,
            "updated": updated,
            "by_detector": by_detector,
        },
    )
    logger.info("misuse scan: %d entries, %d flags (%d new, %d updated)", len(rows), len(unique), created, updated)
    return result


def list_flags(
    session: Session,
    *,
    status: str | None = None,
    detector: str | None = None,
    subject: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> MisuseFlagPage:
    """A page of the auditor queue, newest first."""
    rows, total = repository.flags(
        session, status=status, detector=detector, subject=subject, limit=limit, offset=offset
    )
    return MisuseFlagPage(
        items=[MisuseFlagRead.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
    )


def get_flag(session: Session, flag_id: uuid.UUID, *, actor: Principal) -> MisuseFlagRead:
    """One flag with its evidence (the view is audited: evidence names people and may name a plate)."""
    row = repository.flag(session, flag_id)
    if row is None:
        raise NotFound(f"no misuse flag {flag_id}")
    audit.record_for(session, actor, "misuse.flag.view", target_type="misuse_flag", target_id=str(flag_id))
    return MisuseFlagRead.model_validate(row)


def resolve_flag(session: Session, flag_id: uuid.UUID, data: FlagResolve, *, actor: Principal) -> MisuseFlagRead:
    """Close a flag with a disposition and a note (audited); a resolved flag cannot be resolved again."""
    row = repository.flag(session, flag_id, for_update=True)
    if row is None:
        raise NotFound(f"no misuse flag {flag_id}")
    if row.status != "open":
        raise Conflict(f"misuse flag {flag_id} is already {row.status} ({row.disposition})")
    if row.detector == "inactive_case":
        involved = {str(a) for a in row.evidence.get("actors", [])}
    else:
        involved = {row.subject.split("|", 1)[0]}
    if actor.audit_name in involved:
        raise Conflict("a flag about your own activity must be resolved by another auditor")
    now = utcnow()
    row.status = "resolved"
    row.disposition = data.disposition
    row.note = data.note
    row.resolved_at = now
    row.resolved_by = actor.audit_name
    row.updated_at = now
    session.flush()
    audit.record_for(
        session,
        actor,
        "misuse.flag.resolve",
        target_type="misuse_flag",
        target_id=str(flag_id),
        details={"detector": row.detector, "disposition": data.disposition, "note": data.note},
    )
    return MisuseFlagRead.model_validate(row)
