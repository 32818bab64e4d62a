"""``rtcc bench search`` runs end to end on a small SQLite database and reports every documented key (figures are
not asserted: benchmarks assert nothing about time)."""

from __future__ import annotations

import pytest

from rtcc.bench import search


@pytest.mark.slow
def test_bench_search_reports_its_keys() -> None:
    out = search.run(rows=3000, database_url=None)
    keys = {"rows", "wildcard_p95_ms", "partial_p95_ms", "scan_p95_ms", "speedup", "history_p95_ms"}
    assert keys | {"stakeout_p95_ms", "index_mb", "wildcard_query_p95_ms", "partial_query_p95_ms"} <= set(out)
    assert out["rows"] == 3000 and out["database"] == "sqlite"
    assert isinstance(out["plates"], int) and 0 < out["plates"] <= 1000
    assert isinstance(out["index_mb"], float) and out["index_mb"] >= 0
