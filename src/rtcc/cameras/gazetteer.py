"""The canvass gazetteer: named intersections of the demo city (Cerritos, CA) resolved to coordinates.

What is supported: an intersection written as two street names joined by ``&``, ``and``, ``@``, ``/`` or ``at``, in
either order, with or without the street-type suffix and directional prefix ("Artesia Blvd & Norwalk Blvd",
"norwalk and artesia", "Studebaker Rd @ 183rd St"). Addresses are resolved by the service against registered
cameras' ``address`` fields (exact, case-insensitive); there is no general street-address geocoder.

Source: the 24 Cerritos rows of ``incidents/lasd_2021_2022/derived_lasd_intersections_gazetteer.csv`` in the project's
shared data set (median published coordinates of LA County Sheriff incident intersections, rounded by the publisher
to 0.001 degree, about 100 m), copied unchanged; the publisher's misspellings "LOS CRRITOS CTR" and "VALLEY VEIW ST"
are corrected (the latter was a duplicate of VALLEY VIEW ST and is dropped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

#: (street a, street b, lat, lon) as published.
_INTERSECTIONS: tuple[tuple[str, str, float, float], ...] = (
    ("E GRIDLEY RD", "SOUTH ST", 33.858, -118.09),
    ("ALONDRA BLVD", "CARMENITA RD", 33.887, -118.046),
    ("NORWALK BLVD", "ROSE ST", 33.869, -118.072),
    ("PIONEER BLVD", "SOUTH ST", 33.858, -118.082),
    ("183RD ST", "LOS CERRITOS CTR", 33.865, -118.094),
    ("166TH ST", "PARKSIDE AVE", 33.88, -118.074),
    ("195TH ST", "STUDEBAKER RD", 33.853, -118.099),
    ("ARTESIA BLVD", "NORWALK BLVD", 33.873, -118.072),
    ("ARTESIA BLVD", "SAN GABRIEL RIV", 33.876, -118.102),
    ("ARTESIA BLVD", "CARMENITA RD", 33.873, -118.046),
    ("ARTESIA BLVD", "VALLEY VIEW ST", 33.873, -118.028),
    ("GONSALVES ST", "NORMANDALE AVE", 33.852, -118.078),
    ("CARMENITA RD", "N SOUTH ST", 33.858, -118.046),
    ("ARBOR PL", "BERWYN RD", 33.881, -118.031),
    ("ARTESIA BLVD", "BELSHIRE AVE", 33.873, -118.07),
    ("183RD ST", "BLOOMFIELD AVE", 33.865, -118.063),
    ("SOUTH ST", "W ERIC AVE", 33.858, -118.093),
    ("BUSINESS CIRCLE DR", "STUDEBAKER RD", 33.871, -118.099),
    ("DROXFORD ST", "S ANDY ST", 33.861, -118.043),
    ("195TH ST", "PIONEER BLVD", 33.853, -118.082),
    ("183RD ST", "STUDEBAKER RD", 33.865, -118.099),
    ("BLOOMFIELD AVE", "HIDDEN CREEK WAY", 33.884, -118.064),
    ("N ARTESIA BLVD", "STUDEBAKER RD", 33.872, -118.099),
    ("SOUTH ST", "STUDEBAKER RD", 33.858, -118.099),
)

_SUFFIXES = {
    "BLVD", "BOULEVARD", "ST", "STREET", "AVE", "AVENUE", "AV", "RD", "ROAD", "DR", "DRIVE", "PL", "PLACE", "WAY",
    "CTR", "CENTER", "CENTRE", "RIV", "RIVER", "LN", "LANE", "CT", "COURT", "HWY", "HIGHWAY", "PKWY", "PARKWAY",
}  # fmt: skip
_DIRECTIONS = {"N", "S", "E", "W", "NORTH", "SOUTH", "EAST", "WEST"}
_SEPARATORS = re.compile(r"\s*(?:&|@|/|\bAND\b|\bAT\b)\s*")
_ORDINAL = re.compile(r"^(\d+)(?:ST|ND|RD|TH)$")


@dataclass(frozen=True)
class Place:
    """A resolved place: its display name and coordinates."""

    name: str
    lat: float
    lon: float


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


def _title(street: str) -> str:
    return " ".join(w.lower() if w[0].isdigit() else w.capitalize() for w in street.split())


@cache
def _index() -> dict[frozenset[str], Place]:
    index: dict[frozenset[str], Place] = {}
    for a, b, lat, lon in _INTERSECTIONS:
        key = intersection_key(f"{a} & {b}")
        if key is not None:
            index[key] = Place(f"{_title(a)} & {_title(b)}", lat, lon)
    return index


def resolve(text: str) -> Place | None:
    """The intersection named by ``text``, or None when it is not in the gazetteer."""
    key = intersection_key(text)
    return None if key is None else _index().get(key)


def places() -> list[Place]:
    """Every intersection the gazetteer knows, by name."""
    return sorted(_index().values(), key=lambda p: p.name)
