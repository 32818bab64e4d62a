"""Scene analysis over stored reads, each under a purpose and audited like a search: stakeout (every plate seen in
an area or at cameras in a window), common plates (plates seen near several places and times: burglaries in a
series) and co-travel (plates that keep travelling with a target plate). The shared purpose check, audit entry and
area helpers live in ``investigations.service``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from rtcc.audit.service import Actor
from rtcc.investigations import logic, repository
from rtcc.investigations.config import InvestigationsSettings
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
    PlateSeen,
    StakeoutQuery,
    StakeoutResult,
)
from rtcc.investigations.service import (
    area_bbox,
    area_reach_m,
    audit_search,
    check_window,
    inside_area,
    plate_norm_of,
    require_area_scope,
    require_plate_scope,
    require_purpose,
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
    box = area_bbox(area) if area else None
    if box is not None:
        near = repository.cameras_for_area(session, box)
        camera_ids = [cid for cid in near if cid in set(camera_ids)] if camera_ids else near
        if not camera_ids:
            return []
    rows = repository.reads_in_window(session, start=start, end=end, camera_ids=camera_ids, bbox=box, state=state)
    if area is None:
        return rows
    return [row for row, ok in zip(rows, inside_area(area, rows), strict=True) if ok]


def stakeout(
    session: Session, body: StakeoutQuery, *, actor: Actor, settings: InvestigationsSettings
) -> StakeoutResult:
    """All plates seen in an area (or at cameras) in a time window, most reads first (audited)."""
    purpose = require_purpose(session, body)
    check_window(body.start, body.end, settings.search_stakeout_max_hours, "end")
    window_h = (body.end - body.start).total_seconds() / 3600
    require_area_scope(session, body, reach_m=area_reach_m(session, body.area, body.camera_ids), window_h=window_h)
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
    audit_search(session, actor, "stakeout", body, purpose, len(plates))
    return StakeoutResult(plates=plates, total_plates=len(seen), total_reads=len(rows), result_count=len(plates))


def common_plates(
    session: Session, body: CommonQuery, *, actor: Actor, settings: InvestigationsSettings
) -> CommonResult:
    """Plates seen near several places/times, ranked by how many places they match (audited)."""
    purpose = require_purpose(session, body)
    require_area_scope(
        session,
        body,
        reach_m=max(p.radius_m for p in body.places),
        window_h=max(2 * p.window_s for p in body.places) / 3600,
    )
    per_place: list[list[tuple[str, str]]] = []
    hits: dict[str, list[CommonHit]] = defaultdict(list)
    for i, place in enumerate(body.places):
        window = timedelta(seconds=place.window_s)
        check_window(place.at - window, place.at + window, settings.search_stakeout_max_hours, f"places.{i}.window_s")
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
    audit_search(session, actor, "common", body, purpose, len(plates))
    return CommonResult(plates=plates, places_searched=len(body.places), result_count=len(plates))


# --- co-travel -------------------------------------------------------------------------------------------------------


def cotravel(
    session: Session, body: CoTravelQuery, *, actor: Actor, settings: InvestigationsSettings
) -> CoTravelResult:
    """Plates seen within ``window_s`` of the target's reads at ``min_cameras`` or more distinct cameras (audited);
    the target's reads are bounded like a plate search (``start`` to ``end`` inside the purpose's case-free window,
    or a case on record)."""
    purpose = require_purpose(session, body)
    require_plate_scope(session, body)
    norm = plate_norm_of(body.plate)
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
    audit_search(session, actor, "cotravel", body, purpose, len(plates))
    return CoTravelResult(plate_norm=norm, target_reads=len(target), plates=plates, result_count=len(plates))
