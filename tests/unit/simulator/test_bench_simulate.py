"""``rtcc bench simulate`` at a tiny size: every key the issue names, the same-run baselines and the checks."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from rtcc import cli


def test_bench_simulate_smoke() -> None:
    res = CliRunner().invoke(cli.app, ["bench", "simulate", "--json", "--rows", "3000"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    for key in ("calls", "calls_per_s", "events_per_s"):
        assert out[key] > 0, key
    assert 2500 < out["calls"] < 3500 and out["units"] == 50
    assert out["engine_only_calls_per_s"] > 0 and out["full_recommend_calls_per_s"] > 0
    assert out["recommend_calls"] >= out["calls"] * 0.9  # every dispatch went through recommend()
    assert out["fast_path_identical"] is True
    assert out["erlang_c_p_wait_err"] < 0.05 and out["erlang_c_mean_wait_err"] < 0.1
