"""``rtcc bench retention``: purge N expired non-hit reads while a concurrent writer ingests reads, and report the
longest time an ingest write took (its stall) against the same writer's longest with no purge running.

Setup (not measured): N expired non-hit reads (40 to 400 days old), plus N/1000 old hit reads with match rows and
N/100 recent reads that must survive, bulk-loaded with the secondary indexes dropped and rebuilt (SQLite
executemany in id order; PostgreSQL COPY). The writer is the real ingest path: a body of 20 reads through
``alpr.payloads.ingest_payload`` in its own unit of work (exactly what ``POST /api/v1/reads`` does; on SQLite it
begins with ``BEGIN IMMEDIATE``), one write every 10 ms. Baseline, same run, same table: the writer alone for
``BASELINE_S`` seconds. Then the purge (``retention.service.run_purge`` for ``reads_nonhit``, the settings' batch
size and pause) runs while the writer goes on. A write's stall is its whole duration, lock wait included.
Keys: rows, purged, purge_s, longest_stall_ms, baseline_stall_ms, batches (plus percentiles, how many writes took
over 500 ms / 1 s, counts, settings). Default 1,000,000 rows; the issue's figure is ``--rows 10000000``.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import orjson
from sqlalchemy import text

from rtcc.alpr import cameras as alpr_cameras
from rtcc.alpr import payloads as alpr_payloads
from rtcc.alpr import principals as alpr_principals
from rtcc.alpr.schemas import CameraCreate
from rtcc.bench import _gen
from rtcc.bench._support import CollectingBus, read_indexes, scratch_database
from rtcc.core.db import Database
from rtcc.identity.logic import SYSTEM
from rtcc.retention import service as retention_service
from rtcc.settings import Settings

WRITE_BATCH = 20
WRITE_EVERY_S = 0.010
BASELINE_S = 10.0
LOAD_CHUNK = 50_000
_COLS = ("id", "camera_id", "plate", "plate_norm", "plate_ocr", "observed_at", "received_at", "source", "is_hit")


def _ids(start: int, n: int) -> list[uuid.UUID]:
    return [uuid.UUID(int=(0xBE7C << 112) | (start + i)) for i in range(n)]


def _bulk_load(db: Database, camera_id: uuid.UUID, n: int, rng: np.random.Generator) -> dict[str, int]:
    """N expired non-hit reads, N/1000 old hits (with matches), N/100 recent reads; returns the counts."""
    now = datetime.now(UTC)
    hits = max(1, n // 1000)
    recent = max(1, n // 100)
    plates = _gen.plates(rng, min(n, 200_000), "CA")
    sqlite = db.dialect == "sqlite"
    indexes = read_indexes(db)
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()

        def begin() -> None:
            if sqlite:  # the engine's SQLite connections run in autocommit mode: one transaction per chunk
                cur.execute("BEGIN")

        def commit() -> None:
            if sqlite:
                cur.execute("COMMIT")
            else:
                raw.commit()

        begin()
        for name, _ in indexes:
            cur.execute(f"DROP INDEX {name}")
        commit()

        def rows(start: int, count: int, oldest_days: float, newest_days: float, hit: bool) -> list[tuple[Any, ...]]:
            span = (oldest_days - newest_days) * 86400
            out: list[tuple[Any, ...]] = []
            for k, rid in enumerate(_ids(start, count)):
                t = now - timedelta(days=oldest_days) + timedelta(seconds=span * k / max(1, count))
                p = plates[(start + k) % len(plates)]
                if sqlite:
                    ts = t.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
                    out.append((rid.hex, camera_id.hex, p, p, p, ts, ts, "bench", 1 if hit else 0))
                else:
                    out.append((rid, camera_id, p, p, p, t, t, "bench", hit))
            return out

        parts = [(0, n, 400.0, 40.0, False), (n, hits, 200.0, 60.0, True), (n + hits, recent, 5.0, 0.0, False)]
        insert = f"INSERT INTO alpr_reads ({', '.join(_COLS)}) VALUES ({', '.join('?' * len(_COLS))})"
        for start, count, old, new, hit in parts:
            for off in range(0, count, LOAD_CHUNK):
                chunk = rows(start + off, min(LOAD_CHUNK, count - off), old, new, hit)
                begin()
                if sqlite:
                    cur.executemany(insert, chunk)
                else:
                    with cur.copy(f"COPY alpr_reads ({', '.join(_COLS)}) FROM STDIN") as copy:
                        for row in chunk:
                            copy.write_row(row)
                commit()
        created = now.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds") if sqlite else now
        match_rows = [
            (rid.hex if sqlite else rid, uuid.uuid4().hex if sqlite else uuid.uuid4(), "exact", "[]", created)
            for rid in _ids(n, hits)
        ]
        mark = "?" if sqlite else "%s"
        begin()
        cur.executemany(
            f"INSERT INTO matches (read_id, hotlist_id, kind, diff_positions, created_at) "
            f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark})",
            match_rows,
        )
        for _, ddl in indexes:
            cur.execute(ddl)
        cur.execute("ANALYZE alpr_reads" if not sqlite else "ANALYZE")
        commit()
    finally:
        raw.close()
    return {"expired": n, "hits": hits, "recent": recent}


class _Writer(threading.Thread):
    """Ingests WRITE_BATCH reads every WRITE_EVERY_S through the real ingest path, timing each unit of work."""

    def __init__(self, db: Database, settings: Settings, rng: np.random.Generator) -> None:
        super().__init__(daemon=True)
        self.db, self.settings = db, settings
        self.bus = CollectingBus()
        self.principal = alpr_principals.ingest_principal("bench")
        self.plates = _gen.plates(rng, 50_000, "CA")
        self.stop = threading.Event()
        self.durations: list[float] = []
        self.errors = 0
        self._i = 0

    def _body(self) -> bytes:
        now = datetime.now(UTC)
        reads = []
        for k in range(WRITE_BATCH):
            self._i += 1
            reads.append(
                {
                    "plate": self.plates[self._i % len(self.plates)],
                    "region": "CA",
                    "observed_at": (now - timedelta(milliseconds=k)).isoformat(),
                    "camera": "BENCH-RET",
                }
            )
        return orjson.dumps({"reads": reads})

    def run(self) -> None:
        context = {"channel": "native", "content_type": "application/json"}
        while not self.stop.is_set():
            body = self._body()
            t0 = time.perf_counter()
            try:
                with self.db.uow() as s:
                    alpr_payloads.ingest_payload(
                        s,
                        self.bus,
                        body,
                        source="rest",
                        context=context,
                        principal=self.principal,
                        settings=self.settings,
                        dead_letters=None,
                    )
            except Exception:
                self.errors += 1
            self.durations.append(time.perf_counter() - t0)
            self.bus.published.clear()
            time.sleep(WRITE_EVERY_S)


def _stats(durations: list[float]) -> dict[str, float]:
    arr = np.array(durations or [0.0]) * 1000
    return {"max": round(float(arr.max()), 1), "p50": round(float(np.percentile(arr, 50)), 1),
            "p99": round(float(np.percentile(arr, 99)), 1)}  # fmt: skip


def run(rows: int | None = None, database_url: str | None = None) -> dict[str, float | int | str]:
    """Measure the purge of ``rows`` expired reads and the ingest writer's stalls, with the same-run baseline."""
    n = rows or 1_000_000
    rng = np.random.default_rng(20261122)
    with scratch_database(database_url, prefix="rtcc_bench_retention") as url:
        db = Database(url)
        settings = Settings(database_url=url, retention_interval_s=0)
        with db.uow() as s:
            cam = alpr_cameras.register_camera(s, CameraCreate(code="BENCH-RET", name="Bench"), actor=SYSTEM)
            camera_id = cam.id
        t0 = time.perf_counter()
        loaded = _bulk_load(db, camera_id, n, rng)
        setup_s = time.perf_counter() - t0

        baseline = _Writer(db, settings, rng)
        baseline.start()
        time.sleep(BASELINE_S)
        baseline.stop.set()
        baseline.join()

        writer = _Writer(db, settings, rng)
        writer.start()
        t0 = time.perf_counter()
        outcome = retention_service.run_purge(db, settings, actor=SYSTEM, trigger="bench", classes=["reads_nonhit"])
        purge_s = time.perf_counter() - t0
        writer.stop.set()
        writer.join()

        with db.read() as s:
            left = int(s.execute(text("SELECT count(*) FROM alpr_reads")).scalar_one())
        db.dispose()
    during, base = _stats(writer.durations), _stats(baseline.durations)
    c = outcome.classes[0]
    return {
        "database": "postgresql" if database_url and database_url.startswith("postgresql") else "sqlite",
        "rows": n,
        "purged": c.count,
        "purge_s": round(purge_s, 2),
        "purged_per_s": round(c.count / purge_s) if purge_s else 0,
        "batches": c.batches,
        "batch_size": settings.retention_batch_size,
        "pause_ms": settings.retention_pause_ms,
        "longest_stall_ms": during["max"],
        "stall_p50_ms": during["p50"],
        "stall_p99_ms": during["p99"],
        "writes_during_purge": len(writer.durations),
        "writes_over_500ms": sum(1 for d in writer.durations if d > 0.5),
        "writes_over_1s": sum(1 for d in writer.durations if d > 1.0),
        "baseline_stall_ms": base["max"],
        "baseline_p50_ms": base["p50"],
        "baseline_p99_ms": base["p99"],
        "writes_baseline": len(baseline.durations),
        "baseline_over_500ms": sum(1 for d in baseline.durations if d > 0.5),
        "writer_errors": writer.errors + baseline.errors,
        "kept_rows": left,
        "kept_expected": loaded["hits"]
        + loaded["recent"]
        + WRITE_BATCH * (len(writer.durations) + len(baseline.durations)),
        "setup_s": round(setup_s, 1),
    }
