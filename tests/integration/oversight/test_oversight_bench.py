"""``rtcc bench kpi`` at a tiny size, so it cannot rot: one JSON object with its documented keys, and its correctness
check (KPI figures equal to numpy's over the per-call values; on PostgreSQL also the SQL percentiles) holds. Figures
are never asserted."""

from __future__ import annotations

import json
import os

from typer.testing import CliRunner

from rtcc.cli import app


def test_bench_kpi_tiny() -> None:
    args = ["bench", "kpi", "--json", "--rows", "400"]
    server = os.environ.get("RTCC_TEST_DATABASE_URL")
    if server:
        args += ["--database", server]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["calls"] == 400 and out["stored"] == 400 and out["correct"] is True
    assert out["division_calls"] == 400  # the one division of the profile holds every call
    for key in (
        "kpi_s",
        "kpi_division_s",
        "kpi_cold_s",
        "kpi_call_type_s",
        "baseline_orm_s",
        "backfill_s",
        "store_s",
        "load_avg_1m",
    ):
        assert isinstance(out[key], float)
    assert ("baseline_pg_percentile_s" in out) == bool(server)
