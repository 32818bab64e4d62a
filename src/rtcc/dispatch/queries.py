"""Published reads of the dispatch domain for other domains.

- For ``rtcc.patrol``: calls of given APCO codes as points in time (live calls and imported CAD history together),
  one call as a point, and the call sign of a field user's unit. Plain dataclasses out, no ORM object leaves here.
- For ``rtcc.analytics`` (hotspot forecasts, drone-dock placement): the dispatch tables it counts calls from, as
  published views (``core.db.published_table``): only these columns, with the owner's types; removing one is a
  breaking change for the domains that read them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rtcc.core.db import published_table
from rtcc.dispatch import access
from rtcc.dispatch.interop_models import HistoryCall
from rtcc.dispatch.models import Call
from rtcc.identity.logic import Principal

CALLS = published_table(Call.__table__, "id", "call_type", "priority_rank", "received_at", "lat", "lon", "duplicate_of")
HISTORY_CALLS = published_table(HistoryCall.__table__, "id", "call_type", "priority", "received_at", "lat", "lon")


@dataclass(frozen=True)
class CallPoint:
    """Where and when a call (or a historic call) happened; ``origin`` is ``live`` or the history's origin."""

    id: str
    number: str
    call_type: str
    apco_code: str
    lat: float
    lon: float
    at: datetime
    neighborhood: str | None
    origin: str


def _live(c: Call) -> CallPoint:
    return CallPoint(str(c.id), c.number, c.call_type, c.apco_code, c.lat, c.lon, c.received_at, c.neighborhood, "live")


def calls_of_apco(
    session: Session, apco_codes: list[str], *, since: datetime, until: datetime, history: bool = True
) -> list[CallPoint]:
    """Calls whose APCO code is one of ``apco_codes`` received in [since, until): live calls, then (``history``)
    imported historic calls that have a location, oldest first."""
    if not apco_codes:
        return []
    live = session.scalars(
        select(Call).where(Call.apco_code.in_(apco_codes), Call.received_at >= since, Call.received_at < until)
    )
    out = [_live(c) for c in live]
    if history:
        rows = session.scalars(
            select(HistoryCall).where(
                HistoryCall.apco_code.in_(apco_codes),
                HistoryCall.received_at >= since,
                HistoryCall.received_at < until,
                HistoryCall.lat.is_not(None),
                HistoryCall.lon.is_not(None),
            )
        )
        for h in rows:
            if h.lat is None or h.lon is None:
                continue
            out.append(
                CallPoint(
                    f"{h.origin}:{h.external_id}",
                    h.external_id,
                    h.call_type or "",
                    h.apco_code or "",
                    h.lat,
                    h.lon,
                    h.received_at,
                    None,
                    h.origin,
                )
            )
    out.sort(key=lambda p: p.at)
    return out


def call_point(session: Session, call_id: uuid.UUID) -> CallPoint | None:
    """One live call as a point, or None."""
    c = session.get(Call, call_id)
    return None if c is None else _live(c)


def my_call_sign(session: Session, actor: Principal) -> str | None:
    """The call sign of the unit a field user is linked to, or None."""
    unit = access.my_unit(session, actor)
    return None if unit is None else unit.call_sign
