"""ALPR read store: the one store path of every channel (REST, OpenALPR webhook, MQTT, Frigate, files, replay).

``ingest`` stores a batch of reads. It checks plate, time window and the principal's camera scope per read; resolves
camera codes (``cameras.resolve_cameras``: a small per-database cache that auto-registers unknown cameras only for
principals with ``*`` scope: a ``*`` API key, an admin, the MQTT/CLI ingest principals; a camera-scoped key's read for
an unknown camera is refused and dead-lettered, so it can be replayed once the camera is registered); inserts all rows
in the caller's single transaction with ``ON CONFLICT DO NOTHING RETURNING id``; moves ``last_read_at`` forward and
brings cameras online; audits the call (counts only, no plates: ``rtcc.alpr.ingestaudit``); and, after commit, publishes
``alpr.reads.stored`` with only the newly stored reads (in envelopes as large as NATS's message limit allows,
``EVENT_MAX_BYTES``), staged in the event outbox in the same transaction so that the pending match commits with the
reads. It is the platform's hot path: each row is built once, in the form the database driver takes
(``readrows.read_row_format``), with no per-read ORM or UUID objects.

Refused reads are reported (index, field, reason) and become dead letters (``rtcc.alpr.deadletters``), except reads
for a camera the key may not report for: those are an authorisation failure (403 when the whole batch is foreign).
A raw payload (and what a document holds besides reads: heartbeats, vehicle updates, vendor alerts, images) is
parsed and stored by ``rtcc.alpr.payloads``; a dead letter is replayed by ``rtcc.alpr.replay``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from rtcc.alpr import images as read_images
from rtcc.alpr import ingestaudit, logic, readrows, repository
from rtcc.alpr.cameras import came_online, may_register_cameras, resolve_cameras
from rtcc.alpr.deadletters import DeadLetterDraft, deliver, drafts_for, native_item
from rtcc.alpr.events import EVENT_STORED, EVENT_STORED_VERSION
from rtcc.alpr.logic import NormalizedRead, Origin, ReadImage, Rejection
from rtcc.alpr.redrive import READ_IDS, redrive_data
from rtcc.alpr.schemas import IngestResult, ReadIn, RejectedRead
from rtcc.bus.base import Bus
from rtcc.bus.envelope import Envelope
from rtcc.bus.outbox import stage
from rtcc.core import metrics
from rtcc.core.clock import utcnow
from rtcc.core.errors import PermissionDenied
from rtcc.core.gcpause import paused_gc
from rtcc.core.plates import MAX_PLATE_LEN, normalise, ocr_class
from rtcc.identity.logic import Principal
from rtcc.settings import Settings

logger = logging.getLogger(__name__)

#: Most reads per ``alpr.reads.stored`` envelope.
EVENT_CHUNK = 5000
#: Most bytes of read JSON per ``alpr.reads.stored`` envelope, by an upper bound of each read's size (the envelope
#: adds well under 1 KB): keeps every message under NATS's default ``max_payload`` of 1 MiB with a margin. Each
#: envelope is one matching transaction, whose fixed cost (a dozen statements and a commit) is shared by its reads,
#: so envelopes are made as large as this allows.
EVENT_MAX_BYTES = 900_000
#: Upper bound of a read's JSON in the event apart from its camera code, plate and region: keys, punctuation, two
#: ids, two timestamps, a 24-character number, ``null`` for a missing region and two normalised plates of at most
#: ``MAX_PLATE_LEN`` characters (a test holds it above the real size).
_EVENT_READ_BYTES = 306 + 2 * MAX_PLATE_LEN


def _field(loc: str, name: str) -> str:
    return f"{loc}.{name}" if loc else name


def _json_bytes(text: str) -> int:
    """Upper bound of the bytes of ``text`` as a JSON string's content: printable ASCII at most doubles (``\\"``,
    ``\\\\``); anything else is at most six bytes a character (``\\u0001``; UTF-8 takes four at most)."""
    return len(text) * (2 if text.isascii() and text.isprintable() else 6)


def _event_parts(payload: list[dict[str, Any]], sizes: list[int]) -> list[tuple[list[dict[str, Any]], int]]:
    """Split the stored reads' payloads into envelopes of at most ``EVENT_CHUNK`` reads and ``EVENT_MAX_BYTES``;
    each part with the upper bound of its bytes."""
    parts: list[tuple[list[dict[str, Any]], int]] = []
    start = 0
    used = 0
    for i, size in enumerate(sizes):
        if i > start and (used + size > EVENT_MAX_BYTES or i - start >= EVENT_CHUNK):
            parts.append((payload[start:i], used))
            start, used = i, 0
        used += size
    parts.append((payload[start:], used))
    return parts


@dataclass(frozen=True, slots=True)
class StoredReads:
    """Part of one call's ``alpr.reads.stored`` event, queued while a shared transaction defers them
    (``defer_events``): the source, the reads' payloads, an upper bound of their JSON bytes and their hex ids
    concatenated (what the outbox row keeps to re-drive them, ``redrive.READ_IDS``)."""

    source: str
    reads: list[dict[str, Any]]
    size: int
    ids: str


_EVENTS_DEFERRED = "alpr_stored_events"


def defer_events(session: Session) -> list[StoredReads]:
    """From now on, queue the session's stored-reads events instead of staging an envelope for each call: the
    shared transaction (``rtcc.alpr.batchend.stage_merged``) merges them into as few envelopes as the limits allow.
    Returns the queue (a unit rolled back takes its own out)."""
    queued: list[StoredReads] = session.info.setdefault(_EVENTS_DEFERRED, [])
    return queued


def take_deferred_events(session: Session) -> list[StoredReads]:
    """What was queued since ``defer_events``; no longer deferred."""
    queued: list[StoredReads] = session.info.pop(_EVENTS_DEFERRED, [])
    return queued


@paused_gc()
def ingest(
    session: Session,
    bus: Bus,
    reads: Sequence[ReadIn | NormalizedRead],
    *,
    source: str,
    principal: Principal,
    settings: Settings,
    dead_letters: list[DeadLetterDraft] | None = None,
    problems: Sequence[Rejection] = (),
    register_unknown: bool | None = None,
    images: Sequence[ReadImage] = (),
) -> IngestResult:
    """Validate, normalise and store reads idempotently in the caller's transaction (see the module docstring).

    ``problems`` are rejections found while parsing (reported and dead-lettered with the rest). Dead letters go to
    ``dead_letters`` (written later by ``dead_letter_sink``) or, when None, into this transaction.
    ``images`` (decoded by an adapter, referenced by their reads' refs) are written durably for the reads stored
    now, before the caller commits (``rtcc.alpr.images``). Raises PermissionDenied when every read is for a camera
    the principal may not report for.
    """
    started = time.perf_counter()
    now = utcnow()
    register = may_register_cameras(principal) if register_unknown is None else register_unknown
    rejections: list[Rejection] = list(problems)
    future_limit = now + timedelta(seconds=settings.read_max_future_s)
    oldest = now - timedelta(days=settings.retention_reads_days)

    def refuse(r: NormalizedRead, name: str, reason: str, code: str) -> None:
        origin = r.origin
        if origin is None and code != "scope":
            origin = Origin(source, native_item(r), {"channel": "native"})
        rejections.append(Rejection(r.index, _field(r.loc, name), reason, code, origin))

    valid: list[tuple[NormalizedRead, str, datetime]] = []  # (read, plate_norm, observed in UTC)
    foreign: set[str] = set()
    in_scope: dict[str, bool] = {}
    for pos, item in enumerate(reads):
        r = item.to_normalized(f"reads.{pos}") if isinstance(item, ReadIn) else item
        if r.index < 0:
            r.index = pos
        plate = r.plate
        norm = plate.upper() if plate.isascii() and plate.isalnum() else normalise(plate)
        if len(plate) > logic.MAX_RAW_PLATE or not 2 <= len(norm) <= MAX_PLATE_LEN:
            refuse(r, "plate", logic.plate_problem(plate, norm) or "invalid plate", "plate")
            continue
        observed = r.observed_at
        if observed.tzinfo is None:
            refuse(r, "observed_at", "timestamp has no timezone", "time")
            continue
        if observed.tzinfo is not UTC:  # once; UTC-to-UTC comparisons below are cheap
            observed = observed.astimezone(UTC)
        if observed > future_limit or observed < oldest:
            refuse(
                r,
                "observed_at",
                logic.check_times(r.observed_at, now, settings.read_max_future_s, settings.retention_reads_days)
                or "out of range",
                "time",
            )
            continue
        code = r.camera_code
        allowed = in_scope.get(code)
        if allowed is None:
            allowed = in_scope[code] = 0 < len(code) <= 64 and principal.may_report_for(code)
        if not allowed:
            if not code or len(code) > 64:
                refuse(r, "camera", "camera code must be 1 to 64 characters", "camera")
            else:
                refuse(r, "camera", f"this key may not report for camera {code!r}", "scope")
                foreign.add(code)
            continue
        valid.append((r, norm, observed))

    total = len(reads) + len({rj.index for rj in problems})
    if total and not valid and rejections and all(rj.code == "scope" for rj in rejections):
        logger.warning("%s sent %d read(s) only for cameras outside its scope", principal.audit_name, len(reads))
        raise PermissionDenied(f"this key may not report for camera(s) {', '.join(sorted(foreign))}")

    wanted: dict[str, str | None] = {}
    for r, _, _ in valid:
        if r.camera_code not in wanted:
            wanted[r.camera_code] = r.agent_uid
    camera_ids, registered = resolve_cameras(session, wanted, register=register, source=source, now=now)
    camera_hex = {code: cid.hex for code, cid in camera_ids.items()}

    # Each row is built once, as the driver takes it; the event needs the UTC time, kept alongside.
    fmt = readrows.read_row_format(session)
    to_time, to_json, false = fmt.time, fmt.json, fmt.false
    utc_iso, read_key, ocr = logic.utc_iso, logic.read_key, ocr_class
    now_utc = now if now.tzinfo is UTC else now.astimezone(UTC)
    received_iso = logic.utc_iso(now_utc)
    received = to_time(now_utc, received_iso)
    rows: list[tuple[Any, ...]] = []
    extra: list[tuple[str, str]] = []  # (camera code, observed_at in UTC as ISO text) of each row
    seen: set[bytes] = set()
    repeats = 0
    newest: dict[str, datetime] = {}
    for r, norm, observed in valid:
        code = r.camera_code
        cam = camera_hex.get(code)
        if cam is None:
            refuse(r, "camera", f"unknown camera {code!r}: register it first", "camera")
            continue
        ref = r.source_ref
        if ref is not None and len(ref) > logic.MAX_SOURCE_REF:
            ref = logic.storable_ref(ref)
        key = read_key(code, norm, observed, ref)
        if key in seen:
            repeats += 1
            continue
        seen.add(key)
        candidates = r.candidates
        observed_iso = utc_iso(observed)
        rows.append(
            (
                key.hex(),
                cam,
                r.plate,
                norm,
                ocr(norm),
                r.region,
                r.confidence,
                to_time(observed, observed_iso),
                received,
                r.lat,
                r.lon,
                r.vehicle_make,
                r.vehicle_model,
                r.vehicle_color,
                r.vehicle_type,
                r.image_ref,
                r.crop_ref,
                None if candidates is None else to_json(candidates),
                source,
                ref,
                false,
                r.heading,
                r.camera_label,
            )
        )
        extra.append((code, observed_iso))
        last = newest.get(code)
        if last is None or observed > last:
            newest[code] = observed

    new_rows = readrows.insert_reads(session, rows)
    duplicates = len(rows) - len(new_rows) + repeats
    images_stored = 0
    if images and new_rows:  # only documents that carried images pay for this
        new_ids = {rows[i][0] for i in new_rows}
        fresh = [img for img in images if logic.stored_read_key(img.read).hex() in new_ids]
        read_images.store(settings.data_dir, fresh)
        images_stored = len(fresh)

    # a sign of life never lies in the future: capped at now
    latest = {camera_ids[code]: min(t, now) for code, t in newest.items()}
    if latest:
        repository.touch_cameras(session, latest)
        recent = now - timedelta(seconds=settings.camera_offline_s)
        changed = repository.set_online(session, [cid for cid, t in latest.items() if t >= recent])
        came_online(session, bus, changed, now)

    drafts = drafts_for(rejections, principal.audit_name)
    rejected_reads = len({(rj.index, id(rj.origin)) for rj in rejections})
    ingestaudit.record(
        session,
        ingestaudit.IngestRecord(
            actor=principal.audit_name,
            actor_role=principal.role,
            source=source,
            counts=(total, len(new_rows), duplicates, rejected_reads, len(drafts), registered),
            cameras=frozenset(latest),
        ),
    )

    if new_rows:
        camera_text = {code: str(camera_ids[code]) for code in newest}
        code_bytes = {code: _EVENT_READ_BYTES + _json_bytes(code) for code in newest}
        region_bytes: dict[str | None, int] = {None: 0}
        payload = []
        sizes = []  # upper bound of each read's JSON (see EVENT_MAX_BYTES)
        for i in new_rows:
            row = rows[i]
            code, observed_iso = extra[i]
            hex_id, plate, region = row[0], row[2], row[5]
            extra_bytes = region_bytes.get(region)
            if extra_bytes is None:
                extra_bytes = region_bytes[region] = _json_bytes(region)
            sizes.append(code_bytes[code] + extra_bytes + _json_bytes(plate))
            payload.append(
                {  # the id as str(uuid.UUID(hex_id)), without building the UUID
                    "id": f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}",
                    "camera_id": camera_text[code],
                    "camera_code": code,
                    "plate": plate,
                    "plate_norm": row[3],
                    "plate_ocr": row[4],
                    "region": region,
                    "confidence": row[6],
                    "observed_at": observed_iso,
                    "received_at": received_iso,
                }
            )
        # In the outbox, in this transaction: the reads and their pending match commit together (rtcc.bus.outbox);
        # after the commit the envelope is offered to the bus without waiting, so a bus outage never stalls ingest.
        deferred: list[StoredReads] | None = session.info.get(_EVENTS_DEFERRED)
        for part, size in _event_parts(payload, sizes):
            keep = redrive_data([r["id"].replace("-", "") for r in part])
            if deferred is not None:
                deferred.append(StoredReads(source, part, size, keep[READ_IDS]))
                continue
            envelope = Envelope(
                type=EVENT_STORED, schema_version=EVENT_STORED_VERSION, source=source, payload={"reads": part}
            )
            stage(session, bus, envelope, keep=keep)
    deliver(session, drafts, dead_letters)

    ingested, duplicate = _counters(source)
    ingested.inc(len(new_rows))
    if duplicates:
        duplicate.inc(duplicates)
    metrics.INGEST_SECONDS.observe(time.perf_counter() - started)
    if rejections:
        for code, n in Counter(rj.code for rj in rejections).items():
            metrics.READS_REJECTED.labels(reason=code).inc(n)
        logger.info("%s: %d read(s) refused from %s", source, rejected_reads, principal.audit_name)
    return IngestResult(
        accepted=len(new_rows),
        duplicates=duplicates,
        rejected=[RejectedRead(index=rj.index, field=rj.field, reason=rj.reason) for rj in rejections],
        dead_lettered=len(drafts),
        images=images_stored,
    )


_COUNTERS: dict[str, tuple[Any, Any]] = {}


def _counters(source: str) -> tuple[Any, Any]:
    """The ingested and duplicate counters of ``source`` (label look-ups kept: every request counts)."""
    found = _COUNTERS.get(source)
    if found is None:
        found = _COUNTERS.setdefault(
            source,
            (metrics.READS_INGESTED.labels(source=source), metrics.READS_DUPLICATE.labels(source=source)),
        )
    return found


def mark_hits(session: Session, read_ids: Iterable[uuid.UUID]) -> None:
    """Flag stored reads that matched a hotlist entry (the matcher calls this as it records its hits, in its
    transaction): the one write another domain makes to reads."""
    repository.mark_hits(session, read_ids)
