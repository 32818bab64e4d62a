"""Drone geofence alerts: raised by the drones domain (``rtcc.drones.ingest``) when a flight enters a no-fly zone or
crosses a camera-restricted zone with its camera down; closed by a person (``alerts:close``).

One open alert per flight, zone and kind of breach (its de-duplication key), so a drone hovering in a zone raises one
alert, not one per telemetry message. The alert is audited (system actor) and published on the live topic
``alerts`` like every other alert.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rtcc.alerts import present, repository
from rtcc.alerts.logic import SYSTEM_ACTOR, AlertKind, AlertState
from rtcc.alerts.models import Alert, AlertTransition
from rtcc.audit import service as audit
from rtcc.bus.base import Bus
from rtcc.core import metrics
from rtcc.core.clock import utcnow
from rtcc.core.db import after_commit

logger = logging.getLogger(__name__)

_TITLES = {
    "no_fly": "Drone {drone} entered no-fly zone {zone}",
    "camera_restricted": "Drone {drone} crossed camera-restricted zone {zone} with the camera down",
}


def dedup_key(flight_id: uuid.UUID, zone_id: str, breach: str) -> str:
    """The de-duplication key of a breach alert."""
    return f"drone:{flight_id}:{breach}:{zone_id}"[:96]


def raise_drone_geofence(
    session: Session,
    bus: Bus,
    *,
    flight_id: uuid.UUID,
    drone_code: str,
    breach: str,
    zone_id: str,
    zone_name: str,
    at: datetime,
    details: dict[str, object],
) -> Alert | None:
    """Open a geofence alert for a flight's breach (``no_fly`` | ``camera_restricted``), unless one is open for the
    same flight, zone and breach (then None)."""
    if breach not in _TITLES:
        raise ValueError(f"breach: {breach!r} is not one of {', '.join(_TITLES)}")
    key = dedup_key(flight_id, zone_id, breach)
    if repository.open_alerts_by_keys(session, [key]):
        return None
    now = utcnow()
    alert = Alert(
        id=uuid.uuid4(),
        kind=AlertKind.drone_geofence.value,
        state=AlertState.new.value,
        priority=2 if breach == "no_fly" else 3,
        title=_TITLES[breach].format(drone=drone_code, zone=zone_name)[:255],
        read_count=0,
        first_seen_at=at,
        last_seen_at=at,
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
        return None
    info = {"flight_id": str(flight_id), "drone": drone_code, "breach": breach, "zone_id": zone_id, **details}
    session.add(
        AlertTransition(
            alert_id=alert.id,
            at=now,
            actor=SYSTEM_ACTOR,
            from_state=None,
            to_state=AlertState.new.value,
            details={"action": "create", **info},
        )
    )
    audit.record(
        session,
        actor=SYSTEM_ACTOR,
        actor_role=SYSTEM_ACTOR,
        action="alert.create",
        target_type="alert",
        target_id=str(alert.id),
        details={"kind": AlertKind.drone_geofence.value, **info},
    )
    session.flush()
    present.emit(session, bus, present.to_reads(session, [alert], with_transitions=False), ["alert.created"])
    after_commit(session, lambda: metrics.ALERTS.labels(AlertKind.drone_geofence.value).inc())
    logger.info("drone %s: %s breach of zone %s, alert %s", drone_code, breach, zone_id, alert.id)
    return alert
