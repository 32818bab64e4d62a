"""The demo's road network: an arterial grid through the Cerritos gazetteer's intersections, labelled as derived, and
installed only when no network is loaded."""

from __future__ import annotations

import numpy as np
import pytest

from rtcc.core import geo
from rtcc.core.db import Database
from rtcc.demo import road_grid
from rtcc.identity.logic import SYSTEM
from rtcc.places import service as places
from rtcc.routing import kernel, logic, service
from rtcc.routing.schemas import LatLon
from rtcc.settings import Settings

PARAMS = service.RoutingParams.from_settings(Settings())
# Artesia Blvd at Norwalk Blvd and at Carmenita Rd (gazetteer rows), 2.4 km apart on one boulevard
ARTESIA_NORWALK = LatLon(33.873, -118.072)
ARTESIA_CARMENITA = LatLon(33.873, -118.046)


def test_the_grid_joins_intersections_along_each_street() -> None:
    rows = places.load("cerritos").intersections
    grid = road_grid.gazetteer_grid(rows)
    assert set(grid.classes) == {"primary", "secondary"}
    # every gazetteer point on a street named twice or more is a node; nodes every 100 m or less along the streets
    assert grid.node_count > len(rows)
    assert float(grid.length_m.max()) <= 100.0 + 1e-6
    assert road_grid.street_key("N SOUTH ST") == road_grid.street_key("South St") == "SOUTH ST"
    # the streets named at 2+ intersections are joined into one connected network
    proj = logic.projection_for(grid.lat, grid.lon)
    g = kernel.build_graph(*proj.xy(grid.lat, grid.lon), grid.src, grid.dst, grid.length_m, grid.road_class)
    assert int(kernel.largest_strong_component(g).sum()) == grid.node_count
    assert np.all(np.isin(np.arange(grid.node_count), grid.src))  # no node without an edge


def test_install_if_none_labels_the_grid_and_never_replaces_a_real_network(db: Database) -> None:
    with db.uow() as s:
        installed = road_grid.install_if_none(s)
    assert installed is not None and installed.active and installed.label == road_grid.LABEL
    assert "not a street survey" in installed.label
    with db.uow() as s:
        assert road_grid.install_if_none(s) is None  # already loaded
    with db.read() as s:
        out = service.travel_times(s, to=ARTESIA_CARMENITA, origins=[ARTESIA_NORWALK], emergent=False, params=PARAMS)
    assert out.method == "network" and out.network_label == road_grid.LABEL
    metres = geo.distance_m(*ARTESIA_NORWALK, *ARTESIA_CARMENITA)
    assert out.seconds[0] == pytest.approx(metres / (55 / 3.6), rel=0.01)  # straight along the boulevard at 55 km/h

    real = logic.assemble([logic.Way("primary", 0, [(1, 33.87, -118.07), (2, 33.87, -118.06)])])
    with db.uow() as s:
        service.store_network(s, real, name="imported", label="an import", source="test", actor=SYSTEM)
        assert road_grid.install_if_none(s) is None
        active = service.active_network(s)
    assert active is not None and active.name == "imported"
