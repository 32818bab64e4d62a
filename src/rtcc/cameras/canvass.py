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
+ owner_retention_days: ask before then, or the footage is overwritten).
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
from rtcc.cameras.kernel import CameraArrays
from rtcc.cameras.schemas import CameraRead, CanvassHit, CanvassQuery, CanvassResult
from rtcc.core.clock import utcnow
from rtcc.core.errors import ValidationFailed
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
            built = self._built = _Built(version=version, arrays=arrays, ids=ids)
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
    raise ValidationFailed(f"place: {msg}", errors=[{"loc": ["body", "place"], "field": "place", "msg": msg}])


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
        if cam is None:  # withdrawn (or gone) since the index was built
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
        lat=lat,
        lon=lon,
        place=place,
        start=query.start,
        end=query.end,
        at=now,
        searched=len(built.ids),
        location=places.locate(lat, lon),
        items=items,
    )


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
