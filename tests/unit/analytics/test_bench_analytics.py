"""``rtcc bench analytics`` at a tiny size: every key the issue names is there, with its baseline and check."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from rtcc import cli


def test_bench_analytics_smoke() -> None:
    res = CliRunner().invoke(cli.app, ["bench", "analytics", "--json", "--rows", "8000"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    for key in ("forecast_s", "backtest_s", "knox_s", "mclp_s", "mclp_gap"):
        assert isinstance(out[key], float), key
    for key in ("forecast_naive_s", "backtest_naive_s", "knox_bruteforce_subsample_s", "mclp_greedy_s"):
        assert out[key] >= 0, key  # the same-run baselines
    assert out["forecast_area_sq_mi"] > 400  # all 21 LAPD divisions (about 470 sq mi)
    assert out["knox_agree"] and out["mclp_ok"] and out["backtest_ok"]
    assert out["mclp_status"] == "optimal" and out["mclp_gap"] == 0.0
