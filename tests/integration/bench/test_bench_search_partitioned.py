"""``rtcc bench search --partitioned`` at a tiny size (PostgreSQL only): it prints its documented keys, every
partitioned answer agreed with the unpartitioned table's (and the sampled full scans), and the retention pass dropped
the oldest day while keeping its hits. Figures are never asserted."""

from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from rtcc.bench import _search_partitioned as bench
from rtcc.cli import app


@pytest.mark.slow  # a scratch database migrated from scratch, 32 partitions, two index builds: 90 s at load 25
def test_bench_search_partitioned_smoke(monkeypatch: pytest.MonkeyPatch) -> None:
    server = os.environ.get("RTCC_TEST_DATABASE_URL")
    if not server:
        pytest.skip("the partitioned search bench needs PostgreSQL")
    monkeypatch.setattr(bench, "REPEAT", 4)
    monkeypatch.setattr(bench, "SCAN_CHECKS", 1)
    monkeypatch.setattr(bench, "HITS_KEPT", 5)
    monkeypatch.setattr(bench, "CAMERAS_MAX", 40)
    args = ["bench", "search", "--partitioned", "--json", "--rows", "3000", "--database", server]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    out = json.loads(result.stdout.strip().splitlines()[-1])
    keys = {"rows", "plates", "cameras", "partitions", "wildcard_p95_ms", "partial_p95_ms", "baseline_wildcard_p95_ms",
            "baseline_partial_p95_ms", "speedup_wildcard", "speedup_partial", "results_checked", "scan_checked",
            "mismatches", "retention_drop_s", "retention_dropped", "retention_kept", "retention_delete_rows_s",
            "ingest_batches_during_drop", "ingest_max_batch_ms", "load_s"}  # fmt: skip
    assert keys <= set(out)
    assert out["rows"] == 3000 and out["cameras"] == 40 and out["partitions"] >= bench.DAYS
    assert out["results_checked"] == 2 * 4 and out["scan_checked"] == 2 and out["mismatches"] == 0
    assert out["retention_kept"] == 5 and out["retention_dropped"] > 0


def test_bench_search_partitioned_refuses_sqlite() -> None:
    with pytest.raises(ValueError, match="needs --database postgresql"):
        bench.run(rows=10, database_url=None)
