"""Plane and sphere geometry every domain shares: distances, bearings, point-in-polygon, GeoJSON boundaries.

Conventions (DESIGN.md): WGS84 latitude/longitude in degrees, distances in metres, bearings in degrees clockwise from
true north. GeoJSON stores (lon, lat); every function here takes ``lat, lon`` in that order unless it says GeoJSON.
Vectorised forms take numpy arrays so that a query over 100,000 cameras or 20 million reads stays in C.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_M = 6_371_008.8
#: Metres per degree of latitude (mean); a degree of longitude is this times cos(latitude).
M_PER_DEG_LAT = math.pi * EARTH_RADIUS_M / 180.0

FloatArray = npt.NDArray[np.float64]

#: A ring of (lon, lat) vertices in GeoJSON order, first vertex repeated at the end.
Ring = tuple[tuple[float, float], ...]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS84 points (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2.0 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def distances_m(lat: float, lon: float, lats: FloatArray, lons: FloatArray) -> FloatArray:
    """Haversine distances in metres from one point to arrays of points."""
    p1 = math.radians(lat)
    p2 = np.radians(lats)
    dp = p2 - p1
    dl = np.radians(lons) - math.radians(lon)
    a = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(1.0, a))), dtype=np.float64)


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial bearing from point 1 to point 2, degrees clockwise from north in [0, 360)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


def bearings_deg(lats: FloatArray, lons: FloatArray, lat: float, lon: float) -> FloatArray:
    """Initial bearings from arrays of points to one target point, degrees clockwise from north in [0, 360)."""
    p1 = np.radians(lats)
    p2 = math.radians(lat)
    dl = math.radians(lon) - np.radians(lons)
    y = np.sin(dl) * math.cos(p2)
    x = np.cos(p1) * math.sin(p2) - np.sin(p1) * math.cos(p2) * np.cos(dl)
    return np.asarray(np.degrees(np.arctan2(y, x)) % 360.0, dtype=np.float64)


def angle_diff_deg(a: float | FloatArray, b: float | FloatArray) -> Any:
    """Smallest absolute difference between two bearings, in [0, 180]."""
    d = np.abs((np.asarray(a) - np.asarray(b) + 180.0) % 360.0 - 180.0)
    return float(d) if np.ndim(d) == 0 else d


def bbox_around(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, min_lon, max_lat, max_lon) of a box that contains the circle of ``radius_m`` around the point."""
    dlat = radius_m / M_PER_DEG_LAT
    dlon = radius_m / (M_PER_DEG_LAT * max(0.01, math.cos(math.radians(lat))))
    return (lat - dlat, lon - dlon, lat + dlat, lon + dlon)


def point_in_rings(lat: float, lon: float, rings: tuple[Ring, ...] | list[Ring]) -> bool:
    """Even-odd rule over all rings (holes count), GeoJSON (lon, lat) vertices."""
    inside = False
    for ring in rings:
        for (x1, y1), (x2, y2) in itertools.pairwise(ring):
            if (y1 > lat) != (y2 > lat):
                x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
                if lon < x_cross:
                    inside = not inside
    return inside


def points_in_rings(lats: FloatArray, lons: FloatArray, rings: tuple[Ring, ...] | list[Ring]) -> npt.NDArray[np.bool_]:
    """Vectorised ``point_in_rings`` for arrays of points (the same even-odd rule and arithmetic).

    The points are sorted by latitude once; each edge then tests only the points whose latitude lies in its band
    ``[min(y1, y2), max(y1, y2))`` (found by binary search), so a ring of thousands of short edges over a large
    lattice costs about one pass over the points, not one pass per edge."""
    n = len(lats)
    inside = np.zeros(n, dtype=bool)
    if n == 0:
        return inside
    order = np.argsort(lats, kind="stable")
    s_lats, s_lons = lats[order], lons[order]
    flips = np.zeros(n, dtype=bool)
    for ring in rings:
        xy = np.asarray(ring, dtype=np.float64)
        if len(xy) < 2:
            continue
        x1s, y1s, x2s, y2s = xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1]
        starts = np.searchsorted(s_lats, np.minimum(y1s, y2s), side="left")
        stops = np.searchsorted(s_lats, np.maximum(y1s, y2s), side="left")
        for k in np.flatnonzero(stops > starts):
            x1, y1, x2, y2 = x1s[k], y1s[k], x2s[k], y2s[k]
            lo, hi = starts[k], stops[k]
            x_cross = x1 + (s_lats[lo:hi] - y1) * (x2 - x1) / (y2 - y1)
            flips[lo:hi] ^= s_lons[lo:hi] < x_cross
    inside[order] = flips
    return inside


@dataclass(frozen=True)
class Boundary:
    """A (multi)polygon area such as a city limit, loaded from GeoJSON."""

    rings: tuple[Ring, ...]

    def contains(self, lat: float, lon: float) -> bool:
        """True when the point lies inside (even-odd rule, so holes are outside)."""
        return point_in_rings(lat, lon, self.rings)

    def bbox(self) -> tuple[float, float, float, float]:
        """(min_lon, min_lat, max_lon, max_lat), the GeoJSON ``bbox`` order."""
        xs = [x for ring in self.rings for x, _ in ring]
        ys = [y for ring in self.rings for _, y in ring]
        return (min(xs), min(ys), max(xs), max(ys))

    def center(self) -> tuple[float, float]:
        """The middle of the bounding box as (lat, lon)."""
        min_lon, min_lat, max_lon, max_lat = self.bbox()
        return ((min_lat + max_lat) / 2.0, (min_lon + max_lon) / 2.0)


def rings_of_geometry(geometry: dict[str, Any]) -> list[Ring]:
    """The rings of a GeoJSON Polygon or MultiPolygon geometry; other types raise ValueError."""
    kind = geometry.get("type")
    if kind == "Polygon":
        polygons = [geometry["coordinates"]]
    elif kind == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        raise ValueError(f"geometry.type: expected Polygon or MultiPolygon, got {kind!r}")
    return [tuple((float(x), float(y)) for x, y, *_ in ring) for polygon in polygons for ring in polygon]


def boundary_from_geojson(doc: dict[str, Any]) -> Boundary:
    """A Boundary from a FeatureCollection, a Feature or a bare geometry."""
    if doc.get("type") == "FeatureCollection":
        geometries = [f["geometry"] for f in doc["features"]]
    elif doc.get("type") == "Feature":
        geometries = [doc["geometry"]]
    else:
        geometries = [doc]
    return Boundary(tuple(ring for g in geometries for ring in rings_of_geometry(g)))


def load_boundary(path: Path) -> Boundary:
    """Read a GeoJSON file into a Boundary."""
    return boundary_from_geojson(json.loads(path.read_text(encoding="utf-8")))
