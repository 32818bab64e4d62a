"""Contracts of the routing domain: what the service returns to other domains (``TravelTimes``, ``Route``,
``NetworkRead``, all frozen) and what its routes accept (``EtaQuery``, ``RouteQuery``, which forbid unknown fields).

Points are WGS84 (lat, lon). ``LatLon`` is the plain point the service takes: any ``(lat, lon)`` tuple works, and so
does any object with ``lat`` and ``lon`` attributes (a unit's position, a call's location).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, NamedTuple, Protocol

from pydantic import BaseModel, ConfigDict, Field

#: How a travel time was obtained: on the road network, or the straight-line estimate (great-circle distance times
#: the circuity factor at the fallback speed) where no network is loaded or a point is too far from it.
Method = Literal["network", "straight_line"]

#: What a screen says about a straight-line estimate.
STRAIGHT_LINE_NOTE = "straight-line estimate (no road network covers this point)"


class LatLon(NamedTuple):
    """A WGS84 point, latitude first."""

    lat: float
    lon: float


class HasLatLon(Protocol):
    """Anything with ``lat`` and ``lon`` (degrees)."""

    @property
    def lat(self) -> float: ...

    @property
    def lon(self) -> float: ...


PointLike = tuple[float, float] | HasLatLon


class PointIn(BaseModel):
    """A point in a request."""

    model_config = ConfigDict(extra="forbid")

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class EtaQuery(BaseModel):
    """Travel times from each origin (units) to one destination (a call)."""

    model_config = ConfigDict(extra="forbid")

    to: PointIn
    origins: list[PointIn] = Field(min_length=1, max_length=5000)
    emergent: bool = Field(default=False, description="Emergent response (lights and siren): faster speed table.")


class RouteQuery(BaseModel):
    """Directions from a start (a unit) to an end (a call)."""

    model_config = ConfigDict(extra="forbid")

    start: PointIn
    end: PointIn
    emergent: bool = False


class NetworkRead(BaseModel):
    """A stored road network."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    label: str
    source: str
    classes: list[str]
    node_count: int
    edge_count: int
    active: bool
    imported_at: datetime
    imported_by: str


class TravelTimes(BaseModel):
    """Seconds from each origin to the destination, in the origins' order (None: no road path from that origin).

    ``methods[i]`` says how origin i's time was obtained; ``method`` is ``network`` when the destination is on the
    loaded network (origins too far from it still fall back, see ``methods``), else ``straight_line`` for all.
    ``network``/``network_label`` name the network used (None without one); ``note`` is what a screen shows about
    estimates (None when every time is a network time)."""

    model_config = ConfigDict(frozen=True)

    seconds: list[float | None]
    methods: list[Method]
    method: Method
    emergent: bool
    network: str | None = None
    network_label: str | None = None
    note: str | None = None


class Route(BaseModel):
    """Directions: the polyline from start to end as [lat, lon] pairs (snap legs included), seconds and metres."""

    model_config = ConfigDict(frozen=True)

    polyline: list[tuple[float, float]]
    seconds: float | None
    distance_m: float
    method: Method
    emergent: bool
    network: str | None = None
    network_label: str | None = None
    note: str | None = None
