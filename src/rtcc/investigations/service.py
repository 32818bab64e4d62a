"""Investigation use cases over stored ALPR reads: plate search, vehicle history, stakeout, common plates,
CSV export, opening one read or its images; and the purpose check, audit entry and area helpers that the scene
analyses (``investigations.scenes``: stakeout, common plates, co-travel) share.

Every use case that touches ALPR data first calls ``governance.service.require_purpose`` (contract C1) and, once it
has its answer, appends one audit entry in the caller's transaction (contract C2): ``alpr.search`` with ``kind``,
``query`` (the request's parameters without purpose and case number), ``purpose``, ``case_number`` and
``result_count``; ``alpr.export``, ``alpr.read.open`` and ``alpr.image.open`` likewise. A refused purpose raises
``SearchRefused`` wrapping the governance error, so that the unit of work (``rtcc.investigations.runner``) can roll
back and record ``alpr.search.refused`` in a transaction of its own.

The plate index that pattern searches read first is kept by ``investigations.plate_index``.
"""

from __future__ import annotations

import csv
import io
import logging
import time
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.audit.service import Actor
from rtcc.core.clock import utcnow
from rtcc.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed, field_error
from rtcc.core.geo import bbox_around, distances_m, points_in_rings
from rtcc.core.plates import normalise
from rtcc.governance import cases
from rtcc.governance import service as governance
from rtcc.investigations import logic, plate_index, repository
from rtcc.investigations.config import InvestigationsSettings
from rtcc.investigations.schemas import (
    Area,
    HistoryQuery,
    HistoryResult,
    ImageRefs,
    PlateScoped,
    PlateSearch,
    PlateSearchResult,
    PurposeFields,
    PurposeOut,
    ReadHit,
    StopOut,
    TrackPoint,
)

logger = logging.getLogger(__name__)

EXPORT_COLUMNS = (
    "id",
    "observed_at",
    "plate",
    "plate_norm",
    "state",
    "camera_code",
    "camera_name",
    "lat",
    "lon",
    "confidence",
    "vehicle_make",
    "vehicle_model",
    "vehicle_color",
    "vehicle_type",
    "image_ref",
    "crop_ref",
    "match",
)


class SearchRefused(Exception):
    """The purpose check refused a request; ``error`` is the governance error to answer with."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(error.detail)
        self.error = error


# --- purposes and audit ----------------------------------------------------------------------------------------------


def purposes(session: Session) -> list[PurposeOut]:
    """The purpose codes in force, for the search forms (with their case-free bounds)."""
    return governance.purpose_reads(session)


def require_purpose(session: Session, body: PurposeFields) -> str:
    """The purpose code a request proceeds under; raises SearchRefused (wrapping the field error) otherwise."""
    try:
        return governance.require_purpose(session, purpose=body.purpose, case_number=body.case_number).code
    except (ValidationFailed, PermissionDenied) as exc:
        raise SearchRefused(exc) from exc


def _require_scope(
    session: Session, body: PurposeFields, *, reach_m: float | None, window_h: float | None, area: bool
) -> None:
    try:
        found = governance.require_purpose(session, purpose=body.purpose, case_number=body.case_number)
        cases.require_bounded_or_case(
            session, found, case_number=body.case_number, radius_m=reach_m, window_h=window_h, area=area
        )
    except (ValidationFailed, PermissionDenied) as exc:
        raise SearchRefused(exc) from exc


def require_area_scope(session: Session, body: PurposeFields, *, reach_m: float | None, window_h: float) -> None:
    """An area search (stakeout, common plates) stays inside its purpose's case-free bounds or names a case on
    record (``governance.cases``); raises SearchRefused (wrapping the ``case_number`` error) otherwise."""
    _require_scope(session, body, reach_m=reach_m, window_h=window_h, area=True)


def window_hours(start: datetime | None, end: datetime | None) -> float | None:
    """The hours a plate search's time range spans: ``end`` defaults to now; None without a ``start`` (all time)."""
    if start is None:
        return None
    return max(0.0, ((end or utcnow()) - start).total_seconds() / 3600)


def require_plate_scope(session: Session, body: PlateScoped) -> None:
    """A plate search (plate search, export, vehicle history, co-travel) spans no more than its purpose's case-free
    window (``start`` to ``end``, or to now) or names a case on record (``governance.cases``), as area searches do;
    raises SearchRefused (wrapping the ``case_number`` error) otherwise. Without a case on record a plate's whole
    history is out of reach."""
    _require_scope(session, body, reach_m=None, window_h=window_hours(body.start, body.end), area=False)


def area_reach_m(session: Session, area: Area | None, camera_ids: Sequence[uuid.UUID] | None) -> float | None:
    """How far an area search reaches from its centre, in metres: a circle's radius, a polygon's farthest vertex
    from the vertices' centroid, or the farthest of the named cameras from their centroid; None when unbounded (a
    mobile camera, or a camera without a position)."""
    if area is not None and area.radius_m is not None:
        return float(area.radius_m)
    if area is not None and area.polygon:
        lons = np.array([p[0] for p in area.polygon], dtype=float)
        lats = np.array([p[1] for p in area.polygon], dtype=float)
    elif camera_ids:
        spots = repository.camera_positions(session, camera_ids)
        if len(spots) < len(set(camera_ids)) or any(lat is None or lon is None for lat, lon in spots):
            return None
        lats = np.array([lat for lat, _ in spots], dtype=float)
        lons = np.array([lon for _, lon in spots], dtype=float)
    else:
        return None
    return float(distances_m(float(lats.mean()), float(lons.mean()), lats, lons).max())


def query_of(body: PurposeFields) -> dict[str, Any]:
    """The request's parameters as the audit records them (without purpose and case number)."""
    return body.model_dump(mode="json", exclude={"purpose", "case_number"}, exclude_none=True)


def _case(body: PurposeFields) -> str | None:
    return (body.case_number or "").strip() or None


def record_refusal(session: Session, actor: Actor, *, kind: str, body: PurposeFields, reason: str) -> None:
    """Audit a refused request (``alpr.search.refused``); the caller commits it on its own."""
    audit.record_for(
        session,
        actor,
        "alpr.search.refused",
        target_type="alpr_reads",
        details={
            "kind": kind,
            "query": query_of(body),
            "purpose": (body.purpose or "").strip() or None,
            "case_number": _case(body),
            "reason": reason,
        },
    )


def audit_search(session: Session, actor: Actor, kind: str, body: PurposeFields, purpose: str, count: int) -> None:
    """Append the ``alpr.search`` audit entry of one answered search (kind, query, purpose, case, result count)."""
    audit.record_for(
        session,
        actor,
        "alpr.search",
        target_type="alpr_reads",
        details={
            "kind": kind,
            "query": query_of(body),
            "purpose": purpose,
            "case_number": _case(body),
            "result_count": count,
        },
    )


# --- helpers ---------------------------------------------------------------------------------------------------------


def _hit(row: Row[Any], match: str) -> ReadHit:
    m = row._mapping
    return ReadHit(**{k: m[k] for k in ReadHit.model_fields if k != "match"}, match=match)


def area_bbox(area: Area) -> tuple[float, float, float, float]:
    """The (south, west, north, east) box around a polygon or a circle."""
    if area.polygon is not None:
        lons = [p[0] for p in area.polygon]
        lats = [p[1] for p in area.polygon]
        return (min(lats), min(lons), max(lats), max(lons))
    assert area.lat is not None and area.lon is not None and area.radius_m is not None
    return bbox_around(area.lat, area.lon, area.radius_m)


def inside_area(area: Area, rows: Sequence[Row[Any]]) -> list[bool]:
    """Which rows lie inside the area (rows without a position never do)."""
    if not rows:
        return []
    lat = np.array([row.lat if row.lat is not None else np.nan for row in rows], dtype=np.float64)
    lon = np.array([row.lon if row.lon is not None else np.nan for row in rows], dtype=np.float64)
    known = ~(np.isnan(lat) | np.isnan(lon))
    if area.polygon is not None:
        ring = tuple((float(x), float(y)) for x, y in area.polygon)
        ring = ring if ring[0] == ring[-1] else (*ring, ring[0])
        inside = points_in_rings(np.nan_to_num(lat), np.nan_to_num(lon), [ring])
    else:
        assert area.lat is not None and area.lon is not None and area.radius_m is not None
        inside = distances_m(area.lat, area.lon, np.nan_to_num(lat), np.nan_to_num(lon)) <= area.radius_m
    return [bool(x) for x in inside & known]


def plate_norm_of(raw: str) -> str:
    """The normalised plate of a request, or ValidationFailed on ``plate``."""
    norm = normalise(raw)
    if not 2 <= len(norm) <= 10:
        raise ValidationFailed("plate: 2 to 10 letters or digits", errors=[field_error("plate", "bad plate")])
    return norm


def check_window(start: datetime, end: datetime, max_hours: float, field: str) -> None:
    """Refuse (on ``field``) a time window longer than ``max_hours``."""
    if (end - start).total_seconds() > max_hours * 3600:
        raise ValidationFailed(
            f"{field}: the time window is longer than {max_hours:g} hours",
            errors=[field_error(field, "window too long")],
        )


# --- plate search ----------------------------------------------------------------------------------------------------


#: When this process last caught the plate index up, per database URL (monotonic seconds).
_CAUGHT_UP: dict[str, float] = {}


def _maybe_catch_up(session: Session, settings: InvestigationsSettings) -> None:
    bind = session.get_bind()
    key = str(bind.engine.url)
    now = time.monotonic()
    last = _CAUGHT_UP.get(key)
    if last is not None and now - last < settings.search_index_catchup_s:
        return
    plate_index.catch_up_index(session, overlap_s=settings.search_index_overlap_s)
    _CAUGHT_UP[key] = now


def _candidate_plates(session: Session, q: logic.PlateQuery, settings: InvestigationsSettings) -> list[str]:
    if q.mode == "exact":
        return [q.text]
    _maybe_catch_up(session, settings)
    cap = settings.search_max_candidates
    found = repository.match_plates(session, q.patterns, on=q.on, limit=cap + 1)
    plates = sorted(p for p in found if q.accepts(p))
    if len(found) > cap:
        raise ValidationFailed(
            f"plate: the pattern matches more than {cap} plates; give more characters",
            errors=[field_error("plate", "pattern too broad")],
        )
    return repository.plates_in_scope(session, plates)


def _page(
    session: Session,
    body: PlateSearch,
    q: logic.PlateQuery,
    plates: list[str],
    limit: int,
    settings: InvestigationsSettings | None = None,
) -> tuple[list[ReadHit], str | None]:
    """Up to ``limit`` reads after the cursor that pass every filter, and the cursor of the next page. A pattern's
    plates came from the plate index (caught up just before): on PostgreSQL their first and last sightings bound
    each plate's lookup in time, so the day partitions it cannot have reads in are skipped."""
    if not plates:
        return [], None
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        # An interactive page is a few index lookups per plate and day; with thousands of plates over 30 day
        # partitions the planner's cost passes jit_above_cost and PostgreSQL compiles the query first, which took
        # longer than running it (measured at 60 M reads). For this transaction only.
        session.execute(text("SET LOCAL jit = off"))
    spans = None
    if settings is not None and q.mode != "exact" and postgresql:
        spans = repository.plate_spans(session, plates, overlap_s=settings.search_index_overlap_s)
    after = logic.decode_cursor(body.cursor) if body.cursor else None
    vehicle = {k: v for k, v in (body.vehicle.model_dump() if body.vehicle else {}).items() if v}
    out: list[ReadHit] = []
    batch = min(max(limit * 2, 50), 2000) if body.area else limit  # Python filters only areas
    while True:
        rows = repository.page_reads(
            session,
            plates=plates,
            state=body.state,
            start=body.start,
            end=body.end,
            camera_ids=body.camera_ids,
            bbox=area_bbox(body.area) if body.area else None,
            vehicle=vehicle,
            min_confidence=body.min_confidence,
            after=after,
            descending=body.order == "desc",
            limit=batch,
            spans=spans,
        )
        keep = inside_area(body.area, rows) if body.area else [True] * len(rows)
        for row, ok in zip(rows, keep, strict=True):
            if ok:
                out.append(_hit(row, q.kind_of(row.plate_norm)))
                if len(out) == limit:
                    break
        if len(out) == limit:
            last = out[-1]
            return out, logic.encode_cursor(last.observed_at, last.id)
        if len(rows) < batch:
            return out, None
        after = (rows[-1].observed_at, rows[-1].id)


def search_plates(
    session: Session, body: PlateSearch, *, actor: Actor, settings: InvestigationsSettings
) -> PlateSearchResult:
    """One page of reads of the plates a pattern matches, filtered, in time order (audited); without a case on
    record, over no more than the purpose's case-free window."""
    purpose = require_purpose(session, body)
    require_plate_scope(session, body)
    q = logic.parse_plate_query(body.plate, body.mode, body.max_diff)
    plates = _candidate_plates(session, q, settings)
    items, cursor = _page(session, body, q, plates, body.limit, settings)
    audit_search(session, actor, "plate", body, purpose, len(items))
    return PlateSearchResult(items=items, next_cursor=cursor, matched_plates=plates, result_count=len(items))


def export_reads(session: Session, body: PlateSearch, *, actor: Actor, settings: InvestigationsSettings) -> str:
    """CSV of every read a plate search finds, up to ``search_export_max_rows`` (audited as ``alpr.export``); bounded
    like the search."""
    purpose = require_purpose(session, body)
    require_plate_scope(session, body)
    q = logic.parse_plate_query(body.plate, body.mode, body.max_diff)
    plates = _candidate_plates(session, q, settings)
    items, _ = _page(
        session, body.model_copy(update={"cursor": None}), q, plates, settings.search_export_max_rows, settings
    )
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(EXPORT_COLUMNS)
    for hit in items:
        d = hit.model_dump(mode="json")
        writer.writerow(["" if d[k] is None else d[k] for k in EXPORT_COLUMNS])
    audit.record_for(
        session,
        actor,
        "alpr.export",
        target_type="alpr_reads",
        details={
            "kind": "plate",
            "query": query_of(body),
            "purpose": purpose,
            "case_number": _case(body),
            "result_count": len(items),
            "format": "csv",
        },
    )
    return buf.getvalue()


# --- vehicle history -------------------------------------------------------------------------------------------------


def vehicle_history(
    session: Session, body: HistoryQuery, *, actor: Actor, settings: InvestigationsSettings
) -> HistoryResult:
    """Every read of one plate as a timeline, a track of positions and its stops (audited); bounded like a plate
    search."""
    purpose = require_purpose(session, body)
    require_plate_scope(session, body)
    norm = plate_norm_of(body.plate)
    cap = settings.search_history_max_reads
    rows = repository.reads_of_plate(session, norm, start=body.start, end=body.end, limit=cap + 1)
    truncated = len(rows) > cap
    rows = rows[:cap]
    reads = [_hit(row, "exact") for row in rows]
    track = [
        TrackPoint(read_id=h.id, observed_at=h.observed_at, lat=h.lat, lon=h.lon, camera_code=h.camera_code)
        for h in reads
        if h.lat is not None and h.lon is not None
    ]
    points = [logic.Point(p.observed_at, p.lat, p.lon, p.camera_code) for p in track]
    stops = logic.find_stops(points, radius_m=body.stop_radius_m, min_dwell_s=body.min_dwell_s, gap_s=body.gap_s)
    audit_search(session, actor, "history", body, purpose, len(reads))
    return HistoryResult(
        plate_norm=norm,
        reads=reads,
        track=track,
        stops=[
            StopOut(
                kind=s.kind,
                start=s.start,
                end=s.end,
                lat=s.lat,
                lon=s.lon,
                reads=s.reads,
                duration_s=s.duration_s,
                distance_m=s.distance_m,
                camera_codes=list(s.camera_codes),
            )
            for s in stops
        ],
        truncated=truncated,
        result_count=len(reads),
    )


# --- one read --------------------------------------------------------------------------------------------------------


def open_read(session: Session, read_id: uuid.UUID, body: PurposeFields, *, actor: Actor) -> ReadHit:
    """One read, opened under a purpose (audited as ``alpr.read.open``)."""
    purpose = require_purpose(session, body)
    row = repository.get_read(session, read_id)
    if row is None:
        raise NotFound(f"no read {read_id}")
    audit.record_for(
        session,
        actor,
        "alpr.read.open",
        target_type="alpr_read",
        target_id=str(read_id),
        details={"purpose": purpose, "case_number": _case(body)},
    )
    return _hit(row, "exact")


def open_image(session: Session, read_id: uuid.UUID, body: PurposeFields, *, actor: Actor) -> ImageRefs:
    """The image references of one read, opened under a purpose (audited as ``alpr.image.open``)."""
    purpose = require_purpose(session, body)
    row = repository.get_read(session, read_id)
    if row is None:
        raise NotFound(f"no read {read_id}")
    audit.record_for(
        session,
        actor,
        "alpr.image.open",
        target_type="alpr_read",
        target_id=str(read_id),
        details={"purpose": purpose, "case_number": _case(body), "image_ref": row.image_ref, "crop_ref": row.crop_ref},
    )
    return ImageRefs(read_id=read_id, image_ref=row.image_ref, crop_ref=row.crop_ref)
