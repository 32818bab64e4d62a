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

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from rtcc.core import geo

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
def _boundary() -> geo.Boundary:
    return geo.boundary_from_geojson(_read_json(_BOUNDARY_FILE))


def boundary() -> list[list[tuple[float, float]]]:
    """The city polygon's rings as lists of (lon, lat) vertices, first vertex repeated at the end (GeoJSON order)."""
    return [list(ring) for ring in _boundary().rings]


def contains(lat: float, lon: float) -> bool:
    """True when the point lies inside the city boundary (even-odd rule over all rings, so holes count)."""
    return _boundary().contains(lat, lon)


def bbox() -> tuple[float, float, float, float]:
    """The boundary's bounding box as (min_lon, min_lat, max_lon, max_lat), the GeoJSON ``bbox`` order."""
    return _boundary().bbox()


def center() -> tuple[float, float]:
    """The middle of the bounding box as (lat, lon), a sensible initial map view."""
    return _boundary().center()


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS84 points (haversine, mean Earth radius)."""
    return geo.distance_m(lat1, lon1, lat2, lon2)
