"""The canvass kernel against hand-computed geometry: in range and inside the cone, outside the cone, out of range,
360-degree cameras, the cone edge, ranking by distance then angle, and the prefilter agreeing with brute force."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rtcc.cameras.kernel import M_PER_DEG_LAT, CameraArrays, bearings_deg, haversine_m

# A metre in degrees of latitude (and of longitude on the equator): haversine along a meridian or the equator is
# exactly R * angle, so these offsets give exact reference distances.
M = 1.0 / M_PER_DEG_LAT


def one(direction: float, fov: float, range_m: float, lat: float = 0.0, lon: float = 0.0) -> CameraArrays:
    return CameraArrays.build([lat], [lon], [direction], [fov], [range_m])


def test_reference_distances_and_bearings() -> None:
    lats = np.array([0.0, 0.0])
    lons = np.array([0.0, 0.0])
    assert haversine_m(lats, lons, 50 * M, 0.0)[0] == pytest.approx(50.0, abs=1e-6)
    assert haversine_m(lats, lons, 0.0, 50 * M)[0] == pytest.approx(50.0, abs=1e-6)
    assert bearings_deg(lats, lons, 50 * M, 0.0)[0] == pytest.approx(0.0, abs=1e-9)
    assert bearings_deg(lats, lons, 0.0, 50 * M)[0] == pytest.approx(90.0, abs=1e-9)
    assert bearings_deg(lats, lons, -50 * M, 0.0)[0] == pytest.approx(180.0, abs=1e-9)
    assert bearings_deg(lats, lons, 0.0, -50 * M)[0] == pytest.approx(270.0, abs=1e-9)
    # Cerritos: 0.001 degree of latitude north of Artesia & Norwalk is 111.195 m (pi * 6371008.8 / 180 / 1000).
    d = haversine_m(np.array([33.873]), np.array([-118.072]), 33.874, -118.072)[0]
    assert d == pytest.approx(111.195, abs=0.001)


def test_point_in_range_and_in_cone_is_seen() -> None:
    hits = one(direction=0.0, fov=90.0, range_m=100.0).query(50 * M, 0.0)
    assert len(hits) == 1
    assert hits[0].row == 0
    assert hits[0].distance_m == pytest.approx(50.0, abs=1e-6)
    assert hits[0].bearing_deg == pytest.approx(0.0, abs=1e-9)
    assert hits[0].angle_off_axis_deg == pytest.approx(0.0, abs=1e-9)


def test_point_out_of_cone_is_not_seen() -> None:
    # 50 m east of a north-looking camera: 90 degrees off axis, outside a 90-degree cone (half-angle 45).
    assert one(direction=0.0, fov=90.0, range_m=100.0).query(0.0, 50 * M) == []
    # Behind the camera.
    assert one(direction=0.0, fov=90.0, range_m=100.0).query(-50 * M, 0.0) == []


def test_cone_edge_and_wraparound() -> None:
    # A 180-degree cone looking north has its edge exactly due east: on the edge counts as seen.
    hits = one(direction=0.0, fov=180.0, range_m=100.0).query(0.0, 50 * M)
    assert len(hits) == 1 and hits[0].angle_off_axis_deg == pytest.approx(90.0, abs=1e-9)
    # Looking at 350 degrees with a 40-degree cone sees due north (10 degrees off axis across the 0/360 seam).
    hits = one(direction=350.0, fov=40.0, range_m=100.0).query(50 * M, 0.0)
    assert len(hits) == 1 and hits[0].angle_off_axis_deg == pytest.approx(10.0, abs=1e-9)
    # ... but not due east (100 degrees off axis).
    assert one(direction=350.0, fov=40.0, range_m=100.0).query(0.0, 50 * M) == []


def test_point_out_of_range_is_not_seen() -> None:
    assert one(direction=0.0, fov=90.0, range_m=100.0).query(150 * M, 0.0) == []
    assert one(direction=0.0, fov=360.0, range_m=49.0).query(50 * M, 0.0) == []
    assert len(one(direction=0.0, fov=360.0, range_m=50.001).query(50 * M, 0.0)) == 1


def test_fov_360_sees_all_around() -> None:
    arrays = one(direction=0.0, fov=360.0, range_m=100.0)
    for lat, lon, bearing in ((50 * M, 0.0, 0.0), (0.0, 50 * M, 90.0), (-50 * M, 0.0, 180.0), (0.0, -50 * M, 270.0)):
        hits = arrays.query(lat, lon)
        assert len(hits) == 1
        assert hits[0].bearing_deg == pytest.approx(bearing, abs=1e-9)


def test_point_at_the_camera_is_seen_whatever_the_direction() -> None:
    hits = one(direction=180.0, fov=10.0, range_m=30.0).query(0.0, 0.0)
    assert len(hits) == 1 and hits[0].distance_m == 0.0 and hits[0].angle_off_axis_deg == 0.0


def test_ranked_by_distance_then_angle_off_axis() -> None:
    # Target at the origin. Row 0: 40 m south looking north (0 off). Row 1: 20 m south looking 20 deg off.
    # Row 2: 20 m south looking straight at it. Row 3: 20 m west looking away (not seen).
    arrays = CameraArrays.build(
        [-40 * M, -20 * M, -20 * M, 0.0],
        [0.0, 0.0, 0.0, -20 * M],
        [0.0, 20.0, 0.0, 270.0],
        [60.0, 60.0, 60.0, 60.0],
        [100.0, 100.0, 100.0, 100.0],
    )
    hits = arrays.query(0.0, 0.0)
    assert [h.row for h in hits] == [2, 1, 0]
    assert [round(h.distance_m, 3) for h in hits] == [20.0, 20.0, 40.0]
    assert [round(h.angle_off_axis_deg, 6) for h in hits] == [0.0, 20.0, 0.0]
    assert [h.row for h in arrays.query(0.0, 0.0, limit=2)] == [2, 1]


def test_prefilter_agrees_with_brute_force() -> None:
    rng = np.random.default_rng(7)
    n = 20_000
    lat = rng.uniform(33.70, 34.30, n)
    lon = rng.uniform(-118.65, -118.15, n)
    direction = rng.uniform(0, 360, n)
    fov = rng.choice([60.0, 90.0, 120.0, 360.0], n)
    rng_m = rng.uniform(10, 400, n)
    arrays = CameraArrays.build(lat, lon, direction, fov, rng_m)
    for _ in range(25):
        qlat, qlon = float(rng.uniform(33.75, 34.25)), float(rng.uniform(-118.6, -118.2))
        d = haversine_m(lat, lon, qlat, qlon)
        b = bearings_deg(lat, lon, qlat, qlon)
        off = np.abs((b - direction + 180.0) % 360.0 - 180.0)
        expected = set(np.flatnonzero((d <= rng_m) & ((fov >= 360) | (off <= fov / 2))).tolist())
        got = arrays.query(qlat, qlon)
        assert {h.row for h in got} == expected
        assert [h.distance_m for h in got] == sorted(h.distance_m for h in got)
    assert len(arrays.candidates(34.0, -118.4)) < n / 20  # the prefilter really cuts


def test_empty_and_bad_input() -> None:
    empty = CameraArrays.build([], [], [], [], [])
    assert len(empty) == 0 and empty.query(0.0, 0.0) == []
    with pytest.raises(ValueError, match="one length"):
        CameraArrays.build([0.0, 1.0], [0.0], [0.0], [90.0], [10.0])


def test_longitude_band_widens_with_latitude() -> None:
    # At 60 degrees north a metre east is twice as many degrees of longitude as on the equator.
    lat0 = 60.0
    dlon = 40.0 / (M_PER_DEG_LAT * math.cos(math.radians(lat0)))
    hits = one(direction=90.0, fov=30.0, range_m=50.0, lat=lat0).query(lat0, dlon)
    assert len(hits) == 1 and hits[0].distance_m == pytest.approx(40.0, rel=1e-3)


def test_nearest_names_the_closest_cameras_and_why_they_miss() -> None:
    from rtcc.cameras.kernel import M_PER_DEG_LAT, CameraArrays, nearest_of

    m = 1.0 / M_PER_DEG_LAT
    arrays = CameraArrays.build(
        [10 * m, 50 * m, 500 * m, 20 * m],  # lat (lon 0): north of the point
        [0.0, 0.0, 0.0, 0.0],
        [0.0, 180.0, 180.0, 0.0],  # the first and last face away (north), the others toward the point
        [90.0, 90.0, 90.0, 90.0],
        [30.0, 40.0, 600.0, 30.0],
    )
    near = nearest_of(arrays, 0.0, 0.0, k=3)
    assert [n.row for n in near] == [0, 3, 1]
    assert [(n.in_range, n.in_cone) for n in near] == [(True, False), (True, False), (False, True)]
    assert abs(near[0].distance_m - 10.0) < 0.01 and abs(near[0].angle_off_axis_deg - 180.0) < 1e-6
    assert nearest_of(arrays, 0.0, 0.0, k=10)[-1].row == 2
    assert nearest_of(CameraArrays.build([], [], [], [], []), 0.0, 0.0) == []


def test_nearest_in_a_band_agrees_with_a_full_scan() -> None:
    import numpy as np

    from rtcc.cameras.kernel import CameraArrays, haversine_m, nearest_of

    rng = np.random.default_rng(5)
    n = 20_000
    lat, lon = rng.uniform(33.7, 34.3, n), rng.uniform(-118.7, -118.1, n)
    arrays = CameraArrays.build(lat, lon, rng.uniform(0, 360, n), rng.uniform(60, 120, n), rng.uniform(10, 150, n))
    for plat, plon in [(34.0, -118.4), (33.5, -118.4), (35.0, -117.0), (33.7, -118.7)]:  # inside, off, far off, edge
        got = [x.row for x in nearest_of(arrays, plat, plon, k=3)]
        want = np.argsort(haversine_m(lat, lon, plat, plon), kind="stable")[:3].tolist()
        assert got == want
