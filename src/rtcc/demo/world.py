"""The simulated Cerritos, CA demo world: the real city boundary and the 19 ALPR camera sites, loaded from the small
files in ``rtcc/demo/data`` (derived from public data by ``tools/derive_demo_world.py``; see ``data/SOURCES.md``).

The boundary is the Mapping L.A. polygon of the City of Cerritos (one ring, lon/lat WGS84). The cameras sit at real
Cerritos intersections from the LASD incident gazetteer (coordinates rounded by the publisher to 0.001 degrees, about
100 m); 13 are marked phase 1 (installed) and 6 phase 2 (planned), and in the demo all 19 report. ``heading_deg`` is
the compass bearing of the traffic a camera reads (0 = northbound, 90 = eastbound). Everything here is pure: files are
read once through ``importlib.resources`` (so it works from an installed wheel) and cached; no database, no I/O after
the first call.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

_PACKAGE = "rtcc.demo"
_CAMERAS_FILE = "alpr_cameras.json"
_BOUNDARY_FILE = "cerritos_boundary.geojson"

#: The demo city's IANA time zone (the traffic model's diurnal curve runs on local time).
TIMEZONE = "America/Los_Angeles"


@dataclass(frozen=True, slots=True)
class DemoCamera:
    """One demo ALPR camera: where it is, what it reads, its program phase and its typical reads per day."""

    code: str
    name: str
    road: str
    direction: str
    heading_deg: float
    lat: float
    lon: float
    phase: int
    daily_volume: int
    source_intersection: str


def _read_json(name: str) -> Any:
    text = resources.files(_PACKAGE).joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return json.loads(text)


@cache
def _cameras() -> tuple[DemoCamera, ...]:
    doc = _read_json(_CAMERAS_FILE)
    return tuple(
        DemoCamera(
            code=str(c["code"]),
            name=str(c["name"]),
            road=str(c["road"]),
            direction=str(c["direction"]),
            heading_deg=float(c["heading_deg"]),
            lat=float(c["lat"]),
            lon=float(c["lon"]),
            phase=int(c["phase"]),
            daily_volume=int(c["daily_volume"]),
            source_intersection=str(c["source_intersection"]),
        )
        for c in doc["cameras"]
    )


def cameras() -> list[DemoCamera]:
    """The 19 demo cameras in code order (CER-ALPR-01..19)."""
    return list(_cameras())


def camera(code: str) -> DemoCamera:
    """The demo camera with this code; raises ``KeyError`` for an unknown code."""
    for cam in _cameras():
        if cam.code == code:
            return cam
    raise KeyError(code)


@cache
def _rings() -> tuple[tuple[tuple[float, float], ...], ...]:
    doc = _read_json(_BOUNDARY_FILE)
    rings: list[tuple[tuple[float, float], ...]] = []
    for feature in doc["features"]:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for polygon in polygons:
            for ring in polygon:
                rings.append(tuple((float(x), float(y)) for x, y in ring))
    return tuple(rings)


def boundary() -> list[list[tuple[float, float]]]:
    """The city polygon's rings as lists of (lon, lat) vertices, first vertex repeated at the end (GeoJSON order)."""
    return [list(ring) for ring in _rings()]


def contains(lat: float, lon: float) -> bool:
    """True when the point lies inside the city boundary (even-odd rule over all rings, so holes count)."""
    inside = False
    for ring in _rings():
        for (x1, y1), (x2, y2) in itertools.pairwise(ring):
            if (y1 > lat) != (y2 > lat):
                x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
                if lon < x_cross:
                    inside = not inside
    return inside


def bbox() -> tuple[float, float, float, float]:
    """The boundary's bounding box as (min_lon, min_lat, max_lon, max_lat), the GeoJSON ``bbox`` order."""
    xs = [x for ring in _rings() for x, _ in ring]
    ys = [y for ring in _rings() for _, y in ring]
    return (min(xs), min(ys), max(xs), max(ys))


def center() -> tuple[float, float]:
    """The middle of the bounding box as (lat, lon), a sensible initial map view."""
    min_lon, min_lat, max_lon, max_lat = bbox()
    return ((min_lat + max_lat) / 2.0, (min_lon + max_lon) / 2.0)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS84 points (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2.0 * 6_371_008.8 * math.asin(math.sqrt(a))
