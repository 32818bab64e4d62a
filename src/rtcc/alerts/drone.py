"""Drone geofence alerts: raised by the drones domain (``rtcc.drones.ingest``) when a flight enters a no-fly zone or
crosses a camera-restricted zone with its camera down; closed by a person (``alerts:close``).

One open alert per flight, zone and kind of breach (its de-duplication key), so a drone hovering in a zone raises one
alert, not one per telemetry message. The alert is audited (system actor) and published on the live topic
``alerts`` like every other alert.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rtcc.alerts import present, repository
from rtcc.alerts.logic import SYSTEM_ACTOR, AlertKind, AlertState
from rtcc.alerts.models import Alert
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


@dataclass(frozen=True)
class GeofenceBreach:
    """One breach to alert on: ``breach`` is ``no_fly`` or ``camera_restricted``."""

    flight_id: uuid.UUID
    drone_code: str
    breach: str
    zone_id: str
    zone_name: str
    at: datetime
    details: dict[str, object] = field(default_factory=dict)


def raise_drone_geofence(session: Session, bus: Bus, breaches: Sequence[GeofenceBreach]) -> list[uuid.UUID | None]:
    """Open an alert for each breach, unless one is open for the same flight, zone and breach (then None in its
    place); one query for the open keys, one bulk insert of transitions, one audit chain append, one live emit."""
    for b in breaches:
        if b.breach not in _TITLES:
            raise ValueError(f"breach: {b.breach!r} is not one of {', '.join(_TITLES)}")
    keys = [dedup_key(b.flight_id, b.zone_id, b.breach) for b in breaches]
    taken = set(repository.open_alerts_by_keys(session, keys))
    now = utcnow()
    made: dict[str, Alert] = {}
    for b, key in zip(breaches, keys, strict=True):
        if key in taken or key in made:
            continue
        made[key] = Alert(
            id=uuid.uuid4(),
            kind=AlertKind.drone_geofence.value,
            state=AlertState.new.value,
            priority=2 if b.breach == "no_fly" else 3,
            title=_TITLES[b.breach].format(drone=b.drone_code, zone=b.zone_name)[:255],
            read_count=0,
            first_seen_at=b.at,
            last_seen_at=b.at,
            dedup_key=key,
            diff_positions=[],
            checklist={},
            created_at=now,
            updated_at=now,
        )
    if not made:
        return [None] * len(breaches)
    try:
        with session.begin_nested():
            session.add_all(made.values())
            session.flush()
    except IntegrityError:  # another process raised one of them meanwhile: take them one at a time
        logger.debug("drone geofence alerts raised concurrently; retrying one by one")
        if len(breaches) == 1:
            return [None]
        return [raise_drone_geofence(session, bus, [b])[0] for b in breaches]
    info = {
        key: {
            "flight_id": str(b.flight_id),
            "drone": b.drone_code,
            "breach": b.breach,
            "zone_id": b.zone_id,
            **b.details,
        }
        for b, key in zip(breaches, keys, strict=True)
        if key in made
    }
    repository.add_transitions(
        session,
        [
            {
                "alert_id": a.id,
                "at": now,
                "actor": SYSTEM_ACTOR,
                "from_state": None,
                "to_state": AlertState.new.value,
                "details": {"action": "create", **info[key]},
            }
            for key, a in made.items()
        ],
    )
    audit.record_many(
        session,
        [
            audit.AuditDraft(
                actor=SYSTEM_ACTOR,
                actor_role=SYSTEM_ACTOR,
                action="alert.create",
                target_type="alert",
                target_id=str(a.id),
                details={"kind": AlertKind.drone_geofence.value, **info[key]},
            )
            for key, a in made.items()
        ],
    )
    session.flush()
    alerts = list(made.values())
    present.emit(
        session, bus, present.to_reads(session, alerts, with_transitions=False), ["alert.created"] * len(alerts)
    )
    count = len(alerts)
    after_commit(session, lambda: metrics.ALERTS.labels(AlertKind.drone_geofence.value).inc(count))
    logger.info("drone geofence: %d alert(s) raised", count)
    return [made[key].id if key in made else None for key in keys]
