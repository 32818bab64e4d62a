"""Pure routing rules: OSM one-way conventions, drivable classes, speed tables (routine, Emergent, overrides), the
assembly of ways into a directed network, and the straight-line fallback."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from rtcc.core import geo
from rtcc.routing import logic
from rtcc.routing.osm import OsmReadError, read_osm


@pytest.mark.parametrize(
    ("highway", "oneway", "junction", "want"),
    [
        ("primary", "yes", None, 1),
        ("primary", "true", None, 1),
        ("primary", "1", None, 1),
        ("primary", "-1", None, -1),
        ("primary", "reverse", None, -1),
        ("primary", "no", None, 0),
        ("primary", None, None, 0),
        ("primary", "nan", None, 0),  # the LA extract writes a missing tag as the string "nan"
        ("motorway", None, None, 1),  # implied one-way
        ("motorway", "no", None, 0),
        ("residential", None, "roundabout", 1),
    ],
)
def test_direction_follows_osm_conventions(highway: str, oneway: str | None, junction: str | None, want: int) -> None:
    assert logic.direction(highway, oneway, junction) == want


def test_only_drivable_classes_are_kept() -> None:
    assert logic.is_drivable("primary") and logic.is_drivable("service") and logic.is_drivable("motorway_link")
    for other in ("footway", "steps", "cycleway", "path", "track", "construction", None):
        assert not logic.is_drivable(other)


def test_speed_tables() -> None:
    table = logic.speed_table({"primary": 60})
    assert table["primary"] == 60 and table["residential"] == logic.DEFAULT_SPEEDS_KPH["residential"]
    routine = logic.speeds_mps(["primary", "weird"], table, emergent=False, emergent_factor=1.5)
    np.testing.assert_allclose(routine, [60 / 3.6, 30 / 3.6])  # unknown class: the "road" speed
    emergent = logic.speeds_mps(
        ["primary", "weird"], table, emergent=True, emergent_factor=1.5, emergent_kph={"weird": 50}
    )
    np.testing.assert_allclose(emergent, [90 / 3.6, 50 / 3.6])
    with pytest.raises(ValueError, match="positive"):
        logic.speed_table({"primary": 0})


def test_ways_become_a_directed_network_with_shared_nodes() -> None:
    a, b, c, d = (1, 33.0, -118.0), (2, 33.001, -118.0), (3, 33.002, -118.0), (4, 33.001, -118.001)
    net = logic.assemble(
        [
            logic.Way("primary", 0, [a, b, c]),  # two-way: 4 edges
            logic.Way("residential", 1, [d, b]),  # one-way d -> b
            logic.Way("service", -1, [c, d]),  # one-way against the order: d -> c
        ]
    )
    assert net.node_count == 4 and net.edge_count == 6
    assert net.classes == ("primary", "residential", "service")
    pairs = set(zip(net.src.tolist(), net.dst.tolist(), strict=True))
    assert pairs == {(0, 1), (1, 0), (1, 2), (2, 1), (3, 1), (3, 2)}
    i = int(np.flatnonzero((net.src == 0) & (net.dst == 1))[0])
    assert net.length_m[i] == pytest.approx(geo.distance_m(33.0, -118.0, 33.001, -118.0))
    with pytest.raises(ValueError, match="no drivable"):
        logic.assemble([])


def test_projection_keeps_city_distances() -> None:
    proj = logic.Projection(33.87, -118.06)
    x, y = proj.xy(np.array([33.87, 33.88]), np.array([-118.06, -118.05]))
    assert x[0] == 0 and y[0] == 0
    assert math.hypot(x[1], y[1]) == pytest.approx(geo.distance_m(33.87, -118.06, 33.88, -118.05), rel=1e-3)


def test_straight_line_estimate() -> None:
    # 1 km at 36 km/h (10 m/s) with circuity 1.5: 150 s
    assert logic.straight_line_seconds(1000.0, circuity=1.5, speed_kph=36.0) == pytest.approx(150.0)


def test_the_osm_reader_names_the_file_and_the_element(tmp_path: Path) -> None:
    missing = tmp_path / "missing.osm"
    missing.write_text(
        '<?xml version="1.0"?>\n<osm version="0.6"><node id="1" lat="33.0" lon="-118.0"/>'
        '<way id="7"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/></way></osm>\n'
    )
    with pytest.raises(OsmReadError, match=r"missing\.osm: way 7: node 2 has no location"):
        read_osm(missing)
    broken = tmp_path / "broken.osm"
    broken.write_text('<?xml version="1.0"?>\n<osm version="0.6"><node id="1" lat="1" lon="1"><way id="5">\n')
    with pytest.raises(OsmReadError, match=r"broken\.osm: cannot be read"):
        read_osm(broken)
    only_paths = tmp_path / "paths.osm"
    only_paths.write_text(
        '<?xml version="1.0"?>\n<osm version="0.6"><node id="1" lat="33.0" lon="-118.0"/>'
        '<node id="2" lat="33.001" lon="-118.0"/>'
        '<way id="9"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way></osm>\n'
    )
    with pytest.raises(OsmReadError, match=r"paths\.osm: no drivable road segment"):
        read_osm(only_paths)
    with pytest.raises(OsmReadError, match="not an OSM file"):
        read_osm(_touch(tmp_path / "x.csv"))


def _touch(path: Path) -> Path:
    path.write_text("a,b\n")
    return path


def test_a_small_osm_file_reads_with_one_ways_and_without_footways(tmp_path: Path) -> None:
    f = tmp_path / "tiny.osm"
    f.write_text(
        '<?xml version="1.0"?>\n<osm version="0.6">'
        '<node id="1" lat="33.0" lon="-118.0"/><node id="2" lat="33.001" lon="-118.0"/>'
        '<node id="3" lat="33.002" lon="-118.0"/><node id="4" lat="33.002" lon="-118.001"/>'
        '<way id="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="secondary"/></way>'
        '<way id="2"><nd ref="3"/><nd ref="4"/><tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>'
        '<way id="3"><nd ref="4"/><nd ref="1"/><tag k="highway" v="footway"/></way>'
        '<way id="4"><nd ref="1"/><nd ref="2"/><nd ref="4"/><nd ref="1"/><tag k="highway" v="service"/>'
        '<tag k="area" v="yes"/></way>'
        "</osm>\n"
    )
    net = read_osm(f)
    assert net.node_count == 4 and net.edge_count == 5
    assert set(net.classes) == {"secondary", "residential"}
