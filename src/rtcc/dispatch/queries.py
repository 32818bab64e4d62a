"""Published reads of the dispatch domain for other domains.

- For ``rtcc.patrol``: calls of given APCO codes as points in time (live calls and imported CAD history together),
  one call as a point, and the call sign of a field user's unit. Plain dataclasses out, no ORM object leaves here.
- For ``rtcc.analytics`` (hotspot forecasts, drone-dock placement) and ``rtcc.oversight`` (the KPIs and the contract
  report): the dispatch tables they query directly, as published views (``core.db.published_table``) of the owner's
  own definitions: calls with their step stamps, imported history calls and their batches (with the zone the
  export was recorded in), assignments and units, unit status changes
  (service delivered), priority rules (before/after a rule change) and shifts with their overtime budgets. A renamed
  column breaks the reader at import; only the columns listed here may be named by another domain, and removing one
  is a breaking change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rtcc.core import divisions
from rtcc.core.db import published_table
from rtcc.core.divisions import Col, S
from rtcc.core.errors import NotFound
from rtcc.dispatch import access
from rtcc.dispatch.interop_models import HistoryBatch, HistoryCall
from rtcc.dispatch.logic import CallStatus
from rtcc.dispatch.models import Assignment, Call, OvertimeBudget, PriorityRule, Shift, Unit, UnitStatusChange
from rtcc.identity.logic import Principal
from rtcc.places import service as places

_STAMPS = ("received_at", "queued_at", "dispatched_at", "en_route_at", "on_scene_at", "cleared_at", "closed_at")

CALLS = published_table(
    Call.__table__,
    "id", "number", "call_type", "priority", "priority_rank", "source", "status", "district", "queue", "updated_at",
    "lat", "lon", "duplicate_of", "division", *_STAMPS,
)  # fmt: skip
HISTORY_CALLS = published_table(
    HistoryCall.__table__,
    "id", "batch_id", "origin", "call_type", "call_type_raw", "priority", "source", "beat", "units", "lat", "lon",
    *_STAMPS,
)  # fmt: skip
HISTORY_BATCHES = published_table(HistoryBatch.__table__, "id", "origin", "zone")
ASSIGNMENTS = published_table(Assignment.__table__, "call_id", "unit_id", "call_sign", "dispatched_at", "on_scene_at")
UNITS = published_table(Unit.__table__, "id", "call_sign", "unit_type")
UNIT_STATUS_LOG = published_table(UnitStatusChange.__table__, "unit_id", "at", "status", "call_id")
PRIORITY_RULES = published_table(
    PriorityRule.__table__, "id", "call_type", "priority", "effective_from", "version", "reason"
)
SHIFTS = published_table(Shift.__table__, "id", "kind", "starts_at", "ends_at", "budget_id", "cost_cents")
OVERTIME_BUDGETS = published_table(
    OvertimeBudget.__table__, "id", "name", "total_cents", "used_cents", "used_minutes", "starts_on", "ends_on"
)


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


def of_visible_calls(stmt: S, call_id: Col) -> S:
    """``stmt`` limited to rows (a near-repeat alert, ...) whose live call belongs to a division the request may see:
    the one scoping call other domains make for anything that belongs to a division through its call."""
    return divisions.scoped_via(stmt, call_id, Call.id, Call.division)


def of_visible_units(stmt: S, call_sign: Col) -> S:
    """``stmt`` limited to rows (a patrol plan, ...) whose unit (by call sign) belongs to a division the request may
    see."""
    return divisions.scoped_via(stmt, call_sign, Unit.call_sign, Unit.division)


def calls_of_apco(
    session: Session, apco_codes: list[str], *, since: datetime, until: datetime, history: bool = True
) -> list[CallPoint]:
    """Calls whose APCO code is one of ``apco_codes`` received in [since, until): live calls, then (``history``)
    imported historic calls that have a location, oldest first; of the divisions in scope (a history call by the
    division holding its point)."""
    if not apco_codes:
        return []
    stmt = select(Call).where(Call.apco_code.in_(apco_codes), Call.received_at >= since, Call.received_at < until)
    live = session.scalars(divisions.scoped(stmt, Call.division))
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
        past = [h for h in rows if h.lat is not None and h.lon is not None]
        keep = places.in_scope([h.lat for h in past], [h.lon for h in past]).tolist()  # type: ignore[misc]
        for h in (h for h, k in zip(past, keep, strict=True) if k):
            assert h.lat is not None and h.lon is not None
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


def open_call_visible(session: Session, actor: Principal, call_id: uuid.UUID) -> bool:
    """True when ``call_id`` is an open (not closed) call that ``actor`` may see (``dispatch.access``): what a live
    camera view for a call needs (``rtcc.cameras.liveview``)."""
    try:
        call = access.visible_call(session, call_id, actor)
    except NotFound:
        return False
    return call.status != CallStatus.closed.value
