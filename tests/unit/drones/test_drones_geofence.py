"""The geofence kernel: hand-made zones whose answers are worked out by hand (a square with a hole, a MultiPolygon,
a leg that crosses a zone without ending in it, a leg that passes beside its bounding box), bad geometry named by its
path, and random zones against shapely (the reference, a dev-only dependency) for points and legs."""

from __future__ import annotations

import numpy as np
import pytest

from rtcc.drones.geofence import GeofenceError, GeofenceIndex, Zone, polygon_rings

shapely = pytest.importorskip("shapely")
from shapely.geometry import LineString, Point, Polygon, mapping  # noqa: E402


def square(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


SCHOOL = Zone(
    "school",
    "camera_restricted",
    "School",
    {"type": "Polygon", "coordinates": [square(0, 0, 10, 10), square(4, 4, 6, 6)]},
)
PARK = Zone(
    "park",
    "no_fly",
    "Park",
    {"type": "MultiPolygon", "coordinates": [[square(20, 0, 22, 2)], [square(30, 0, 32, 2)]]},
)
TRIANGLE = Zone(
    "tri", "no_fly", "Triangle", {"type": "Polygon", "coordinates": [[[40, 0], [50, 0], [40, 10], [40, 0]]]}
)


@pytest.fixture
def index() -> GeofenceIndex:
    return GeofenceIndex([SCHOOL, PARK, TRIANGLE])


def keys(zones: tuple[Zone, ...]) -> list[str]:
    return [z.key for z in zones]


def test_points_by_hand(index: GeofenceIndex) -> None:
    assert keys(index.zones_at(1, 1)) == ["school"]
    assert keys(index.zones_at(5, 5)) == []  # the hole
    assert keys(index.zones_at(21, 1)) == ["park"]
    assert keys(index.zones_at(31, 1)) == ["park"]  # the second part
    assert keys(index.zones_at(25, 1)) == []  # between the parts, inside the MultiPolygon's bounding box
    assert keys(index.zones_at(48, 8)) == []  # inside the triangle's box, outside the triangle
    assert keys(index.zones_at(41, 1)) == ["tri"]
    assert keys(index.zones_at(-100, 100)) == []  # outside the grid


def test_segments_by_hand(index: GeofenceIndex) -> None:
    # Starts and ends outside, crosses the school's south-west corner region and both parks.
    assert keys(index.zones_on_segment(-1, 1, 35, 1)) == ["school", "park"]
    # Inside the hole to inside the hole: touches nothing.
    assert keys(index.zones_on_segment(4.5, 4.5, 5.5, 5.5)) == []
    # Passes through the triangle's bounding box (above its hypotenuse) without touching it.
    assert keys(index.zones_on_segment(46, 9.5, 49.5, 6)) == []
    # Ends inside the triangle.
    assert keys(index.zones_on_segment(60, 1, 41, 1)) == ["tri"]
    # A zero-length leg is a point.
    assert keys(index.zones_on_segment(1, 1, 1, 1)) == ["school"]
    assert keys(index.zones_on_path([(-1, 1), (11, 1), (21, 1)])) == ["school", "park"]


def test_empty_index() -> None:
    index = GeofenceIndex([])
    assert index.zones_at(0, 0) == ()
    assert index.zones_on_segment(0, 0, 1, 1) == ()


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ({"type": "Point", "coordinates": [0, 0]}, "geometry.type: 'Point' is not a Polygon"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]},
            "geometry.coordinates[0]: a linear ring needs",
        ),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}, "must end where it starts"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, "x"], [1, 1], [0, 0]]]}, "geometry.coordinates[0][1]"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 95], [1, 1], [0, 0]]]}, "is not a WGS84"),
        ({"type": "MultiPolygon", "coordinates": [[square(0, 0, 1, 1)], []]}, "geometry.coordinates[1]: a polygon"),
    ],
)
def test_bad_geometry_is_named(geometry: dict[str, object], message: str) -> None:
    with pytest.raises(GeofenceError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        polygon_rings(geometry)


def test_bad_kind_is_named() -> None:
    with pytest.raises(GeofenceError, match=r"zones\[0\].kind"):
        GeofenceIndex([Zone("a", "camera_down", "A", SCHOOL.geometry)])


def _random_zones(rng: np.random.Generator, n: int) -> tuple[list[Zone], list[Polygon]]:
    zones: list[Zone] = []
    shapes: list[Polygon] = []
    for i in range(n):
        cx, cy = -118.08 + rng.random() * 0.06, 33.85 + rng.random() * 0.04
        k = int(rng.integers(5, 25))
        ang = np.sort(rng.random(k) * 2 * np.pi)
        r = 0.0005 + rng.random(k) * 0.003
        poly = Polygon([(cx + rr * np.cos(a), cy + rr * np.sin(a)) for a, rr in zip(ang, r, strict=True)])
        if not poly.is_valid:
            continue
        if i % 5 == 0:
            poly = poly.difference(Point(cx, cy).buffer(0.0003))
        if not poly.is_valid or poly.geom_type != "Polygon":
            continue
        g = mapping(poly)
        geometry = {"type": "Polygon", "coordinates": [[list(p) for p in ring] for ring in g["coordinates"]]}
        zones.append(Zone(str(i), "no_fly" if i % 2 else "camera_restricted", f"z{i}", geometry))
        shapes.append(poly)
    return zones, shapes


def test_random_zones_match_shapely() -> None:
    rng = np.random.default_rng(7)
    zones, shapes = _random_zones(rng, 200)
    index = GeofenceIndex(zones)
    for _ in range(800):
        x, y = -118.09 + rng.random() * 0.08, 33.84 + rng.random() * 0.06
        want = [z.key for z, s in zip(zones, shapes, strict=True) if s.contains(Point(x, y))]
        assert keys(index.zones_at(x, y)) == want
    for _ in range(300):
        x, y = -118.09 + rng.random() * 0.08, 33.84 + rng.random() * 0.06
        x2, y2 = x + (rng.random() - 0.5) * 0.03, y + (rng.random() - 0.5) * 0.03
        leg = LineString([(x, y), (x2, y2)])
        want = [z.key for z, s in zip(zones, shapes, strict=True) if s.intersects(leg)]
        assert keys(index.zones_on_segment(x, y, x2, y2)) == want
