"""Camera-offline alerts: raised by the system when an ALPR camera falls silent, closed by the system when it
reports again (``rtcc.alpr.cameras`` watches the cameras and calls these).

One open alert per camera: its de-duplication key (``logic.offline_dedup_key``) is unique while the alert is open, so
a second raise finds it (or, racing another process, loses on the key inside a SAVEPOINT) and does nothing. The alert
is audited and published on the live topic ``cameras``; field units with camera permission see it in their queue.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rtcc.alerts import lifecycle, present, repository
from rtcc.alerts.logic import SYSTEM_ACTOR, Action, AlertKind, AlertState, offline_dedup_key, offline_title
from rtcc.alerts.models import Alert, AlertTransition
from rtcc.audit import service as audit
from rtcc.bus.base import Bus
from rtcc.core import metrics
from rtcc.core.clock import utcnow
from rtcc.core.db import after_commit

logger = logging.getLogger(__name__)


def raise_camera_offline(
    session: Session,
    bus: Bus,
    *,
    camera_id: uuid.UUID,
    camera_code: str,
    camera_name: str,
    last_seen_at: datetime | None,
) -> Alert | None:
    """Open a camera-offline alert, unless one is open for this camera already (then None)."""
    key = offline_dedup_key(camera_id)
    if repository.open_alerts_by_keys(session, [key]):
        return None
    now = utcnow()
    alert = Alert(
        id=uuid.uuid4(),
        kind=AlertKind.camera_offline.value,
        state=AlertState.new.value,
        priority=3,
        title=offline_title(camera_code, camera_name),
        camera_id=camera_id,
        read_count=0,
        first_seen_at=now,
        last_seen_at=last_seen_at or now,
        dedup_key=key,
        diff_positions=[],
        checklist={},
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(alert)
            session.flush()
    except IntegrityError:
        logger.debug("camera-offline alert for %s raised concurrently", camera_code)
        return None
    details = {"camera_code": camera_code, "last_seen_at": last_seen_at.isoformat() if last_seen_at else None}
    session.add(
        AlertTransition(
            alert_id=alert.id,
            at=now,
            actor=SYSTEM_ACTOR,
            from_state=None,
            to_state=AlertState.new.value,
            details={"action": "create", **details},
        )
    )
    audit.record(
        session,
        actor=SYSTEM_ACTOR,
        actor_role=SYSTEM_ACTOR,
        action="alert.create",
        target_type="alert",
        target_id=str(alert.id),
        details={"kind": AlertKind.camera_offline.value, "camera_id": str(camera_id), **details},
    )
    session.flush()
    present.emit(session, bus, present.to_reads(session, [alert], with_transitions=False), ["alert.created"])
    after_commit(session, lambda: metrics.ALERTS.labels(AlertKind.camera_offline.value).inc())
    logger.info("camera %s offline: alert %s raised", camera_code, alert.id)
    return alert


def resolve_camera_offline(session: Session, bus: Bus, *, camera_id: uuid.UUID) -> None:
    """Close the open camera-offline alert of this camera (by the system), if there is one."""
    key = offline_dedup_key(camera_id)
    alert = repository.open_alerts_by_keys(session, [key]).get(key)
    if alert is None:
        return
    lifecycle.apply(
        session,
        bus,
        alert,
        Action.close,
        actor_name=SYSTEM_ACTOR,
        actor_role=SYSTEM_ACTOR,
        details={"resolved": True},
        note="resolved: the camera reports again",
    )
    logger.info("camera-offline alert %s resolved", alert.id)
