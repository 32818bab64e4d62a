"""ALPR cameras: the registry, signs of life (reads and heartbeats) and the online/offline health of each camera.

Reads and heartbeats are both signs of life. A camera is online when its newest one (sensor time, capped at now) is
within ``camera_offline_s``; the offline sweep (``sweep_camera_health``, run by ``jobs``) marks silent cameras
offline and raises the camera-offline alert; a camera that reports again is set online (``came_online``) and the
alert is resolved. A heartbeat that says the stream is down (``is_streaming: false``) is recorded but is no sign of
life. Ingest resolves camera codes through ``resolve_cameras``, a small per-database cache that auto-registers
unknown cameras only when the sender may (``may_register_cameras``).
"""

from __future__ import annotations

import logging
import time
import uuid
import weakref
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from rtcc.alerts import offline as alerts_offline
from rtcc.alpr import repository
from rtcc.alpr.logic import Heartbeat
from rtcc.alpr.models import Camera
from rtcc.alpr.schemas import CameraCreate, HeartbeatIn, HeartbeatResult
from rtcc.audit import service as audit
from rtcc.bus.base import Bus
from rtcc.core import divisions
from rtcc.core.clock import utcnow
from rtcc.core.db import after_commit
from rtcc.core.errors import Conflict, NotFound, PermissionDenied, invalid
from rtcc.identity.logic import Perm, Principal
from rtcc.live import service as live_service
from rtcc.places import service as places
from rtcc.settings import Settings

logger = logging.getLogger(__name__)

#: Seconds a resolved camera code stays in the in-process cache.
CAMERA_CACHE_TTL_S = 300.0
_MAX_HEALTH_KEYS = 20

#: code -> (camera id, monotonic time cached), one map per database engine.
_camera_cache: weakref.WeakKeyDictionary[Any, dict[str, tuple[uuid.UUID, float]]] = weakref.WeakKeyDictionary()


def may_register_cameras(principal: Principal) -> bool:
    """True when reads from this principal may auto-register unknown cameras (``*`` scope, or a reads:write user)."""
    if principal.kind == "user":
        return principal.can(Perm.reads_write)
    return "*" in principal.camera_codes


def _camera_kind(source: str, code: str) -> str:
    return "frigate" if source == "frigate" or code.startswith("frigate:") else "alpr_fixed"


def resolve_cameras(
    session: Session,
    wanted: Mapping[str, str | None],
    *,
    register: bool,
    source: str,
    now: datetime,
) -> tuple[dict[str, uuid.UUID], int]:
    """Camera ids of the codes (cache first), registering unknown ones when allowed; (ids, number registered).

    ``wanted`` maps each code to the OpenALPR agent uid to record if the camera is registered now.
    """
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
                        "agent_uid": wanted[code],
                        "status": "unknown",
                        "active": True,
                        "created_at": now,
                        "division": places.division_of(None, None),  # a one-division profile's; else set later
                        "meta": {"registered_by": f"ingest:{source}"},
                    }
                    for code in sorted(unknown)  # one order for every writer: concurrent batches cannot deadlock
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


def _camera_data(
    camera_id: uuid.UUID, code: str, name: str, status: str, at: datetime, division: str | None
) -> dict[str, Any]:
    return {
        "camera_id": str(camera_id),
        "code": code,
        "name": name,
        "status": status,
        "at": at.isoformat(),
        "division": division,  # live screens of one division receive their division's cameras only
    }


def came_online(session: Session, bus: Bus, changed: Sequence[tuple[uuid.UUID, str, str]], now: datetime) -> None:
    """Cameras that just turned online: resolve their offline alert and tell live screens."""
    division_of = repository.camera_divisions(session, [c[0] for c in changed]) if changed else {}
    for camera_id, code, name in changed:
        alerts_offline.resolve_camera_offline(session, bus, camera_id=camera_id)
        data = _camera_data(camera_id, code, name, "online", now, division_of.get(camera_id))
        live_service.emit(session, bus, topic="cameras", type="camera.online", data=data)
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
        division=division_for(data.division, data.lat, data.lon),
    )
    session.add(camera)
    session.flush()
    audit.record_for(
        session,
        actor,
        "camera.create",
        target_type="camera",
        target_id=str(camera.id),
        details={"code": camera.code, "kind": camera.kind, "division": camera.division},
    )
    return camera


def division_for(explicit: str | None, lat: float | None, lon: float | None) -> str | None:
    """A camera's division: the one set explicitly (a code of the city profile), else where its point lies."""
    if explicit:
        if explicit not in places.division_codes():
            raise invalid("division", f"no division {explicit!r} in the city profile")
        return explicit
    return places.division_of(lat, lon)


def set_division(session: Session, code: str, division: str | None, *, actor: Principal) -> Camera:
    """Move a camera (with its reads and alerts) to a division, or back to the division of its point; audited."""
    camera = repository.camera_by_code(session, code)
    if camera is None or not divisions.allows(camera.division):  # another division's camera: as if missing
        raise NotFound(f"no camera {code!r}")
    before = camera.division
    camera.division = division_for(division, camera.lat, camera.lon)
    audit.record_for(
        session,
        actor,
        "camera.division",
        target_type="camera",
        target_id=str(camera.id),
        details={"code": camera.code, "from": before, "to": camera.division},
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
    came_online(session, bus, changed, now)
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
        alerts_offline.raise_camera_offline(
            session, bus, camera_id=cam.id, camera_code=cam.code, camera_name=cam.name, last_seen_at=last_seen
        )
        live_service.emit(
            session,
            bus,
            topic="cameras",
            type="camera.offline",
            data={
                **_camera_data(cam.id, cam.code, cam.name, "offline", now, cam.division),
                "last_seen_at": last_seen.isoformat() if last_seen else None,
            },
        )
    revived = repository.revived_cameras(session, cutoff)
    for cam in revived:
        cam.status = "online"
    session.flush()
    came_online(session, bus, [(c.id, c.code, c.name) for c in revived], now)
    if went_off:
        logger.warning("%d camera(s) went offline (silent for more than %d s)", len(went_off), offline_after_s)
    return len(went_off), len(revived)
