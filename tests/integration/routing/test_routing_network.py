"""Road networks in the database: importing the downtown Los Angeles OSM extract (.osm and .osm.pbf give the same
graph), travel times and directions on it, the straight-line fallback, atomic imports (a broken file or a failed write
leaves the previous network active) and every process following the active network when it changes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from rtcc.core import geo
from rtcc.core.db import Database
from rtcc.core.errors import ImportFailed, ValidationFailed
from rtcc.identity.logic import SYSTEM
from rtcc.routing import logic, repository, service
from rtcc.routing.schemas import LatLon
from rtcc.settings import Settings
from rtcc_testing import shared_data

LA = ("geo", "osm_la_financial_district")
PBF = "Financial_District_2020-02-02_basic_tags.osm.pbf"
XML = "Financial_District_2020-02-02_basic_tags.osm"
PARAMS = service.RoutingParams.from_settings(Settings())

# Downtown LA: 5th St & Grand Ave (a call) and three units around the Financial District.
CALL = LatLon(34.0503, -118.2535)
UNITS = [LatLon(34.0495, -118.2590), LatLon(34.0540, -118.2500), LatLon(34.0470, -118.2580)]
CERRITOS = LatLon(33.8700, -118.0600)


def _import(db: Database, path: Path, name: str | None = None) -> str:
    with db.uow() as s:
        return service.import_file(s, path, name=name, label=None, actor=SYSTEM).name


def _stored(db: Database, name: str) -> logic.RoadNetwork:
    with db.read() as s:
        row = repository.by_name(s, name)
        assert row is not None
        return repository.read_arrays(s, row)


def test_osm_and_pbf_give_the_same_graph(db: Database) -> None:
    folder = shared_data(*LA)
    a = _import(db, folder / PBF, name="la-pbf")
    b = _import(db, folder / XML, name="la-xml")
    net_a, net_b = _stored(db, a), _stored(db, b)
    assert net_a.node_count == net_b.node_count == 577  # the drivable subset PROVENANCE.md counts
    assert net_a.edge_count == net_b.edge_count > 577
    np.testing.assert_array_equal(net_a.lat, net_b.lat)
    np.testing.assert_array_equal(net_a.lon, net_b.lon)
    np.testing.assert_array_equal(net_a.src, net_b.src)
    np.testing.assert_array_equal(net_a.dst, net_b.dst)
    np.testing.assert_allclose(net_a.length_m, net_b.length_m)
    assert net_a.classes == net_b.classes and "footway" not in net_a.classes and "motorway" in net_a.classes
    with db.read() as s:
        active = service.active_network(s)
        assert active is not None and active.name == "la-xml"  # the last import is the active one
        assert [n.active for n in service.networks(s)] == [False, True]


def test_etas_and_directions_on_the_la_network(db: Database) -> None:
    _import(db, shared_data(*LA) / PBF, name="la")
    with db.read() as s:
        routine = service.travel_times(s, to=CALL, origins=[*UNITS, CERRITOS], emergent=False, params=PARAMS)
        emergent = service.travel_times(s, to=CALL, origins=UNITS, emergent=True, params=PARAMS)
        routes = [service.route(s, start=u, end=CALL, emergent=False, params=PARAMS) for u in UNITS]
        back = service.route(s, start=CALL, end=UNITS[0], emergent=False, params=PARAMS)
    assert routine.method == "network" and routine.network == "la"
    assert routine.methods == ["network", "network", "network", "straight_line"]  # Cerritos is 25 km away
    assert routine.note is not None  # the screen must say the Cerritos time is an estimate
    for i, unit in enumerate(UNITS):
        sec = routine.seconds[i]
        assert sec is not None and 0 < sec < 600
        fast = emergent.seconds[i]
        assert fast is not None and fast < sec  # Emergent responses are faster
        r = routes[i]
        assert r.method == "network" and r.seconds == pytest.approx(sec)  # directions agree with the ETA
        assert r.polyline[0] == (unit.lat, unit.lon) and r.polyline[-1] == (CALL.lat, CALL.lon)
        assert r.distance_m > geo.distance_m(unit.lat, unit.lon, CALL.lat, CALL.lon)  # roads are never shorter
        assert r.distance_m / sec < 100 / 3.6  # no faster than the fastest road class
    assert back.seconds is not None and back.seconds != pytest.approx(routes[0].seconds)  # one-way streets
    estimate = routine.seconds[3]
    want = geo.distance_m(CERRITOS.lat, CERRITOS.lon, CALL.lat, CALL.lon) * PARAMS.circuity / (40 / 3.6)
    assert estimate == pytest.approx(want)


def test_without_a_network_every_time_is_a_labelled_straight_line_estimate(db: Database) -> None:
    with db.read() as s:
        assert service.active_network(s) is None
        out = service.travel_times(s, to=CALL, origins=UNITS, emergent=False, params=PARAMS)
        fast = service.travel_times(s, to=CALL, origins=UNITS, emergent=True, params=PARAMS)
        r = service.route(s, start=UNITS[0], end=CALL, emergent=False, params=PARAMS)
        empty = service.travel_times(s, to=CALL, origins=[], emergent=False, params=PARAMS)
    assert out.method == "straight_line" and set(out.methods) == {"straight_line"} and out.network is None
    assert out.note and "straight-line" in out.note
    for unit, sec, f in zip(UNITS, out.seconds, fast.seconds, strict=True):
        metres = geo.distance_m(unit.lat, unit.lon, CALL.lat, CALL.lon)
        assert sec == pytest.approx(metres * 1.35 / (40 / 3.6))
        assert f == pytest.approx(metres * 1.35 / (40 * 1.25 / 3.6))
    assert r.method == "straight_line" and r.polyline == [(UNITS[0].lat, UNITS[0].lon), (CALL.lat, CALL.lon)]
    assert r.seconds == pytest.approx(out.seconds[0])
    assert empty.seconds == [] and empty.method == "straight_line"


def test_a_call_far_from_the_network_falls_back_for_every_unit(db: Database) -> None:
    _import(db, shared_data(*LA) / PBF, name="la")
    with db.read() as s:
        out = service.travel_times(s, to=CERRITOS, origins=UNITS, emergent=False, params=PARAMS)
        r = service.route(s, start=UNITS[0], end=CERRITOS, emergent=False, params=PARAMS)
    assert out.method == "straight_line" and out.network == "la" and out.note
    assert all(sec is not None and math.isfinite(sec) for sec in out.seconds)
    assert r.method == "straight_line" and len(r.polyline) == 2


def test_a_broken_file_leaves_the_previous_network_active(db: Database, tmp_path: Path) -> None:
    _import(db, shared_data(*LA) / PBF, name="la")
    with db.read() as s:
        before = service.active_network(s)
    truncated = tmp_path / "truncated.osm.pbf"
    truncated.write_bytes((shared_data(*LA) / PBF).read_bytes()[:5000])
    with pytest.raises(ImportFailed, match=r"truncated\.osm\.pbf: cannot be read"):
        _import(db, truncated, name="la")  # same name: it would replace the network
    missing_node = tmp_path / "missing.osm"
    missing_node.write_text(
        '<?xml version="1.0"?>\n<osm version="0.6"><node id="1" lat="34.05" lon="-118.25"/>'
        '<way id="42"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/></way></osm>\n'
    )
    with pytest.raises(ImportFailed, match=r"missing\.osm: way 42: node 2"):
        _import(db, missing_node)
    with pytest.raises(ValidationFailed, match="name"):
        _import(db, shared_data(*LA) / XML, name="no spaces please")
    with db.read() as s:
        after = service.active_network(s)
        assert [n.name for n in service.networks(s)] == ["la"]
        assert service.travel_times(s, to=CALL, origins=UNITS, emergent=False, params=PARAMS).method == "network"
    assert before is not None and after == before


def test_a_write_that_fails_half_way_rolls_back_whole(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _import(db, shared_data(*LA) / PBF, name="la")
    with db.read() as s:
        before = service.active_network(s)

    def fail(*_a: object, **_k: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(service.audit, "record_for", fail)  # after nodes, edges and the active flag are written
    with pytest.raises(RuntimeError, match="disk full"):
        _import(db, shared_data(*LA) / XML, name="la")
    with db.read() as s:
        assert service.active_network(s) == before
        assert len(service.networks(s)) == 1
        assert _stored(db, "la").node_count == 577


def test_every_query_follows_the_active_network(db: Database) -> None:
    _import(db, shared_data(*LA) / PBF, name="la")
    with db.read() as s:
        assert service.travel_times(s, to=CALL, origins=UNITS, emergent=False, params=PARAMS).network == "la"
    # another process imports a network: this one notices on its next query (the cache follows the database)
    grid = logic.assemble(
        [logic.Way("primary", 0, [(1, 34.050, -118.256), (2, 34.050, -118.253), (3, 34.052, -118.253)])]
    )
    with db.uow() as s:
        service.store_network(s, grid, name="tiny", label="three nodes", source="test", actor=SYSTEM)
    with db.read() as s:
        out = service.travel_times(s, to=CALL, origins=UNITS[:1], emergent=False, params=PARAMS)
        assert out.network == "tiny" and out.network_label == "three nodes"
    with db.uow() as s:
        service.activate_network(s, "la", actor=SYSTEM)
    with db.read() as s:
        assert service.travel_times(s, to=CALL, origins=UNITS, emergent=False, params=PARAMS).network == "la"


def test_the_default_parameters_are_the_settings_defaults() -> None:
    assert service.RoutingParams() == PARAMS


def test_points_may_be_any_object_with_lat_and_lon(db: Database) -> None:
    @dataclass(frozen=True)
    class Unit:
        code: str
        lat: float
        lon: float

    _import(db, shared_data(*LA) / PBF, name="la")
    units = [Unit(f"U{i}", u.lat, u.lon) for i, u in enumerate(UNITS)]
    with db.read() as s:
        by_object = service.travel_times(s, to=CALL, origins=units, emergent=False, params=PARAMS)
        by_tuple = service.travel_times(s, to=tuple(CALL), origins=[(u.lat, u.lon) for u in UNITS], emergent=False)
    assert by_object.seconds == by_tuple.seconds and by_object.method == "network"
