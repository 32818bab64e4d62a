"""``rtcc bench search`` and ``rtcc bench retention`` run end to end on a small database of the suite's dialect and
report every documented key (figures are not asserted: benchmarks assert nothing about time)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from rtcc.bench import retention, search
from rtcc.bench._support import read_indexes, scratch_database
from rtcc.core.db import Database


def _server() -> str | None:
    return os.environ.get("RTCC_TEST_DATABASE_URL") or None


@pytest.mark.slow
def test_bench_search_reports_its_keys() -> None:
    out = search.run(rows=3000, database_url=_server())
    keys = {"rows", "wildcard_p95_ms", "partial_p95_ms", "scan_p95_ms", "speedup", "history_p95_ms"}
    assert keys | {"stakeout_p95_ms", "index_mb", "wildcard_query_p95_ms", "partial_query_p95_ms"} <= set(out)
    assert {"broad_p95_ms", "broad_patterns", "broad_refused", "results_checked", "mismatches"} <= set(out)
    # every answer (40 wildcard, 40 partial, 40 broad, 80 query path) agreed with the full scan
    assert out["mismatches"] == 0 and out["results_checked"] == 200 and out["broad_patterns"] >= 10
    assert out["rows"] == 3000 and out["database"] == ("postgresql" if _server() else "sqlite")
    assert isinstance(out["plates"], int) and 0 < out["plates"] <= 1000
    assert isinstance(out["index_mb"], float) and out["index_mb"] >= 0


@pytest.mark.slow
def test_bench_retention_purges_and_reports_its_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retention, "BASELINE_S", 1.0)  # the writer-alone baseline, 10 s in a real run
    out = retention.run(rows=2000, database_url=_server())
    assert {"rows", "purged", "purge_s", "longest_stall_ms", "baseline_stall_ms", "batches"} <= set(out)
    assert out["rows"] == 2000 and out["purged"] == 2000


def test_bulk_loads_rebuild_the_indexes_the_migrations_made() -> None:
    # The benchmarks drop alpr_reads' secondary indexes for the load and rebuild them from these statements.
    with scratch_database(_server(), prefix="rtcc_test_indexes") as url:
        db = Database(url)
        try:
            found = dict(read_indexes(db))
            assert set(found) == {
                "ix_alpr_reads_plate_norm_observed",
                "ix_alpr_reads_camera_observed",
                "ix_alpr_reads_observed",
                "ix_alpr_reads_hit_observed",  # partial: the hits (a retention drop keeps them by it)
                "ix_alpr_reads_crop_ref_stored",  # partial: reads whose images are in our store
                "ix_alpr_reads_image_ref_stored",
            }
            assert "alpr-images/%" in found["ix_alpr_reads_crop_ref_stored"]
            if db.dialect == "postgresql":
                assert "INCLUDE (id)" in found["ix_alpr_reads_plate_norm_observed"]
            with db.engine.begin() as conn:
                for name, ddl in found.items():
                    conn.execute(text(f"DROP INDEX {name}"))
                    conn.execute(text(ddl))
            assert dict(read_indexes(db)) == found
        finally:
            db.dispose()
