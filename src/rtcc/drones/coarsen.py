"""Coarsening a flight's path for the public log, so that no house can be singled out.

The public sees where a drone flew, not which home it looked at. Two steps, in this order:

1. **Blank the private circles.** Every point within ``private_radius_m`` (default 400 m) of a *private point* is
   dropped: the call's location (where the drone hovered) and both ends of the track (the dock is public, but a
   landing away from the dock, or a track that starts late, may sit on a home). Inside such a circle a 400 m radius
   holds hundreds of homes in a city like Cerritos, so the gap itself says nothing about which one.
2. **Snap to a coarse grid.** Every remaining point is replaced by the centre of its grid cell (default 250 m
   square; cells are fixed in latitude/longitude, the same for every flight, so two flights cannot be overlaid to
   recover a finer position), and repeated cells are collapsed.

What remains is a list of *segments* (a blanked circle cuts the path in two), each at least two cell centres long;
single cells are dropped. A published vertex is a cell centre, at most ``cell_m``/sqrt(2) from the true track and
never closer than ``private_radius_m`` to the call. Pure: floats in, tuples out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

EARTH_M_PER_DEG = 111_320.0
DEFAULT_CELL_M = 250.0
DEFAULT_PRIVATE_RADIUS_M = 400.0

Point = tuple[float, float]  # (lat, lon)


def distance_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres (haversine)."""
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h)))


def snap(p: Point, cell_m: float = DEFAULT_CELL_M) -> Point:
    """The centre of the fixed grid cell holding ``p``: latitude rows of ``cell_m``, and in each row longitude
    columns of ``cell_m`` at the row's centre latitude."""
    dlat = cell_m / EARTH_M_PER_DEG
    row = math.floor(p[0] / dlat)
    lat_c = (row + 0.5) * dlat
    dlon = cell_m / (EARTH_M_PER_DEG * max(0.01, math.cos(math.radians(lat_c))))
    col = math.floor(p[1] / dlon)
    return (round(lat_c, 6), round((col + 0.5) * dlon, 6))


def coarsen(
    track: Sequence[Point],
    private: Sequence[Point] = (),
    *,
    cell_m: float = DEFAULT_CELL_M,
    private_radius_m: float = DEFAULT_PRIVATE_RADIUS_M,
) -> list[list[Point]]:
    """The public segments of ``track`` (see the module docstring). ``private`` are the extra private points (the
    call's location); the track's own first and last points are always private."""
    if cell_m <= 0 or private_radius_m < 0:
        raise ValueError("cell_m must be positive and private_radius_m not negative")
    if len(track) < 2:
        return []
    centres = [*private, track[0], track[-1]]
    segments: list[list[Point]] = []
    current: list[Point] = []
    for p in track:
        if any(distance_m(p, c) < private_radius_m for c in centres):
            if len(current) >= 2:
                segments.append(current)
            current = []
            continue
        cell = snap(p, cell_m)
        if any(distance_m(cell, c) < private_radius_m for c in centres):
            continue  # the cell's centre itself falls in a circle: leave it out, keep the segment going
        if not current or current[-1] != cell:
            current.append(cell)
    if len(current) >= 2:
        segments.append(current)
    return segments


def geojson_geometry(segments: Sequence[Sequence[Point]]) -> dict[str, object] | None:
    """A GeoJSON MultiLineString (``[lon, lat]`` order) of the segments, or None when nothing is public."""
    if not segments:
        return None
    return {"type": "MultiLineString", "coordinates": [[[lon, lat] for lat, lon in seg] for seg in segments]}
