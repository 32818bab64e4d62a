"""NENA EIDO export and import of calls, wired to the call store (the pure reading and writing is in
``rtcc.dispatch.adapters.eido``; the schema bundle is the ``eido_schema`` setting, see docs/eido_schema.md).

Export (``export_call``): any call the principal may see, a live call (mapped from its row, units, notes and
disposition) or an EIDO record that never became one, as an EIDO validated against the schema. The caller's name and
number go in only for a principal holding ``callers:read``, and that export is audited as a caller read; every
export is audited (``dispatch.call.eido.export``).

Import (``receive``): a valid EIDO (with ``strict=False``, a readable but non-conformant one, such as NENA's pre-1.0
historical sample) is kept as an ``EidoRecord`` under its Incident Tracking Identifier:
- a new incident becomes a live call through ``calls.intake`` (received at the document's time, so the priority rule
  in force then decides) when it has a point or a place of the city and a call type of the catalogue (its code, name
  or APCO code); otherwise it is held as a record with the reason (no point in the city, no call type), and can still
  be read and exported;
- an incident already received updates its record (every step time the new document has, new notes, units,
  disposition), and appends the new notes to the live call it created. An EIDO this platform exported (its id is
  ``urn:emergency:uid:incidentid:<call number>:<our agency>``) updates that call rather than making a second one. A
  live call's status chain stays driven by its units here: an update records the EIDO's status in the timeline.
A malformed EIDO is refused with 422 naming the JSON path of each problem, and handed to the dead letters (source
``eido``), which the route writes in their own unit of work so they survive the refusal. Without the schema bundle,
export and import answer 503 saying how to install it.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rtcc.alpr.deadletters import DeadLetterDraft, dead_letter_sink
from rtcc.alpr.logic import payload_text
from rtcc.audit import service as audit
from rtcc.bus.base import Bus
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.errors import Conflict, DomainError, NotFound
from rtcc.dispatch import access, calls, calltypes, chain, present, repository
from rtcc.dispatch.adapters import eido
from rtcc.dispatch.adapters.document import (
    CallDocument,
    Caller,
    CallTimes,
    CallType,
    Disposition,
    Location,
    Note,
    UnitRecord,
    UnitTimes,
)
from rtcc.dispatch.adapters.document import Source as DocSource
from rtcc.dispatch.adapters.eido_schema import EidoError, EidoIssue, schema_path
from rtcc.dispatch.history import TypeMapper
from rtcc.dispatch.interop_models import EidoRecord
from rtcc.dispatch.interop_schemas import EidoReceipt, EidoRecordRead
from rtcc.dispatch.logic import Source
from rtcc.dispatch.models import Call, CallNote
from rtcc.dispatch.schemas import CallCreate, CallLocation
from rtcc.identity.logic import Perm, Principal
from rtcc.places import service as places
from rtcc.settings import Settings

#: How a live call's source reads in an EIDO, and back.
_TO_DOC: Final[dict[str, DocSource]] = {
    "911": "911",
    "phone": "phone",
    "alarm_company": "alarm_company",
    "officer_initiated": "officer",
    "online_report": "online",
    "rtcc_alpr": "rtcc",
    "rtcc_tip": "rtcc",
}
_FROM_DOC: Final[dict[str, Source]] = {
    "911": Source.e911,
    "text": Source.e911,
    "phone": Source.phone,
    "alarm_company": Source.alarm_company,
    "officer": Source.officer_initiated,
    "radio": Source.officer_initiated,
    "online": Source.online_report,
    "rtcc": Source.rtcc_tip,
}
#: Our dispositions -> EIDO Common Disposition Codes (APCO ANS 1.111.2) where the meaning is the same.
_COMMON_DISPOSITION: Final = {"report_taken": "01", "no_report": "02", "cited": "04", "false_alarm": "17"}
_APCO: Final = re.compile(r"^[A-Z0-9]{2,10}$")
_PHONE: Final = re.compile(r"^[0-9+()\-. x]{3,32}$")


def agency_id(settings: Settings) -> str:
    """The agency id EIDOs are written as (``eido_agency_id``, else ``<city profile slug>.rtcc.invalid``)."""
    return settings.eido_agency_id or f"{places.current().meta.slug.replace('_', '-')}.rtcc.invalid"


def schema_file(settings: Settings) -> Path:
    """The installed schema bundle; EidoSchemaMissing (503, with how to install it) when there is none."""
    return schema_path(settings.eido_schema) if settings.eido_schema is not None else schema_path("")


# --- export ---------------------------------------------------------------------------------------------------------


def document_of(session: Session, call: Call, *, agency: str, caller: bool) -> CallDocument:
    """A live call as a ``CallDocument``: its row, units (not the cancelled ones), notes and disposition; the caller
    only when ``caller``."""
    ct = calltypes.catalogue().call_type(call.call_type)
    assignments = [a for a in repository.assignments_of(session, [call.id]) if a.cancelled_at is None]
    units = []
    for i, a in enumerate(assignments):
        unit = repository.unit(session, a.unit_id)
        units.append(
            UnitRecord(
                unit_id=a.call_sign,
                unit_type=unit.unit_type if unit else None,
                status=a.status,
                primary=i == 0,
                times=UnitTimes(
                    dispatched=a.dispatched_at,
                    acknowledged=a.acknowledged_at,
                    en_route=a.en_route_at,
                    on_scene=a.on_scene_at,
                    cleared=a.cleared_at,
                ),
            )
        )
    record = session.scalar(select(EidoRecord).where(EidoRecord.call_id == call.id).limit(1))
    return CallDocument(
        external_id=call.number,
        incident_id=record.incident_id if record else None,
        origin="rtcc",
        source=_TO_DOC.get(call.source, "other"),
        agency=agency,
        call_type=CallType(
            code=call.call_type,
            text=ct.name if ct else None,
            apco=call.apco_code if _APCO.match(call.apco_code or "") else None,
        ),
        priority=call.priority,
        times=CallTimes(
            received=call.received_at,
            queued=call.queued_at,
            dispatched=call.dispatched_at,
            acknowledged=call.acknowledged_at,
            en_route=call.en_route_at,
            on_scene=call.on_scene_at,
            cleared=call.cleared_at,
            closed=call.closed_at,
            reopened=call.reopened_at,
        ),
        location=Location(
            lat=call.lat, lon=call.lon, address=call.location_text, city=places.city_name(), beat=call.district
        ),
        caller=Caller(name=call.caller_name, phone=call.caller_phone)
        if caller and (call.caller_name or call.caller_phone)
        else None,
        narrative=call.narrative,
        notes=[Note(text=n.text, at=n.at, author=n.author) for n in repository.notes(session, call.id)],
        units=units,
        disposition=Disposition(code=call.disposition, common_code=_COMMON_DISPOSITION.get(call.disposition))
        if call.disposition
        else None,
        call_taker=call.created_by,
        dispatcher=assignments[0].assigned_by if assignments else None,
    )


def export_call(session: Session, settings: Settings, call_id: uuid.UUID, *, actor: Principal) -> dict[str, Any]:
    """The EIDO of a call (a live call the principal may see, or an EIDO record); see the module docstring."""
    schema = schema_file(settings)
    agency = agency_id(settings)
    with_caller = actor.can(Perm.callers_read)
    call = repository.call(session, call_id)
    if call is not None:
        call = access.visible_call(session, call_id, actor)
        doc = document_of(session, call, agency=agency, caller=with_caller)
        updated = call.updated_at
        chain.audit_call(session, actor, "eido.export", call, caller=doc.caller is not None)
    else:
        record = session.get(EidoRecord, call_id)
        if record is None or not actor.can(Perm.calls_read_all):
            raise NotFound(f"no call {call_id}")
        doc = CallDocument.model_validate(record.document)
        if not with_caller:
            doc = doc.model_copy(update={"caller": None})
        updated = record.updated_at
        audit.record_for(
            session,
            actor,
            "dispatch.eido.export",
            target_type="dispatch_eido_record",
            target_id=str(record.id),
            details={"incident_id": record.incident_id, "caller": doc.caller is not None},
        )
    return eido.export_eido(doc, agency_id=doc.agency or agency, updated_at=updated, schema=schema)


# --- import ---------------------------------------------------------------------------------------------------------


def merge(old: CallDocument, new: CallDocument) -> CallDocument:
    """An update of an incident: every step time and value the new document has wins, the old ones stay where it
    has none; notes are the union (in time order); units are the new document's when it lists any."""
    times = old.times.model_dump()
    times.update({k: v for k, v in new.times.model_dump().items() if v is not None})
    known = {(n.text, n.at) for n in old.notes}
    notes = [*old.notes, *(n for n in new.notes if (n.text, n.at) not in known)]
    notes.sort(key=lambda n: (n.at is not None, n.at or datetime.min))
    update: dict[str, Any] = {
        name: getattr(new, name)
        for name in CallDocument.model_fields
        if name not in ("times", "notes") and getattr(new, name) not in (None, [], {})
    }
    update["times"] = CallTimes(**times)
    update["notes"] = notes
    return old.model_copy(update=update)


def _catalogue_type(doc: CallDocument) -> str | None:
    ct = doc.call_type
    return TypeMapper().map(ct.code, ct.text, ct.apco) if ct else None


def _live(session: Session, bus: Bus | None, settings: Settings, doc: CallDocument, actor: Principal) -> Call | str:
    """A live call made of a new incident through ``calls.intake``, or why it cannot be one."""
    call_type = _catalogue_type(doc)
    if call_type is None:
        return "no call type of the catalogue (by code, name or APCO code)"
    loc = doc.location
    if loc is not None and loc.lat is not None and loc.lon is not None:
        where = CallLocation(kind="coordinates", lat=loc.lat, lon=loc.lon, text=(loc.address or None))
    elif loc is not None and (loc.place_name or loc.address):
        where = CallLocation(kind="place", text=(loc.place_name or loc.address or "")[:255])
    else:
        return "no location with a point or a place of the city"
    phone = doc.caller.phone.removeprefix("tel:") if doc.caller and doc.caller.phone else None
    data = CallCreate(
        call_type=call_type,
        location=where,
        narrative=(doc.narrative or "")[:8000] or None,
        source=_FROM_DOC.get(doc.source or "", Source.phone),
        source_ref=doc.incident_id[:128] if doc.incident_id else None,
        source_party=f"eido:{doc.agency}"[:128] if doc.agency else "eido",
        caller_name=(doc.caller.name or "")[:128] or None if doc.caller else None,
        caller_phone=phone if phone and _PHONE.match(phone) else None,
        received_at=doc.times.received,
    )
    try:
        with session.begin_nested():
            result = calls.intake(session, bus, settings, data, actor=actor)
    except DomainError as exc:
        return f"not a call of this city: {exc.detail}"
    call = repository.call(session, result.call.id)
    assert call is not None
    return call


def _append_notes(session: Session, bus: Bus | None, call: Call, notes: list[Note], *, actor: Principal) -> int:
    """Append to a live call the notes it does not have yet (by text); how many."""
    have = {n.text for n in repository.notes(session, call.id)}
    if call.narrative:
        have.add(call.narrative)
    now = utcnow()
    author = actor.audit_name[:64]
    added = 0
    for note in notes:
        if note.text in have:
            continue
        have.add(note.text)
        repository.add(session, CallNote(call_id=call.id, at=note.at or now, author=author, unit=None, text=note.text))
        added += 1
    return added


def _own_call(session: Session, incident_id: str, agency: str) -> Call | None:
    """The live call an EIDO this platform exported is about (``urn:emergency:uid:incidentid:<number>:<agency>``)."""
    prefix, suffix = "urn:emergency:uid:incidentid:", f":{agency}"
    if not (incident_id.lower().startswith(prefix) and incident_id.endswith(suffix)):
        return None
    return repository.call_by_number(session, incident_id[len(prefix) : -len(suffix)])


def receive(
    session: Session,
    bus: Bus | None,
    settings: Settings,
    payload: bytes,
    *,
    actor: Principal,
    strict: bool = True,
    dead_letters: list[DeadLetterDraft],
) -> EidoReceipt:
    """Import one EIDO (see the module docstring); a malformed one raises EidoError and is put in ``dead_letters``."""
    schema = schema_file(settings)
    try:
        imported = eido.import_eido(payload, strict=strict, schema=schema)
        if len(imported.incident_id) > 255:
            raise EidoError([EidoIssue("$.$id", "longer than 255 characters")])
    except EidoError as exc:
        dead_letters.append(
            DeadLetterDraft(
                source="eido",
                payload=payload_text(payload),
                reason=f"EIDO: {exc.detail}",
                context={"issues": [str(i) for i in exc.issues[:20]], "by": actor.audit_name},
            )
        )
        raise
    doc = imported.document
    now = utcnow()
    incident = imported.incident_id
    record = session.scalar(select(EidoRecord).where(EidoRecord.incident_id == incident).with_for_update())
    action = "updated"
    new_record = record is None
    if record is not None:
        doc = merge(CallDocument.model_validate(record.document), doc)
        record.updates += 1
        live = repository.call(session, record.call_id) if record.call_id else None
    else:
        live = _own_call(session, incident, agency_id(settings))
        held: str | None = None
        if live is None:
            action = "created"
            made = _live(session, bus, settings, doc, actor)
            live, held = (made, None) if isinstance(made, Call) else (None, made)
        record = EidoRecord(
            incident_id=incident,
            call_id=live.id if live else None,
            held_reason=held,
            updates=0,
            created_by=actor.audit_name[:64],
            created_at=now,
        )
    record.document = doc.model_dump(mode="json", exclude_none=True)
    record.agency = (doc.agency or "")[:128] or None
    record.external_id = doc.external_id[:64]
    record.status = doc.status()
    record.received_at = doc.times.received
    record.last_updated = imported.last_updated
    record.updated_at = now
    if new_record:
        repository.add(session, record)
    if live is not None:
        added = _append_notes(session, bus, live, doc.notes, actor=actor)
        if action == "updated":
            chain.record(
                session,
                live,
                kind="eido",
                actor=actor,
                at=now,
                detail={"incident_id": incident, "eido_status": record.status, "notes_added": added},
            )
            chain.audit_call(session, actor, "eido.update", live, incident_id=incident, notes_added=added)
            present.publish_call(
                session, bus, live, repository.assignments_of(session, [live.id]), change="eido", at=now
            )
    session.flush()
    audit.record_for(
        session,
        actor,
        f"dispatch.eido.{'receive' if action == 'created' else 'update'}",
        target_type="dispatch_eido_record",
        target_id=str(record.id),
        details={"incident_id": incident, "call": live.number if live else None, "held": record.held_reason},
    )
    return EidoReceipt(
        record_id=record.id,
        incident_id=incident,
        action="created" if action == "created" else "updated",
        call_id=live.id if live else None,
        call_number=live.number if live else None,
        held_reason=record.held_reason,
        dialect="draft" if imported.dialect == "draft" else "1.0",
        schema_issues=[str(i) for i in imported.schema_issues],
    )


def receive_committed(
    db: Database, bus: Bus | None, settings: Settings, payload: bytes, *, actor: Principal, strict: bool = True
) -> EidoReceipt:
    """``receive`` in its own unit of work, dead letters in theirs. Two first imports of one incident at once: the
    unique incident id lets one create the record; the other's transaction fails on it and is run again, where it finds
    the record and updates it (never a 500)."""
    for attempt in (1, 2):
        try:
            with dead_letter_sink(db) as sink, db.uow() as session:
                return receive(session, bus, settings, payload, actor=actor, strict=strict, dead_letters=sink)
        except IntegrityError:
            if attempt == 2:
                raise Conflict("the EIDO's incident was being imported at the same moment; send it again") from None
    raise AssertionError("unreachable")


def list_records(session: Session, *, held: bool | None = None, limit: int = 100) -> list[EidoRecordRead]:
    """EIDOs received, latest first; ``held``: only those held (True) or only those that are live calls (False)."""
    stmt = select(EidoRecord).order_by(EidoRecord.updated_at.desc()).limit(limit)
    if held is not None:
        stmt = stmt.where(EidoRecord.call_id.is_(None) if held else EidoRecord.call_id.is_not(None))
    return [EidoRecordRead.model_validate(r) for r in session.scalars(stmt)]
