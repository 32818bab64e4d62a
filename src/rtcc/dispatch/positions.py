"""Unit positions (AVL): a report from the API (a field user for their own unit, a dispatcher for any) or from MQTT
(``rtcc.dispatch.mqtt``) is kept in the unit's track and, when it is newer than what the unit holds, becomes the
unit's last position, shown on the unit board (live topic ``units``) and published after commit.

Position reports are frequent and low-stakes: they are not written to the audit log (the track itself is the
record, with its source and the time received).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from rtcc.bus.base import Bus
from rtcc.core.clock import ensure_utc, utcnow
from rtcc.core.errors import Conflict, NotFound, invalid
from rtcc.dispatch import access, present, repository
from rtcc.dispatch.models import Position, Unit
from rtcc.dispatch.unit_schemas import PositionIn, PositionRead
from rtcc.identity.logic import Principal

#: A fix claimed this far in the future is refused (the device's clock is wrong).
MAX_FUTURE = timedelta(minutes=5)


def record(session: Session, bus: Bus | None, unit: Unit, data: PositionIn, *, source: str) -> PositionRead:
    """Keep one position of ``unit`` (its track, and its last position when newer)."""
    if not unit.active:
        raise Conflict(f"unit {unit.call_sign} is out of the fleet")
    now = utcnow()
    at = ensure_utc(data.at) if data.at is not None else now
    if at > now + MAX_FUTURE:
        raise invalid("at", "lies in the future")
    row = Position(
        unit_id=unit.id,
        at=at,
        received_at=now,
        lat=data.lat,
        lon=data.lon,
        heading=data.heading,
        speed_mps=data.speed_mps,
        accuracy_m=data.accuracy_m,
        source=source[:16],
    )
    session.add(row)
    if unit.position_at is None or at >= unit.position_at:
        unit.lat, unit.lon, unit.heading, unit.speed_mps, unit.position_at = (
            data.lat,
            data.lon,
            data.heading,
            data.speed_mps,
            at,
        )
        present.publish_unit(session, bus, unit, change="position", at=at)
    session.flush()
    return PositionRead.model_validate(row)


def report(
    session: Session, bus: Bus | None, call_sign: str | None, data: PositionIn, *, actor: Principal
) -> PositionRead:
    """A position reported over the API (a field user: their own unit, which they may leave out)."""
    unit = access.acting_unit(session, actor, call_sign)
    return record(session, bus, unit, data, source="api")


def track(session: Session, call_sign: str, *, since: datetime | None, limit: int) -> Sequence[PositionRead]:
    """A unit's track, oldest first (the newest ``limit`` positions since ``since``)."""
    unit = repository.unit_by_call_sign(session, call_sign)
    if unit is None:
        raise NotFound(f"no unit {call_sign}")
    return [PositionRead.model_validate(p) for p in repository.track(session, unit.id, since=since, limit=limit)]
