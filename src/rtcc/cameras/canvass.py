"""Canvass: which registered cameras could have seen a place during a time window, and whether their owners' footage
still exists.

``CanvassIndex`` keeps every shared (not withdrawn) camera in a ``kernel.CameraArrays``. Before each query it reads
the registry change counter (one primary-key lookup) and rebuilds when it moved, so a withdrawal committed by any
process drops the camera from the next canvass. A hit's row is read from the database the first time that camera is
hit after a build (a camera withdrawn meanwhile is dropped) and kept with the index until the next build, so a
repeated canvass costs one version lookup plus the kernel and no row queries. The place is a lat/lon,
an intersection or named place of the city profile (``rtcc.places``) or a registered camera's exact address;
the result says which division, reporting district and neighborhood the place lies in.

For each hit: distance, bearing from the camera, angle off its axis, ``retention_covers`` (window start >= now -
owner_retention_days: the owner's device still holds the start of the window) and ``request_deadline`` (window start
+ owner_retention_days: ask before then, or the footage is overwritten). An empty answer says why (``CanvassEmpty``):
the radius any camera could see from, how many cameras are shared and registered, and the nearest cameras with their
distance and whether the place is out of their range or outside their view.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.cameras import service
from rtcc.cameras.kernel import CameraArrays, nearest_of
from rtcc.cameras.schemas import (
    CameraRead,
    CanvassCameraPoint,
    CanvassEmpty,
    CanvassHit,
    CanvassQuery,
    CanvassResult,
    NearbyCamera,
)
from rtcc.core import divisions
from rtcc.core.clock import utcnow
from rtcc.core.errors import invalid
from rtcc.identity.logic import Principal
from rtcc.places import service as places

logger = logging.getLogger(__name__)

#: Key of the process-wide index in ``Runtime.services``.
SERVICE_KEY = "cameras.canvass"
#: Most camera rows kept between builds (the cache is emptied when it would grow past this).
MAX_CACHED_ROWS = 50_000


@dataclass(frozen=True)
class _Built:
    version: int
    arrays: CameraArrays
    ids: npt.NDArray[np.void]  # 16-byte UUIDs: no per-camera Python objects for the garbage collector to walk
    registered: int = 0  # cameras in the registry, withdrawn included (for explaining an empty canvass)
    rows: dict[uuid.UUID, CameraRead] = field(default_factory=dict)  # hit cameras, as of this version


class CanvassIndex:
    """Shared cameras in memory, rebuilt when the registry change counter moves. Thread-safe."""

    def __init__(self) -> None:
        self._built: _Built | None = None
        self._lock = threading.Lock()
        self.builds = 0

    @property
    def size(self) -> int:
        """Cameras in the index."""
        return len(self._built.ids) if self._built else 0

    def ensure_current(self, session: Session) -> _Built:
        """The index for the registry as this session sees it, rebuilt if the registry changed."""
        version = service.registry_version(session)
        built = self._built
        if built is not None and built.version == version:
            return built
        with self._lock:
            built = self._built
            if built is not None and built.version == version:
                return built
            started = time.perf_counter()
            rows = service.shared_columns(session)
            ids = np.frombuffer(b"".join(r[0].bytes for r in rows), dtype="V16") if rows else np.empty(0, "V16")
            arrays = CameraArrays.build(
                [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows], [r[4] for r in rows],
                [r[5] for r in rows],
            )  # fmt: skip
            registered = service.registry_size(session)
            built = self._built = _Built(version=version, arrays=arrays, ids=ids, registered=registered)
            self.builds += 1
            logger.info("canvass index built: %d cameras, %.3f s", len(ids), time.perf_counter() - started)
            return built


def index_of(services: dict[str, Any]) -> CanvassIndex:
    """The process-wide canvass index kept in ``Runtime.services`` (created on first use)."""
    found = services.get(SERVICE_KEY)
    if not isinstance(found, CanvassIndex):
        found = services[SERVICE_KEY] = CanvassIndex()
    return found


def resolve_place(session: Session, query: CanvassQuery) -> tuple[float, float, str | None]:
    """(lat, lon, place name) of the query: its coordinates, a gazetteer intersection or a camera's address."""
    if query.place is None:
        assert query.lat is not None and query.lon is not None
        return query.lat, query.lon, None
    found = places.resolve(query.place)
    if found is not None:
        return found.lat, found.lon, found.name
    cam = service.camera_at_address(session, query.place)
    if cam is not None:
        return cam.lat, cam.lon, cam.address
    msg = "not a known intersection or registered address; give lat and lon instead"
    raise invalid("place", msg)


def _rows(session: Session, built: _Built, ids: list[uuid.UUID]) -> dict[uuid.UUID, CameraRead]:
    """The hit cameras (URLs withheld), from the build's cache or the database; withdrawn ones are left out."""
    cache = built.rows  # shared by request threads: only single dict operations (atomic), no check-then-get
    found = {i: r for i in ids if (r := cache.get(i)) is not None}
    missing = [i for i in ids if i not in found]
    if missing:
        if len(cache) + len(missing) > MAX_CACHED_ROWS:
            cache.clear()
        for cam_id, cam in service.cameras_by_ids(session, missing).items():
            if cam.sharing_level != "withdrawn":
                found[cam_id] = cache[cam_id] = service.to_read(cam, withhold_urls=True)
    return found


def _in_scope(cam: CameraRead) -> bool:
    """Whether a camera of the shared index (built once for everyone) is of a division the request may see."""
    return divisions.allows(cam.location.division.code if cam.location and cam.location.division else None)


def canvass(
    session: Session, index: CanvassIndex, query: CanvassQuery, *, now: datetime | None = None
) -> CanvassResult:
    """The shared cameras that could have seen the place, ranked by distance then angle off-axis."""
    now = now or utcnow()
    lat, lon, place = resolve_place(session, query)
    built = index.ensure_current(session)
    found = built.arrays.query(lat, lon, limit=query.limit)
    hit_ids = [uuid.UUID(bytes=built.ids[h.row].tobytes()) for h in found]
    rows = _rows(session, built, hit_ids)
    items: list[CanvassHit] = []
    for h, cam_id in zip(found, hit_ids, strict=True):
        cam = rows.get(cam_id)
        if cam is None or not _in_scope(cam):  # withdrawn (or gone) since the index was built; another division's
            continue
        keep = timedelta(days=cam.owner_retention_days)
        items.append(
            CanvassHit(
                rank=len(items) + 1,
                camera=cam,
                distance_m=round(h.distance_m, 2),
                bearing_from_camera_deg=round(h.bearing_deg, 2),
                angle_off_axis_deg=round(h.angle_off_axis_deg, 2),
                retention_covers=query.start >= now - keep,
                request_deadline=query.start + keep,
            )
        )
    return CanvassResult(
        lat=lat, lon=lon, place=place, start=query.start, end=query.end, at=now, searched=len(built.ids),
        location=places.locate(lat, lon), items=items, empty=None if items else _why_empty(session, built, lat, lon),
    )  # fmt: skip


#: How many of the nearest cameras an empty canvass names.
NEAREST_SHOWN = 3


def _why_empty(session: Session, built: _Built, lat: float, lon: float) -> CanvassEmpty:
    """The explanation of an empty canvass (computed only then: it scans the index and reads the nearest rows)."""
    near = nearest_of(built.arrays, lat, lon, k=NEAREST_SHOWN)
    ids = [uuid.UUID(bytes=built.ids[n.row].tobytes()) for n in near]
    rows = {  # read here, not through the hit cache: a camera that sees nothing is not a hit
        i: service.to_read(c, withhold_urls=True)
        for i, c in service.cameras_by_ids(session, ids).items()
        if c.sharing_level != "withdrawn"
    }
    nearest = [
        NearbyCamera(
            camera=cam,
            distance_m=round(n.distance_m, 1),
            angle_off_axis_deg=round(n.angle_off_axis_deg, 1),
            in_range=n.in_range,
            in_view=n.in_cone,
        )
        for n in near
        if (cam := rows.get(uuid.UUID(bytes=built.ids[n.row].tobytes()))) is not None and _in_scope(cam)
    ]
    registered = built.registered
    radius = built.arrays.max_range_m
    msg = (
        f"No shared camera sees this place: {len(built.ids)} shared cameras ({registered} registered) were searched; "
        f"none has it within its range and view (the longest range is {radius:.0f} m)."
    )
    if nearest:
        n0 = nearest[0]
        why = "out of its range" if not n0.in_range else "outside its view"
        msg += (
            f" The nearest is {n0.camera.code} ({n0.camera.name}), {n0.distance_m:.0f} m away: {why}"
            f" (range {n0.camera.range_m or 0:.0f} m)."
        )
    return CanvassEmpty(
        radius_m=round(radius, 1),
        shared_cameras=len(built.ids),
        registered_cameras=registered,
        nearest=nearest,
        message=msg,
    )


def camera_points(session: Session, index: CanvassIndex) -> list[CanvassCameraPoint]:
    """Every shared camera's position and cone (no names or owners), for drawing the registry on the canvass map."""
    built = index.ensure_current(session)
    a = built.arrays
    return [
        CanvassCameraPoint(
            id=uuid.UUID(bytes=built.ids[int(a.order[i])].tobytes()),
            lat=float(a.lat[i]),
            lon=float(a.lon[i]),
            direction_deg=float(a.direction[i]),
            fov_deg=float(a.fov[i]),
            range_m=float(a.range_m[i]),
        )
        for i in range(len(a))
    ]


def record_canvass(session: Session, actor: Principal, result: CanvassResult) -> None:
    """Audit one canvass (where, when, how many cameras) in the caller's transaction."""
    audit.record_for(
        session,
        actor,
        "canvass.run",
        target_type="place",
        target_id=result.place or f"{result.lat:.5f},{result.lon:.5f}",
        details={
            "lat": round(result.lat, 6),
            "lon": round(result.lon, 6),
            "place": result.place,
            "start": result.start.isoformat(),
            "end": result.end.isoformat(),
            "result_count": len(result.items),
        },
    )


def for_viewer(result: CanvassResult, viewer: Principal, *, coarse_decimals: int) -> CanvassResult:
    """The canvass answer as ``viewer`` may see it: residents' and businesses' personal data left out and their
    positions coarsened without ``registry:contact`` (``service.for_viewer``); the ranking is made on exact data."""

    def cam(c: CameraRead) -> CameraRead:
        return service.for_viewer(c, viewer, coarse_decimals=coarse_decimals)

    items = [h.model_copy(update={"camera": cam(h.camera)}) for h in result.items]
    empty = result.empty
    if empty is not None:
        nearest = [n.model_copy(update={"camera": cam(n.camera)}) for n in empty.nearest]
        empty = empty.model_copy(update={"nearest": nearest})
    return result.model_copy(update={"items": items, "empty": empty})
