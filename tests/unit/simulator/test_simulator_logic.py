"""The simulator's dispatcher and scenarios: the shortlist path picks exactly what ``recommend`` over every free unit
picks, a change of the recommendation's rules or of a priority rule shows in the results (so ``recommend`` really
decides), and each scenario kind moves the results the way it must, with common random numbers."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from rtcc.analytics.kernels.arrivals import ArrivalProfile
from rtcc.analytics.kernels.queueing import hypercube
from rtcc.bench.simulate import city_model
from rtcc.dispatch import catalogue as cat
from rtcc.dispatch.recommend import Rules, call_facts, unit_facts
from rtcc.simulator.logic import Dispatcher, Kind, Model, Samples, SimUnit
from rtcc.simulator.runs import replicate, run_model
from rtcc.simulator.scenarios import Fitted, ScenarioError, UnitSpec, build_model, shift_windows
from rtcc.simulator.schemas import Scenario

TYPES = {"THEFT_RPT": 4.0, "SUSP_PERSON": 3.0, "DISTURBANCE": 2.0, "PATROL_CHECK": 2.0, "ROBBERY": 0.5}


def fitted(*, per_hour: float = 4.0, deputies: int = 4, rules: Rules | None = None) -> Fitted:
    """A small city: 4 zones on a line 2 km apart, travel 60 s + 90 s per km, four deputies and one CSO."""
    c = cat.load("cerritos")
    rng = np.random.default_rng(5)
    zones = ("D1", "D2", "D3", "D4")
    cents = tuple((33.86 + 0.018 * i, -118.06) for i in range(4))
    travel = np.asarray([[60.0 + 180.0 * abs(i - j) for j in range(4)] for i in range(4)])
    samples = Samples(
        processing={"all": rng.exponential(60.0, 5000)},
        turnout={"all": rng.exponential(30.0, 5000)},
        travel={"all": np.zeros(1)},
        on_scene={"all": rng.exponential(2400.0, 5000)},
    )
    units = (*tuple(UnitSpec(f"D{i + 1}", "deputy_car", i % 4) for i in range(deputies)), UnitSpec("C1", "cso", 1))
    return Fitted(
        catalogue=c,
        priority={k: c.call_type(k).default_priority for k in TYPES},  # type: ignore[union-attr]
        mix=TYPES,
        profile=ArrivalProfile((per_hour,) * 168),
        zones=zones,
        zone_weights=(1.0, 2.0, 1.0, 1.0),
        centroids=cents,
        travel=travel,
        samples=samples,
        units=units,
        rules=rules or Rules(),
    )


def by_priority(res: dict, key: str = "median_s") -> dict[str, float]:  # type: ignore[type-arg]
    return {p["priority"]: p[key]["value"] for p in res["priorities"]}


def run(f: Fitted, scen: Scenario, reps: int = 4, hours: float = 168.0) -> dict:  # type: ignore[type-arg]
    return run_model(build_model(f, scen), hours=hours, replications=reps, seed=3)


def test_the_shortlist_picks_what_recommend_over_every_free_unit_picks() -> None:
    rng = np.random.default_rng(1)
    model = city_model(rng, calls_per_hour=50.0)
    n = 400
    kind = rng.integers(0, len(model.kinds), n)
    zone = rng.integers(0, len(model.zones), n)
    d = Dispatcher(model, kind, zone, np.zeros(n), None)
    for c in range(n):
        d.pos = rng.integers(0, len(model.zones), len(model.units)).tolist()
        d.calls = rng.integers(0, 12, len(model.units)).tolist()
        free = sorted(rng.choice(len(model.units), size=int(rng.integers(7, 50)), replace=False).tolist())
        assert d.pick_fast(c, free) == d.pick_full(c, free), c


def test_a_whole_replication_is_the_same_on_both_paths() -> None:
    model = city_model(np.random.default_rng(2), calls_per_hour=60.0)
    a = replicate(model, hours=48, start_hour_of_week=0, rng=np.random.default_rng(9), fast=True)
    b = replicate(model, hours=48, start_hour_of_week=0, rng=np.random.default_rng(9), fast=False)
    assert a.response_s.size > 2000
    assert np.array_equal(a.result.unit, b.result.unit)
    assert a.recommend_calls > 0 and b.recommend_calls >= a.response_s.size * 0.9


def test_the_recommendations_rules_decide_who_goes() -> None:
    # the differential-response penalty keeps deputies off calls a CSO may take: without it the CSO takes fewer
    with_rule = run(fitted(), Scenario(), reps=2)
    without = run(fitted(rules=Rules(sworn_on_cso_call_penalty_s=0.0)), Scenario(), reps=2)
    cso = {r["unit"]: r["calls"] for r in with_rule["units"]}["C1"]
    cso_without = {r["unit"]: r["calls"] for r in without["units"]}["C1"]
    assert cso > cso_without * 1.1


def test_another_priority_rule_moves_calls_between_priorities_and_the_rest_wait_behind_them() -> None:
    f = fitted(per_hour=6.0)
    base = run(f, Scenario())
    scen = run(f, Scenario(name="theft emergent", priority_rules={"THEFT_RPT": "Emergent"}))
    calls = {p["priority"]: p["calls"] for p in base["priorities"]}
    calls_s = {p["priority"]: p["calls"] for p in scen["priorities"]}
    assert calls_s["Emergent"] > calls["Emergent"] * 3 and calls_s["Routine"] < calls["Routine"]
    # theft reports now go ahead of every Routine call left: those wait longer when units are short
    assert by_priority(scen, "p90_s")["Routine"] > by_priority(base, "p90_s")["Routine"]


def test_one_more_cso_on_the_pm_shift_takes_calls_and_does_not_slow_anyone() -> None:
    f = fitted(per_hour=6.0)
    base = run(f, Scenario())
    scen = run(f, Scenario.model_validate({"name": "cso", "add_units": [{"unit_type": "cso", "shift": "pm"}]}))
    extra = [u for u in scen["units"] if u["unit"].startswith("SIM-CSO")]
    assert len(extra) == 1 and extra[0]["calls"] > 0
    assert by_priority(scen)["Routine"] <= by_priority(base)["Routine"]
    assert scen["queue"]["mean"]["value"] <= base["queue"]["mean"]["value"]


def test_a_unit_out_of_service_makes_responses_longer() -> None:
    f = fitted(per_hour=5.0)
    base = run(f, Scenario())
    scen = run(f, Scenario(name="D1 out", out_of_service=["D1", "D2"]))
    assert "D1" not in {u["unit"] for u in scen["units"]}
    assert by_priority(scen, "p90_s")["Priority"] > by_priority(base, "p90_s")["Priority"]
    assert scen["queue"]["mean"]["value"] > base["queue"]["mean"]["value"]


def test_guards_take_patrol_checks_in_their_districts() -> None:
    f = fitted()
    scen = run(f, Scenario(name="guards", guards_in=["D2", "D3"]), reps=2)
    guards = [u for u in scen["units"] if u["unit"].startswith("SIM-GUARD")]
    assert [g["home"] for g in guards] == ["D2", "D3"] and all(g["calls"] > 0 for g in guards)


def test_a_drone_dock_answers_emergent_calls_first() -> None:
    f = fitted()
    base = run(f, Scenario())
    dock = Scenario.model_validate({"name": "dock", "drone_docks": [{"zone": "D2", "launch_s": 30, "cruise_mps": 30}]})
    scen = run(f, dock)
    drone = [u for u in scen["units"] if u["unit"].startswith("SIM-DRONE")]
    assert drone and drone[0]["calls"] > 0
    assert by_priority(scen)["Emergent"] < by_priority(base)["Emergent"]


def test_results_carry_confidence_intervals_and_a_histogram() -> None:
    res = run(fitted(), Scenario(), reps=5)
    p = res["priorities"][0]
    assert p["median_s"]["lo"] <= p["median_s"]["value"] <= p["median_s"]["hi"]
    assert sum(p["histogram"]) == p["calls"] - p["unreached"]
    assert res["replications"] == 5 and 0 < res["units"][0]["utilisation"] < 1


@pytest.mark.parametrize(
    ("scenario", "field"),
    [
        ({"priority_rules": {"NOPE": "Emergent"}}, "priority_rules[0]"),
        ({"priority_rules": {"THEFT_RPT": "Urgent"}}, "priority_rules[0]"),
        ({"add_units": [{"unit_type": "tank"}]}, "add_units[0]"),
        ({"add_units": [{"unit_type": "cso", "shift": "graveyard"}]}, "add_units[0].shift"),
        ({"guards_in": ["Z9"]}, "guards_in[0]"),
        ({"out_of_service": ["X9"]}, "out_of_service[0]"),
    ],
)
def test_a_scenario_that_cannot_apply_names_its_field(scenario: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ScenarioError) as err:
        build_model(fitted(), Scenario.model_validate(scenario))
    assert err.value.field == field


def test_a_drone_dock_needs_a_map() -> None:
    f = replace(fitted(), centroids=None)
    with pytest.raises(ScenarioError, match="drone_docks"):
        build_model(f, Scenario.model_validate({"drone_docks": [{}]}))


def test_shift_windows_wrap_over_the_week_end() -> None:
    night = cat.load("cerritos").shift("early_morning")
    assert night is not None
    w = shift_windows(night)
    assert (0.0, 6.0) in w and (166.0, 168.0) in w and sum(b - a for a, b in w) == pytest.approx(56.0)


def test_recommend_driven_dispatch_reproduces_larsons_hypercube_workloads() -> None:
    """Three units with fixed travel times (each atom's preference order: nearest first), no penalties, exponential
    time on scene: the simulated workloads match the exact hypercube model with a queue (within 0.015)."""
    c = cat.load("cerritos")
    ct, level, ut = c.call_type("THEFT_RPT"), c.scheme.level("Routine"), c.unit_type("deputy_car")
    assert ct is not None and level is not None
    rates = np.array([0.5, 0.3, 0.4])  # calls per 600 s from each atom
    prefs = [[0, 1, 2], [1, 2, 0], [2, 0, 1]]
    units = tuple(
        SimUnit(
            unit_facts(f"H{u}", f"H{u}", "deputy_car", ut, "available"),
            u,
            eta_s=tuple(float(prefs[z].index(u) + 1) for z in range(3)),
        )
        for u in range(3)
    )
    per_hour = float(rates.sum()) * 6.0
    model = Model(
        kinds=(Kind(ct.code, level.code, 0, call_facts(ct, level), 1.0),),
        units=units,
        profile=ArrivalProfile((per_hour,) * 168),
        zones=("A", "B", "C"),
        zone_weights=tuple(float(r) for r in rates),
        samples=Samples(
            {"all": np.zeros(1)},
            {"all": np.zeros(1)},
            {"all": np.zeros(1)},
            {"all": np.random.default_rng(0).exponential(600.0, 1_000_000)},
        ),
        rules=Rules(workload_penalty_s=0.0, coverage_min_available=0, sworn_on_cso_call_penalty_s=0.0),
    )
    rep = replicate(model, hours=60_000 / per_hour, start_hour_of_week=0.0, rng=np.random.default_rng(11))
    theory = hypercube(rates.tolist(), prefs, [1.0, 1.0, 1.0], queue=True)
    assert rep.recommend_calls >= rep.response_s.size * 0.99
    assert np.allclose(rep.result.utilisation, theory.workload, atol=0.015)
