"""The per-call interval table behind the KPI screens: filled and kept current from the dispatch domain's calls.

``refresh`` reads what is new since its marks (``oversight_refresh_marks``): imported history calls by id (they
never change), live calls once closed by ``updated_at`` (a reopened and closed-again call replaces its row). Each
call's six intervals and quality flags come from the response-time kernel (``rtcc.analytics.kernels.
response_times``: one definition of an interval for the KPIs, the simulator and the backtest); its grouping keys
(shift and month in the city's time zone, or in an imported history's own zone; the first unit's type) are fixed
here once, so the KPI screen groups stored integers and never joins. ``rtcc oversight refresh`` is the backfill; the
refresh job and every KPI request run it incrementally. Each refresh also repacks the id ranges it touched in
``rtcc.oversight.chunks`` (the columns the KPI screen's first read loads), and the whole store when it finds it out
of step with the table. The caller's unit of work commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from rtcc.analytics.kernels import response_times as rt
from rtcc.core import divisions
from rtcc.core.db import Database
from rtcc.dispatch import calltypes
from rtcc.dispatch import queries as dq
from rtcc.oversight import chunks, logic
from rtcc.oversight.models import CallInterval, RefreshMark
from rtcc.places import service as places

logger = logging.getLogger(__name__)

#: Rows read and written per batch.
BATCH = 20_000
#: Sources whose ``source`` value marks a self-initiated call (live and imported vocabularies).
SELF_INITIATED = frozenset({"officer_initiated", "officer"})
_STEP_COLUMNS = tuple(f"{s}_at" for s in rt.STEPS)


@dataclass(frozen=True)
class RefreshResult:
    """How many calls a refresh added or replaced."""

    history: int
    live: int


@dataclass(frozen=True)
class _Keys:
    zone: ZoneInfo
    windows: list[logic.ShiftWindow]
    unit_types: dict[str, str]


def _keys(session: Session) -> _Keys:
    cat = calltypes.catalogue()
    windows = logic.shift_windows([(s.code, s.start, s.hours) for s in cat.shifts])
    unit_types = {str(cs): str(t) for cs, t in session.execute(select(dq.UNITS.c.call_sign, dq.UNITS.c.unit_type))}
    return _Keys(places.city_zone(), windows, unit_types)


def _mark(session: Session, source: str) -> RefreshMark:
    mark = session.get(RefreshMark, source)
    if mark is None:
        mark = RefreshMark(source=source, last_id=0, last_updated_at=None)
        session.add(mark)
        session.flush()
    return mark


def _epoch(values: Iterable[datetime | None]) -> list[float]:
    return [v.timestamp() if v is not None else np.nan for v in values]


def _int(v: float) -> int | None:
    return None if np.isnan(v) else round(v)


def interval_rows(calls: Sequence[dict[str, Any]], keys: _Keys) -> list[dict[str, Any]]:
    """Rows of ``oversight_call_intervals`` for calls given as dicts of ``origin``, ``call_ref``, the step times
    (``received_at`` ... ``cleared_at``), ``source``, ``priority``, ``call_type``, ``district``, ``unit_type`` and
    ``division``, and optionally ``zone`` (the ZoneInfo its shift and month are read in; default the city's)."""
    if not calls:
        return []
    steps = {s: _epoch(c[col] for c in calls) for s, col in zip(rt.STEPS, _STEP_COLUMNS, strict=True)}
    own = [c["source"] in SELF_INITIATED for c in calls]
    iv = rt.intervals(steps, self_initiated=own)
    missing, disorder = rt.quality_flags(steps)
    out = []
    for i, c in enumerate(calls):
        local = c["received_at"].astimezone(c.get("zone") or keys.zone)
        out.append(
            {
                "origin": c["origin"],
                "call_ref": c["call_ref"],
                "received_s": int(c["received_at"].timestamp()),
                "month": local.strftime("%Y-%m"),
                "priority": c["priority"] or logic.UNKNOWN,
                "call_type": c["call_type"] or logic.UNKNOWN,
                "shift": logic.shift_of(local, keys.windows),
                "district": c["district"] or logic.UNKNOWN,
                "unit_type": c["unit_type"] or logic.UNKNOWN,
                "division": c.get("division") or logic.UNKNOWN,
                "self_initiated": own[i],
                **{f"{name}_s": _int(float(iv[name][i])) for name in rt.INTERVALS},
                "missing": bool(missing[i]),
                "out_of_order": bool(disorder[i]),
            }
        )
    return out


def _write(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows``, replacing the rows of the same calls; the ids of the rows replaced."""
    if not rows:
        return []
    gone: list[int] = []
    for origin in {r["origin"] for r in rows}:
        refs = [r["call_ref"] for r in rows if r["origin"] == origin]
        for i in range(0, len(refs), 900):  # below SQLite's bound-parameter limit
            where = (CallInterval.origin == origin, CallInterval.call_ref.in_(refs[i : i + 900]))
            gone += [int(x) for x in session.scalars(select(CallInterval.id).where(*where))]
            session.execute(delete(CallInterval).where(*where))
    session.execute(insert(CallInterval), rows)
    return gone


def _history(session: Session, keys: _Keys, batch: int) -> int:
    h = dq.HISTORY_CALLS.c
    b = dq.HISTORY_BATCHES.c
    # an imported history keeps its own clock: its shifts and months in the zone its export was recorded in
    zones = {i: ZoneInfo(z) for i, z in session.execute(select(b.id, b.zone)) if z}
    mark = _mark(session, "history")
    done = 0
    while True:
        stmt = (
            select(h.id, h.batch_id, h.origin, h.source, h.priority, h.call_type, h.call_type_raw, h.beat, h.units)
            .add_columns(h.lat, h.lon)
            .add_columns(*(h[c] for c in _STEP_COLUMNS))
            .where(h.id > mark.last_id)
            .order_by(h.id)
            .limit(batch)
        )
        found = session.execute(stmt).mappings().all()
        if not found:
            return done
        calls = []
        for r, division in zip(found, _history_divisions(found), strict=True):
            units = r["units"] or []
            calls.append(
                {
                    **{c: r[c] for c in _STEP_COLUMNS},
                    "origin": r["origin"],
                    "call_ref": str(r["id"]),
                    "source": r["source"],
                    "priority": r["priority"],
                    "call_type": r["call_type"] or r["call_type_raw"],
                    "district": r["beat"],
                    "unit_type": keys.unit_types.get(units[0]) if units else None,
                    "zone": zones.get(r["batch_id"]),
                    "division": division,
                }
            )
        # history rows are immutable and read once past the mark: no replace needed
        session.execute(insert(CallInterval), interval_rows(calls, keys))
        mark.last_id = int(found[-1]["id"])
        session.flush()
        done += len(found)


def _history_divisions(rows: Sequence[Any]) -> list[str | None]:
    """The division of each imported call: its beat's (a reporting district or a division code of the profile),
    else the division holding its point (one vectorised lookup for the batch), else the only division of a
    one-division profile, else None."""
    by_beat: dict[str | None, str | None] = {}
    out = []
    for r in rows:
        if r["beat"] not in by_beat:
            by_beat[r["beat"]] = places.division_of_area(r["beat"])
        out.append(by_beat[r["beat"]])
    todo = [i for i, d in enumerate(out) if d is None and rows[i]["lat"] is not None and rows[i]["lon"] is not None]
    if todo:
        found = places.divisions_of([rows[i]["lat"] for i in todo], [rows[i]["lon"] for i in todo])
        for i, d in zip(todo, found, strict=True):
            out[i] = d
    only = places.division_of(None, None)
    return [d or only for d in out]


def _first_unit_types(session: Session, call_ids: list[Any]) -> dict[Any, str]:
    a, u = dq.ASSIGNMENTS.c, dq.UNITS.c
    out: dict[Any, tuple[datetime, str]] = {}
    for i in range(0, len(call_ids), 900):
        stmt = (
            select(a.call_id, a.dispatched_at, u.unit_type)
            .join_from(dq.ASSIGNMENTS, dq.UNITS, u.id == a.unit_id)
            .where(a.call_id.in_(call_ids[i : i + 900]))
        )
        for call_id, at, unit_type in session.execute(stmt):
            if call_id not in out or at < out[call_id][0]:
                out[call_id] = (at, unit_type)
    return {k: v[1] for k, v in out.items()}


def _live(session: Session, keys: _Keys, gone: list[int]) -> int:
    c = dq.CALLS.c
    mark = _mark(session, "live")
    stmt = (
        select(c.id, c.source, c.priority, c.call_type, c.district, c.division, c.updated_at)
        .add_columns(*(c[col] for col in _STEP_COLUMNS))
        .where(c.status == "closed")
        .order_by(c.updated_at)
    )
    if mark.last_updated_at is not None:
        stmt = stmt.where(c.updated_at > mark.last_updated_at)
    found = session.execute(stmt).mappings().all()
    if not found:
        return 0
    first = _first_unit_types(session, [r["id"] for r in found])
    calls = [
        {
            **{col: r[col] for col in _STEP_COLUMNS},
            "origin": "live",
            "call_ref": str(r["id"]),
            "source": r["source"],
            "priority": r["priority"],
            "call_type": r["call_type"],
            "district": r["district"],
            "division": r["division"],
            "unit_type": first.get(r["id"]),
        }
        for r in found
    ]
    gone += _write(session, interval_rows(calls, keys))
    mark.last_updated_at = max(r["updated_at"] for r in found)
    session.flush()
    return len(found)


def _max_id(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(CallInterval.id), 0))) or 0)


def refresh(session: Session, *, batch: int = BATCH) -> RefreshResult:
    """Add the calls stored since the last refresh (history by id, closed live calls by update time)."""
    keys = _keys(session)
    top = _max_id(session)
    gone: list[int] = []
    result = RefreshResult(history=_history(session, keys, batch), live=_live(session, keys, gone))
    if result.history or result.live:
        # the packed columns of every id range the inserts and replacements touched, in this transaction
        chunks.rebuild(
            session, chunks.chunk_of(gone) | set(range(top // chunks.CHUNK, _max_id(session) // chunks.CHUNK + 1))
        )
    if not chunks.in_step(session):
        logger.info("oversight column chunks out of step with the interval table: packing them again")
        chunks.rebuild(session)
    if result.history or result.live:
        logger.info("oversight intervals: %s history and %s live calls added", result.history, result.live)
    return result


def stored(session: Session) -> int:
    """How many calls the interval table holds."""
    return int(session.scalar(select(func.count()).select_from(CallInterval)) or 0)


def refresh_unscoped(db: Database) -> None:
    """Bring the interval table up to date in a transaction of its own, outside the request's division scope: the
    table is derived machinery holding every division's calls, and on PostgreSQL a scoped request's row-level
    security would hide the other divisions' calls from the refresh (and move its marks past them)."""
    with divisions.scope(None), db.uow() as session:
        refresh(session)
