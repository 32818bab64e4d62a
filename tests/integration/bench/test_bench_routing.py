"""``rtcc bench routing`` at a tiny size: one JSON object with its documented keys, the one-to-many ETAs equal to the
one-to-one searches (and the check would notice if they were not), and the reusable timing hook runs per call."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from rtcc.bench import routing as bench
from rtcc.cli import app


def test_bench_routing_prints_its_figures_and_agrees() -> None:
    result = CliRunner().invoke(app, ["bench", "routing", "--json", "--rows", "900"])
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    out = json.loads(result.stdout.strip().splitlines()[-1])
    keys = {"units", "nodes", "edges", "eta_p95_ms", "baseline_p95_ms", "ratio", "correct", "network", "baseline",
            "calls", "baseline_calls"}  # fmt: skip
    assert keys <= set(out)
    assert out["units"] == 500 and out["nodes"] == 900 and out["calls"] == 200 and out["baseline_calls"] == 10
    assert out["correct"] is True and out["units_routed_share"] == 1.0
    assert "synthetic" in out["network"]


def test_the_correctness_check_can_fail_and_the_hook_is_timed() -> None:
    sc = bench.scenario(nodes=400, units=20, calls=3)
    seen: list[int] = []
    _times, etas = bench.time_etas(sc, then=lambda c, seconds: seen.append(c))
    _times, one_by_one = bench.time_one_to_one(sc, calls=3)
    assert seen == [0, 1, 2] and bench.same_answers(etas, one_by_one)
    off = [a.copy() for a in one_by_one]
    off[1][5] += 0.01
    assert not bench.same_answers(etas, off)
    assert np.all(np.isfinite(np.concatenate(etas)))
