"""The offline vector base map the web app ships (``web/public/basemap/cerritos.geojson``): the city boundary, the
arterials and the named intersections, derived by ``tools/derive_web_basemap.py`` from the shared public data."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from rtcc.demo import world

ROOT = Path(__file__).resolve().parents[3]
BASEMAP = ROOT / "web" / "public" / "basemap" / "cerritos.geojson"
SHARED = ROOT.parent / "shared" / "data"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("derive_web_basemap", ROOT / "tools" / "derive_web_basemap.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _doc() -> dict[str, object]:
    return json.loads(BASEMAP.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_the_base_map_holds_the_boundary_arterials_and_intersections() -> None:
    doc = _doc()
    kinds: dict[str, int] = {}
    for f in doc["features"]:  # type: ignore[attr-defined]
        kinds[f["properties"]["kind"]] = kinds.get(f["properties"]["kind"], 0) + 1
    assert kinds["boundary"] == 1 and kinds["arterial"] >= 10 and kinds["intersection"] >= 10
    assert BASEMAP.stat().st_size < 50_000  # small enough to commit and to load on a phone


def test_intersections_lie_in_the_city_and_arterials_cross_it() -> None:
    lon_min, lat_min, lon_max, lat_max = _tool().WINDOW  # the city's bbox widened by about a kilometre
    b = world.bbox()
    assert lon_min < b[0] and lat_min < b[1] and lon_max > b[2] and lat_max > b[3]
    for f in _doc()["features"]:  # type: ignore[attr-defined]
        props, geom = f["properties"], f["geometry"]
        if props["kind"] == "intersection":
            lon, lat = geom["coordinates"]
            assert world.contains(lat, lon), props["name"]
        elif props["kind"] == "arterial":
            coords = geom["coordinates"]
            assert len(coords) >= 2
            near = [
                c
                for c in coords
                if lat_min - 0.01 <= c[1] <= lat_max + 0.01 and lon_min - 0.01 <= c[0] <= lon_max + 0.01
            ]
            assert len(near) == len(coords), props["name"]  # no stray vertex far outside the map window


def test_the_boundary_is_the_demo_city_polygon() -> None:
    [boundary] = [f for f in _doc()["features"] if f["properties"]["kind"] == "boundary"]  # type: ignore[attr-defined]
    ring = boundary["geometry"]["coordinates"][0]
    assert [tuple(p) for p in ring] == [tuple(p) for p in world.boundary()[0]]


def test_street_names_are_stripped_of_numbers_and_directions() -> None:
    tool = _tool()
    assert tool._street("12700 E SOUTH ST") == "SOUTH ST"
    assert tool._street("N ARTESIA BLVD") == "ARTESIA BLVD"
    assert tool._street("11100 183RD ST") == "183RD ST"
    assert tool._street("STUDEBAKER RD") == "STUDEBAKER RD"


def test_a_line_follows_the_median_of_its_points_and_drops_outliers() -> None:
    tool = _tool()
    pts = [(-118.10, 33.8700), (-118.099, 33.8702), (-118.09, 33.8701), (-118.08, 33.8699), (-118.085, 33.90)]
    line = tool._line(pts, "ew")
    assert all(abs(lat - 33.87) < 0.001 for _, lat in line)  # the point 3 km off the road is dropped
    assert [lon for lon, _ in line] == sorted(lon for lon, _ in line)  # west to east


def test_the_committed_file_is_what_the_tool_derives() -> None:
    if not (SHARED / "incidents").exists():
        pytest.skip(f"shared data not available: {SHARED}")
    derived = json.dumps(_tool().derive(SHARED), separators=(",", ":"), sort_keys=True) + "\n"
    assert derived == BASEMAP.read_text(encoding="utf-8")
