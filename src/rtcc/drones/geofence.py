"""The geofence kernel: zones (GeoJSON polygons) in, an index out that answers "which zones is this point in?" and
"which zones does this straight flight leg touch?" fast enough for a launch decision over 500 polygons and for a
check on every telemetry message.

Pure: numpy only, no shapely (a dev-only dependency the tests use as a reference), no ``rtcc`` module.

Geometry is planar in degrees (longitude as x, latitude as y). At the scale of a city (zones and legs of a few km)
the difference from a geodesic test is centimetres, far below GPS error. Points exactly on a boundary may fall on
either side (even-odd rule); a MultiPolygon's parts and a Polygon's holes are handled by the same even-odd count.

How it is fast: every zone's edges are one ``(n, 4)`` array ``x1, y1, x2, y2``; a uniform grid over the zones'
extent maps each cell to the zones whose bounding box overlaps it (compressed: ``offsets`` + ``members``), so a
point query looks at the few zones of one cell. A segment query filters all zones' bounding boxes with one
vectorised slab test (O(zones) in numpy, a few microseconds for thousands of zones), then tests the survivors'
edges exactly.

    index = GeofenceIndex([Zone("z1", "no_fly", "School", {"type": "Polygon", "coordinates": [...]})])
    index.zones_at(-118.06, 33.86)                          # -> tuple of Zone
    index.zones_on_segment(-118.07, 33.85, -118.05, 33.87)  # -> tuple of Zone
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

#: The kinds of zone a policy may hold.
ZONE_KINDS = ("no_fly", "camera_restricted")

FloatArray = npt.NDArray[np.float64]


class GeofenceError(ValueError):
    """A zone's geometry is not a valid GeoJSON Polygon or MultiPolygon; the message names where (``path``)."""


@dataclass(frozen=True)
class Zone:
    """One geofence zone: an opaque ``key`` (the caller's id), ``kind`` (``no_fly`` | ``camera_restricted``),
    a ``name`` and a GeoJSON ``geometry`` (``Polygon`` or ``MultiPolygon``, [lon, lat] positions)."""

    key: str
    kind: str
    name: str
    geometry: Mapping[str, Any] = field(repr=False, hash=False, compare=False)


class ZoneLookup(Protocol):
    """What a launch decision asks of the zones (``GeofenceIndex``; the bench's baselines answer the same)."""

    def zones_at(self, lon: float, lat: float) -> tuple[Zone, ...]: ...

    def zones_on_segment(self, lon1: float, lat1: float, lon2: float, lat2: float) -> tuple[Zone, ...]: ...


def _ring(raw: Any, path: str) -> FloatArray:
    if not isinstance(raw, list) or len(raw) < 4:
        raise GeofenceError(f"{path}: a linear ring needs at least 4 positions (first = last)")
    pts: list[tuple[float, float]] = []
    for i, pos in enumerate(raw):
        if (
            not isinstance(pos, list | tuple)
            or len(pos) < 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in pos[:2])
        ):
            raise GeofenceError(f"{path}[{i}]: a position must be [longitude, latitude] numbers")
        lon, lat = float(pos[0]), float(pos[1])
        if not (math.isfinite(lon) and math.isfinite(lat)) or not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            raise GeofenceError(f"{path}[{i}]: [{lon}, {lat}] is not a WGS84 [longitude, latitude]")
        pts.append((lon, lat))
    if pts[0] != pts[-1]:
        raise GeofenceError(f"{path}: a linear ring must end where it starts")
    return np.asarray(pts, dtype=np.float64)


def polygon_rings(geometry: Any, path: str = "geometry") -> list[FloatArray]:
    """Every linear ring (exterior and holes, of every part) of a GeoJSON Polygon or MultiPolygon, each an
    ``(n, 2)`` array of [lon, lat]; raises ``GeofenceError`` naming the offending place otherwise."""
    if not isinstance(geometry, Mapping):
        raise GeofenceError(f"{path}: must be a GeoJSON geometry object")
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [coords]
    elif kind == "MultiPolygon":
        if not isinstance(coords, list) or not coords:
            raise GeofenceError(f"{path}.coordinates: a MultiPolygon needs at least one polygon")
        polygons = coords
    else:
        raise GeofenceError(f"{path}.type: {kind!r} is not a Polygon or MultiPolygon")
    rings: list[FloatArray] = []
    for p, poly in enumerate(polygons):
        ppath = f"{path}.coordinates" if kind == "Polygon" else f"{path}.coordinates[{p}]"
        if not isinstance(poly, list) or not poly:
            raise GeofenceError(f"{ppath}: a polygon needs an exterior ring")
        rings.extend(_ring(r, f"{ppath}[{r_i}]") for r_i, r in enumerate(poly))
    return rings


def _edges(rings: Sequence[FloatArray]) -> FloatArray:
    """``(n, 4)`` edges ``x1, y1, x2, y2`` of the rings."""
    parts = [np.hstack([r[:-1], r[1:]]) for r in rings]
    return np.vstack(parts) if parts else np.empty((0, 4))


def point_in_edges(edges: FloatArray, x: float, y: float) -> bool:
    """Even-odd test of the point against a zone's edges (a horizontal ray to +x)."""
    y1 = edges[:, 1]
    y2 = edges[:, 3]
    straddle = (y1 > y) != (y2 > y)
    if not straddle.any():
        return False
    e = edges[straddle]
    xint = e[:, 0] + (y - e[:, 1]) * (e[:, 2] - e[:, 0]) / (e[:, 3] - e[:, 1])
    return bool(np.count_nonzero(x < xint) & 1)


def edges_of(geometry: Any, path: str = "geometry") -> FloatArray:
    """``(n, 4)`` edges of a Polygon or MultiPolygon geometry (validated as ``polygon_rings``)."""
    return _edges(polygon_rings(geometry, path))


def segment_hits_edges(edges: FloatArray, x1: float, y1: float, x2: float, y2: float) -> bool:
    """True when the segment touches one zone: an edge crossed or touched (orientation and bounding-box tests, which
    settle the collinear cases), or the first endpoint inside (even-odd)."""
    ax, ay, bx, by = edges[:, 0], edges[:, 1], edges[:, 2], edges[:, 3]
    box = (
        (np.minimum(ax, bx) <= max(x1, x2))
        & (np.maximum(ax, bx) >= min(x1, x2))
        & (np.minimum(ay, by) <= max(y1, y2))
        & (np.maximum(ay, by) >= min(y1, y2))
    )
    if box.any():
        bax, bay, bbx, bby = ax[box], ay[box], bx[box], by[box]
        ex, ey = bbx - bax, bby - bay
        d1 = ex * (y1 - bay) - ey * (x1 - bax)
        d2 = ex * (y2 - bay) - ey * (x2 - bax)
        sx, sy = x2 - x1, y2 - y1
        d3 = sx * (bay - y1) - sy * (bax - x1)
        d4 = sx * (bby - y1) - sy * (bbx - x1)
        if bool(np.any((d1 * d2 <= 0.0) & (d3 * d4 <= 0.0))):
            return True
    return point_in_edges(edges, x1, y1)


class GeofenceIndex:
    """An immutable index over zones (see the module docstring). ``cells`` overrides the grid's cells per side
    (default: about two per zone on each axis's square root, at most 256)."""

    def __init__(self, zones: Iterable[Zone], *, cells: int | None = None) -> None:
        self.zones: tuple[Zone, ...] = tuple(zones)
        for i, z in enumerate(self.zones):
            if z.kind not in ZONE_KINDS:
                raise GeofenceError(f"zones[{i}].kind: {z.kind!r} is not one of {', '.join(ZONE_KINDS)}")
        self._edges: list[FloatArray] = [
            _edges(polygon_rings(z.geometry, f"zones[{i}].geometry")) for i, z in enumerate(self.zones)
        ]
        n = len(self.zones)
        self.bbox: FloatArray = (
            np.array(
                [[e[:, [0, 2]].min(), e[:, [1, 3]].min(), e[:, [0, 2]].max(), e[:, [1, 3]].max()] for e in self._edges]
            )
            if n
            else np.empty((0, 4))
        )
        side = cells if cells is not None else max(1, min(256, 2 * math.isqrt(max(n, 1))))
        self._side = side
        if n:
            self._x0, self._y0 = float(self.bbox[:, 0].min()), float(self.bbox[:, 1].min())
            x1, y1 = float(self.bbox[:, 2].max()), float(self.bbox[:, 3].max())
        else:
            self._x0 = self._y0 = x1 = y1 = 0.0
        self._dx = max(x1 - self._x0, 1e-9) / side
        self._dy = max(y1 - self._y0, 1e-9) / side
        self._x1, self._y1 = x1, y1
        buckets: list[list[int]] = [[] for _ in range(side * side)]
        for zi in range(n):
            cx0, cy0 = self._cell(float(self.bbox[zi, 0]), float(self.bbox[zi, 1]))
            cx1, cy1 = self._cell(float(self.bbox[zi, 2]), float(self.bbox[zi, 3]))
            for cy in range(cy0, cy1 + 1):
                row = cy * side
                for cx in range(cx0, cx1 + 1):
                    buckets[row + cx].append(zi)
        # All edges in one array, zone by zone: zone ``i`` owns rows ``_start[i]:_start[i] + _count[i]``.
        self._count = np.array([len(e) for e in self._edges], dtype=np.int64)
        self._start = np.zeros(n, dtype=np.int64)
        if n:
            self._start[1:] = np.cumsum(self._count)[:-1]
        self._all = np.vstack(self._edges) if n else np.empty((0, 4))
        self._offsets = np.zeros(side * side + 1, dtype=np.int64)
        self._offsets[1:] = np.cumsum([len(b) for b in buckets])
        self._members = np.fromiter((z for b in buckets for z in b), dtype=np.int64, count=int(self._offsets[-1]))

    def __len__(self) -> int:
        return len(self.zones)

    def _cell(self, x: float, y: float) -> tuple[int, int]:
        cx = min(self._side - 1, max(0, int((x - self._x0) / self._dx)))
        cy = min(self._side - 1, max(0, int((y - self._y0) / self._dy)))
        return cx, cy

    def _at(self, lon: float, lat: float) -> list[int]:
        if not self.zones or not (self._x0 <= lon <= self._x1 and self._y0 <= lat <= self._y1):
            return []
        cx, cy = self._cell(lon, lat)
        c = cy * self._side + cx
        found: list[int] = []
        bbox = self.bbox
        for zi in self._members[self._offsets[c] : self._offsets[c + 1]].tolist():
            b = bbox[zi]
            if b[0] <= lon <= b[2] and b[1] <= lat <= b[3] and point_in_edges(self._edges[zi], lon, lat):
                found.append(zi)
        return found

    def zones_at(self, lon: float, lat: float) -> tuple[Zone, ...]:
        """The zones containing the point, in the order given."""
        return tuple(self.zones[i] for i in self._at(lon, lat))

    def zones_on_segment(self, lon1: float, lat1: float, lon2: float, lat2: float) -> tuple[Zone, ...]:
        """The zones the straight leg from (lon1, lat1) to (lon2, lat2) enters, crosses or lies in (an endpoint
        inside, or the leg touching a boundary), in the order given."""
        if not self.zones:
            return ()
        if lon1 == lon2 and lat1 == lat2:
            return self.zones_at(lon1, lat1)
        b = self.bbox
        cand = (
            (b[:, 0] <= max(lon1, lon2))
            & (b[:, 2] >= min(lon1, lon2))
            & (b[:, 1] <= max(lat1, lat2))
            & (b[:, 3] >= min(lat1, lat2))
        )
        idx = np.flatnonzero(cand)
        if idx.size == 0:
            return ()
        # Slab test: keep the boxes the segment itself passes through, not just its bounding box.
        dx, dy = lon2 - lon1, lat2 - lat1
        t0 = np.zeros(idx.size)
        t1 = np.ones(idx.size)
        bb = b[idx]
        for d, o, lo, hi in ((dx, lon1, bb[:, 0], bb[:, 2]), (dy, lat1, bb[:, 1], bb[:, 3])):
            if d == 0.0:
                continue
            ta = (lo - o) / d
            tb = (hi - o) / d
            t0 = np.maximum(t0, np.minimum(ta, tb))
            t1 = np.minimum(t1, np.maximum(ta, tb))
        idx = idx[t0 <= t1]
        return tuple(self.zones[i] for i in self._segment_hits(idx, lon1, lat1, lon2, lat2))

    def _gather(self, idx: npt.NDArray[np.int64]) -> tuple[FloatArray, npt.NDArray[np.int64]]:
        """The edges of zones ``idx`` in one array, and for each edge its position in ``idx``."""
        counts = self._count[idx]
        owner = np.repeat(np.arange(idx.size), counts)
        first = np.cumsum(counts) - counts
        rows = np.arange(int(counts.sum())) - np.repeat(first, counts) + np.repeat(self._start[idx], counts)
        return self._all[rows], owner

    def _segment_hits(self, idx: npt.NDArray[np.int64], x1: float, y1: float, x2: float, y2: float) -> list[int]:
        """Which of zones ``idx`` the segment touches: one vectorised pass over all their edges (an edge crossed,
        or the first endpoint inside by the even-odd count)."""
        e, owner = self._gather(idx)
        ax, ay, bx, by = e[:, 0], e[:, 1], e[:, 2], e[:, 3]
        ex, ey = bx - ax, by - ay
        d1 = ex * (y1 - ay) - ey * (x1 - ax)
        d2 = ex * (y2 - ay) - ey * (x2 - ax)
        sx, sy = x2 - x1, y2 - y1
        d3 = sx * (ay - y1) - sy * (ax - x1)
        d4 = sx * (by - y1) - sy * (bx - x1)
        box = (
            (np.minimum(ax, bx) <= max(x1, x2))
            & (np.maximum(ax, bx) >= min(x1, x2))
            & (np.minimum(ay, by) <= max(y1, y2))
            & (np.maximum(ay, by) >= min(y1, y2))
        )
        crossed = np.zeros(idx.size, dtype=bool)
        crossed[owner[box & (d1 * d2 <= 0.0) & (d3 * d4 <= 0.0)]] = True
        straddle = (ay > y1) != (by > y1)
        s_ax, s_ay, s_bx, s_by = ax[straddle], ay[straddle], bx[straddle], by[straddle]
        right = x1 < s_ax + (y1 - s_ay) * (s_bx - s_ax) / (s_by - s_ay)
        inside = (np.bincount(owner[straddle][right], minlength=idx.size) & 1).astype(bool)
        return [int(i) for i in idx[crossed | inside]]

    def zones_on_path(self, path: Sequence[tuple[float, float]]) -> tuple[Zone, ...]:
        """The zones any leg of a polyline of (lon, lat) touches, each once, in the order given."""
        seen: set[int] = set()
        keys = {id(z): i for i, z in enumerate(self.zones)}
        if len(path) == 1:
            return self.zones_at(*path[0])
        for (a, b), (c, d) in itertools.pairwise(path):
            seen.update(keys[id(z)] for z in self.zones_on_segment(a, b, c, d))
        return tuple(self.zones[i] for i in sorted(seen))
