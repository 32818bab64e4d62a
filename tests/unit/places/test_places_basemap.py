"""The base map keeps a city's enclaves as holes: Los Angeles' boundary is one polygon with 366 holes (Beverly Hills,
San Fernando, ...), valid GeoJSON, not 367 polygons."""

from __future__ import annotations

from rtcc.core import geo
from rtcc.places import service as places


def test_los_angeles_enclaves_stay_holes_of_one_polygon() -> None:
    places.activate("los_angeles")
    try:
        polys = places.basemap()["features"][0]["geometry"]["coordinates"]
        rings = places.current().boundary.rings
        assert len(polys) == 1 and len(polys[0]) == len(rings)
        outer = polys[0][0]
        for hole in polys[0][1:]:
            lon, lat = hole[0]
            assert geo.point_in_rings(lat, lon, [tuple(map(tuple, outer))])
    finally:
        places.activate("cerritos")


def test_nested_rings_alternate_outer_and_hole() -> None:
    square = lambda a, b: ((a, a), (b, a), (b, b), (a, b), (a, a))  # noqa: E731
    polys = places.polygons_of([square(0, 10), square(2, 8), square(4, 6), square(20, 30)])
    assert sorted(len(p) for p in polys) == [1, 1, 2]  # an island in a lake in the city, and a second part
