"""The demo's road network: no street network of Cerritos is available offline, so the demo routes on an arterial grid
derived from the city profile's intersection gazetteer, and says so in the network's label.

Each street name of ``intersections.csv`` (leading N/S/E/W dropped, so "N SOUTH ST" and "SOUTH ST" are one street)
that appears at two or more intersections becomes a two-way road through them in order along the street (west to east
or south to north, whichever way it runs), with a node every ``step_m`` metres so that points along it snap close by.
Boulevards are ``primary``, other streets ``secondary``. The gazetteer's coordinates are rounded to 0.001 degrees
(about 100 m) and it names only some streets: this is a sketch for the demo, not a street survey.

``install_if_none`` stores it as the active network when no network is loaded; nothing in production imports this.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.orm import Session

from rtcc.audit.service import Actor
from rtcc.core import geo
from rtcc.identity.logic import SYSTEM
from rtcc.places import service as places
from rtcc.routing import logic
from rtcc.routing import service as routing
from rtcc.routing.schemas import NetworkRead

NAME = "cerritos-gazetteer-grid"
LABEL = "arterial grid derived from the intersection gazetteer (not a street survey)"
SOURCE = "city profile intersections.csv (cerritos)"
_DIRECTIONS = {"N", "S", "E", "W"}


class Intersection(Protocol):
    """A gazetteer row: two street names and a point."""

    @property
    def street_a(self) -> str: ...

    @property
    def street_b(self) -> str: ...

    @property
    def lat(self) -> float: ...

    @property
    def lon(self) -> float: ...


def street_key(name: str) -> str:
    """One spelling per street: upper case, single spaces, without a leading compass direction."""
    words = name.upper().split()
    if len(words) > 1 and words[0] in _DIRECTIONS:
        words = words[1:]
    return " ".join(words)


def gazetteer_grid(rows: Sequence[Intersection], *, step_m: float = 100.0) -> logic.RoadNetwork:
    """The arterial grid through the gazetteer's intersections (see the module docstring)."""
    points: dict[tuple[float, float], int] = {}
    along: dict[str, set[tuple[float, float]]] = defaultdict(set)
    for row in rows:
        at = (round(row.lat, 6), round(row.lon, 6))
        points.setdefault(at, len(points))
        for street in (row.street_a, row.street_b):
            along[street_key(street)].add(at)
    extra = len(points)
    ways: list[logic.Way] = []
    for street, pts in sorted(along.items()):
        if len(pts) < 2:
            continue
        lats = [p[0] for p in pts]
        lons = [p[1] for p in pts]
        east_west = (max(lons) - min(lons)) * math.cos(math.radians(lats[0])) >= max(lats) - min(lats)
        ordered = sorted(pts, key=lambda p: (p[1], p[0]) if east_west else (p[0], p[1]))
        nodes: list[tuple[int, float, float]] = []
        for a, b in itertools.pairwise(ordered):
            nodes.append((points[a], a[0], a[1]))
            pieces = max(1, math.ceil(geo.distance_m(a[0], a[1], b[0], b[1]) / step_m))
            for k in range(1, pieces):
                f = k / pieces
                nodes.append((extra, a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])))
                extra += 1
        last = ordered[-1]
        nodes.append((points[last], last[0], last[1]))
        road_class = "primary" if street.endswith(" BLVD") else "secondary"
        ways.append(logic.Way(road_class, 0, nodes))
    return logic.assemble(ways)


def install_if_none(session: Session, *, actor: Actor = SYSTEM) -> NetworkRead | None:
    """Store the gazetteer grid of the active city profile as the active network when no network is loaded; returns
    it, or None when a network was already active (a real import always wins)."""
    if routing.active_network(session) is not None:
        return None
    grid = gazetteer_grid(places.current().intersections)
    return routing.store_network(session, grid, name=NAME, label=LABEL, source=SOURCE, actor=actor)
