"""Catalogue mode on the real database: a located history of the city's own call types, the dispatch domain's units,
reporting districts as zones with a travel matrix from the routing module; the scenarios that need a map (a drone
dock, guards in districts, +1 CSO on the PM shift) run beside the baseline and move it the right way."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from rtcc.core.db import Database
from rtcc.dispatch import units
from rtcc.dispatch.interop_models import HistoryBatch, HistoryCall
from rtcc.dispatch.unit_schemas import UnitCreate
from rtcc.identity.logic import SYSTEM
from rtcc.places import service as places
from rtcc.simulator import service
from rtcc.simulator.fit import fit
from rtcc.simulator.schemas import RunCreate, Scenario

TYPES = ("THEFT_RPT", "SUSP_PERSON", "DISTURBANCE", "ROBBERY", "PATROL_CHECK", "PARKING")
PRIORITY = {"THEFT_RPT": "Routine", "SUSP_PERSON": "Priority", "DISTURBANCE": "Priority", "ROBBERY": "Emergent",
            "PATROL_CHECK": "Routine", "PARKING": "Routine"}  # fmt: skip


@pytest.fixture
def city(db: Database) -> tuple[Database, list[str]]:
    rng = np.random.default_rng(4)
    points = places.random_points(600, rng)
    districts = [a.code for p in points if (a := places.locate(*p).district) is not None]
    assert districts, "the city profile has reporting districts"
    start = datetime(2026, 11, 2, 8, tzinfo=UTC)
    with db.uow() as s:
        batch = HistoryBatch(id=uuid.uuid4(), origin="cad:test", file_name="t.csv", records=600, imported=600,
                             duplicates=0, skipped=0, problems=[], created_by="test", created_at=start)  # fmt: skip
        s.add(batch)
        s.flush()
        t = start
        for i, (lat, lon) in enumerate(points):
            t += timedelta(seconds=float(rng.exponential(900.0)))
            ct = TYPES[i % len(TYPES)]
            d = t + timedelta(seconds=60 + float(rng.exponential(60)))
            er = d + timedelta(seconds=float(rng.exponential(30)))
            ons = er + timedelta(seconds=120 + float(rng.exponential(240)))
            s.add(
                HistoryCall(
                    batch_id=batch.id,
                    origin="cad:test",
                    external_id=f"T-{i}",
                    line=i + 2,
                    source="phone",
                    agency="SHERIFF",
                    call_type=ct,
                    call_type_raw=ct,
                    priority=PRIORITY[ct],
                    received_at=t,
                    dispatched_at=d,
                    en_route_at=er,
                    on_scene_at=ons,
                    cleared_at=ons + timedelta(seconds=float(rng.exponential(1800))),
                    time_precision="s",
                    lat=lat,
                    lon=lon,
                    units=[],
                )
            )
        for i in range(3):
            units.create(s, None, UnitCreate(call_sign=f"{i + 1}A", unit_type="deputy_car",
                                             home_area=districts[i % len(districts)]), actor=SYSTEM)  # fmt: skip
        units.create(s, None, UnitCreate(call_sign="C1", unit_type="cso", home_area=districts[0]), actor=SYSTEM)
    return db, districts


def test_catalogue_mode_fits_zones_units_and_a_travel_matrix(city: tuple[Database, list[str]]) -> None:
    db, districts = city
    with db.read() as s:
        fitted, notes = fit(s, origin="cad:test", since=None, until=None)
    assert notes[0].startswith("catalogue mode, 600 calls")
    assert set(fitted.zones) <= set(districts) and len(fitted.zones) >= 2
    assert fitted.travel is not None and fitted.travel.shape == (len(fitted.zones),) * 2
    assert (np.diag(fitted.travel) < fitted.travel.max()).all() and fitted.travel.max() > 0
    assert {u.call_sign for u in fitted.units} == {"1A", "2A", "3A", "C1"}
    assert fitted.priority["ROBBERY"] == "Emergent" and set(fitted.mix) == set(TYPES)


def test_map_scenarios_run_beside_the_baseline(city: tuple[Database, list[str]]) -> None:
    db, _ = city
    dock = Scenario.model_validate(
        {"name": "dock", "drone_docks": [{"launch_s": 20, "cruise_mps": 25}], "guards_in": [], "add_units": []}
    )
    with db.read() as s:
        res = service.compare(s, RunCreate(scenario=dock, origin="cad:test", hours=168, replications=3))
        presets = {p.key for p in service.scenario_presets(s, origin="cad:test")}
    assert {"cso_pm", "guards", "drone_dock", "out_of_service", "priority_rule"} <= presets
    base = {p["priority"]: p for p in res["baseline"]["priorities"]}
    scen = {p["priority"]: p for p in res["scenario"]["priorities"]}
    drone = [u for u in res["scenario"]["units"] if u["unit_type"] == "drone"]
    assert drone and drone[0]["calls"] > 0
    assert scen["Emergent"]["median_s"]["value"] < base["Emergent"]["median_s"]["value"]
