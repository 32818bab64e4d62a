"""Investigation use cases over stored ALPR reads: plate search, vehicle history, stakeout, common plates,
co-travel, CSV export, opening one read or its images, and the upkeep of the plate index.

Every use case that touches ALPR data first calls ``governance.service.require_purpose`` (contract C1) and, once it
has its answer, appends one audit entry in the caller's transaction (contract C2): ``alpr.search`` with ``kind``,
``query`` (the request's parameters without purpose and case number), ``purpose``, ``case_number`` and
``result_count``; ``alpr.export``, ``alpr.read.open`` and ``alpr.image.open`` likewise. A refused purpose raises
``SearchRefused`` wrapping the governance error, so that the unit of work (``rtcc.investigations.runner``) can roll
back and record ``alpr.search.refused`` in a transaction of its own.

The plate index (``plate_index``) is kept current three ways, all idempotent because first/last seen merge by
min/max: the ``alpr.reads.stored`` consumer indexes each stored batch (``index_stored_reads``); every pattern search
first catches up from ``alpr_reads`` by an observed-at high-water mark minus an overlap (``catch_up_index``: covers
reads stored without events, such as bulk loads, and batches whose event is still in flight); and
``rebuild_index`` recomputes it from scratch.
"""

from __future__ import annotations

import csv
import io
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Row
from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.audit.service import Actor
from rtcc.core.clock import utcnow
from rtcc.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from rtcc.core.geo import bbox_around, distances_m, points_in_rings
from rtcc.core.plates import normalise
from rtcc.governance import service as governance
from rtcc.investigations import logic, repository
from rtcc.investigations.config import InvestigationsSettings
from rtcc.investigations.models import PlateIndexState
from rtcc.investigations.schemas import (
    Area,
    CommonHit,
    CommonPlate,
    CommonQuery,
    CommonResult,
    CoTravelPlate,
    CoTravelQuery,
    CoTravelResult,
    CoTravelSighting,
    HistoryQuery,
    HistoryResult,
    ImageRefs,
    IndexStats,
    PlateSearch,
    PlateSearchResult,
    PlateSeen,
    PurposeFields,
    PurposeOut,
    ReadHit,
    StakeoutQuery,
    StakeoutResult,
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
    """The purpose codes in force, for the search forms."""
    return [
        PurposeOut(
            code=p.code, label=p.label, requires_case=p.requires_case, allowed=p.allowed, description=p.description
        )
        for p in governance.purposes(session)
    ]


def require_purpose(session: Session, body: PurposeFields) -> str:
    """The purpose code a request proceeds under; raises SearchRefused (wrapping the field error) otherwise."""
    try:
        return governance.require_purpose(session, purpose=body.purpose, case_number=body.case_number).code
    except (ValidationFailed, PermissionDenied) as exc:
        raise SearchRefused(exc) from exc


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


def _audit_search(session: Session, actor: Actor, kind: str, body: PurposeFields, purpose: str, count: int) -> None:
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


# --- the plate index -------------------------------------------------------------------------------------------------


def index_stored_reads(session: Session, reads: Iterable[Mapping[str, Any]]) -> int:
    """Index the plates of stored reads (an ``alpr.reads.stored`` payload); returns distinct plates touched."""
    span: dict[str, tuple[datetime, datetime]] = {}
    for read in reads:
        norm = read.get("plate_norm")
        at_raw = read.get("observed_at")
        if not norm or not at_raw:
            continue
        at = at_raw if isinstance(at_raw, datetime) else datetime.fromisoformat(str(at_raw))
        old = span.get(norm)
        span[norm] = (at, at) if old is None else (min(old[0], at), max(old[1], at))
    return repository.upsert_plates(session, [(n, a, b) for n, (a, b) in span.items()])


def catch_up_index(session: Session, *, overlap_s: int) -> int:
    """Index plates of reads observed since the high-water mark minus ``overlap_s`` that the index lacks (or whose
    first/last seen would widen), then move the mark to the newest read; returns the plates written."""
    state = repository.index_state(session)
    since = state.synced_to - timedelta(seconds=overlap_s) if state.synced_to else None
    newest = repository.newest_read_since(session, since)
    if newest is None:
        return 0
    rows = repository.stale_plates_since(session, since)
    repository.upsert_plates(session, rows)
    repository.set_synced_to(session, min(newest, utcnow()))
    return len(rows)


def rebuild_index(session: Session, *, batch: int = 50_000) -> IndexStats:
    """Recompute the plate index from every stored read."""
    repository.clear_index(session)
    newest: datetime | None = None
    chunk: list[repository.PlateRow] = []
    for norm, first, last in repository.distinct_plates_since(session, None):
        chunk.append((norm, first, last))
        newest = last if newest is None or last > newest else newest
        if len(chunk) >= batch:
            repository.insert_plates_bulk(session, chunk)
            chunk = []
    repository.insert_plates_bulk(session, chunk)
    if session.get_bind().dialect.name == "sqlite":
        repository.post_grams(session, after_id=0)
    repository.analyze_index(session)
    now = utcnow()
    repository.set_synced_to(session, min(newest, now) if newest else now, rebuilt_at=now)
    return index_stats(session)


def index_stats(session: Session) -> IndexStats:
    """Size and freshness of the plate index."""
    state = session.get(PlateIndexState, 1)
    return IndexStats(
        plates=repository.count_plates(session),
        synced_to=state.synced_to if state else None,
        rebuilt_at=state.rebuilt_at if state else None,
    )


# --- helpers ---------------------------------------------------------------------------------------------------------


def _hit(row: Row[Any], match: str) -> ReadHit:
    m = row._mapping
    return ReadHit(**{k: m[k] for k in ReadHit.model_fields if k != "match"}, match=match)


def _bbox(area: Area) -> tuple[float, float, float, float]:
    if area.polygon is not None:
        lons = [p[0] for p in area.polygon]
        lats = [p[1] for p in area.polygon]
        return (min(lats), min(lons), max(lats), max(lons))
    assert area.lat is not None and area.lon is not None and area.radius_m is not None
    return bbox_around(area.lat, area.lon, area.radius_m)


def _inside(area: Area, rows: Sequence[Row[Any]]) -> list[bool]:
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


def _plate(raw: str) -> str:
    norm = normalise(raw)
    if not 2 <= len(norm) <= 10:
        raise ValidationFailed("plate: 2 to 10 letters or digits", errors=[{"loc": ["plate"], "msg": "bad plate"}])
    return norm


def _check_window(start: datetime, end: datetime, max_hours: float, field: str) -> None:
    if (end - start).total_seconds() > max_hours * 3600:
        raise ValidationFailed(
            f"{field}: the time window is longer than {max_hours:g} hours",
            errors=[{"loc": [field], "msg": "window too long", "type": "value_error"}],
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
    catch_up_index(session, overlap_s=settings.search_index_overlap_s)
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
            errors=[{"loc": ["plate"], "msg": "pattern too broad", "type": "value_error"}],
        )
    return plates


def _page(
    session: Session, body: PlateSearch, q: logic.PlateQuery, plates: list[str], limit: int
) -> tuple[list[ReadHit], str | None]:
    """Up to ``limit`` reads after the cursor that pass every filter, and the cursor of the next page."""
    if not plates:
        return [], None
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
            bbox=_bbox(body.area) if body.area else None,
            vehicle=vehicle,
            min_confidence=body.min_confidence,
            after=after,
            descending=body.order == "desc",
            limit=batch,
        )
        keep = _inside(body.area, rows) if body.area else [True] * len(rows)
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
    """One page of reads of the plates a pattern matches, filtered, in time order (audited)."""
    purpose = require_purpose(session, body)
    q = logic.parse_plate_query(body.plate, body.mode, body.max_diff)
    plates = _candidate_plates(session, q, settings)
    items, cursor = _page(session, body, q, plates, body.limit)
    _audit_search(session, actor, "plate", body, purpose, len(items))
    return PlateSearchResult(items=items, next_cursor=cursor, matched_plates=plates, result_count=len(items))


def export_reads(session: Session, body: PlateSearch, *, actor: Actor, settings: InvestigationsSettings) -> str:
    """CSV of every read a plate search finds, up to ``search_export_max_rows`` (audited as ``alpr.export``)."""
    purpose = require_purpose(session, body)
    q = logic.parse_plate_query(body.plate, body.mode, body.max_diff)
    plates = _candidate_plates(session, q, settings)
    items, _ = _page(session, body.model_copy(update={"cursor": None}), q, plates, settings.search_export_max_rows)
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
    """Every read of one plate as a timeline, a track of positions and its stops (audited)."""
    purpose = require_purpose(session, body)
    norm = _plate(body.plate)
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
    _audit_search(session, actor, "history", body, purpose, len(reads))
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


# --- stakeout and common plates --------------------------------------------------------------------------------------


def _reads_in(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    area: Area | None,
    camera_ids: Sequence[uuid.UUID] | None,
    state: str | None = None,
) -> list[Row[Any]]:
    """Reads in [start, end) inside the area and/or at the cameras. For an area, only the cameras that can have reads
    in it are asked (fixed cameras placed inside its box, and mobile ones), through the (camera, time) index."""
    box = _bbox(area) if area else None
    if box is not None:
        near = repository.cameras_for_area(session, box)
        camera_ids = [cid for cid in near if cid in set(camera_ids)] if camera_ids else near
        if not camera_ids:
            return []
    rows = repository.reads_in_window(session, start=start, end=end, camera_ids=camera_ids, bbox=box, state=state)
    if area is None:
        return rows
    return [row for row, ok in zip(rows, _inside(area, rows), strict=True) if ok]


def stakeout(
    session: Session, body: StakeoutQuery, *, actor: Actor, settings: InvestigationsSettings
) -> StakeoutResult:
    """All plates seen in an area (or at cameras) in a time window, most reads first (audited)."""
    purpose = require_purpose(session, body)
    _check_window(body.start, body.end, settings.search_stakeout_max_hours, "end")
    rows = _reads_in(
        session, start=body.start, end=body.end, area=body.area, camera_ids=body.camera_ids, state=body.state
    )
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        s = seen.get(row.plate_norm)
        if s is None:
            s = seen[row.plate_norm] = {
                "plate_norm": row.plate_norm,
                "plate": row.plate,
                "state": row.state,
                "reads": 0,
                "first_seen": row.observed_at,
                "last_seen": row.observed_at,
                "camera_codes": {},
            }
        s["reads"] += 1
        s["first_seen"] = min(s["first_seen"], row.observed_at)
        s["last_seen"] = max(s["last_seen"], row.observed_at)
        if row.camera_code:
            s["camera_codes"][row.camera_code] = None
    ranked = sorted(seen.values(), key=lambda s: (-s["reads"], s["first_seen"], s["plate_norm"]))
    plates = [PlateSeen(**{**s, "camera_codes": list(s["camera_codes"])}) for s in ranked[: body.limit]]
    _audit_search(session, actor, "stakeout", body, purpose, len(plates))
    return StakeoutResult(plates=plates, total_plates=len(seen), total_reads=len(rows), result_count=len(plates))


def common_plates(
    session: Session, body: CommonQuery, *, actor: Actor, settings: InvestigationsSettings
) -> CommonResult:
    """Plates seen near several places/times, ranked by how many places they match (audited)."""
    purpose = require_purpose(session, body)
    per_place: list[list[tuple[str, str]]] = []
    hits: dict[str, list[CommonHit]] = defaultdict(list)
    for i, place in enumerate(body.places):
        window = timedelta(seconds=place.window_s)
        _check_window(place.at - window, place.at + window, settings.search_stakeout_max_hours, f"places.{i}.window_s")
        area = Area(lat=place.lat, lon=place.lon, radius_m=place.radius_m)
        rows = _reads_in(session, start=place.at - window, end=place.at + window, area=area, camera_ids=None)
        per_place.append([(row.plate_norm, row.plate) for row in rows])
        for row in rows:
            hits[row.plate_norm].append(
                CommonHit(
                    place=i,
                    read_id=row.id,
                    observed_at=row.observed_at,
                    lat=row.lat,
                    lon=row.lon,
                    camera_code=row.camera_code,
                )
            )
    ranked = logic.rank_common(per_place, min_places=min(body.min_places, len(body.places)))[: body.limit]
    plates = [
        CommonPlate(
            plate_norm=t.plate_norm,
            plate=t.plate,
            places=sorted(t.places),
            place_count=len(t.places),
            reads=t.reads,
            hits=hits[t.plate_norm],
        )
        for t in ranked
    ]
    _audit_search(session, actor, "common", body, purpose, len(plates))
    return CommonResult(plates=plates, places_searched=len(body.places), result_count=len(plates))


# --- co-travel -------------------------------------------------------------------------------------------------------


def cotravel(
    session: Session, body: CoTravelQuery, *, actor: Actor, settings: InvestigationsSettings
) -> CoTravelResult:
    """Plates seen within ``window_s`` of the target's reads at ``min_cameras`` or more distinct cameras (audited)."""
    purpose = require_purpose(session, body)
    norm = _plate(body.plate)
    target = repository.reads_of_plate(
        session, norm, start=body.start, end=body.end, limit=settings.search_history_max_reads
    )
    window = timedelta(seconds=body.window_s)
    sightings: list[logic.Sighting] = []
    evidence: dict[str, list[CoTravelSighting]] = defaultdict(list)
    by_camera: dict[uuid.UUID, list[tuple[int, datetime]]] = defaultdict(list)
    for i, row in enumerate(target):
        by_camera[row.camera_id].append((i, row.observed_at))
    for camera_id, passes in by_camera.items():
        code = next(t.camera_code for t in target if t.camera_id == camera_id) or str(camera_id)
        for i, at in passes:
            for other in repository.reads_at_camera(session, camera_id, at - window, at + window):
                gap = (other.observed_at - at).total_seconds()
                sightings.append(logic.Sighting(i, other.plate_norm, other.plate, code, gap))
                evidence[other.plate_norm].append(
                    CoTravelSighting(camera_code=code, target_at=at, observed_at=other.observed_at, gap_s=gap)
                )
    ranked = logic.rank_cotravel(sightings, target=norm, min_cameras=body.min_cameras)[: body.limit]
    plates = [
        CoTravelPlate(
            plate_norm=t.plate_norm,
            plate=t.plate,
            camera_codes=sorted(t.cameras),
            camera_count=len(t.cameras),
            passes=t.reads,
            min_gap_s=t.min_gap_s or 0.0,
            evidence=sorted(evidence[t.plate_norm], key=lambda e: e.observed_at),
        )
        for t in ranked
    ]
    _audit_search(session, actor, "cotravel", body, purpose, len(plates))
    return CoTravelResult(plate_norm=norm, target_reads=len(target), plates=plates, result_count=len(plates))


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
