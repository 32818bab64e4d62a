"""Alarm companies as registered partners and the alarm events they send: a company's registry entry and API keys,
the ``POST /api/v1/dispatch/alarms`` messages (ASAP-style events and cancels, ``rtcc.dispatch.adapters.asap``), and
a dispatcher's verification of an alarm that requires it.

A company's API key (scope ``alarm_company``, permission ``alarms:write``, issued here through the identity service)
names its company; a message from a key whose company is unknown or inactive is refused. An event becomes one call
through ``calls.intake`` (source ``alarm_company``, ``source_ref`` = the company's event id): the same event id
from the same company is one call (the company's row is locked while a message is handled, and the pair is unique).
The permit the event names is checked against the registry (``rtcc.dispatch.permits``): an unknown, expired,
suspended or revoked permit, or none, is flagged on the call (a note, the timeline, the alarm's ``permit_flag``),
never refused. A burglary alarm whose permit has reached the false-alarm limit is created as "verification
required": it waits at the scheme's least urgent priority (or ``RTCC_DISPATCH_ALARM_UNVERIFIED_PRIORITY``) until a
dispatcher records that a keyholder, a guard or a camera verified it (``verify``), which gives it the priority the
rule in force decided. A cancel before dispatch closes the call (disposition ``cancelled``); after dispatch it is a
note flagged to the dispatcher, who decides. A company sees and cancels only its own events: another company's
event id answers 404 like a missing one.

A message that cannot be used (not JSON, a bad field, a category the catalogue has no call type for, a premise that
cannot be located) answers 422 naming the field and is kept as a dead letter (``dead_letters``, source ``alarm``)
in a transaction of its own, so nothing is lost. Everything else is audited in the message's transaction.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from sqlalchemy.orm import Session

from rtcc.alpr import deadletters
from rtcc.audit import service as audit
from rtcc.bus.base import Bus
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, field_error, invalid
from rtcc.dispatch import (
    access,
    alarm_logic,
    alarm_repository,
    calls,
    calltypes,
    chain,
    permits,
    present,
    repository,
)
from rtcc.dispatch.adapters import asap
from rtcc.dispatch.alarm_logic import CancelOutcome, CatalogueAlarmType
from rtcc.dispatch.alarm_schemas import (
    AlarmCompanyCreate,
    AlarmCompanyRead,
    AlarmCompanyUpdate,
    AlarmDetail,
    AlarmKeyCreate,
    AlarmRead,
    AlarmReceipt,
    VerifyRequest,
)
from rtcc.dispatch.catalogue import PriorityLevel
from rtcc.dispatch.logic import CallStatus, Disposition
from rtcc.dispatch.models import AlarmCompany, AlarmEventRecord, Call, CallNote
from rtcc.dispatch.schemas import CallCreate, CallLocation
from rtcc.identity import service as identity
from rtcc.identity.logic import Principal
from rtcc.identity.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from rtcc.settings import Settings

logger = logging.getLogger(__name__)

TARGET = "dispatch_alarm_company"
#: The dead-letter source of alarm messages.
DEAD_LETTER_SOURCE = "alarm"
_PHONE = re.compile(r"^[0-9+()\-. x]{3,32}$")

# --- companies --------------------------------------------------------------------------------------------------------


def create_company(session: Session, data: AlarmCompanyCreate, *, actor: Principal) -> AlarmCompanyRead:
    """Register an alarm company (audited)."""
    if alarm_repository.company_by_code(session, data.code) is not None:
        raise Conflict(f"alarm company {data.code!r} is registered already")
    now = utcnow()
    row = AlarmCompany(
        code=data.code,
        name=data.name.strip(),
        phone=data.phone,
        active=True,
        created_by=actor.audit_name[:64],
        created_at=now,
        updated_at=now,
    )
    repository.add(session, row)
    audit.record_for(
        session, actor, "dispatch.alarm_company.create", target_type=TARGET, target_id=row.code, details={}
    )
    return AlarmCompanyRead.model_validate(row)


def load_company(session: Session, code: str, *, lock: bool = False) -> AlarmCompany:
    """A company by code, or NotFound."""
    row = alarm_repository.company_by_code(session, code, for_update=lock)
    if row is None:
        raise NotFound(f"no alarm company {code!r}")
    return row


def list_companies(session: Session) -> list[AlarmCompanyRead]:
    """Every registered alarm company."""
    return [AlarmCompanyRead.model_validate(c) for c in alarm_repository.companies(session)]


def update_company(session: Session, code: str, data: AlarmCompanyUpdate, *, actor: Principal) -> AlarmCompanyRead:
    """Change a company; ``active=false`` refuses its keys' messages from now on (audited)."""
    row = load_company(session, code)
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        if value is None and key in ("name", "active"):
            raise invalid(key, "cannot be emptied")
        setattr(row, key, value)
    row.updated_at = utcnow()
    audit.record_for(
        session,
        actor,
        "dispatch.alarm_company.update",
        target_type=TARGET,
        target_id=row.code,
        details={"fields": sorted(changes)},
    )
    return AlarmCompanyRead.model_validate(row)


def issue_key(session: Session, code: str, data: AlarmKeyCreate, *, actor: Principal) -> ApiKeyCreated:
    """An API key for a company (``alarms:write`` only); the secret is shown once (audited by identity)."""
    company = load_company(session, code)
    key, secret = identity.create_api_key(
        session, ApiKeyCreate(name=f"{company.code}: {data.name}"[:128], alarm_company=company.code), actor=actor
    )
    return ApiKeyCreated(**ApiKeyRead.model_validate(key).model_dump(), secret=secret)


def _company_of(session: Session, actor: Principal) -> AlarmCompany:
    """The active company an alarm company's key acts for (locked: one company's messages are handled in turn)."""
    code = actor.unit if actor.role == "alarm_company" else None
    company = alarm_repository.company_by_code(session, code, for_update=True) if code else None
    if company is None or not company.active:
        raise PermissionDenied("this key is not an active alarm company's key")
    return company


# --- presenting -------------------------------------------------------------------------------------------------------


def alarm_read(session: Session, rec: AlarmEventRecord, call: Call | None = None) -> AlarmRead:
    """An alarm event and the state of its call."""
    call = call or chain.load_call(session, rec.call_id)
    company = alarm_repository.company(session, rec.company_id)
    return AlarmRead(
        event_id=rec.event_id,
        company=company.code if company else "",
        call_id=call.id,
        call_number=call.number,
        call_status=call.status,
        call_priority=call.priority,
        disposition=call.disposition,
        category=rec.category,
        premise_type=rec.premise_type,
        received_at=rec.received_at,
        permit_number=rec.permit_number,
        permit_flag=rec.permit_flag,
        verification_required=rec.verification_required,
        verified_at=rec.verified_at,
        verification_method=rec.verification_method,
        cancel_requested_at=rec.cancel_requested_at,
        cancel_outcome=rec.cancel_outcome,
    )


def _receipt(session: Session, outcome: str, rec: AlarmEventRecord, call: Call | None = None) -> AlarmReceipt:
    return AlarmReceipt.model_validate({"outcome": outcome, "alarm": alarm_read(session, rec, call)})


# --- messages ---------------------------------------------------------------------------------------------------------


def receive_message(
    db: Database, bus: Bus | None, settings: Settings, payload: bytes, *, actor: Principal
) -> AlarmReceipt:
    """One message's unit of work: handle it, or, when it cannot be used, keep it as a dead letter in a transaction
    of its own (audited as ``dispatch.alarm.refused``) and raise the error naming the field."""
    try:
        with db.uow() as session:
            return receive(session, bus, settings, payload, actor=actor)
    except ValidationFailed as exc:
        with db.uow() as session:
            context = {"channel": DEAD_LETTER_SOURCE, "company": actor.unit, "sender": actor.audit_name}
            deadletters.dead_letter(session, DEAD_LETTER_SOURCE, payload, exc.detail, context)
            audit.record_for(
                session,
                actor,
                "dispatch.alarm.refused",
                target_type=TARGET,
                target_id=actor.unit,
                details={"reason": exc.detail[:500]},
            )
        logger.info("alarm message dead-lettered: %s", exc.title)
        raise


def receive(session: Session, bus: Bus | None, settings: Settings, payload: bytes | str | dict[str, Any], *,
            actor: Principal) -> AlarmReceipt:  # fmt: skip
    """Handle an alarm company's message (an event or a cancel) for the key's own company."""
    company = _company_of(session, actor)
    message = asap.parse_alarm_message(payload)
    if isinstance(message, asap.AlarmCancel):
        return cancel(session, bus, company, message, actor=actor)
    return event(session, bus, settings, company, message, actor=actor)


def _call_type(message: asap.AlarmEvent) -> str:
    adapter_code, _apco = asap.alarm_call_type(message.category, message.premise_type)
    types = [
        CatalogueAlarmType(ct.code, ct.alarm.category if ct.alarm else None, ct.alarm.location if ct.alarm else None)
        for ct in calltypes.catalogue().call_types
    ]
    found = alarm_logic.call_type_for(message.category, message.premise_type, adapter_code, types)
    if found is None:
        raise invalid(
            "category", f"the {calltypes.catalogue().name} catalogue has no call type for {message.category} alarms"
        )
    return found


def _location(session: Session, message: asap.AlarmEvent, check: permits.PermitCheck) -> CallLocation:
    """Where the alarm is: the permit's premise, a registered premise at the address, or the message's point."""
    address = message.address
    street = f"{address.street} #{address.unit}" if address.unit else address.street
    premise = repository.premise(session, check.permit.premise_id) if check.permit is not None else None
    premise = premise or alarm_repository.premise_by_address(session, address.street)
    if premise is not None:
        return CallLocation(kind="premise", premise_id=premise.id)
    if address.lat is not None and address.lon is not None:
        return CallLocation(kind="coordinates", lat=address.lat, lon=address.lon, text=street[:255])
    raise invalid("address", "the premise cannot be located: send address.lat and address.lon, or register the premise")


def _flags_text(check: permits.PermitCheck, number: str | None, verification: bool, limit: int) -> list[str]:
    out = []
    if check.flag is alarm_logic.PermitFlag.missing:
        out.append("ALARM PERMIT: none given")
    elif check.flag is not None:
        out.append(f"ALARM PERMIT {number}: {check.flag.value}")
    if verification:
        out.append(
            f"VERIFICATION REQUIRED: permit {number} has {check.false_alarms_12m} false alarms in 12 months "
            f"(limit {limit}); not dispatched at its priority until a keyholder, guard or camera verifies it"
        )
    return out


def event(
    session: Session,
    bus: Bus | None,
    settings: Settings,
    company: AlarmCompany,
    message: asap.AlarmEvent,
    *,
    actor: Principal,
) -> AlarmReceipt:
    """An alarm event: one call per company and event id (a resend answers ``duplicate`` with the same call)."""
    existing = alarm_repository.alarm_event(session, company.id, message.event_id)
    if existing is not None:
        return _receipt(session, "duplicate", existing)
    now = utcnow()
    made = asap.alarm_call(message, received_at=now, company=company.code)
    call_type = _call_type(message)
    check = permits.check(session, message.permit_number, at=now)
    limit = settings.dispatch_alarm_false_alarm_limit
    verification = alarm_logic.needs_verification(message.category, check.false_alarms_12m, limit)
    flags = _flags_text(check, message.permit_number, verification, limit)
    phone = message.call_back.phone if _PHONE.match(message.call_back.phone) else None
    data = CallCreate(
        call_type=call_type,
        location=_location(session, message, check),
        narrative="; ".join([made.document.narrative or "", *flags]).strip("; ")[:8000],
        source=asap.SOURCE,
        source_ref=message.event_id,
        source_party=company.name[:128],
        caller_name=(message.call_back.operator or company.name)[:128],
        caller_phone=phone,
    )
    try:
        result = calls.intake(session, bus, settings, data, actor=actor)
    except ValidationFailed as exc:
        # intake names its own fields (location): say which part of the alarm message it was
        raise ValidationFailed(
            exc.detail.replace("location", "address", 1),
            errors=[field_error("address" if str(e.get("field", "")).startswith("location") else e["field"], e["msg"])
                    for e in exc.errors],
        ) from None  # fmt: skip
    call = chain.load_call(session, result.call.id, lock=True)
    rec = AlarmEventRecord(
        company_id=company.id,
        event_id=message.event_id,
        call_id=call.id,
        category=message.category,
        premise_type=message.premise_type,
        occurred_at=message.occurred_at,
        received_at=now,
        permit_number=message.permit_number,
        permit_id=check.permit.id if check.permit else None,
        permit_flag=check.flag.value if check.flag else None,
        verification_required=verification,
        decided_priority=call.priority,
        decided_basis=call.priority_basis,
        contacts=[c.model_dump() for c in message.contacts],
        call_back=message.call_back.model_dump(),
        zone=message.zone.number if message.zone else None,
    )
    repository.add(session, rec)
    if verification:
        level = _unverified_level(settings)
        call.priority, call.priority_rank, call.priority_basis = level.code, level.rank, "verification_required"
    for text in flags:
        session.add(CallNote(call_id=call.id, at=now, author=actor.audit_name[:64], unit=None, text=text))
    chain.record(
        session,
        call,
        kind="alarm",
        actor=actor,
        at=now,
        detail={"event_id": rec.event_id, "permit_flag": rec.permit_flag, "verification_required": verification},
    )
    chain.audit_call(
        session,
        actor,
        "alarm",
        call,
        company=company.code,
        event_id=rec.event_id,
        permit=rec.permit_number,
        permit_flag=rec.permit_flag,
        verification_required=verification,
        priority=call.priority,
    )
    if flags:
        present.publish_call(session, bus, call, [], change="alarm.flagged", at=now)
    return _receipt(session, "created", rec, call)


def _unverified_level(settings: Settings) -> PriorityLevel:
    if settings.dispatch_alarm_unverified_priority:
        return calltypes.level(settings.dispatch_alarm_unverified_priority)
    return max(calltypes.catalogue().scheme.priorities, key=lambda p: p.rank)


def cancel(
    session: Session, bus: Bus | None, company: AlarmCompany, message: asap.AlarmCancel, *, actor: Principal
) -> AlarmReceipt:
    """A company's cancel of its own event: closes the call before dispatch, is noted and flagged after."""
    rec = alarm_repository.alarm_event(session, company.id, message.event_id)
    if rec is None:
        raise NotFound(f"no alarm event {message.event_id!r} of {company.code}")
    call = chain.load_call(session, rec.call_id, lock=True)
    if rec.cancel_requested_at is not None:
        return _receipt(session, rec.cancel_outcome or CancelOutcome.noted.value, rec, call)
    now = utcnow()
    assignments = repository.assignments_of(session, [call.id])
    outcome = alarm_logic.cancel_outcome(
        closed=call.status == CallStatus.closed.value,
        dispatched=call.dispatched_at is not None or bool(assignments),
    )
    rec.cancel_requested_at, rec.cancel_reason, rec.cancel_outcome = now, message.reason, outcome.value
    why = f" ({message.reason})" if message.reason else ""
    by = f"{company.name}" + (f", operator {message.operator}" if message.operator else "")
    if outcome is CancelOutcome.closed:
        call.disposition = Disposition.cancelled.value
        chain.stamp(call, CallStatus.closed, now)
        call.closed_at = now
        text = f"Cancelled by alarm company {by} before dispatch{why}"
        chain.record(
            session, call, kind="status", actor=actor, at=now, status="closed",
            detail={"disposition": call.disposition, "by": "alarm_company", "event_id": rec.event_id},
        )  # fmt: skip
        session.add(CallNote(call_id=call.id, at=now, author=actor.audit_name[:64], unit=None, text=text))
        chain.audit_call(session, actor, "close", call, disposition=call.disposition, by="alarm_company",
                         event_id=rec.event_id, reason=message.reason)  # fmt: skip
        permits.record_disposition(session, call, actor=actor, at=now)
        present.publish_call(session, bus, call, assignments, change="closed", at=now)
    elif outcome is CancelOutcome.noted:
        text = f"ALARM COMPANY CANCEL after dispatch from {by}{why}: the dispatcher decides"
        session.add(CallNote(call_id=call.id, at=now, author=actor.audit_name[:64], unit=None, text=text))
        chain.record(session, call, kind="alarm", actor=actor, at=now,
                     detail={"cancel_requested": True, "event_id": rec.event_id, "reason": message.reason})  # fmt: skip
        chain.audit_call(session, actor, "alarm.cancel_after_dispatch", call, event_id=rec.event_id,
                         reason=message.reason)  # fmt: skip
        present.publish_call(session, bus, call, assignments, change="alarm.cancel_requested", at=now)
    else:
        chain.audit_call(session, actor, "alarm.cancel_after_close", call, event_id=rec.event_id)
    return _receipt(session, outcome.value, rec, call)


def company_event(session: Session, event_id: str, *, actor: Principal) -> AlarmRead:
    """One of the key's company's own events and its call's state (another company's: 404)."""
    company = _company_of(session, actor)
    rec = alarm_repository.alarm_event(session, company.id, event_id)
    if rec is None:
        raise NotFound(f"no alarm event {event_id!r} of {company.code}")
    return alarm_read(session, rec)


# --- the dispatcher's side --------------------------------------------------------------------------------------------


def _alarm_of(session: Session, call: Call) -> AlarmEventRecord:
    rec = alarm_repository.alarm_of_call(session, call.id)
    if rec is None:
        raise NotFound(f"call {call.number} did not come from an alarm company")
    return rec


def alarm_detail(session: Session, call_id: uuid.UUID, *, actor: Principal) -> AlarmDetail:
    """A call's alarm with keyholders and call-back (personal data: audited as ``dispatch.call.alarm.view``); a field
    user only of a call they may see."""
    call = access.visible_call(session, call_id, actor)
    rec = _alarm_of(session, call)
    chain.audit_call(session, actor, "alarm.view", call, event_id=rec.event_id)
    base = alarm_read(session, rec, call)
    return AlarmDetail(
        **base.model_dump(),
        contacts=list(rec.contacts or []),
        call_back=dict(rec.call_back or {}),
        zone=rec.zone,
        cancel_reason=rec.cancel_reason,
        verified_by=rec.verified_by,
    )


def verify(
    session: Session, bus: Bus | None, call_id: uuid.UUID, data: VerifyRequest, *, actor: Principal
) -> AlarmRead:
    """Record that an alarm needing verification was verified (keyholder, guard, camera); the call gets the priority
    the rule in force gave it (audited)."""
    call = access.visible_call(session, call_id, actor, lock=True)
    rec = _alarm_of(session, call)
    if not rec.verification_required:
        raise Conflict(f"the alarm of call {call.number} needs no verification")
    if rec.verified_at is not None:
        raise Conflict(f"the alarm of call {call.number} was verified already")
    if call.status == CallStatus.closed.value:
        raise Conflict(f"call {call.number} is closed")
    now = utcnow()
    rec.verified_at, rec.verified_by, rec.verification_method = now, actor.audit_name[:64], data.method
    level = calltypes.level(rec.decided_priority)
    call.priority, call.priority_rank, call.priority_basis = level.code, level.rank, rec.decided_basis
    call.updated_at = now
    text = f"Alarm verified by {data.method}: {data.note}"
    session.add(CallNote(call_id=call.id, at=now, author=actor.audit_name[:64], unit=None, text=text[:8000]))
    chain.record(
        session, call, kind="alarm", actor=actor, at=now, detail={"verified": data.method, "priority": level.code}
    )
    chain.audit_call(session, actor, "alarm.verify", call, method=data.method, priority=level.code)
    assignments = repository.assignments_of(session, [call.id])
    present.publish_call(session, bus, call, assignments, change="alarm.verified", at=now)
    return alarm_read(session, rec, call)
