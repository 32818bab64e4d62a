"""Pure rules of the places domain: the area index that answers "which district is this point in", and the
intersection names of the gazetteer.

``AreaIndex`` keeps every area's bounding box in numpy arrays: a lookup first keeps the few areas whose box holds
the point (one vectorised comparison over all of them), then runs the even-odd ring test on those only. For the
1,135 Los Angeles reporting districts that is one array comparison and usually one or two ring tests per point.

Intersections: two street names joined by ``&``, ``and``, ``@``, ``/`` or ``at``, in either order, with or without
the street-type suffix and directional prefix ("Artesia Blvd & Norwalk Blvd", "norwalk and artesia", "Studebaker Rd
@ 183rd St"). ``street_key`` reduces a name to its comparable core.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rtcc.core import geo


@dataclass(frozen=True)
class Area:
    """A named (multi)polygon: its rings in GeoJSON (lon, lat) order (holes included, even-odd rule)."""

    code: str
    name: str
    rings: tuple[geo.Ring, ...]
    division: str | None = None

    def bbox(self) -> tuple[float, float, float, float]:
        """(min_lon, min_lat, max_lon, max_lat)."""
        return geo.Boundary(self.rings).bbox()


class _Edges:
    """The edges of an area's rings as arrays, for a vectorised even-odd test of one point."""

    def __init__(self, rings: tuple[geo.Ring, ...]) -> None:
        parts = [np.asarray(r, dtype=np.float64) for r in rings]
        a = np.concatenate([p[:-1] for p in parts]) if parts else np.zeros((0, 2))
        b = np.concatenate([p[1:] for p in parts]) if parts else np.zeros((0, 2))
        keep = a[:, 1] != b[:, 1]  # horizontal edges never cross a horizontal ray
        self.x1, self.y1 = a[keep, 0], a[keep, 1]
        self.y2 = b[keep, 1]
        self.slope = (b[keep, 0] - self.x1) / (self.y2 - self.y1)

    def contains(self, lat: float, lon: float) -> bool:
        crosses = (self.y1 > lat) != (self.y2 > lat)
        x_cross = self.x1[crosses] + (lat - self.y1[crosses]) * self.slope[crosses]
        return bool(np.count_nonzero(lon < x_cross) % 2)


class AreaIndex:
    """Point-in-polygon lookup over many areas, bounding boxes first, then a vectorised even-odd test."""

    def __init__(self, areas: Sequence[Area]) -> None:
        self.areas = tuple(areas)
        boxes = np.array([a.bbox() for a in self.areas], dtype=np.float64).reshape(-1, 4)
        self._min_lon, self._min_lat, self._max_lon, self._max_lat = (boxes[:, i].copy() for i in range(4))
        self._edges = [_Edges(a.rings) for a in self.areas]

    def __len__(self) -> int:
        return len(self.areas)

    def candidates(self, lat: float, lon: float) -> npt.NDArray[np.intp]:
        """Indexes of the areas whose bounding box holds the point."""
        hit = (self._min_lat <= lat) & (lat <= self._max_lat) & (self._min_lon <= lon) & (lon <= self._max_lon)
        return np.flatnonzero(hit)

    def find(self, lat: float, lon: float) -> Area | None:
        """The first area (in file order) containing the point, or None."""
        for i in self.candidates(lat, lon):
            if self._edges[int(i)].contains(lat, lon):
                return self.areas[int(i)]
        return None

    def contains(self, lat: float, lon: float) -> bool:
        """True when some area holds the point."""
        return self.find(lat, lon) is not None

    def find_many(self, lats: geo.FloatArray, lons: geo.FloatArray) -> list[Area | None]:
        """``find`` for arrays of points: each area tests, in one vectorised pass, only the points in its box."""
        out: list[Area | None] = [None] * len(lats)
        todo = np.ones(len(lats), dtype=bool)
        for j, area in enumerate(self.areas):
            in_box = (
                todo
                & (self._min_lat[j] <= lats)
                & (lats <= self._max_lat[j])
                & (self._min_lon[j] <= lons)
                & (lons <= self._max_lon[j])
            )
            idx = np.flatnonzero(in_box)
            if idx.size == 0:
                continue
            inside = idx[geo.points_in_rings(lats[idx], lons[idx], area.rings)]
            for i in inside:
                out[int(i)] = area
            todo[inside] = False
        return out

    def find_unindexed(self, lat: float, lon: float) -> Area | None:
        """``find`` without the bounding boxes: the vectorised ring test of every area in turn (the baseline that
        shows what the boxes add)."""
        for i, edges in enumerate(self._edges):
            if edges.contains(lat, lon):
                return self.areas[i]
        return None

    def find_naive(self, lat: float, lon: float) -> Area | None:
        """The same answer as ``find`` without bounding boxes or arrays: every area's rings, one edge at a time (the
        plain scan ``find`` is checked and timed against)."""
        for area in self.areas:
            if geo.point_in_rings(lat, lon, area.rings):
                return area
        return None


# --- intersections ----------------------------------------------------------------------------------------------------

_SUFFIXES = {
    "BLVD", "BOULEVARD", "BL", "ST", "STREET", "AVE", "AVENUE", "AV", "RD", "ROAD", "DR", "DRIVE", "PL", "PLACE",
    "WAY", "WY", "CTR", "CENTER", "CENTRE", "RIV", "RIVER", "LN", "LANE", "CT", "COURT", "HWY", "HY", "HIGHWAY",
    "PKWY", "PARKWAY", "FWY", "FREEWAY", "TER", "TERRACE", "CIR", "CIRCLE",
}  # fmt: skip
_DIRECTIONS = {"N", "S", "E", "W", "NORTH", "SOUTH", "EAST", "WEST"}
_SEPARATORS = re.compile(r"\s*(?:&|@|/|\bAND\b|\bAT\b)\s*")
_ORDINAL = re.compile(r"^0*(\d+)(?:ST|ND|RD|TH)$")


def street_key(name: str) -> str:
    """A street's comparable core: upper case, no punctuation, no type suffix, no leading direction, bare ordinals.

    A street that is only a direction word plus a suffix ("South St") keeps the direction word.
    """
    words = re.sub(r"[^A-Z0-9 ]", " ", name.upper()).split()
    words = [_ORDINAL.sub(r"\1", w) for w in words]
    if len(words) > 1 and words[-1] in _SUFFIXES:
        words = words[:-1]
    if len(words) > 1 and words[0] in _DIRECTIONS:
        words = words[1:]
    return " ".join(words)


def intersection_key(text: str) -> frozenset[str] | None:
    """The unordered pair of street keys of an intersection text, or None when it does not name two streets."""
    parts = [p for p in _SEPARATORS.split(text.upper().strip()) if p.strip()]
    if len(parts) != 2:
        return None
    keys = frozenset(street_key(p) for p in parts)
    return keys if len(keys) == 2 else None


def search_words(text: str) -> list[str]:
    """The words a place search compares: upper case, no punctuation, bare ordinals, no joining words (and, at)."""
    words = re.sub(r"[^A-Z0-9 ]", " ", text.upper()).split()
    return [_ORDINAL.sub(r"\1", w) for w in words if w not in ("AND", "AT")]


def matches_words(query: Sequence[str], name: Sequence[str]) -> bool:
    """Whether every query word starts some word of a name (a search as the user types: "artes vall")."""
    return bool(query) and all(any(w.startswith(q) for w in name) for q in query)


def title(street: str) -> str:
    """A gazetteer street name (upper case) for display: '183RD ST' -> '183rd St'."""
    return " ".join(w.lower() if w[0].isdigit() else w.capitalize() for w in street.split())
