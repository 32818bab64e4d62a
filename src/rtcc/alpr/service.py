"""ALPR use cases: store reads idempotently from every channel, keep camera health, and manage dead letters.

``ingest`` is the one store path of every channel (REST, OpenALPR webhook, MQTT, Frigate, files, replay). For a
batch it: checks plate, time window and the principal's camera scope per read; resolves camera codes through a
small per-database cache (auto-registering unknown cameras only for principals with ``*`` scope: a ``*`` API key,
an admin, the MQTT/CLI ingest principals; a camera-scoped key's read for an unknown camera is refused and
dead-lettered, so it can be replayed once the camera is registered); inserts all rows in the caller's single
transaction with ``ON CONFLICT DO NOTHING RETURNING id``; moves ``last_read_at`` forward and brings cameras online;
writes ONE audit entry (counts only, no plates); and, after commit, publishes ``alpr.reads.stored`` with only the
newly stored reads (chunks of ``EVENT_CHUNK``).

Refused reads are reported (index, field, reason) and become dead letters, except reads for a camera the key may
not report for: those are an authorisation failure (403 when the whole batch is foreign), and a replayable dead
letter would let an operator wave them through by accident. Dead letters are written by ``dead_letter_sink`` in
their OWN unit of work, so they survive the rollback of the batch they came from.

Heartbeats and reads are both signs of life. A camera is online when its newest one (sensor time, capped at now)
is within ``camera_offline_s``; the offline sweep (``sweep_camera_health``, run by ``jobs``) marks silent cameras
offline and raises the camera-offline alert; a camera that reports again is set online here and the alert is
resolved. A heartbeat that says the stream is down (``is_streaming: false``) is recorded but is no sign of life.
"""

from __future__ import annotations

import logging
import time
import uuid
import weakref
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from rtcc.alerts import service as alerts_service
from rtcc.alpr import logic, repository
from rtcc.alpr.adapters import parse_payload
from rtcc.alpr.logic import (
    DocumentError,
    Heartbeat,
    NormalizedRead,
    Origin,
    ParsedDocument,
    Rejection,
    VehicleUpdate,
    payload_text,
)
from rtcc.alpr.models import Camera, DeadLetter
from rtcc.alpr.schemas import (
    CameraCreate,
    DeadLetterPage,
    DeadLetterRead,
    HeartbeatIn,
    HeartbeatResult,
    IngestResult,
    ReadIn,
    ReadOut,
    RejectedRead,
    ReplayOutcome,
    ReplaySummary,
    VehicleOut,
)
from rtcc.audit import service as audit
from rtcc.bus.base import Bus
from rtcc.bus.envelope import Envelope
from rtcc.bus.outbox import publish_after_commit
from rtcc.core import metrics
from rtcc.core.clock import utcnow
from rtcc.core.db import Database, after_commit
from rtcc.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from rtcc.core.plates import normalise, ocr_class
from rtcc.identity.logic import SENSOR_PERMISSIONS, Perm, Principal
from rtcc.live import service as live_service
from rtcc.settings import Settings

logger = logging.getLogger(__name__)

EVENT_STORED = "alpr.reads.stored"
#: Reads per ``alpr.reads.stored`` envelope (keeps messages well under NATS's 1 MB default limit).
EVENT_CHUNK = 1000
#: Dead-letter sources, each replayed through its own adapter.
SOURCES = ("rest", "openalpr", "mqtt", "frigate", "file")
#: Seconds a resolved camera code stays in the in-process cache.
CAMERA_CACHE_TTL_S = 300.0
_MAX_HEALTH_KEYS = 20

#: code -> (camera id, monotonic time cached), one map per database engine.
_camera_cache: weakref.WeakKeyDictionary[Any, dict[str, tuple[uuid.UUID, float]]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class DeadLetterDraft:
    """A dead letter to write in its own unit of work (see ``dead_letter_sink``)."""

    source: str
    payload: str
    reason: str
    context: dict[str, Any]


def ingest_principal(name: str) -> Principal:
    """A sensor principal with ``*`` camera scope for trusted channels (the MQTT consumer, CLI file import)."""
    return Principal(
        kind="apikey", id=name, name=name, role="system", permissions=SENSOR_PERMISSIONS, camera_codes=frozenset({"*"})
    )


def _replay_principal(actor: Principal) -> Principal:
    """The person replaying a dead letter, allowed to store it for any camera (they decided to replay it)."""
    return Principal(
        kind="user",
        id=actor.id,
        name=actor.name,
        role=actor.role,
        permissions=actor.permissions | {Perm.reads_write},
        camera_codes=frozenset({"*"}),
    )


def may_register_cameras(principal: Principal) -> bool:
    """True when reads from this principal may auto-register unknown cameras (``*`` scope, or a reads:write user)."""
    if principal.kind == "user":
        return principal.can(Perm.reads_write)
    return "*" in principal.camera_codes


def _normalise(plate: str) -> str:
    """``core.plates.normalise`` with a fast path for plates that are already plain ASCII letters and digits."""
    return plate.upper() if plate.isascii() and plate.isalnum() else normalise(plate)


def _field(loc: str, name: str) -> str:
    return f"{loc}.{name}" if loc else name


def _camera_kind(source: str, code: str) -> str:
    return "frigate" if source == "frigate" or code.startswith("frigate:") else "alpr_fixed"


# --- dead letters ----------------------------------------------------------------------------------------------


def _draft_rows(drafts: Sequence[DeadLetterDraft], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "source": d.source[:32],
            "received_at": now,
            "reason": d.reason,
            "payload": d.payload,
            "context": d.context,
            "status": "pending",
            "attempts": 0,
        }
        for d in drafts
    ]


def write_dead_letters(session: Session, drafts: Sequence[DeadLetterDraft]) -> int:
    """Insert dead letters in the caller's transaction; returns how many."""
    if not drafts:
        return 0
    repository.add_dead_letters(session, _draft_rows(drafts, utcnow()))
    for source, n in Counter(d.source for d in drafts).items():
        metrics.DEAD_LETTERS.labels(source=source).inc(n)
    logger.warning("%d input(s) dead-lettered (%s)", len(drafts), ", ".join(sorted({d.source for d in drafts})))
    return len(drafts)


def dead_letter(
    session: Session, source: str, payload: str | bytes, reason: str, context: Mapping[str, Any] | None = None
) -> None:
    """Record one input we could not accept (raw payload, reason, context) in the caller's transaction."""
    write_dead_letters(session, [DeadLetterDraft(source, payload_text(payload), reason, dict(context or {}))])


@contextmanager
def dead_letter_sink(db: Database) -> Iterator[list[DeadLetterDraft]]:
    """Collect drafts during a batch and write them afterwards in their own unit of work, even if the batch failed.

    This is the one place that opens its own transaction: a dead letter must survive the rollback of its batch.
    """
    drafts: list[DeadLetterDraft] = []
    try:
        yield drafts
    finally:
        if drafts:
            with db.uow() as session:
                write_dead_letters(session, drafts)


def _deliver(session: Session, drafts: list[DeadLetterDraft], sink: list[DeadLetterDraft] | None) -> None:
    if sink is not None:
        sink.extend(drafts)
    else:
        write_dead_letters(session, drafts)


def _origin_payload(origin: Origin) -> str:
    raw = origin.raw
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bytes):
        return payload_text(raw)
    return orjson.dumps(raw, default=str).decode()


def _native_item(r: NormalizedRead) -> dict[str, Any]:
    """A refused read without an origin, as a native read object (so it can be replayed as such)."""
    item: dict[str, Any] = {"plate": r.plate, "observed_at": r.observed_at.isoformat(), "camera": r.camera_code}
    for key in ("region", "confidence", "lat", "lon", "heading", "image_ref", "crop_ref", "candidates"):
        value = getattr(r, key)
        if value is not None:
            item[key] = value
    vehicle = {
        k: v
        for k, v in (
            ("make", r.vehicle_make),
            ("model", r.vehicle_model),
            ("color", r.vehicle_color),
            ("type", r.vehicle_type),
        )
        if v
    }
    if vehicle:
        item["vehicle"] = vehicle
    if r.source_ref:
        item["id"] = r.source_ref
    return item


def _drafts_for(rejections: Sequence[Rejection], sender: str) -> list[DeadLetterDraft]:
    """One dead letter per refused input (a document with several refused reads gives one, all reasons joined)."""
    groups: dict[int, tuple[Origin, list[str]]] = {}
    for rj in rejections:
        if rj.code == "scope" or rj.origin is None:
            continue
        key = id(rj.origin)
        if key not in groups:
            groups[key] = (rj.origin, [])
        groups[key][1].append(f"{rj.field}: {rj.reason}")
    drafts = []
    for origin, reasons in groups.values():
        ctx = dict(origin.context)
        if origin.loc:
            ctx["loc"] = origin.loc
        ctx.setdefault("sender", sender)
        prefix = f"{ctx['file']}:{ctx['line']}: " if "file" in ctx and "line" in ctx else ""
        drafts.append(DeadLetterDraft(origin.source, _origin_payload(origin), prefix + "; ".join(reasons), ctx))
    return drafts


# --- cameras ---------------------------------------------------------------------------------------------------


def _resolve_cameras(
    session: Session,
    wanted: Mapping[str, NormalizedRead],
    *,
    register: bool,
    source: str,
    now: datetime,
) -> tuple[dict[str, uuid.UUID], int]:
    """Camera ids of the codes (cache first), registering unknown ones when allowed; (ids, number registered)."""
    cache = _camera_cache.setdefault(session.get_bind(), {})
    clock = time.monotonic()
    found: dict[str, uuid.UUID] = {}
    missing: list[str] = []
    for code in wanted:
        hit = cache.get(code)
        if hit is not None and clock - hit[1] < CAMERA_CACHE_TTL_S:
            found[code] = hit[0]
        else:
            missing.append(code)
    registered = 0
    if missing:
        fresh = repository.cameras_by_code(session, missing)
        unknown = [c for c in missing if c not in fresh]
        if unknown and register:
            repository.insert_cameras_if_absent(
                session,
                [
                    {
                        "id": uuid.uuid4(),
                        "code": code,
                        "name": code,
                        "kind": _camera_kind(source, code),
                        "agent_uid": wanted[code].agent_uid,
                        "status": "unknown",
                        "active": True,
                        "created_at": now,
                        "meta": {"registered_by": f"ingest:{source}"},
                    }
                    for code in unknown
                ],
            )
            added = repository.cameras_by_code(session, unknown)
            registered = len(added)
            fresh.update(added)
            logger.info("auto-registered %d camera(s) from %s", registered, source)
        found.update(fresh)
        if fresh:  # cache only what is committed
            after_commit(session, lambda: cache.update({c: (i, time.monotonic()) for c, i in fresh.items()}))
    return found, registered


def _camera_data(camera_id: uuid.UUID, code: str, name: str, status: str, at: datetime) -> dict[str, Any]:
    return {"camera_id": str(camera_id), "code": code, "name": name, "status": status, "at": at.isoformat()}


def _came_online(session: Session, bus: Bus, changed: Sequence[tuple[uuid.UUID, str, str]], now: datetime) -> None:
    """Cameras that just turned online: resolve their offline alert and tell live screens."""
    for camera_id, code, name in changed:
        alerts_service.resolve_camera_offline(session, bus, camera_id=camera_id)
        live_service.emit(
            session, bus, topic="cameras", type="camera.online", data=_camera_data(camera_id, code, name, "online", now)
        )
    if changed:
        logger.info("%d camera(s) back online", len(changed))


def register_camera(session: Session, data: CameraCreate, *, actor: Principal) -> Camera:
    """Register a camera (409 if the code exists); audited."""
    if repository.camera_by_code(session, data.code) is not None:
        raise Conflict(f"camera {data.code!r} is already registered")
    camera = Camera(
        id=uuid.uuid4(),
        code=data.code,
        name=data.name,
        kind=data.kind,
        lat=data.lat,
        lon=data.lon,
        heading_deg=data.heading_deg,
        location=data.location,
        agent_uid=data.agent_uid,
        status="unknown",
        active=data.active,
        created_at=utcnow(),
        meta=dict(data.meta),
    )
    session.add(camera)
    session.flush()
    audit.record(
        session,
        actor=actor.audit_name,
        actor_role=actor.role,
        action="camera.create",
        target_type="camera",
        target_id=str(camera.id),
        details={"code": camera.code, "kind": camera.kind},
    )
    return camera


def list_cameras(session: Session, *, active: bool | None = None) -> list[Camera]:
    """Registered cameras, by code."""
    return repository.list_cameras(session, active=active)


def _health(info: Mapping[str, Any]) -> dict[str, Any]:
    """Small, scalar-only health details (no nested vendor data, nothing secret-looking)."""
    out: dict[str, Any] = {}
    for key, value in info.items():
        if len(out) >= _MAX_HEALTH_KEYS:
            break
        k = str(key)[:40]
        if any(word in k.lower() for word in ("key", "secret", "password", "token", "url")):
            continue
        if isinstance(value, bool | int | float) or value is None:
            out[k] = value
        elif isinstance(value, str):
            out[k] = value[:128]
    return out


def apply_heartbeats(
    session: Session, bus: Bus, beats: Sequence[Heartbeat], *, principal: Principal, settings: Settings, source: str
) -> HeartbeatResult:
    """Record heartbeats: sign of life (unless the stream is down), health details, online transitions."""
    now = utcnow()
    recent = now - timedelta(seconds=settings.camera_offline_s)
    updated = 0
    unknown: list[str] = []
    forbidden: list[str] = []
    changed: list[tuple[uuid.UUID, str, str]] = []
    for beat in beats:
        if beat.camera_code:
            if not principal.may_report_for(beat.camera_code):
                forbidden.append(beat.camera_code)
                continue
            cameras = repository.cameras_by_codes(session, [beat.camera_code])
            if not cameras and may_register_cameras(principal) and len(beat.camera_code) <= 64:
                repository.insert_cameras_if_absent(
                    session,
                    [
                        {
                            "id": uuid.uuid4(),
                            "code": beat.camera_code,
                            "name": beat.name or beat.camera_code,
                            "kind": _camera_kind(source, beat.camera_code),
                            "agent_uid": beat.agent_uid,
                            "lat": beat.lat,
                            "lon": beat.lon,
                            "status": "unknown",
                            "active": True,
                            "created_at": now,
                            "meta": {"registered_by": f"heartbeat:{source}"},
                        }
                    ],
                )
                cameras = repository.cameras_by_codes(session, [beat.camera_code])
        elif beat.agent_uid:
            cameras = [
                c for c in repository.cameras_of_agent(session, beat.agent_uid) if principal.may_report_for(c.code)
            ]
        else:
            cameras = []
        if not cameras:
            unknown.append(beat.camera_code or beat.agent_uid or "")
            continue
        at = min(beat.at.astimezone(UTC), now)
        for cam in cameras:
            alive = beat.streaming is not False
            if alive and (cam.last_heartbeat_at is None or at > cam.last_heartbeat_at):
                cam.last_heartbeat_at = at
            if beat.agent_uid and not cam.agent_uid:
                cam.agent_uid = beat.agent_uid
            if beat.name and cam.name == cam.code:
                cam.name = beat.name
            if cam.lat is None and beat.lat is not None and beat.lon is not None:
                cam.lat, cam.lon = beat.lat, beat.lon
            health = {**_health(beat.info), "streaming": beat.streaming, "reported_at": at.isoformat()}
            cam.meta = {**(cam.meta or {}), "health": health}
            if alive and at >= recent and cam.status != "online":
                cam.status = "online"
                changed.append((cam.id, cam.code, cam.name))
            updated += 1
    session.flush()
    _came_online(session, bus, changed, now)
    if forbidden and not updated and not unknown:
        raise PermissionDenied(f"this key may not report for camera(s) {', '.join(sorted(set(forbidden)))}")
    return HeartbeatResult(updated=updated, unknown=unknown)


def heartbeat(
    session: Session, bus: Bus, data: HeartbeatIn, *, principal: Principal, settings: Settings
) -> HeartbeatResult:
    """A native heartbeat for one camera (by code) or every camera of an OpenALPR agent (by agent_uid)."""
    beat = Heartbeat(
        camera_code=data.camera or "",
        at=data.at or utcnow(),
        streaming=data.streaming,
        agent_uid=data.agent_uid,
        info=dict(data.info),
    )
    return apply_heartbeats(session, bus, [beat], principal=principal, settings=settings, source="rest")


def sweep_camera_health(session: Session, bus: Bus, *, now: datetime, offline_after_s: int) -> tuple[int, int]:
    """Mark silent cameras offline (alert + live event) and offline ones that reported again online; (off, on)."""
    cutoff = now - timedelta(seconds=offline_after_s)
    went_off = repository.silent_cameras(session, cutoff)
    for cam in went_off:
        cam.status = "offline"
        last_seen = max((t for t in (cam.last_read_at, cam.last_heartbeat_at) if t is not None), default=None)
        alerts_service.raise_camera_offline(
            session, bus, camera_id=cam.id, camera_code=cam.code, camera_name=cam.name, last_seen_at=last_seen
        )
        live_service.emit(
            session,
            bus,
            topic="cameras",
            type="camera.offline",
            data={
                **_camera_data(cam.id, cam.code, cam.name, "offline", now),
                "last_seen_at": last_seen.isoformat() if last_seen else None,
            },
        )
    revived = repository.revived_cameras(session, cutoff)
    for cam in revived:
        cam.status = "online"
    session.flush()
    _came_online(session, bus, [(c.id, c.code, c.name) for c in revived], now)
    if went_off:
        logger.warning("%d camera(s) went offline (silent for more than %d s)", len(went_off), offline_after_s)
    return len(went_off), len(revived)


# --- reads -----------------------------------------------------------------------------------------------------


def _stored_payload(row: tuple[Any, ...], code: str, camera_id: str, received: str) -> dict[str, Any]:
    return {
        "id": str(row[0]),
        "camera_id": camera_id,
        "camera_code": code,
        "plate": row[2],
        "plate_norm": row[3],
        "plate_ocr": row[4],
        "region": row[5],
        "confidence": row[6],
        "observed_at": row[7].isoformat(),  # already UTC (converted once in ingest)
        "received_at": received,
    }


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
) -> IngestResult:
    """Validate, normalise and store reads idempotently in the caller's transaction (see the module docstring).

    ``problems`` are rejections found while parsing (reported and dead-lettered with the rest). Dead letters go to
    ``dead_letters`` (written later by ``dead_letter_sink``) or, when None, into this transaction.
    Raises PermissionDenied when every read is for a camera the principal may not report for.
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
            origin = Origin(source, _native_item(r), {"channel": "native"})
        rejections.append(Rejection(r.index, _field(r.loc, name), reason, code, origin))

    valid: list[tuple[NormalizedRead, str]] = []
    foreign: set[str] = set()
    for pos, item in enumerate(reads):
        r = item.to_normalized(f"reads.{pos}") if isinstance(item, ReadIn) else item
        if r.index < 0:
            r.index = pos
        norm = _normalise(r.plate)
        bad_plate = logic.plate_problem(r.plate, norm)
        if bad_plate is not None:
            refuse(r, "plate", bad_plate, "plate")
            continue
        observed = r.observed_at
        if observed.tzinfo is None:
            refuse(r, "observed_at", "timestamp has no timezone", "time")
            continue
        if observed > future_limit or observed < oldest:
            refuse(
                r,
                "observed_at",
                logic.check_times(observed, now, settings.read_max_future_s, settings.retention_reads_days)
                or "out of range",
                "time",
            )
            continue
        code = r.camera_code
        if not code or len(code) > 64:
            refuse(r, "camera", "camera code must be 1 to 64 characters", "camera")
            continue
        if not principal.may_report_for(code):
            refuse(r, "camera", f"this key may not report for camera {code!r}", "scope")
            foreign.add(code)
            continue
        valid.append((r, norm))

    total = len(reads) + len({rj.index for rj in problems})
    if total and not valid and rejections and all(rj.code == "scope" for rj in rejections):
        logger.warning("%s sent %d read(s) only for cameras outside its scope", principal.audit_name, len(reads))
        raise PermissionDenied(f"this key may not report for camera(s) {', '.join(sorted(foreign))}")

    wanted: dict[str, NormalizedRead] = {}
    for r, _ in valid:
        wanted.setdefault(r.camera_code, r)
    camera_ids, registered = _resolve_cameras(session, wanted, register=register, source=source, now=now)

    rows: list[tuple[Any, ...]] = []
    codes: list[str] = []
    seen: set[uuid.UUID] = set()
    repeats = 0
    latest: dict[uuid.UUID, datetime] = {}
    for r, norm in valid:
        camera_id = camera_ids.get(r.camera_code)
        if camera_id is None:
            refuse(r, "camera", f"unknown camera {r.camera_code!r}: register it first", "camera")
            continue
        ref = logic.storable_ref(r.source_ref)
        rid = logic.read_id(r.camera_code, norm, r.observed_at, ref)
        if rid in seen:
            repeats += 1
            continue
        seen.add(rid)
        observed = r.observed_at
        if observed.tzinfo is not UTC:
            observed = observed.astimezone(UTC)
        rows.append(
            (
                rid,
                camera_id,
                r.plate,
                norm,
                ocr_class(norm),
                r.region,
                r.confidence,
                observed,
                now,
                r.lat,
                r.lon,
                r.vehicle_make,
                r.vehicle_model,
                r.vehicle_color,
                r.vehicle_type,
                r.image_ref,
                r.crop_ref,
                r.candidates,
                source,
                ref,
                False,
            )
        )
        codes.append(r.camera_code)
        seen_at = min(observed, now)
        prev = latest.get(camera_id)
        if prev is None or seen_at > prev:
            latest[camera_id] = seen_at

    new_rows = repository.insert_reads(session, rows)
    duplicates = len(rows) - len(new_rows) + repeats

    if latest:
        repository.touch_cameras(session, latest)
        recent = now - timedelta(seconds=settings.camera_offline_s)
        changed = repository.set_online(session, [cid for cid, t in latest.items() if t >= recent])
        _came_online(session, bus, changed, now)

    drafts = _drafts_for(rejections, principal.audit_name)
    rejected_reads = len({(rj.index, id(rj.origin)) for rj in rejections})
    audit.record(
        session,
        actor=principal.audit_name,
        actor_role=principal.role,
        action="alpr.ingest",
        target_type="alpr_reads",
        details={
            "source": source,
            "received": total,
            "accepted": len(new_rows),
            "duplicates": duplicates,
            "rejected": rejected_reads,
            "dead_lettered": len(drafts),
            "cameras": len(latest),
            "cameras_registered": registered,
        },
    )

    if new_rows:
        received = now.isoformat()
        camera_text = {cid: str(cid) for cid in latest}
        payload = [_stored_payload(rows[i], codes[i], camera_text[rows[i][1]], received) for i in new_rows]
        for start in range(0, len(payload), EVENT_CHUNK):
            publish_after_commit(
                session,
                bus,
                Envelope(type=EVENT_STORED, source=source, payload={"reads": payload[start : start + EVENT_CHUNK]}),
            )
    _deliver(session, drafts, dead_letters)

    metrics.READS_INGESTED.labels(source=source).inc(len(new_rows))
    if duplicates:
        metrics.READS_DUPLICATE.labels(source=source).inc(duplicates)
    for code, n in Counter(rj.code for rj in rejections).items():
        metrics.READS_REJECTED.labels(reason=code).inc(n)
    metrics.INGEST_SECONDS.observe(time.perf_counter() - started)
    if rejections:
        logger.info("%s: %d read(s) refused from %s", source, rejected_reads, principal.audit_name)
    return IngestResult(
        accepted=len(new_rows),
        duplicates=duplicates,
        rejected=[RejectedRead(index=rj.index, field=rj.field, reason=rj.reason) for rj in rejections],
        dead_lettered=len(drafts),
    )


def require_some_stored(result: IngestResult) -> IngestResult:
    """For request/response channels: refuse (422, with every reason) an input of which nothing could be stored."""
    if result.rejected and not (result.accepted or result.duplicates or result.heartbeats or result.vehicle_updates):
        errors = [{"loc": r.field.split("."), "field": r.field, "msg": r.reason} for r in result.rejected]
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
        )
    else:
        result = IngestResult()
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
                    _origin_payload(origin) if origin else orjson.dumps(_vehicle_doc(u)).decode(),
                    f"{reason} (camera {u.camera_code}, refs {', '.join(u.source_refs[:3])})",
                    {**(origin.context if origin else {"channel": "openalpr"}), "sender": principal.audit_name},
                )
            )
        result.dead_lettered += len(drafts)
        _deliver(session, drafts, dead_letters)
    result.kind = parsed.kind
    return result


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
        parsed = parse_payload(payload, source=source, context=context, max_batch=settings.ingest_max_batch)
    except (DocumentError, ValueError) as exc:
        reason = str(exc) if isinstance(exc, DocumentError) else f"invalid: {exc}"
        ctx = {**dict(context), "sender": principal.audit_name}
        _deliver(session, [DeadLetterDraft(source, payload_text(payload), reason, ctx)], dead_letters)
        metrics.READS_REJECTED.labels(reason="parse").inc()
        raise ValidationFailed(reason, errors=[{"loc": ["body"], "field": "body", "msg": reason}]) from None
    return apply_parsed(
        session, bus, parsed, source=source, principal=principal, settings=settings, dead_letters=dead_letters
    )


def get_read(session: Session, read_id: uuid.UUID, *, principal: Principal) -> ReadOut:
    """One stored read; every view is audited as an access to ALPR data ("alpr.read.view")."""
    found = repository.get_read(session, read_id)
    if found is None:
        raise NotFound(f"no read {read_id}")
    read, code = found
    audit.record(
        session,
        actor=principal.audit_name,
        actor_role=principal.role,
        action="alpr.read.view",
        target_type="alpr_read",
        target_id=str(read.id),
    )
    return ReadOut(
        id=read.id,
        camera_id=read.camera_id,
        camera_code=code,
        plate=read.plate,
        plate_norm=read.plate_norm,
        plate_ocr=read.plate_ocr,
        region=read.region,
        confidence=read.confidence,
        observed_at=read.observed_at,
        received_at=read.received_at,
        lat=read.lat,
        lon=read.lon,
        vehicle=VehicleOut(
            make=read.vehicle_make, model=read.vehicle_model, color=read.vehicle_color, type=read.vehicle_type
        ),
        image_ref=read.image_ref,
        crop_ref=read.crop_ref,
        candidates=read.candidates,
        source=read.source,
        source_ref=read.source_ref,
        is_hit=read.is_hit,
    )


# --- dead letters: list and replay -----------------------------------------------------------------------------


def list_dead_letters(
    session: Session,
    *,
    actor: Principal,
    source: str | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> DeadLetterPage:
    """Dead letters, newest first, filtered by source and status. Their payloads hold plates: the listing is
    audited ("alpr.deadletters.list", filters and counts only)."""
    items, total = repository.list_dead_letters(session, source=source, status=status, limit=limit, offset=offset)
    audit.record(
        session,
        actor=actor.audit_name,
        actor_role=actor.role,
        action="alpr.deadletters.list",
        target_type="dead_letter",
        details={"source": source, "status": status, "returned": len(items), "offset": offset},
    )
    return DeadLetterPage(
        items=[DeadLetterRead.model_validate(d) for d in items], total=total, limit=limit, offset=offset
    )


def _mark_callbacks(session: Session) -> int:
    return len(session.info.get("after_commit", []))


def _drop_callbacks(session: Session, mark: int) -> None:
    """Forget after-commit callbacks (events) registered by work that was rolled back to a savepoint."""
    pending = session.info.get("after_commit")
    if pending is not None:
        del pending[mark:]


def _replay_one(session: Session, bus: Bus, dl: DeadLetter, *, actor: Principal, settings: Settings) -> ReplayOutcome:
    principal = _replay_principal(actor)
    drafts: list[DeadLetterDraft] = []
    failure: str | None = None
    result: IngestResult | None = None
    mark = _mark_callbacks(session)
    savepoint = session.begin_nested()
    try:
        result = ingest_payload(
            session,
            bus,
            dl.payload,
            source=dl.source,
            context=dl.context or {},
            principal=principal,
            settings=settings,
            dead_letters=drafts,
        )
    except DomainError as exc:
        savepoint.rollback()
        _drop_callbacks(session, mark)
        failure = exc.detail
    except SQLAlchemyError as exc:
        savepoint.rollback()
        _drop_callbacks(session, mark)
        failure = f"storage failed: {type(exc).__name__}"
        logger.warning("replay of dead letter %s failed in the database (%s)", dl.id, type(exc).__name__)
        logger.debug("replay failure", exc_info=True)
    else:
        savepoint.commit()
        if drafts:
            failure = "; ".join(d.reason for d in drafts)
    dl.attempts = (dl.attempts or 0) + 1
    if failure is None:
        dl.status = "replayed"
        dl.resolved_at = utcnow()
    else:
        ctx = dict(dl.context or {})
        ctx.setdefault("first_reason", dl.reason)
        dl.context = ctx
        dl.reason = failure
    session.flush()
    return ReplayOutcome(id=dl.id, status=dl.status, reason=failure, attempts=dl.attempts, result=result)


def replay(session: Session, bus: Bus, dead_letter_id: int, *, actor: Principal, settings: Settings) -> ReplayOutcome:
    """Parse a pending dead letter again through its source's adapter and store it; marks it replayed, or records
    the new failure (attempts + 1). Audited."""
    dl = repository.get_dead_letter(session, dead_letter_id, lock=True)
    if dl is None:
        raise NotFound(f"no dead letter {dead_letter_id}")
    if dl.status != "pending":
        raise Conflict(f"dead letter {dead_letter_id} is {dl.status}; only pending ones can be replayed")
    outcome = _replay_one(session, bus, dl, actor=actor, settings=settings)
    audit.record(
        session,
        actor=actor.audit_name,
        actor_role=actor.role,
        action="alpr.deadletter.replay",
        target_type="dead_letter",
        target_id=str(dl.id),
        details={"source": dl.source, "status": outcome.status, "attempts": outcome.attempts},
    )
    return outcome


def replay_pending(
    session: Session,
    bus: Bus,
    *,
    source: str | None,
    limit: int,
    actor: Principal,
    settings: Settings,
    after_id: int = 0,
) -> ReplaySummary:
    """Replay up to ``limit`` pending dead letters with ids above ``after_id`` (oldest first), optionally of one
    source. Audited once."""
    outcomes: list[ReplayOutcome] = []
    for dl_id in repository.pending_dead_letter_ids(session, source=source, limit=limit, after_id=after_id):
        dl = repository.get_dead_letter(session, dl_id, lock=True)
        if dl is None or dl.status != "pending":
            continue
        outcomes.append(_replay_one(session, bus, dl, actor=actor, settings=settings))
    replayed = sum(1 for o in outcomes if o.status == "replayed")
    audit.record(
        session,
        actor=actor.audit_name,
        actor_role=actor.role,
        action="alpr.deadletter.replay_all",
        target_type="dead_letter",
        details={"source": source, "replayed": replayed, "failed": len(outcomes) - replayed},
    )
    return ReplaySummary(replayed=replayed, failed=len(outcomes) - replayed, items=outcomes)
