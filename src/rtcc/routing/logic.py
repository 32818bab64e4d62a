"""Pure rules of the routing domain: which OSM ways a vehicle drives on and in which direction, the speed tables
(routine and Emergent), the local projection the kernel works in, the straight-line fallback, and ``RoadNetwork``:
the arrays an import (or the demo's gazetteer grid) produces and the database stores.

Direction (OSM conventions): ``oneway=yes|true|1`` follows the way's node order, ``oneway=-1|reverse`` runs against
it, ``oneway=no|false|0`` is both ways; without a tag, motorways and roundabouts (``junction=roundabout|circular``)
are one-way and everything else is two-way. Access tags are not applied: the network serves emergency vehicles.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rtcc.core import geo

#: OSM ``highway`` values a car (and so a patrol car) drives on; every other value (footway, steps, cycleway, path,
#: track, construction, proposed, ...) is left out of the network.
DRIVABLE: tuple[str, ...] = (
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "service",
    "road",
)

#: Routine travel speeds in km/h by road class (urban US values, a little under the posted limits to allow for
#: signals and traffic). ``RTCC_ROUTING_SPEEDS_KPH`` replaces entries; a class missing from the table uses "road".
DEFAULT_SPEEDS_KPH: dict[str, float] = {
    "motorway": 95.0,
    "motorway_link": 55.0,
    "trunk": 75.0,
    "trunk_link": 45.0,
    "primary": 55.0,
    "primary_link": 40.0,
    "secondary": 50.0,
    "secondary_link": 35.0,
    "tertiary": 45.0,
    "tertiary_link": 30.0,
    "unclassified": 35.0,
    "residential": 35.0,
    "living_street": 15.0,
    "service": 20.0,
    "road": 30.0,
}

_ONEWAY_FORWARD = {"yes", "true", "1"}
_ONEWAY_BACKWARD = {"-1", "reverse"}
_ONEWAY_NO = {"no", "false", "0"}
_IMPLIED_ONEWAY_CLASSES = {"motorway"}
_ROUNDABOUT = {"roundabout", "circular"}


def is_drivable(highway: str | None) -> bool:
    """True for the road classes the network keeps."""
    return highway in DRIVABLE


def direction(highway: str, oneway: str | None, junction: str | None = None) -> int:
    """1: only along the node order, -1: only against it, 0: both ways (OSM ``oneway`` rules, see the module)."""
    tag = (oneway or "").strip().lower()
    if tag in _ONEWAY_FORWARD:
        return 1
    if tag in _ONEWAY_BACKWARD:
        return -1
    if tag in _ONEWAY_NO:
        return 0
    if highway in _IMPLIED_ONEWAY_CLASSES or (junction or "").strip().lower() in _ROUNDABOUT:
        return 1
    return 0


def speed_table(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """The routine speed table (km/h): the defaults with ``overrides`` applied."""
    table = dict(DEFAULT_SPEEDS_KPH)
    table.update({k: float(v) for k, v in (overrides or {}).items()})
    bad = sorted(k for k, v in table.items() if not (math.isfinite(v) and v > 0))
    if bad:
        raise ValueError(f"routing speeds must be positive km/h: {', '.join(bad)}")
    return table


def speeds_mps(
    classes: Sequence[str],
    routine_kph: Mapping[str, float],
    *,
    emergent: bool,
    emergent_factor: float,
    emergent_kph: Mapping[str, float] | None = None,
) -> npt.NDArray[np.float64]:
    """Metres per second for each class of ``classes`` (the kernel's speed array), routine or Emergent."""
    other = routine_kph.get("road", DEFAULT_SPEEDS_KPH["road"])
    out = []
    for cls in classes:
        kph = routine_kph.get(cls, other)
        if emergent:
            kph = (emergent_kph or {}).get(cls, kph * emergent_factor)
        out.append(kph / 3.6)
    return np.asarray(out, dtype=np.float64)


@dataclass(frozen=True)
class Projection:
    """A local equirectangular plane around (lat0, lon0), in metres: exact enough for snapping within a city."""

    lat0: float
    lon0: float

    def xy(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Plane coordinates (x east, y north) of WGS84 points."""
        la, lo = np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
        x = (lo - self.lon0) * geo.M_PER_DEG_LAT * math.cos(math.radians(self.lat0))
        y = (la - self.lat0) * geo.M_PER_DEG_LAT
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def projection_for(lats: npt.ArrayLike, lons: npt.ArrayLike) -> Projection:
    """The projection centred on the middle of the points' bounding box."""
    la, lo = np.asarray(lats, dtype=np.float64), np.asarray(lons, dtype=np.float64)
    return Projection(float((la.min() + la.max()) / 2), float((lo.min() + lo.max()) / 2))


def straight_line_seconds(distance_m: float, *, circuity: float, speed_kph: float) -> float:
    """The fallback estimate: great-circle distance times the circuity factor, at ``speed_kph``."""
    return distance_m * circuity / (speed_kph / 3.6)


@dataclass(frozen=True)
class RoadNetwork:
    """A directed road network as arrays: nodes (WGS84), edges (node indices, metres, index into ``classes``)."""

    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    src: npt.NDArray[np.int64]
    dst: npt.NDArray[np.int64]
    length_m: npt.NDArray[np.float64]
    road_class: npt.NDArray[np.int64]
    classes: tuple[str, ...]

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return int(self.lat.shape[0])

    @property
    def edge_count(self) -> int:
        """Number of directed edges."""
        return int(self.src.shape[0])


@dataclass(frozen=True)
class Way:
    """One drivable way: its class, direction (see ``direction``) and its nodes as (node key, lat, lon) in order."""

    road_class: str
    direction: int
    nodes: Sequence[tuple[int, float, float]]


def assemble(ways: Iterable[Way]) -> RoadNetwork:
    """Nodes shared by ways become one node; each consecutive pair of a way's nodes becomes one edge per allowed
    direction, as long as the great-circle distance between them. Raises ValueError when there is no edge."""
    index: dict[int, int] = {}
    lats: list[float] = []
    lons: list[float] = []
    src: list[int] = []
    dst: list[int] = []
    cls_of: dict[str, int] = {}
    cls: list[int] = []
    for way in ways:
        code = cls_of.setdefault(way.road_class, len(cls_of))
        ids = []
        for key, lat, lon in way.nodes:
            i = index.get(key)
            if i is None:
                i = index[key] = len(lats)
                lats.append(lat)
                lons.append(lon)
            ids.append(i)
        for a, b in itertools.pairwise(ids):
            if a == b:
                continue
            if way.direction >= 0:
                src.append(a)
                dst.append(b)
                cls.append(code)
            if way.direction <= 0:
                src.append(b)
                dst.append(a)
                cls.append(code)
    if not src:
        raise ValueError("no drivable road segment")
    lat_a, lon_a = np.asarray(lats, dtype=np.float64), np.asarray(lons, dtype=np.float64)
    s, d = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
    length = segment_lengths(lat_a, lon_a, s, d)
    classes = tuple(sorted(cls_of, key=cls_of.__getitem__))
    return RoadNetwork(lat_a, lon_a, s, d, length, np.asarray(cls, dtype=np.int64), classes)


def segment_lengths(
    lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64], src: npt.NDArray[np.int64], dst: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """Great-circle length in metres of each edge src -> dst (haversine, vectorised)."""
    p1, p2 = np.radians(lat[src]), np.radians(lat[dst])
    dl = np.radians(lon[dst] - lon[src])
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2.0 * geo.EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(1.0, a))), dtype=np.float64)
