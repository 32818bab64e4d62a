"""Governance use cases: the purpose codes (``require_purpose`` is what every ALPR search calls before it touches
data), per-user duty schedules, and the audited export of the audit log.

The purpose list is the packaged default (``logic.DEFAULT_PURPOSES``) until an administrator edits it; the first
edit copies the defaults into ``governance_purposes`` and from then on the table is the list. Sharing, misuse flags
and the transparency report have their own modules (``sharing``, ``misuse``, ``transparency``).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.audit.schemas import EXPORT_COLUMNS, AuditEntryRead, AuditFilters, ExportFormat
from rtcc.core.clock import utcnow
from rtcc.core.errors import NotFound, ValidationFailed, field_error
from rtcc.governance import repository
from rtcc.governance.detectors import DutyWindow
from rtcc.governance.logic import DEFAULT_PURPOSES, LEGALLY_FORBIDDEN, Purpose, check_purpose, purposes_by_code
from rtcc.governance.models import DutySchedule, PurposeCode
from rtcc.governance.schemas import DutyScheduleIn, DutyScheduleRead, PurposeRead, PurposeUpsert, check_purpose_code
from rtcc.identity.logic import Principal

logger = logging.getLogger(__name__)

#: Most entries one export returns.
EXPORT_MAX = 100_000
_EXPORT_BATCH = 2000


# --- purposes (contract C1) -------------------------------------------------------------------------------------------


def _purpose(row: PurposeCode) -> Purpose:
    return Purpose(
        row.code,
        row.label,
        row.requires_case,
        row.allowed,
        row.description,
        case_free_radius_m=row.case_free_radius_m,
        case_free_window_h=row.case_free_window_h,
    )


def purposes(session: Session) -> list[Purpose]:
    """The purpose codes in force (allowed and forbidden), in display order."""
    rows = repository.purpose_rows(session)
    if not rows:
        return list(DEFAULT_PURPOSES)
    return [_purpose(r) for r in rows if r.active]


def require_purpose(session: Session, *, purpose: str | None, case_number: str | None) -> Purpose:
    """The purpose a search proceeds under; raises ValidationFailed/PermissionDenied naming the field otherwise."""
    return check_purpose(purposes_by_code(purposes(session)), purpose, case_number)


def purpose_reads(session: Session) -> list[PurposeRead]:
    """The purpose codes in force as API objects."""
    return [
        PurposeRead(
            code=p.code,
            label=p.label,
            requires_case=p.requires_case,
            allowed=p.allowed,
            description=p.description,
            case_free_radius_m=p.case_free_radius_m,
            case_free_window_h=p.case_free_window_h,
        )
        for p in purposes(session)
    ]


def _materialise_defaults(session: Session, actor: Principal) -> None:
    now = utcnow()
    for i, p in enumerate(DEFAULT_PURPOSES):
        session.add(
            PurposeCode(
                code=p.code,
                label=p.label,
                requires_case=p.requires_case,
                allowed=p.allowed,
                description=p.description,
                case_free_radius_m=p.case_free_radius_m,
                case_free_window_h=p.case_free_window_h,
                position=(i + 1) * 10,
                active=True,
                updated_at=now,
                updated_by=actor.audit_name,
            )
        )
    session.flush()


def ensure_purpose_table(session: Session, *, actor: Principal) -> int:
    """Copy the packaged purpose codes into the table when it is empty (so admins edit a stored list); the number
    of codes written (0 when the table already holds the list)."""
    if repository.purpose_rows(session):
        return 0
    _materialise_defaults(session, actor)
    return len(DEFAULT_PURPOSES)


def upsert_purpose(session: Session, code: str, data: PurposeUpsert, *, actor: Principal) -> PurposeRead:
    """Add or change one purpose code (audited); the first edit copies the packaged defaults into the table."""
    try:
        check_purpose_code(code)
    except ValueError as exc:
        raise ValidationFailed(str(exc), errors=[field_error("code", str(exc), where="path")]) from None
    if code in LEGALLY_FORBIDDEN and data.allowed:
        msg = f"allowed: {code} is barred by state law and cannot be allowed"
        raise ValidationFailed(msg, errors=[field_error("allowed", msg)])
    rows = repository.purpose_rows(session)
    if not rows:
        _materialise_defaults(session, actor)
        rows = repository.purpose_rows(session)
    row = repository.purpose_row(session, code)
    before = None
    now = utcnow()
    if row is None:
        position = data.position if data.position is not None else max((r.position for r in rows), default=0) + 10
        row = PurposeCode(code=code, position=position, updated_at=now, updated_by=actor.audit_name)
        session.add(row)
    else:
        before = {"label": row.label, "requires_case": row.requires_case, "allowed": row.allowed, "active": row.active}
        if data.position is not None:
            row.position = data.position
    row.label = data.label
    row.requires_case = data.requires_case
    row.allowed = data.allowed
    row.description = data.description
    row.active = data.active
    if "case_free_radius_m" in data.model_fields_set:
        row.case_free_radius_m = data.case_free_radius_m
    if "case_free_window_h" in data.model_fields_set:
        row.case_free_window_h = data.case_free_window_h
    row.updated_at = now
    row.updated_by = actor.audit_name
    session.flush()
    audit.record_for(
        session,
        actor,
        "purpose.upsert",
        target_type="purpose",
        target_id=code,
        details={
            "before": before,
            "after": {
                "label": data.label,
                "requires_case": data.requires_case,
                "allowed": data.allowed,
                "case_free_radius_m": row.case_free_radius_m,
                "case_free_window_h": row.case_free_window_h,
            },
            "active": data.active,
        },
    )
    return PurposeRead(
        code=row.code,
        label=row.label,
        requires_case=row.requires_case,
        allowed=row.allowed,
        description=row.description,
        case_free_radius_m=row.case_free_radius_m,
        case_free_window_h=row.case_free_window_h,
    )


# --- duty schedules ---------------------------------------------------------------------------------------------------


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _zone(name: str, field: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        msg = f"{field}: unknown time zone {name!r}"
        raise ValidationFailed(msg, errors=[field_error(field, msg)]) from None


def _schedule_read(row: DutySchedule) -> DutyScheduleRead:
    return DutyScheduleRead(
        actor=row.actor,
        weekdays=list(row.weekdays),
        start=_hhmm(row.start_minute),
        end=_hhmm(row.end_minute),
        timezone=row.timezone,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def list_duty_schedules(session: Session) -> list[DutyScheduleRead]:
    """Every per-user duty schedule."""
    return [_schedule_read(r) for r in repository.duty_schedules(session)]


def set_duty_schedule(session: Session, user: str, data: DutyScheduleIn, *, actor: Principal) -> DutyScheduleRead:
    """Set the duty hours of the user whose audit name is ``user`` (audited)."""
    if data.timezone:
        _zone(data.timezone, "timezone")
    row = repository.duty_schedule(session, user)
    if row is None:
        row = DutySchedule(actor=user)
        session.add(row)
    row.weekdays = list(data.weekdays)
    row.start_minute = _minutes(data.start)
    row.end_minute = _minutes(data.end)
    row.timezone = data.timezone
    row.updated_at = utcnow()
    row.updated_by = actor.audit_name
    session.flush()
    audit.record_for(
        session,
        actor,
        "duty_schedule.set",
        target_type="user",
        target_id=user[:64],
        details={"weekdays": row.weekdays, "start": data.start, "end": data.end, "timezone": data.timezone},
    )
    return _schedule_read(row)


def delete_duty_schedule(session: Session, user: str, *, actor: Principal) -> None:
    """Remove a user's duty schedule (the default window applies again; audited)."""
    row = repository.duty_schedule(session, user)
    if row is None:
        raise NotFound(f"no duty schedule for {user!r}")
    session.delete(row)
    audit.record_for(session, actor, "duty_schedule.delete", target_type="user", target_id=user[:64])


def duty_windows(session: Session, *, default_tz: str) -> dict[str, DutyWindow]:
    """Every user's duty window (for the misuse detectors)."""
    fallback = _zone(default_tz, "governance_timezone")
    out: dict[str, DutyWindow] = {}
    for row in repository.duty_schedules(session):
        try:
            tz = ZoneInfo(row.timezone) if row.timezone else fallback
        except (ZoneInfoNotFoundError, ValueError):
            tz = fallback
        out[row.actor] = DutyWindow(frozenset(row.weekdays), row.start_minute, row.end_minute, tz)
    return out


# --- audit log export -------------------------------------------------------------------------------------------------


def _iter_entries(session: Session, filters: AuditFilters, limit: int) -> Iterator[AuditEntryRead]:
    after = 0
    left = limit
    while left > 0:
        rows = audit.search(
            session, oldest_first=True, after_seq=after, limit=min(_EXPORT_BATCH, left), **filters.as_kwargs()
        )
        if not rows:
            return
        for r in rows:
            yield AuditEntryRead.model_validate(r)
        left -= len(rows)
        after = rows[-1].seq


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # a spreadsheet would run a cell starting with = + - @ as a formula
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_row(e: AuditEntryRead) -> list[str]:
    d = e.details
    values: dict[str, object] = {
        "seq": e.seq,
        "at": e.at.isoformat(),
        "actor": e.actor,
        "actor_role": e.actor_role,
        "action": e.action,
        "target_type": e.target_type,
        "target_id": e.target_id,
        "unit": d.get("unit"),
        "purpose": d.get("purpose"),
        "case_number": d.get("case_number"),
        "result_count": d.get("result_count"),
        "details": orjson.dumps(d, option=orjson.OPT_SORT_KEYS).decode(),
        "hash": e.hash,
    }
    return [_cell(values[c]) for c in EXPORT_COLUMNS]


def export_audit(
    session: Session, *, actor: Principal, filters: AuditFilters, fmt: ExportFormat, limit: int = EXPORT_MAX
) -> tuple[bytes, int]:
    """The filtered audit log in chain order as CSV or JSON Lines, and its row count; the export is itself audited."""
    buffer = io.StringIO()
    count = 0
    first: int | None = None
    last: int | None = None
    if fmt == "csv":
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        for e in _iter_entries(session, filters, min(limit, EXPORT_MAX)):
            writer.writerow(_csv_row(e))
            count += 1
            first = e.seq if first is None else first
            last = e.seq
    else:
        for e in _iter_entries(session, filters, min(limit, EXPORT_MAX)):
            buffer.write(orjson.dumps(e.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS).decode())
            buffer.write("\n")
            count += 1
            first = e.seq if first is None else first
            last = e.seq
    audit.record_for(
        session,
        actor,
        "audit.export",
        details={
            "format": fmt,
            "filters": filters.model_dump(mode="json", exclude_none=True),
            "count": count,
            "first_seq": first,
            "last_seq": last,
        },
    )
    logger.info("audit export by %s: %d entries (%s)", actor.audit_name, count, fmt)
    return buffer.getvalue().encode(), count
