"""A per-drone screen in front of the geofence index, so that the check on every telemetry message costs
microseconds: a drone moves a few metres between two fixes, so the zones it can touch in the next minute are the few
whose bounding box lies near it.

For each flight the screen keeps a *centre* and the zones whose bounding box meets the square of half-side
``radius_deg`` around it (one vectorised test over every zone's box, redone only when the drone strays more than
``radius_deg / 2`` from the centre). A leg whose two ends lie within ``radius_deg / 2`` of the centre lies inside
that square, so every zone it can touch is a candidate: the leg's box is compared with each candidate's box in plain
Python, and only a zone whose box it meets is tested exactly: a zone of at most ``SMALL_EDGES`` edges in plain
Python (even-odd ray casting and orientation tests, the kernel's rules; numpy costs more than it saves on a few
edges), a larger one by a one-zone ``GeofenceIndex`` built once. A longer leg (a telemetry gap) goes to the whole
index. ``rtcc.bench._drones_flights`` checks the answers against a brute-force replay. Pure: numpy and the kernel.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable

import numpy as np

from rtcc.drones.geofence import GeofenceIndex, Zone, polygon_rings

DEFAULT_RADIUS_DEG = 0.01  # about 1.1 km of latitude
SMALL_EDGES = 64
_MAX_TRACKED = 10_000

Box = tuple[float, float, float, float]
Edge = tuple[float, float, float, float]


def point_in(edges: list[Edge], x: float, y: float) -> bool:
    """Even-odd test of a point against a zone's edges (a horizontal ray to +x), as the kernel does it."""
    inside = False
    for x1, y1, x2, y2 in edges:
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def segment_touches(edges: list[Edge], ax: float, ay: float, bx: float, by: float) -> bool:
    """True when segment a-b touches or crosses any edge (orientation tests with a box test)."""
    sx, sy = bx - ax, by - ay
    lo_x, hi_x, lo_y, hi_y = min(ax, bx), max(ax, bx), min(ay, by), max(ay, by)
    for x1, y1, x2, y2 in edges:
        if min(x1, x2) > hi_x or max(x1, x2) < lo_x or min(y1, y2) > hi_y or max(y1, y2) < lo_y:
            continue
        ex, ey = x2 - x1, y2 - y1
        d1 = ex * (ay - y1) - ey * (ax - x1)
        d2 = ex * (by - y1) - ey * (bx - x1)
        d3 = sx * (y1 - ay) - sy * (x1 - ax)
        d4 = sx * (y2 - ay) - sy * (x2 - ax)
        if d1 * d2 <= 0.0 and d3 * d4 <= 0.0:
            return True
    return False


class ZoneScreen:
    """See the module docstring. Thread-safe enough for one writer per flight (the cache is a plain dict)."""

    def __init__(self, index: GeofenceIndex, *, radius_deg: float = DEFAULT_RADIUS_DEG) -> None:
        self.index = index
        self.radius = radius_deg
        self._boxes: list[Box] = [tuple(float(v) for v in row) for row in index.bbox]  # type: ignore[misc]
        self._one: dict[int, GeofenceIndex] = {}
        self._small: dict[int, list[Edge] | None] = {}
        self._near: dict[Hashable, tuple[float, float, list[int]]] = {}
        self._lock = threading.Lock()

    def _single(self, i: int) -> GeofenceIndex:
        one = self._one.get(i)
        if one is None:
            one = GeofenceIndex([self.index.zones[i]])
            with self._lock:
                self._one[i] = one
        return one

    def _edges(self, i: int) -> list[Edge] | None:
        """A small zone's edges as plain tuples (None for a large zone)."""
        if i in self._small:
            return self._small[i]
        rings = polygon_rings(self.index.zones[i].geometry)
        n = sum(len(r) - 1 for r in rings)
        edges: list[Edge] | None = None
        if n <= SMALL_EDGES:
            edges = [
                (float(r[k][0]), float(r[k][1]), float(r[k + 1][0]), float(r[k + 1][1]))
                for r in rings
                for k in range(len(r) - 1)
            ]
        self._small[i] = edges
        return edges

    def _candidates(self, key: Hashable, lon: float, lat: float) -> list[int]:
        r = self.radius
        b = self.index.bbox
        mask = (b[:, 0] <= lon + r) & (b[:, 2] >= lon - r) & (b[:, 1] <= lat + r) & (b[:, 3] >= lat - r)
        found = [int(i) for i in np.flatnonzero(mask)]
        if len(self._near) > _MAX_TRACKED:
            self._near.clear()
        self._near[key] = (lon, lat, found)
        return found

    def _covering(self, key: Hashable, lon1: float, lat1: float, lon2: float, lat2: float) -> list[int] | None:
        """The candidates of a leg, or None when the leg is too long for the screen."""
        half = self.radius / 2
        if abs(lon2 - lon1) > half or abs(lat2 - lat1) > half:
            return None
        near = self._near.get(key)
        if near is not None:
            cx, cy, cands = near
            if max(abs(lon1 - cx), abs(lon2 - cx), abs(lat1 - cy), abs(lat2 - cy)) <= half:
                return cands
        mx, my = (lon1 + lon2) / 2, (lat1 + lat2) / 2
        return self._candidates(key, mx, my)

    def check(
        self, key: Hashable, prev: tuple[float, float] | None, lon: float, lat: float
    ) -> tuple[tuple[Zone, ...], tuple[Zone, ...]]:
        """(zones the leg ``prev`` -> (lon, lat) touches, zones containing (lon, lat)); with no ``prev``, the
        zones containing the point both times. ``key`` names the flight."""
        if not len(self.index):
            return (), ()
        p_lon, p_lat = prev if prev is not None else (lon, lat)
        cands = self._covering(key, p_lon, p_lat, lon, lat)
        if cands is None:
            at_point = self.index.zones_at(lon, lat)
            return (self.index.zones_on_segment(p_lon, p_lat, lon, lat) if prev is not None else at_point), at_point
        lo_x, hi_x = min(p_lon, lon), max(p_lon, lon)
        lo_y, hi_y = min(p_lat, lat), max(p_lat, lat)
        touched: list[Zone] = []
        inside: list[Zone] = []
        for i in cands:
            b = self._boxes[i]
            if b[0] > hi_x or b[2] < lo_x or b[1] > hi_y or b[3] < lo_y:
                continue
            zone = self.index.zones[i]
            edges = self._edges(i)
            box_here = b[0] <= lon <= b[2] and b[1] <= lat <= b[3]
            if edges is not None:
                here = box_here and point_in(edges, lon, lat)
                crossed = prev is not None and (
                    here or point_in(edges, p_lon, p_lat) or segment_touches(edges, p_lon, p_lat, lon, lat)
                )
            else:
                one = self._single(i)
                here = box_here and bool(one.zones_at(lon, lat))
                crossed = prev is not None and (here or bool(one.zones_on_segment(p_lon, p_lat, lon, lat)))
            if here:
                inside.append(zone)
            if here if prev is None else crossed:
                touched.append(zone)
        return tuple(touched), tuple(inside)
