"""Replications of a fitted model and their summary (pure: a model and a seed in, a JSON-ready dict out).

One replication draws a window of calls from the model (arrival times from the weekly profile, a kind and a zone per
call, call processing, turnout, travel where the model has no matrix, and time on scene from the empirical samples),
runs the event engine (``rtcc.analytics.kernels.simulation``) with the recommendation-driven ``Dispatcher`` and
returns each call's response (received -> first unit on scene). A call enters the dispatch queue once processed
(received + processing). ``summarise`` gives per priority the median, 90th percentile and mean response over the
replications with a 95 % Student-t interval across replications, a histogram of the responses (the distribution the
screen draws), each unit's utilisation and calls, and the queue's time-averaged and largest length.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

from rtcc.analytics.kernels.arrivals import sample_arrivals
from rtcc.analytics.kernels.simulation import SimResult, simulate
from rtcc.simulator.logic import Dispatcher, Model, draw

Array = npt.NDArray[np.float64]
#: Upper edges of the response histogram's bins, in minutes (the last bin is open).
HIST_EDGES_MIN = (2, 4, 6, 8, 10, 12, 15, 20, 30, 45, 60, 90, 120)


@dataclass(frozen=True)
class Replication:
    """One replication: per call its priority, response in seconds (NaN: never reached) and the engine's result."""

    priority: tuple[str, ...]
    call_priority: npt.NDArray[np.int64]
    response_s: Array
    result: SimResult
    recommend_calls: int


def replicate(
    model: Model, *, hours: float, start_hour_of_week: float, rng: np.random.Generator, fast: bool = True
) -> Replication:
    """Run one replication of ``hours`` starting at ``start_hour_of_week`` (0 = Monday 00:00 local)."""
    t = sample_arrivals(model.profile, start_hour_of_week=start_hour_of_week, hours=hours, rng=rng)
    n = t.size
    w = np.asarray([k.weight for k in model.kinds], dtype=np.float64)
    kind = rng.choice(len(model.kinds), size=n, p=w / w.sum()).astype(np.int64)
    zw = np.asarray(model.zone_weights, dtype=np.float64)
    zone = rng.choice(len(model.zones), size=n, p=zw / zw.sum()).astype(np.int64)
    processing, turnout, travel, scene = (np.zeros(n) for _ in range(4))
    for k, kd in enumerate(model.kinds):
        at = np.flatnonzero(kind == k)
        if not at.size:
            continue
        keys = (f"kind:{kd.code}", f"priority:{kd.priority}")
        processing[at] = draw(model.samples.processing, keys, at.size, rng)
        turnout[at] = draw(model.samples.turnout, keys, at.size, rng)
        travel[at] = draw(model.samples.travel, keys, at.size, rng)
        scene[at] = draw(model.samples.on_scene, keys, at.size, rng)
    ready = t + np.maximum(processing, 0.0)
    order = np.argsort(ready, kind="stable")
    kind, zone, t, ready = kind[order], zone[order], t[order], ready[order]
    turnout, travel, scene = turnout[order], travel[order], scene[order]
    disp = Dispatcher(model, kind, zone, turnout, None if model.travel is not None else travel, fast=fast)
    rank = np.asarray([model.kinds[k].rank for k in range(len(model.kinds))], dtype=np.int64)
    duty = None
    if any(u.duty for u in model.units):
        duty = [_windows(u.duty, start_hour_of_week, hours) for u in model.units]
    result = simulate(
        ready,
        scene,
        units=len(model.units),
        priority=rank[kind] if n else None,
        choose=disp.choose,
        travel=disp.travel,
        on_duty=duty,
        horizon_s=None,
        service=disp.service_of(scene),
    )
    codes = tuple(dict.fromkeys(k.priority for k in sorted(model.kinds, key=lambda k: k.rank)))
    p_index = {p: i for i, p in enumerate(codes)}
    call_priority = np.asarray([p_index[model.kinds[k].priority] for k in kind], dtype=np.int64)
    return Replication(codes, call_priority, result.on_scene - t, result, disp.recommend_calls)


def _windows(duty: tuple[tuple[float, float], ...], start_how: float, hours: float) -> list[tuple[float, float]]:
    """Weekly duty windows (hours of the week) as seconds from the run's start, over the run and one day after."""
    if not duty:
        return [(0.0, float("inf"))]
    out: list[tuple[float, float]] = []
    week = -1
    while (week * 168.0 - start_how) < hours + 24:
        for a, b in duty:
            s = (week * 168.0 + a - start_how) * 3600.0
            e = (week * 168.0 + b - start_how) * 3600.0
            if e > 0:
                out.append((max(s, 0.0), e))
        week += 1
    return out


def _ci(values: list[float]) -> dict[str, float | None]:
    a = np.asarray([v for v in values if np.isfinite(v)], dtype=np.float64)
    if not a.size:
        return {"value": None, "lo": None, "hi": None}
    mean = float(a.mean())
    if a.size < 2:
        return {"value": mean, "lo": None, "hi": None}
    half = float(stats.t.ppf(0.975, a.size - 1) * a.std(ddof=1) / np.sqrt(a.size))
    return {"value": mean, "lo": max(0.0, mean - half), "hi": mean + half}  # every figure here is >= 0


def summarise(model: Model, reps: list[Replication]) -> dict[str, Any]:
    """The JSON-ready summary of replications of one model (module docstring)."""
    if not reps:
        raise ValueError("no replications to summarise")
    codes = reps[0].priority
    edges = np.asarray([0, *HIST_EDGES_MIN, np.inf], dtype=np.float64) * 60.0
    priorities = []
    for i, code in enumerate(codes):
        med, p90, mean = [], [], []
        counts = np.zeros(edges.size - 1)
        calls = reached = 0
        for r in reps:
            x = r.response_s[r.call_priority == i]
            calls += x.size
            x = x[np.isfinite(x)]
            reached += x.size
            if x.size:
                med.append(float(np.median(x)))
                p90.append(float(np.quantile(x, 0.9)))
                mean.append(float(x.mean()))
                counts += np.histogram(x, bins=edges)[0]
        priorities.append(
            {
                "priority": code,
                "calls": calls,
                "unreached": calls - reached,
                "median_s": _ci(med),
                "p90_s": _ci(p90),
                "mean_s": _ci(mean),
                "histogram": [int(c) for c in counts],
            }
        )
    util = np.mean([r.result.utilisation for r in reps], axis=0)
    answered = np.sum([r.result.answered for r in reps], axis=0)
    units = [
        {
            "unit": u.facts.call_sign,
            "unit_type": u.facts.unit_type,
            "home": model.zones[u.home_zone],
            "utilisation": float(util[i]),
            "calls": int(answered[i]),
        }
        for i, u in enumerate(model.units)
    ]
    return {
        "replications": len(reps),
        "calls": int(sum(r.response_s.size for r in reps)),
        "events": int(sum(r.result.events for r in reps)),
        "recommend_calls": int(sum(r.recommend_calls for r in reps)),
        "priorities": priorities,
        "histogram_edges_min": list(HIST_EDGES_MIN),
        "units": units,
        "queue": {
            "mean": _ci([r.result.mean_queue for r in reps]),
            "max": int(max(r.result.max_queue for r in reps)),
        },
    }


def run_model(
    model: Model,
    *,
    hours: float,
    replications: int,
    seed: int,
    start_hour_of_week: float = 0.0,
    progress: Callable[[int], None] | None = None,
    fast: bool = True,
) -> dict[str, Any]:
    """``replications`` seeded replications of ``hours`` and their summary; ``progress(done)`` after each one."""
    if replications < 1:
        raise ValueError("replications must be at least 1")
    if hours <= 0:
        raise ValueError("hours must be positive")
    seeds = np.random.SeedSequence(seed).spawn(replications)
    reps = []
    for i, s in enumerate(seeds):
        reps.append(
            replicate(
                model, hours=hours, start_hour_of_week=start_hour_of_week, rng=np.random.default_rng(s), fast=fast
            )
        )
        if progress is not None:
            progress(i + 1)
    return summarise(model, reps)
