"""``rtcc bench patrol`` at a tiny size: one JSON object with its keys, and the vectorised dose agrees with the
per-fix baseline (figures are never asserted)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from rtcc.cli import app


def test_bench_patrol_reports_its_keys_and_agrees() -> None:
    result = CliRunner().invoke(app, ["bench", "patrol", "--json", "--rows", "400"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"dose_ms", "dose_naive_ms", "route_ms_12", "route_ms_30", "route_gap_8"} <= set(out)
    assert out["agree"] is True and out["fixes"] == 400 and out["route_gap_8"] >= 0
