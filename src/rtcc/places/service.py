"""Use cases of the places domain: the active city profile and the geography other domains ask about.

The profile is process-wide configuration: ``activate(settings.city_profile)`` (the app factory and every runtime
call it) loads and validates it once; ``current()`` returns it, loading the configured one on first use. Other
domains ask here for the city's name, time zone, alert senders and boundary, for the division, district and
neighborhood of a point (``locate``), for the neighborhoods community alerts use, and for the gazetteer's
intersections.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from rtcc.core import divisions, geo
from rtcc.places import logic
from rtcc.places.loader import CityProfile, load_profile, packaged_profiles
from rtcc.places.schemas import AlertSenders, AreaRef, Location, PlaceMatch, PlaceRow, ProfileRead

logger = logging.getLogger(__name__)

_LOCK = threading.Lock()
_LOADED: dict[str, CityProfile] = {}
_ACTIVE: list[str] = []  # the active profile's reference (empty until activated)


@dataclass(frozen=True)
class Place:
    """A resolved place: its display name and coordinates."""

    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class NeighborhoodDef:
    """A neighborhood as community alerts and watch groups store it: code, name and one (lon, lat) ring."""

    code: str
    name: str
    ring: geo.Ring
    description: str


def load(ref: str) -> CityProfile:
    """The profile ``ref`` names (a packaged slug or a folder), loaded and validated once per process."""
    with _LOCK:
        found = _LOADED.get(ref)
        if found is None:
            found = _LOADED[ref] = load_profile(ref)
            logger.info("city profile %s loaded from %s", found.meta.slug, found.source)
        return found


def activate(ref: str) -> CityProfile:
    """Make ``ref`` the process's city profile (validating it) and return it."""
    prof = load(ref)
    with _LOCK:
        _ACTIVE[:] = [ref]
    return prof


def current() -> CityProfile:
    """The active city profile; the configured one (``RTCC_CITY_PROFILE``) when none was activated yet."""
    if _ACTIVE:
        return load(_ACTIVE[0])
    from rtcc.settings import get_settings

    return activate(get_settings().city_profile)


def available() -> list[str]:
    """The packaged profiles' slugs."""
    return packaged_profiles()


def profile_read(prof: CityProfile | None = None) -> ProfileRead:
    """The active profile's facts for the API."""
    p = prof or current()
    return ProfileRead(
        slug=p.meta.slug,
        name=p.meta.name,
        state=p.meta.state,
        time_zone=p.meta.time_zone,
        agency=p.meta.agency,
        division_label=p.meta.division_label,
        district_label=p.meta.district_label,
        bbox=p.boundary.bbox(),
        center=p.boundary.center(),
        divisions=[AreaRef(code=a.code, name=a.name) for a in p.divisions.areas],
        districts=len(p.districts),
        neighborhoods=[AreaRef(code=a.code, name=a.name) for a in p.neighborhoods.areas],
        intersections=len(p.intersections),
        places=len(p.places),
        sources=list(p.meta.sources),
    )


def city_name() -> str:
    """The city's name, e.g. 'Cerritos'."""
    return current().meta.name


def time_zone() -> str:
    """The city's IANA time zone."""
    return current().meta.time_zone


def city_zone() -> ZoneInfo:
    """The city's time zone, in which residents and the public read every local time (pages, messages)."""
    return ZoneInfo(time_zone())


def alert_senders() -> AlertSenders:
    """Who the city's public alerts and community e-mail come from."""
    return current().meta.alerts


def boundary() -> geo.Boundary:
    """The city limit."""
    return current().boundary


#: Boundary polygons by the identity of the loaded boundary (built once a profile; LA's has 367 rings).
_POLYGONS: dict[int, list[list[list[list[float]]]]] = {}


def polygons_of(rings: Sequence[geo.Ring]) -> list[list[list[list[float]]]]:
    """Even-odd rings as GeoJSON polygons: each outer ring (inside an even number of the others) with the holes
    directly inside it, so that enclaves (a city inside the city) stay holes instead of becoming polygons."""

    def inside(i: int, j: int) -> bool:  # ring i's first vertex lies within ring j
        lon, lat = rings[i][0]
        return geo.point_in_rings(lat, lon, [rings[j]])

    depth = [sum(1 for j in range(len(rings)) if j != i and inside(i, j)) for i in range(len(rings))]
    out = []
    for i, d in enumerate(depth):
        if d % 2:
            continue
        holes = [j for j, dj in enumerate(depth) if dj == d + 1 and inside(j, i)]
        out.append([list(map(list, rings[k])) for k in (i, *holes)])
    return out


def basemap() -> dict[str, Any]:
    """The city boundary as a GeoJSON FeatureCollection with one ``kind: boundary`` feature (the web map's layer)."""
    p = current()
    polygons = _POLYGONS.get(id(p.boundary))
    if polygons is None:
        polygons = _POLYGONS[id(p.boundary)] = polygons_of(p.boundary.rings)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"kind": "boundary", "name": p.meta.name},
                "geometry": {"type": "MultiPolygon", "coordinates": polygons},
            }
        ],
    }


def inside_city(lat: float, lon: float) -> bool:
    """True when the point lies within the city limit."""
    return current().city.contains(lat, lon)


def random_points(n: int, rng: Any) -> list[tuple[float, float]]:
    """``n`` (lat, lon) points drawn uniformly inside the city limit (rejection sampling in its bounding box), for
    simulations and benchmarks; ``rng`` is a ``numpy.random.Generator``."""
    b = boundary()
    lons = [p[0] for ring in b.rings for p in ring]  # GeoJSON order: (lon, lat)
    lats = [p[1] for ring in b.rings for p in ring]
    out: list[tuple[float, float]] = []
    tries = 0
    while len(out) < n:
        tries += 1
        if tries > 1000 * (n + 1):
            raise RuntimeError("no point found inside the city limit")
        lat, lon = float(rng.uniform(min(lats), max(lats))), float(rng.uniform(min(lons), max(lons)))
        if inside_city(lat, lon):
            out.append((round(lat, 6), round(lon, 6)))
    return out


def _ref(area: logic.Area | None) -> AreaRef | None:
    return None if area is None else AreaRef(code=area.code, name=area.name)


def locate(lat: float, lon: float) -> Location:
    """The division, reporting district and neighborhood a point lies in."""
    p = current()
    district = p.districts.find(lat, lon)
    division: logic.Area | None = None
    if district is not None and district.division is not None:
        division = next((d for d in p.divisions.areas if d.code == district.division), None)
    if division is None:
        division = p.divisions.find(lat, lon)
    return Location(
        inside_city=p.city.contains(lat, lon),
        division=_ref(division),
        district=_ref(district),
        neighborhood=_ref(p.neighborhoods.find(lat, lon)),
    )


def division_codes() -> list[str]:
    """The codes of the profile's divisions (stations), in file order."""
    return [a.code for a in current().divisions.areas]


def division_of(lat: float | None, lon: float | None) -> str | None:
    """The division a camera, call or unit at this point belongs to: the division polygon holding it (through its
    reporting district, as ``locate``); in a profile of one division, that division wherever the point lies; else
    None (outside every division: only RTCC-wide roles see it)."""
    codes = division_codes()
    if len(codes) == 1:
        return codes[0]
    if lat is None or lon is None:
        return None
    where = locate(lat, lon).division
    return where.code if where is not None else None


def division_of_area(code: str | None) -> str | None:
    """The division an area code names: a division itself, or the division of a reporting district; else None."""
    if not code:
        return None
    p = current()
    if code in {a.code for a in p.divisions.areas}:
        return code
    return next((a.division for a in p.districts.areas if a.code == code), None)


def divisions_of(lats: Sequence[float], lons: Sequence[float]) -> list[str | None]:
    """``division_of`` for many points at once (vectorised: reporting districts first, as ``locate``, then the
    division polygons for the points no district holds)."""
    codes = division_codes()
    if len(codes) == 1:
        return [codes[0]] * len(lats)
    p = current()
    la, lo = np.asarray(lats, dtype=np.float64), np.asarray(lons, dtype=np.float64)
    out: list[str | None] = [a.division if a is not None else None for a in p.districts.find_many(la, lo)]
    todo = [i for i, d in enumerate(out) if d is None]
    if todo:
        for i, area in zip(todo, p.divisions.find_many(la[todo], lo[todo]), strict=True):
            out[i] = area.code if area is not None else None
    return out


def in_scope(lats: Sequence[float], lons: Sequence[float]) -> npt.NDArray[np.bool_]:
    """Which points lie in a division the work in progress may see (``rtcc.core.divisions``): every point when it
    is not restricted. For aggregates over rows that carry no division of their own (imported history calls)."""
    codes = divisions.current()
    if codes is None:
        return np.ones(len(lats), dtype=bool)
    return np.fromiter((d in codes for d in divisions_of(lats, lons)), dtype=bool, count=len(lats))


def scope_boundary() -> geo.Boundary:
    """The area the work in progress may see: the city limit when it is not restricted (or the profile has one
    division), else the rings of the divisions in scope (none: an empty area)."""
    codes = divisions.current()
    p = current()
    if codes is None or len(p.divisions) <= 1:
        return p.boundary
    return geo.Boundary(tuple(r for a in p.divisions.areas if a.code in codes for r in a.rings))


def neighborhood_of(lat: float, lon: float) -> AreaRef | None:
    """The profile neighborhood containing the point, or None."""
    return _ref(current().neighborhoods.find(lat, lon))


def neighborhoods() -> list[NeighborhoodDef]:
    """The profile's neighborhoods, in file order."""
    p = current()
    out = []
    for a in p.neighborhoods.areas:
        out.append(
            NeighborhoodDef(
                code=a.code,
                name=a.name,
                ring=a.rings[0],
                description=f"From the {p.meta.name} city profile ({p.meta.slug}).",
            )
        )
    return out


def places(kind: str | None = None) -> list[PlaceRow]:
    """The profile's named places (parks, schools), optionally of one kind."""
    return [r for r in current().places if kind is None or r.kind == kind]


_GAZETTEERS: dict[str, dict[frozenset[str], Place]] = {}


def _gazetteer(p: CityProfile) -> dict[frozenset[str], Place]:
    found = _GAZETTEERS.get(p.source)
    if found is None:
        found = {}
        for row in p.intersections:
            key = logic.intersection_key(f"{row.street_a} & {row.street_b}")
            if key is not None and key not in found:  # the first spelling of an intersection wins
                found[key] = Place(f"{logic.title(row.street_a)} & {logic.title(row.street_b)}", row.lat, row.lon)
        _GAZETTEERS[p.source] = found
    return found


def resolve_intersection(text: str) -> Place | None:
    """The intersection named by ``text`` in the city's gazetteer, or None."""
    key = logic.intersection_key(text)
    return None if key is None else _gazetteer(current()).get(key)


def resolve(text: str) -> Place | None:
    """A place a user typed: an intersection of the gazetteer, else a named place (park, school) by its exact name
    (case-insensitive), else None."""
    found = resolve_intersection(text)
    if found is not None:
        return found
    wanted = " ".join(text.split()).casefold()
    row = next((r for r in current().places if r.name.casefold() == wanted), None)
    return None if row is None else Place(row.name, row.lat, row.lon)


def search(text: str, limit: int = 10) -> list[PlaceMatch]:
    """Intersections and named places matching what a user typed: the exact resolution first, then every name of
    which each typed word starts a word, at most ``limit``."""
    exact = resolve(text)
    out: list[PlaceMatch] = []
    if exact is not None:
        kind = "intersection" if resolve_intersection(text) is not None else "place"
        out.append(PlaceMatch(kind=kind, name=exact.name, lat=exact.lat, lon=exact.lon))
    query = logic.search_words(text)
    seen = {m.name for m in out}
    candidates = [("intersection", p.name, p.lat, p.lon) for p in intersections()]
    candidates += [(r.kind, r.name, r.lat, r.lon) for r in sorted(current().places, key=lambda r: r.name)]
    for kind, name, lat, lon in candidates:
        if len(out) >= limit:
            break
        if name not in seen and logic.matches_words(query, logic.search_words(name)):
            seen.add(name)
            out.append(PlaceMatch(kind=kind, name=name, lat=lat, lon=lon))
    return out


def intersections() -> list[Place]:
    """Every intersection of the city's gazetteer, by name."""
    return sorted(_gazetteer(current()).values(), key=lambda p: p.name)
