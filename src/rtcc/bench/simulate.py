"""``rtcc bench simulate``: the what-if simulator at the issue's size — 1,000,000 simulated calls answered by 50 units,
every dispatch decided by ``rtcc.dispatch.recommend.recommend`` (through the simulator's shortlist fast path).

Synthetic city: the packaged ``cerritos`` catalogue (its call types, equal shares; the priority is the catalogue's),
10 zones on a 6 km square, travel between zone centres at 40 km/h (x1.3 circuity), 50 units (34 deputy cars,
3 sergeants, 8 CSOs, 5 guards) spread over the zones, always on duty; call processing, turnout and time on scene
exponential (means 60 s, 30 s, 30 min); the arrival rate puts the units at about two thirds busy.

Figures: ``calls``, ``calls_per_s`` and ``events_per_s`` of the full run (``wall_s``), ``recommend_calls``; on a
shared machine ``cpu_s`` and ``calls_per_cpu_s`` (process CPU time: one core) say what the wall clock cannot.
Baselines from the same run: ``engine_only_calls_per_s`` (the bare event engine on the same calls with the plainest
rule, lowest-numbered free unit: no recommendation) and ``full_recommend_calls_per_s`` (a 20,000-call replication
where every decision hands ``recommend`` every free unit, no shortlist). Checks: ``fast_path_identical`` (that
replication's assignments equal those of the shortlist path, call by call) and the M/M/c mode (one call kind, 8
identical units, no travel, exponential service, load 0.8, 200,000 calls, dispatched by ``recommend``): the simulated
probability of waiting and mean wait against Erlang C (``erlang_c_p_wait_err``, ``erlang_c_mean_wait_err``, relative).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from rtcc.analytics.kernels.arrivals import ArrivalProfile
from rtcc.analytics.kernels.queueing import erlang_c
from rtcc.analytics.kernels.simulation import simulate
from rtcc.dispatch import catalogue as cat
from rtcc.dispatch.recommend import Rules, call_facts, unit_facts
from rtcc.simulator.logic import Kind, Model, Samples, SimUnit
from rtcc.simulator.runs import replicate

FULL_CALLS = 1_000_000
UNITS = 50
SEED = 13
MIX = (("deputy_car", 34), ("sergeant", 3), ("cso", 8), ("guard", 5))


def city_model(rng: np.random.Generator, *, calls_per_hour: float) -> Model:
    """The synthetic city (module docstring)."""
    c = cat.load("cerritos")
    order = sorted(c.scheme.priorities, key=lambda p: p.rank)
    kinds = []
    for ct in c.call_types:
        level = c.scheme.level(ct.default_priority)
        assert level is not None
        kinds.append(Kind(ct.code, level.code, order.index(level), call_facts(ct, level), 1.0))
    zones = tuple(f"Z{i + 1}" for i in range(10))
    xy = rng.uniform(0, 6000, size=(10, 2))
    dist = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]) * 1.3
    travel = dist / (40 / 3.6) + 30.0  # 30 s to get going even within a zone
    units = []
    i = 0
    for unit_type, n in MIX:
        for _ in range(n):
            sign = f"U{i + 1:02d}"
            facts = unit_facts(sign, sign, unit_type, c.unit_type(unit_type), "available", home_area=zones[i % 10])
            units.append(SimUnit(facts, i % 10))
            i += 1
    samples = Samples(
        processing={"all": rng.exponential(60.0, 100_000)},
        turnout={"all": rng.exponential(30.0, 100_000)},
        travel={"all": np.zeros(1)},
        on_scene={"all": rng.exponential(1800.0, 100_000)},
    )
    return Model(
        kinds=tuple(kinds),
        units=tuple(units),
        profile=ArrivalProfile((calls_per_hour,) * 168),
        zones=zones,
        zone_weights=(1.0,) * 10,
        samples=samples,
        travel=travel,
        rules=Rules(),
    )


def _mmc_check(rng: np.random.Generator) -> dict[str, Any]:
    """M/M/c through the recommendation against Erlang C (module docstring)."""
    c, rho, mean_s = 8, 0.8, 600.0
    lam_h = rho * c / mean_s * 3600.0
    base = cat.load("cerritos")
    ct = base.call_type("THEFT_RPT")
    level = base.scheme.level("Routine")
    assert ct is not None and level is not None
    kind = Kind(ct.code, level.code, 0, call_facts(ct, level), 1.0)
    ut = base.unit_type("deputy_car")
    units = tuple(SimUnit(unit_facts(f"M{i}", f"M{i}", "deputy_car", ut, "available"), 0) for i in range(c))
    model = Model(
        kinds=(kind,),
        units=units,
        profile=ArrivalProfile((lam_h,) * 168),
        zones=("all",),
        zone_weights=(1.0,),
        samples=Samples(
            {"all": np.zeros(1)},
            {"all": np.zeros(1)},
            {"all": np.zeros(1)},
            {"all": rng.exponential(mean_s, 2_000_000)},
        ),
        travel=None,
        rules=Rules(workload_penalty_s=0.0, coverage_min_available=0, sworn_on_cso_call_penalty_s=0.0),
    )
    hours = 200_000 / lam_h
    rep = replicate(model, hours=hours, start_hour_of_week=0.0, rng=rng)
    wait = rep.response_s[np.isfinite(rep.response_s)]
    wait = wait[wait.size // 20 :]  # drop the warm-up (the queue starts empty)
    theory = erlang_c(c, lam_h / 3600.0, 1.0 / mean_s)
    p_wait = float((wait > 1e-9).mean())
    return {
        "erlang_c_p_wait": theory.p_wait,
        "sim_p_wait": p_wait,
        "erlang_c_p_wait_err": abs(p_wait - theory.p_wait) / theory.p_wait,
        "erlang_c_mean_wait_s": theory.mean_wait,
        "sim_mean_wait_s": float(wait.mean()),
        "erlang_c_mean_wait_err": abs(float(wait.mean()) - theory.mean_wait) / theory.mean_wait,
    }


def run(*, rows: int | None = None, database_url: str | None = None) -> dict[str, Any]:
    """Simulate ``rows`` calls (default 1,000,000) with 50 units; baselines and checks (module docstring)."""
    del database_url  # no database: the simulator's engine, dispatcher and recommendation only
    n = rows or FULL_CALLS
    rng = np.random.default_rng(SEED)
    mean_busy = 1800.0 + 30.0 + 250.0
    per_hour = 0.65 * UNITS / mean_busy * 3600.0
    model = city_model(rng, calls_per_hour=per_hour)
    hours = n / per_hour
    started, cpu0 = time.perf_counter(), time.process_time()
    rep = replicate(model, hours=hours, start_hour_of_week=0.0, rng=np.random.default_rng(SEED))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
    calls = int(rep.response_s.size)
    out: dict[str, Any] = {
        "calls": calls,
        "units": len(model.units),
        "wall_s": wall,
        "cpu_s": cpu,
        "calls_per_s": calls / wall,
        "calls_per_cpu_s": calls / cpu,
        "events_per_s": rep.result.events / wall,
        "recommend_calls": rep.recommend_calls,
        "reached_share": float(np.isfinite(rep.response_s).mean()),
        "utilisation_mean": float(rep.result.utilisation.mean()),
    }
    # baseline 1: the bare engine on calls of the same size, lowest free unit, no recommendation
    arr = np.sort(np.random.default_rng(SEED).uniform(0, hours * 3600.0, calls))
    svc = np.random.default_rng(SEED + 1).exponential(mean_busy, calls)
    t0, c0 = time.perf_counter(), time.process_time()
    simulate(arr, svc, units=UNITS)
    out["engine_only_calls_per_s"] = calls / (time.perf_counter() - t0)
    out["engine_only_calls_per_cpu_s"] = calls / (time.process_time() - c0)
    # baseline 2 and check: every free unit handed to recommend, against the shortlist path, same seed
    small = min(20_000, calls)
    h_small = small / per_hour
    t0, c0 = time.perf_counter(), time.process_time()
    full = replicate(model, hours=h_small, start_hour_of_week=0.0, rng=np.random.default_rng(SEED + 2), fast=False)
    out["full_recommend_calls_per_s"] = full.response_s.size / (time.perf_counter() - t0)
    out["full_recommend_calls_per_cpu_s"] = full.response_s.size / (time.process_time() - c0)
    fast = replicate(model, hours=h_small, start_hour_of_week=0.0, rng=np.random.default_rng(SEED + 2), fast=True)
    out["fast_path_identical"] = bool(np.array_equal(full.result.unit, fast.result.unit))
    out |= _mmc_check(np.random.default_rng(SEED + 3))
    return out
