"""The public flight log: every landed flight with its call type, a public-safe call reference, the outcome, the
figures and the coarsened path; monthly figures; CSV and GeoJSON downloads. No login, no personal data.

The public-safe call reference is the call's number (``YY-NNNNNN``, the number printed on the agency's public call
log), never the call's location, narrative or caller. The path is the coarsened one stored at landing
(``rtcc.drones.coarsen``), never the track. Pages are keyset-paginated over ``(launched_at, id)`` newest
first: the cursor is ``<launched_at ISO, UTC 'Z'>~<id>`` (safe in a URL as it is), so page N costs the same as page 1
however many flights there are.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from rtcc.core.errors import invalid
from rtcc.dispatch import calltypes
from rtcc.drones import figures
from rtcc.drones import flight_repo as repo
from rtcc.drones.flight_models import Flight
from rtcc.drones.flight_schemas import FiguresRead, MonthRead, PublicFlight, PublicPage

MAX_PAGE = 200
CSV_COLUMNS = (
    "id",
    "date",
    "launched_at",
    "landed_at",
    "duration_s",
    "call_type",
    "call_type_name",
    "call_ref",
    "outcome",
    "cleared_without_patrol",
    "time_to_scene_s",
    "max_alt_m",
    "camera_down_min",
    "flagged",
    "flags",
    "footage",
    "footage_until",
    "footage_purged_at",
)


def encode_cursor(f: Flight) -> str:
    """The cursor that continues after ``f``."""
    return f"{f.launched_at.astimezone(UTC).isoformat().replace('+00:00', 'Z')}~{f.id}"  # URL-safe: no '+'


def decode_cursor(raw: str) -> tuple[datetime, uuid.UUID]:
    """``(launched_at, id)`` of a cursor; ``after`` is named when it is malformed."""
    at, sep, fid = raw.partition("~")
    try:
        if not sep:
            raise ValueError
        when = datetime.fromisoformat(at)
        if when.tzinfo is None:
            raise ValueError
        return when, uuid.UUID(fid)
    except ValueError:
        raise invalid("after", "not a cursor of this log (use the 'next' value of the previous page)") from None


def _type_name(code: str | None) -> str | None:
    if code is None:
        return None
    ct = calltypes.catalogue().call_type(code)
    return ct.name if ct else code


def to_public(f: Flight) -> PublicFlight:
    """One flight as the public log shows it."""
    duration = (f.landed_at - f.launched_at).total_seconds() if f.landed_at else None
    to_scene = (f.on_scene_at - f.launched_at).total_seconds() if f.on_scene_at else None
    return PublicFlight(
        id=f.id,
        date=f.launched_at.astimezone(UTC).date().isoformat(),
        launched_at=f.launched_at,
        landed_at=f.landed_at,
        duration_s=round(duration, 1) if duration is not None else None,
        call_type=f.call_type,
        call_type_name=_type_name(f.call_type),
        call_ref=f.call_number,
        outcome=f.outcome,
        cleared_without_patrol=f.cleared_without_patrol,
        time_to_scene_s=round(to_scene, 1) if to_scene is not None else None,
        max_alt_m=round(f.max_alt_m, 1) if f.max_alt_m is not None else None,
        camera_down_min=round((f.camera_down_s or 0.0) / 60.0, 1),
        flagged=bool(f.flagged),
        flags=list(f.flags or []),
        footage=f.footage,
        footage_until=f.footage_until,
        footage_purged_at=f.footage_purged_at,
        path=f.public_path or [],
    )


def page(session: Session, *, after: str | None, limit: int) -> PublicPage:
    """One page of the log, newest first."""
    if not 1 <= limit <= MAX_PAGE:
        raise invalid("limit", f"must be between 1 and {MAX_PAGE}")
    cursor = decode_cursor(after) if after else None
    rows = repo.log_page(session, after=cursor, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return PublicPage(
        items=[to_public(f) for f in rows],
        next=encode_cursor(rows[-1]) if more and rows else None,
        definition=dict(figures.CLEARED_WITHOUT_PATROL),
    )


def _facts(f: Flight) -> figures.FlightFacts:
    to_scene = (f.on_scene_at - f.launched_at).total_seconds() if f.on_scene_at else None
    return figures.FlightFacts(f.launched_at.astimezone(UTC), f.call_type, to_scene, f.cleared_without_patrol)


def monthly(session: Session, *, start: datetime | None = None, end: datetime | None = None) -> FiguresRead:
    """The monthly figures of landed flights launched in ``[start, end)``."""
    months = figures.monthly(_facts(f) for f in repo.flights_between(session, start, end))
    return FiguresRead(
        months=[_month(m) for m in months],
        definition=dict(figures.CLEARED_WITHOUT_PATROL),
    )


def _month(m: figures.MonthFigures) -> MonthRead:
    return MonthRead(
        month=m.month,
        flights=m.flights,
        median_time_to_scene_s=m.median_time_to_scene_s,
        closed_calls=m.closed_calls,
        share_cleared_without_patrol=m.share_cleared_without_patrol,
        share_by_call_type=m.share_by_call_type,
    )


def _all(session: Session, start: datetime | None, end: datetime | None) -> Iterator[PublicFlight]:
    for f in repo.flights_between(session, start, end):
        yield to_public(f)


def csv_text(session: Session, *, start: datetime | None = None, end: datetime | None = None) -> str:
    """The log as CSV (one row per flight, the columns of ``CSV_COLUMNS``; the path is in the GeoJSON)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for p in _all(session, start, end):
        d = p.model_dump(mode="json")
        d["flags"] = ";".join(p.flags)
        w.writerow(["" if d[c] is None else d[c] for c in CSV_COLUMNS])
    return buf.getvalue()


def geojson(session: Session, *, start: datetime | None = None, end: datetime | None = None) -> dict[str, Any]:
    """The log as a GeoJSON FeatureCollection: one feature per flight, its coarsened path as a MultiLineString
    ([lon, lat]; null geometry when nothing of the path is public) and the CSV's columns as properties."""
    features = []
    for p in _all(session, start, end):
        props = p.model_dump(mode="json", exclude={"path"})
        geometry = (
            {"type": "MultiLineString", "coordinates": [[[lon, lat] for lat, lon in seg] for seg in p.path]}
            if p.path
            else None
        )
        features.append({"type": "Feature", "id": str(p.id), "geometry": geometry, "properties": props})
    return {"type": "FeatureCollection", "features": features}
