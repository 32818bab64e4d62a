"""ALPR payloads: parse a raw payload by its channel and store everything the document holds.

``ingest_payload`` is what the request channels (the REST and OpenALPR webhook routes, through
``rtcc.alpr.intake``) and the replay of a dead letter call: it parses the payload with its channel's adapter
(``rtcc.alpr.adapters``) and hands the document to ``apply_parsed``, which stores its reads through the one store
path (``rtcc.alpr.store.ingest``) and applies the rest: heartbeats (``rtcc.alpr.cameras``), vendor alerts
(``rtcc.alpr.vendoralerts``), OpenALPR vehicle documents (attributes set on reads already stored; a document for an
unknown read is dead-lettered as a replayable ``vehicle`` document), and refused images (reported by field; their
document dead-lettered, the reads stored without them). A payload that cannot be parsed at all is dead-lettered
whole. ``require_some_stored`` turns an input of which nothing could be stored into a 422 for the request/response
channels.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy.orm import Session

from rtcc.alpr import logic, repository, vendoralerts
from rtcc.alpr.adapters import parse_payload
from rtcc.alpr.cameras import apply_heartbeats
from rtcc.alpr.deadletters import DeadLetterDraft, deliver, drafts_for, origin_payload
from rtcc.alpr.logic import DocumentError, ParsedDocument, Rejection, VehicleUpdate, payload_text
from rtcc.alpr.schemas import IngestResult, RejectedRead
from rtcc.alpr.store import ingest
from rtcc.bus.base import Bus
from rtcc.core import metrics
from rtcc.core.clock import utcnow
from rtcc.core.errors import ValidationFailed, field_error
from rtcc.core.gcpause import paused_gc
from rtcc.identity.logic import Principal
from rtcc.settings import Settings


def require_some_stored(result: IngestResult) -> IngestResult:
    """For request/response channels: refuse (422, with every reason) an input of which nothing could be stored."""
    if result.rejected and not (result.accepted or result.duplicates or result.heartbeats or result.vehicle_updates):
        errors = [field_error(r.field, r.reason) for r in result.rejected]
        first = result.rejected[0]
        raise ValidationFailed(f"nothing stored; {first.field}: {first.reason}", errors=errors)
    return result


def apply_vehicle_updates(
    session: Session, updates: Sequence[VehicleUpdate], *, principal: Principal
) -> tuple[int, list[VehicleUpdate]]:
    """Set vehicle attributes on stored reads found by camera + sensor reference; (updated, not found)."""
    done = 0
    missing: list[VehicleUpdate] = []
    for u in updates:
        if not principal.may_report_for(u.camera_code):
            missing.append(u)
            continue
        ids = [logic.ref_read_id(u.camera_code, ref) for ref in {logic.storable_ref(r) or r for r in u.source_refs}]
        values = {
            k: v
            for k, v in (
                ("vehicle_make", u.make),
                ("vehicle_model", u.model),
                ("vehicle_color", u.color),
                ("vehicle_type", u.type),
            )
            if v
        }
        n = repository.update_vehicle(session, ids, values)
        if n:
            done += n
        else:
            missing.append(u)
    return done, missing


def apply_parsed(
    session: Session,
    bus: Bus,
    parsed: ParsedDocument,
    *,
    source: str,
    principal: Principal,
    settings: Settings,
    dead_letters: list[DeadLetterDraft] | None,
) -> IngestResult:
    """Store what a parsed document holds: its reads, heartbeats and vehicle updates."""
    if parsed.reads or parsed.problems:
        result = ingest(
            session,
            bus,
            parsed.reads,
            source=source,
            principal=principal,
            settings=settings,
            dead_letters=dead_letters,
            problems=parsed.problems,
            images=parsed.images,
        )
    else:
        result = IngestResult()
    if parsed.image_problems:
        _refuse_images(session, parsed.image_problems, result, principal=principal, dead_letters=dead_letters)
    if parsed.vendor_alerts:
        result.vendor_alerts = vendoralerts.store(session, parsed.vendor_alerts, source=source, received_at=utcnow())
    if parsed.heartbeats:
        beats = apply_heartbeats(session, bus, parsed.heartbeats, principal=principal, settings=settings, source=source)
        result.heartbeats = beats.updated
    if parsed.vehicle_updates:
        done, missing = apply_vehicle_updates(session, parsed.vehicle_updates, principal=principal)
        result.vehicle_updates = done
        drafts: list[DeadLetterDraft] = []
        origin = parsed.origin
        for u in missing:
            reason = "vehicle document for unknown read"
            result.rejected.append(RejectedRead(index=0, field="best_uuid", reason=reason))
            drafts.append(
                DeadLetterDraft(
                    source,
                    origin_payload(origin) if origin else orjson.dumps(_vehicle_doc(u)).decode(),
                    f"{reason} (camera {u.camera_code}, refs {', '.join(u.source_refs[:3])})",
                    {**(origin.context if origin else {"channel": "openalpr"}), "sender": principal.audit_name},
                )
            )
        result.dead_lettered += len(drafts)
        deliver(session, drafts, dead_letters)
    result.kind = parsed.kind
    return result


def _refuse_images(
    session: Session,
    problems: Sequence[Rejection],
    result: IngestResult,
    *,
    principal: Principal,
    dead_letters: list[DeadLetterDraft] | None,
) -> None:
    """Report refused images by field and dead-letter their document (the reads were stored without them); a
    read refused itself has had its whole document dead-lettered already, with its own reason."""
    result.images_refused.extend(RejectedRead(index=p.index, field=p.field, reason=p.reason) for p in problems)
    refused_reads = {r.index for r in result.rejected}
    drafts = drafts_for([p for p in problems if p.index not in refused_reads], principal.audit_name)
    for d in drafts:
        d.context["images_refused"] = True  # the reads are stored: a replay counts them as duplicates
    result.dead_lettered += len(drafts)
    metrics.READS_REJECTED.labels(reason="image").inc(len(problems))
    deliver(session, drafts, dead_letters)


def _vehicle_doc(u: VehicleUpdate) -> dict[str, Any]:
    """An OpenALPR ``vehicle`` document equivalent to an update (for its dead letter, replayable as such)."""
    camera = u.camera_code.removeprefix("openalpr:")
    return {
        "data_type": "vehicle",
        "camera_id": camera,
        "uuids": list(u.source_refs),
        "vehicle": {
            k: [{"name": v, "confidence": 100.0}]
            for k, v in (("make", u.make), ("make_model", u.model), ("color", u.color), ("body_type", u.type))
            if v
        },
    }


@paused_gc()
def ingest_payload(
    session: Session,
    bus: Bus,
    payload: bytes | str,
    *,
    source: str,
    context: Mapping[str, Any],
    principal: Principal,
    settings: Settings,
    dead_letters: list[DeadLetterDraft] | None,
) -> IngestResult:
    """Parse a raw payload (by its channel) and store it; a payload that cannot be parsed at all is dead-lettered
    whole and refused with ValidationFailed naming the problem (JSON errors give line, column and position)."""
    try:
        parsed = parse_payload(
            payload,
            source=source,
            context=context,
            max_batch=settings.ingest_max_batch,
            max_image_bytes=settings.alpr_image_max_bytes,
        )
    except (DocumentError, ValueError) as exc:
        reason = str(exc) if isinstance(exc, DocumentError) else f"invalid: {exc}"
        ctx = {**dict(context), "sender": principal.audit_name}
        deliver(session, [DeadLetterDraft(source, payload_text(payload), reason, ctx)], dead_letters)
        metrics.READS_REJECTED.labels(reason="parse").inc()
        raise ValidationFailed(reason, errors=[field_error("body", reason)]) from None
    return apply_parsed(
        session, bus, parsed, source=source, principal=principal, settings=settings, dead_letters=dead_letters
    )


def as_unit(
    body: bytes,
    source: str,
    context: dict[str, Any],
    principal: Principal,
    settings: Settings,
    drafts: list[DeadLetterDraft],
) -> Callable[[Session, Bus], IngestResult]:
    """One camera-sized request as a unit of the group commit (``work(session, bus)``, ``rtcc.alpr.groupcommit``),
    whichever process runs it (the API process's writer thread or its ingest writer process,
    ``rtcc.alpr.writerproc``); its dead-letter drafts go to ``drafts``."""

    def work(session: Session, batch_bus: Bus) -> IngestResult:
        drafts.clear()  # a unit may run twice (its shared transaction failed): collect its drafts afresh
        return ingest_payload(
            session,
            batch_bus,
            body,
            source=source,
            context=context,
            principal=principal,
            settings=settings,
            dead_letters=drafts,
        )

    return work
