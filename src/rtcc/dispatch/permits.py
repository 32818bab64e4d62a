"""The alarm-permit registry: permits of registered premises (number, holder, monitoring company, status, expiry),
their CRUD, the permit check an alarm goes through, and the false alarms counted against each permit.

A call closed with disposition ``false_alarm`` at a premise with a permit counts against that permit: the status
chain calls ``record_disposition`` whenever it closes or reopens a call, which records or withdraws the call's one
false-alarm row (so a reopened call closed again never counts twice, and one re-closed as something else stops
counting). A permit with ``RTCC_DISPATCH_ALARM_FALSE_ALARM_LIMIT`` (default 3) or more false alarms in the last 12
months requires a verified response; the state is derived from the rows, so it lapses by itself as old false alarms
leave the window. Reaching the limit is audited (``dispatch.permit.verified_response_required``). Every change is
audited in the transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound, invalid
from rtcc.dispatch import alarm_logic, alarm_repository, repository
from rtcc.dispatch.alarm_logic import FALSE_ALARM_WINDOW, PermitFlag
from rtcc.dispatch.alarm_schemas import PermitCreate, PermitRead, PermitUpdate
from rtcc.dispatch.models import AlarmPermit, Call, PermitFalseAlarm, Premise
from rtcc.identity.logic import Principal
from rtcc.places import service as places

TARGET = "dispatch_alarm_permit"


def false_alarm_limit() -> int:
    """N: false alarms in 12 months after which a permit requires a verified response (the setting)."""
    from rtcc.settings import get_settings

    return get_settings().dispatch_alarm_false_alarm_limit


def _today(now: datetime) -> date:
    return now.astimezone(places.city_zone()).date()


def read(
    session: Session, row: AlarmPermit, premise: Premise | None = None, *, now: datetime | None = None
) -> PermitRead:
    """A permit as the API shows it, with its false alarms in the last 12 months."""
    moment = now or utcnow()
    premise = premise or repository.premise(session, row.premise_id)
    company = alarm_repository.company(session, row.company_id) if row.company_id else None
    count = alarm_repository.false_alarm_count(session, row.id, moment - FALSE_ALARM_WINDOW)
    limit = false_alarm_limit()
    return PermitRead(
        id=row.id,
        number=row.number,
        premise_id=row.premise_id,
        premise_address=premise.address if premise else "",
        holder=row.holder,
        company=company.code if company else None,
        status=row.status,
        expires_on=row.expires_on,
        expired=row.expires_on is not None and row.expires_on < _today(moment),
        notes=row.notes,
        false_alarms_12m=count,
        false_alarm_limit=limit,
        verified_response_required=alarm_logic.verified_response_required(count, limit),
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


def _company_id(session: Session, code: str | None) -> uuid.UUID | None:
    if code is None:
        return None
    found = alarm_repository.company_by_code(session, code)
    if found is None:
        raise invalid("company", f"no alarm company {code!r}")
    return found.id


def _audit(session: Session, actor: Principal, action: str, row: AlarmPermit, **details: object) -> None:
    audit.record_for(
        session,
        actor,
        f"dispatch.permit.{action}",
        target_type=TARGET,
        target_id=str(row.id),
        details={"number": row.number, **details},
    )


def create(session: Session, data: PermitCreate, *, actor: Principal) -> PermitRead:
    """Register a permit of a premise (audited); the premise's ``alarm_permit`` shows its number."""
    premise = repository.premise(session, data.premise_id)
    if premise is None:
        raise invalid("premise_id", f"no premise {data.premise_id}")
    number = data.number.strip()
    if alarm_repository.permit_by_number(session, number) is not None:
        raise Conflict(f"permit {number} is registered already")
    now = utcnow()
    row = AlarmPermit(
        number=number,
        premise_id=premise.id,
        holder=data.holder.strip(),
        company_id=_company_id(session, data.company),
        status=data.status,
        expires_on=data.expires_on,
        notes=data.notes,
        created_by=actor.audit_name[:64],
        created_at=now,
        updated_by=actor.audit_name[:64],
        updated_at=now,
    )
    repository.add(session, row)
    if not premise.alarm_permit:
        premise.alarm_permit = number
    _audit(session, actor, "create", row, premise_id=str(premise.id), status=row.status)
    return read(session, row, premise, now=now)


def load(session: Session, permit_id: uuid.UUID) -> AlarmPermit:
    """A permit, or NotFound."""
    row = alarm_repository.permit(session, permit_id)
    if row is None:
        raise NotFound(f"no alarm permit {permit_id}")
    return row


def get(session: Session, permit_id: uuid.UUID) -> PermitRead:
    """One permit."""
    return read(session, load(session, permit_id))


def get_by_number(session: Session, number: str) -> PermitRead:
    """One permit by its number."""
    row = alarm_repository.permit_by_number(session, number)
    if row is None:
        raise NotFound(f"no alarm permit {number}")
    return read(session, row)


def search(
    session: Session,
    *,
    q: str | None = None,
    premise_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[PermitRead], int]:
    """Permits whose number, holder or premise address contains ``q``."""
    if status is not None and status not in alarm_logic.PERMIT_STATUSES:
        raise invalid("status", f"one of {', '.join(alarm_logic.PERMIT_STATUSES)}", where="query")
    rows, total = alarm_repository.permits(
        session, q=q, premise_id=premise_id, status=status, limit=limit, offset=offset
    )
    now = utcnow()
    return [read(session, p, premise, now=now) for p, premise in rows], total


def update(session: Session, permit_id: uuid.UUID, data: PermitUpdate, *, actor: Principal) -> PermitRead:
    """Change a permit (audited with the fields changed)."""
    row = load(session, permit_id)
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        if key in ("holder", "status") and value is None:
            raise invalid(key, "cannot be emptied")
        if key == "company":
            row.company_id = _company_id(session, value)
        else:
            setattr(row, key, value.strip() if isinstance(value, str) and key == "holder" else value)
    row.updated_at = utcnow()
    row.updated_by = actor.audit_name[:64]
    _audit(session, actor, "update", row, fields=sorted(changes), status=row.status)
    return read(session, row)


def delete(session: Session, permit_id: uuid.UUID, *, actor: Principal) -> None:
    """Remove a permit no alarm or false alarm refers to (audited); one with history is revoked instead."""
    row = load(session, permit_id)
    if alarm_repository.permit_has_events(session, row.id):
        raise Conflict("the permit has alarms or false alarms: revoke it instead (status revoked)")
    premise = repository.premise(session, row.premise_id)
    if premise is not None and premise.alarm_permit == row.number:
        premise.alarm_permit = None
    _audit(session, actor, "delete", row)
    session.delete(row)


# --- the permit check and false alarms -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PermitCheck:
    """What the registry says about an alarm's permit number at a moment."""

    permit: AlarmPermit | None
    flag: PermitFlag | None
    false_alarms_12m: int | None


def check(session: Session, number: str | None, *, at: datetime) -> PermitCheck:
    """The permit an alarm names, what is wrong with it (flagged, never refused) and its false alarms."""
    row = alarm_repository.permit_by_number(session, number.strip()) if number else None
    flag = alarm_logic.permit_flag(
        number,
        found=row is not None,
        status=row.status if row else None,
        expires_on=row.expires_on if row else None,
        today=_today(at),
    )
    count = alarm_repository.false_alarm_count(session, row.id, at - FALSE_ALARM_WINDOW) if row else None
    return PermitCheck(row, flag, count)


def permit_of_call(session: Session, call: Call) -> AlarmPermit | None:
    """The permit a call counts against: the one its alarm named, else the premise's (active first)."""
    alarm = alarm_repository.alarm_of_call(session, call.id)
    if alarm is not None and alarm.permit_id is not None:
        return alarm_repository.permit(session, alarm.permit_id)
    if call.premise_id is None:
        return None
    found = alarm_repository.permits_of_premise(session, call.premise_id)
    return found[0] if found else None


def record_disposition(session: Session, call: Call, *, actor: Principal, at: datetime) -> None:
    """Count a call closed as a false alarm against its permit, or stop counting it (closed otherwise, reopened).
    The status chain calls this whenever it closes or reopens a call."""
    if call.disposition != "false_alarm":
        alarm_repository.withdraw_false_alarm(session, call.id)
        return
    permit = permit_of_call(session, call)
    if permit is None or alarm_repository.false_alarm_of_call(session, call.id) is not None:
        return
    repository.add(session, PermitFalseAlarm(permit_id=permit.id, call_id=call.id, at=call.received_at, recorded_at=at))
    count = alarm_repository.false_alarm_count(session, permit.id, at - FALSE_ALARM_WINDOW)
    limit = false_alarm_limit()
    details = {"call": call.number, "false_alarms_12m": count, "limit": limit}
    _audit(session, actor, "false_alarm", permit, **details)
    if count == limit:
        _audit(session, actor, "verified_response_required", permit, **details)
