"""``rtcc bench search --partitioned`` at a tiny size (PostgreSQL only): it prints its documented keys, every
partitioned answer agreed with the unpartitioned table's (and the sampled full scans), and the retention pass dropped
the oldest day while keeping its hits. Figures are never asserted."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from rtcc.bench import _search_partitioned as bench
from rtcc.bench import _search_shared as shared
from rtcc.bench._support import Phases, read_indexes, scratch_database
from rtcc.cli import app
from rtcc.core.db import Database
from rtcc.places import service as places


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


def test_bench_load_leaves_the_migrated_keys_and_indexes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bulk load drops the secondary indexes and the camera foreign key for its COPY; afterwards the table has
    exactly the ones the migrations made (the timed searches run on the product's table), and every row is there."""
    server = os.environ.get("RTCC_TEST_DATABASE_URL")
    if not server:
        pytest.skip("the partitioned search bench needs PostgreSQL")
    monkeypatch.setattr(bench, "CAMERAS_MAX", 20)
    monkeypatch.setattr(shared, "CHUNK", 700)  # several chunks through the prefetching thread
    previous = places.current().source
    with scratch_database(server, prefix="rtcc_test_bench_load") as url:
        db = Database(url)
        try:
            foreign, indexes = bench._foreign_keys(db), sorted(read_indexes(db))
            assert [name for name, _ in foreign] == ["fk_alpr_reads_camera_id_alpr_cameras"]
            phases = Phases()
            start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=bench.DAYS)
            plates, cams = bench._load(db, 3000, np.random.default_rng(7), start, "cerritos", phases)
            assert bench._foreign_keys(db) == foreign and sorted(read_indexes(db)) == indexes
            assert {"load_copy_s", "load_indexes_s", "load_foreign_keys_s", "load_vacuum_s"} <= set(phases.report())
            with db.read() as s:
                assert s.execute(text("SELECT count(*) FROM alpr_reads")).scalar_one() == 3000
            assert cams == 20 and len(plates) >= 1000
        finally:
            db.dispose()
            places.activate(previous)
