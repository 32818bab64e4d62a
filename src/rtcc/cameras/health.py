"""Camera health: heartbeats from sensors and owners, the snapshot probe's results (``rtcc.cameras.jobs`` runs the
probe), and the health view of every live-linked camera (ok, failing, stale, unknown).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from rtcc.cameras import repository
from rtcc.cameras.models import RegisteredCamera
from rtcc.cameras.schemas import CameraRead, HealthRead, HealthStatus
from rtcc.cameras.service import camera_row, own_camera_row, to_read
from rtcc.core.clock import utcnow
from rtcc.core.errors import PermissionDenied
from rtcc.identity.logic import Principal


def _may_heartbeat(actor: Principal, cam: RegisteredCamera) -> bool:
    return actor.may_report_for(cam.code) or (cam.alpr_camera_code is not None and actor.may_report_for(
        cam.alpr_camera_code))  # fmt: skip


def heartbeat(session: Session, camera_id: uuid.UUID, *, actor: Principal, now: datetime | None = None) -> CameraRead:
    """Record a heartbeat from a sensor key scoped to the camera (or a user who may report for any camera)."""
    cam = camera_row(session, camera_id, for_update=True)
    if not _may_heartbeat(actor, cam):
        raise PermissionDenied(f"this key may not report for camera {cam.code}")
    cam.last_seen_at = now or utcnow()
    session.flush()
    return to_read(cam, withhold_urls=True)


def own_heartbeat(session: Session, camera_id: uuid.UUID, *, owner: Principal) -> CameraRead:
    """Record a heartbeat the owner (or their bridge, signed in as them) sends for their own camera."""
    cam = own_camera_row(session, camera_id, owner, for_update=True)
    cam.last_seen_at = utcnow()
    session.flush()
    return to_read(cam)


def probe_targets(session: Session) -> list[tuple[uuid.UUID, str, str]]:
    """(id, code, snapshot URL) of every live-linked camera that has a snapshot URL."""
    return [(c.id, c.code, c.snapshot_url) for c in repository.live_linked(session) if c.snapshot_url]


def record_probe(session: Session, camera_id: uuid.UUID, *, at: datetime, error: str | None) -> None:
    """Store one snapshot probe's outcome (``error`` None means it succeeded)."""
    cam = repository.get(session, camera_id)
    if cam is None:  # deleted meanwhile
        return
    cam.last_checked_at = at
    if error is None:
        cam.last_ok_at = at
        cam.last_seen_at = at if cam.last_seen_at is None or cam.last_seen_at < at else cam.last_seen_at
        cam.last_error = None
    else:
        cam.last_error = error[:255]
    session.flush()


def health_status(cam: RegisteredCamera, *, now: datetime, stale_after_s: int) -> HealthStatus:
    """ok (seen within ``stale_after_s``), failing (the last probe failed), stale (seen long ago), unknown (never)."""
    if cam.last_seen_at is not None and now - cam.last_seen_at <= timedelta(seconds=stale_after_s):
        return "ok"
    if cam.last_checked_at is not None and cam.last_error is not None:
        return "failing"
    if cam.last_seen_at is not None:
        return "stale"
    return "unknown"


def health(session: Session, *, now: datetime | None = None, stale_after_s: int) -> list[HealthRead]:
    """Health of every live-linked camera, by code."""
    now = now or utcnow()
    return [
        HealthRead(
            camera_id=c.id,
            code=c.code,
            name=c.name,
            owner_type=c.owner_type,
            status=health_status(c, now=now, stale_after_s=stale_after_s),
            last_seen_at=c.last_seen_at,
            last_checked_at=c.last_checked_at,
            last_ok_at=c.last_ok_at,
            last_error=c.last_error,
        )
        for c in repository.live_linked(session)
    ]
