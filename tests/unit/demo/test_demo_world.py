"""The demo world's data files: 19 real camera sites inside the real Cerritos boundary, and the geometry helpers."""

from __future__ import annotations

import csv
import functools
import importlib.util
import json
import sys
from importlib import resources
from pathlib import Path
from types import ModuleType

import pytest

from rtcc.demo import world
from rtcc.demo.traffic import VOLUME_RANGE

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared" / "data"
GAZETTEER = SHARED / "incidents" / "lasd_2021_2022" / "derived_lasd_intersections_gazetteer.csv"


@functools.cache
def _derive_script() -> ModuleType:
    """tools/derive_demo_world.py loaded as a module (registered first: its dataclasses resolve annotations)."""
    spec = importlib.util.spec_from_file_location("derive_demo_world", REPO / "tools" / "derive_demo_world.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_nineteen_cameras_13_installed_6_planned() -> None:
    cams = world.cameras()
    assert [c.code for c in cams] == [f"CER-ALPR-{i:02d}" for i in range(1, 20)]
    assert [c.phase for c in cams].count(1) == 13
    assert [c.phase for c in cams].count(2) == 6
    assert all(c.heading_deg in (0.0, 90.0, 180.0, 270.0) for c in cams)
    assert all(" & " in c.name for c in cams)


def test_every_camera_is_inside_the_boundary() -> None:
    outside = [c.code for c in world.cameras() if not world.contains(c.lat, c.lon)]
    assert outside == []


def test_camera_sites_are_distinct_or_differ_in_direction() -> None:
    keys = [(c.lat, c.lon, c.heading_deg) for c in world.cameras()]
    assert len(set(keys)) == 19
    # Only three intersections carry two cameras (see SOURCES.md).
    sites = [(c.lat, c.lon) for c in world.cameras()]
    assert len(set(sites)) == 16


def test_volumes_are_thousands_a_day_and_bigger_roads_are_busier() -> None:
    lo, hi = VOLUME_RANGE
    cams = world.cameras()
    assert all(lo <= c.daily_volume <= hi for c in cams)
    by_road = {c.road: c.daily_volume for c in cams}
    assert by_road["Artesia Blvd"] > by_road["Bloomfield Ave"] > by_road["Gridley Rd"]


def test_contains_interior_and_far_points() -> None:
    assert world.contains(33.868, -118.055)  # between Bloomfield Ave and Carmenita Rd, north of 183rd St
    assert world.contains(33.862, -118.0985)  # Studebaker Rd between South St and 183rd St
    assert not world.contains(34.0522, -118.2437)  # downtown Los Angeles
    assert not world.contains(33.873, -118.020)  # east of Valley View Ave (La Palma / Buena Park)
    assert not world.contains(33.84, -118.07)  # south of the city (Lakewood / Long Beach)


def test_contains_follows_the_notch_in_the_polygon() -> None:
    # The ring has a cut-out west of Norwalk Blvd north of Artesia Blvd (the City of Artesia side).
    assert not world.contains(33.884, -118.080)
    assert world.contains(33.884, -118.060)


def test_boundary_and_bbox() -> None:
    rings = world.boundary()
    assert len(rings) == 1
    ring = rings[0]
    assert ring[0] == ring[-1] and len(ring) > 10
    min_lon, min_lat, max_lon, max_lat = world.bbox()
    assert all(min_lon <= x <= max_lon and min_lat <= y <= max_lat for x, y in ring)
    assert (min_lon, min_lat, max_lon, max_lat) == pytest.approx((-118.1086, 33.8459, -118.0287, 33.8874), abs=1e-3)
    lat, lon = world.center()
    assert min_lat < lat < max_lat and min_lon < lon < max_lon


def test_camera_lookup_and_distance() -> None:
    cam = world.camera("CER-ALPR-01")
    assert cam.name == "Artesia Blvd & San Gabriel River"
    with pytest.raises(KeyError):
        world.camera("CER-ALPR-99")
    one_degree_lat = world.distance_m(33.0, -118.0, 34.0, -118.0)
    assert one_degree_lat == pytest.approx(111_195, rel=1e-3)


def test_data_files_are_small_and_packaged() -> None:
    data = resources.files("rtcc.demo").joinpath("data")
    for name in ("cerritos_boundary.geojson", "alpr_cameras.json", "SOURCES.md"):
        assert data.joinpath(name).is_file(), name
    boundary_bytes = data.joinpath("cerritos_boundary.geojson").read_bytes()
    assert len(boundary_bytes) < 100_000
    doc = json.loads(data.joinpath("alpr_cameras.json").read_text(encoding="utf-8"))
    assert doc["source"].endswith("derived_lasd_intersections_gazetteer.csv")


@pytest.mark.skipif(not GAZETTEER.exists(), reason="shared data not present")
def test_camera_coordinates_are_the_gazetteers() -> None:
    with GAZETTEER.open(encoding="utf-8", newline="") as fh:
        rows = {
            f"{r['street_a']} & {r['street_b']}": (float(r["lat_median"]), float(r["lon_median"]))
            for r in csv.DictReader(fh)
            if r["city"] == "CERRITOS"
        }
    for cam in world.cameras():
        assert rows[cam.source_intersection] == (cam.lat, cam.lon), cam.code


@pytest.mark.skipif(not GAZETTEER.exists(), reason="shared data not present")
def test_derivation_reproduces_the_committed_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = _derive_script()
    assert script.main(["--data", str(SHARED), "--out", str(tmp_path)]) == 0
    data = resources.files("rtcc.demo").joinpath("data")
    for name in ("cerritos_boundary.geojson", "alpr_cameras.json"):
        assert (tmp_path / name).read_bytes() == data.joinpath(name).read_bytes(), name
    assert "CER-ALPR-19" in capsys.readouterr().out


def test_derivation_point_in_ring_agrees_with_world() -> None:
    script = _derive_script()
    ring = [list(p) for p in world.boundary()[0]]
    for lat, lon in [(33.868, -118.055), (34.05, -118.24), (33.884, -118.080), (33.87, -118.1)]:
        assert script.point_in_ring(lon, lat, ring) == world.contains(lat, lon)
