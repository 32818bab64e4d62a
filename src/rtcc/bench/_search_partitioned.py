"""``rtcc bench search --partitioned``: plate search over day-partitioned reads at city scale, against the same
search over an unpartitioned table holding the same rows, in the same run; and a retention day drop while ingest runs.

PostgreSQL only (SQLite keeps one plain table). Data: N reads (default 60,000,000) over the last 30 days at one
camera per intersection of a city profile's gazetteer (default ``los_angeles``: about 2,600 cameras, heavy-tailed
volumes), of a fleet of N/20 vehicles with realistic plates (as ``rtcc bench search``). Rows are COPYed in time
order into ``alpr_reads`` (its day partitions made first, secondary indexes dropped during the load and rebuilt
after); then the same rows are copied into ``bench_flat.alpr_reads``, a plain table with the same primary key on
``id`` and the same indexes (what ``alpr_reads`` was before migration 0031), and the plate index is rebuilt once
(both sides share it).

Baseline: the same use case (``investigations.service.search_plates``: purpose check, candidates from the plate
index, the first page of 100 reads, the audit entry, one committed unit of work) through a second connection pool
whose ``search_path`` puts ``bench_flat`` first, so the identical SQL runs on the unpartitioned table with the
planner free to choose its best plan there. The two sides alternate query by query. Inputs: wildcard
(``7AB*23``/``?ABC123``) and partial (3 characters) patterns from plates that exist.
Correctness: every answer of the partitioned side must equal the baseline's (same reads, same order), and the first
``SCAN_CHECKS`` patterns of each mode are also checked against a full scan (``bench.search.ScanChecker``: ``LIKE``
over every row, index scans off). Any difference raises ``SearchMismatch``.

Retention: while a thread ingests reads for the current day in short transactions (200 reads each), one retention
pass (``retention.service.run_purge``, class ``reads_nonhit``, period 29 days) drops the oldest day's partition;
50 of that day's reads are hits and must be kept (they move to the default partition; checked). ``retention_drop_s``
is that pass's wall time; ``retention_delete_rows_s`` is, for comparison, deleting the same day's non-hit rows from
the unpartitioned table with one ``DELETE``. ``ingest_max_batch_ms`` is the slowest ingest transaction during the
drop (it waits for the drop's short lock).

Keys: rows, plates, cameras, partitions, database, wildcard_p50_ms/p95, partial_p50_ms/p95 (partitioned),
baseline_wildcard_p50_ms/p95, baseline_partial_p50_ms/p95 (unpartitioned), speedup_wildcard, speedup_partial
(baseline p95 over partitioned p95), results_checked, scan_checked, mismatches, retention_drop_s, retention_dropped,
retention_kept, retention_delete_rows_s, ingest_batches_during_drop, ingest_max_batch_ms; partitioned_gb, flat_gb,
database_gb (on-disk sizes once both tables are loaded and indexed: the run's peak); and each phase's wall time:
migrate_s (the scratch database), load_s (load_copy_s: cameras, fleet, partitions and the COPY; load_indexes_s;
load_foreign_keys_s; load_vacuum_s), flat_copy_s (flat_insert_s, flat_indexes_s, flat_vacuum_s), index_build_s
(the plate index), checkpoint_s, search_s (the 4 x REPEAT timed searches), scan_check_s (the full-scan checks),
retention_s, total_s.

Bulk load: the bench's own index builds and VACUUMs get ``maintenance_work_mem = BUILD_MEMORY`` for their session
only, and the camera foreign key is dropped for the COPY and added back after it (validated then); the timed
searches run with the server's settings, on normal, logged tables with the product's indexes and keys.
"""

from __future__ import annotations

import io
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import make_url

from rtcc.alpr import partitions
from rtcc.alpr.models import Camera
from rtcc.bench import _search_shared as shared
from rtcc.bench._support import Phases, file_case, prefetch, read_indexes, scratch_database
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.errors import ValidationFailed
from rtcc.identity.logic import SYSTEM
from rtcc.investigations import plate_index, service
from rtcc.investigations.schemas import PlateSearch
from rtcc.places import service as places
from rtcc.retention import service as retention
from rtcc.settings import Settings

DEFAULT_ROWS = 60_000_000
DAYS = 30
CITY = "los_angeles"
REPEAT = 40
SCAN_CHECKS = 4
FLAT = "bench_flat"
HITS_KEPT = 50
#: At most this many cameras (None: one per intersection); the suite's smoke run takes a few.
CAMERAS_MAX: int | None = None
INGEST_BATCH = 200
#: Memory for the bench's own index builds and VACUUM (per session, not the server's setting): at city scale the
#: server default (64 MB) makes every partition's sort spill to disk. Searches never see it.
BUILD_MEMORY = "1GB"


def _cameras(db: Database, city: str, rng: np.random.Generator, created: datetime) -> list[tuple[str, float, float]]:
    """One camera per distinct intersection of the city's gazetteer; (id, lat, daily volume weight)."""
    places.activate(city)
    seen: set[tuple[float, float]] = set()
    cams: list[tuple[str, float, float]] = []
    with db.uow() as s:
        for k, p in enumerate(places.intersections()):
            key = (round(p.lat, 4), round(p.lon, 4))
            if key in seen or (CAMERAS_MAX is not None and len(cams) >= CAMERAS_MAX):
                continue
            seen.add(key)
            cam = Camera(
                id=uuid.uuid4(),
                code=f"BENCH-{k:05d}",
                name=p.name[:128],
                lat=p.lat,
                lon=p.lon,
                status="online",
                created_at=created,
                meta={},
            )
            s.add(cam)
            cams.append((str(cam.id), p.lat, 0.0))
    volume = 1.0 / np.power(rng.permutation(len(cams)) + 1.0, 0.6)  # a few busy corridors, many quiet corners
    return [(cid, lat, float(v)) for (cid, lat, _), v in zip(cams, volume, strict=True)]


def _copy_text(batch: list[tuple[Any, ...]]) -> str:
    buf = io.StringIO()
    for r in batch:
        rid = r[0]
        buf.write(
            f"{rid[:8]}-{rid[8:12]}-{rid[12:16]}-{rid[16:20]}-{rid[20:]}\t{r[1]}\t{r[2]}\t{r[3]}\t{r[4]}\t"
            f"{r[5]}\t{r[6]}\t{r[7]}+00\t{r[8]}+00\t{r[9]}\t{r[10]}\t\\N\t{r[12]}\tf\n"
        )
    return buf.getvalue()


def _maintenance(db: Database, sql: str) -> None:
    """One statement outside a transaction (VACUUM, CHECKPOINT), with ``BUILD_MEMORY`` for this session only."""
    raw = db.engine.raw_connection()
    try:
        pg: Any = raw.driver_connection
        pg.autocommit = True
        pg.execute(f"SET maintenance_work_mem = '{BUILD_MEMORY}'")
        try:
            pg.execute(sql)
        finally:
            pg.execute("RESET maintenance_work_mem")
            pg.autocommit = False
    finally:
        raw.close()


def _foreign_keys(db: Database) -> list[tuple[str, str]]:
    """(name, definition) of ``alpr_reads``' own foreign keys (the camera's): dropped for the bulk COPY, whose
    per-row checks took about two thirds of its time, and added back after it (one validating join)."""
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'public.alpr_reads'::regclass AND contype = 'f' AND conparentid = 0"
            )
        ).all()
    return [(str(name), str(ddl)) for name, ddl in rows]


def _load(
    db: Database, rows: int, rng: np.random.Generator, start: datetime, city: str, phases: Phases
) -> tuple[list[str], int]:
    """Cameras, day partitions and reads (COPY, generated and sent ``shared.CHUNK`` rows at a time, so memory does
    not grow with N); returns the fleet's plates and the number of cameras. Secondary indexes and the camera foreign
    key are dropped for the COPY and made again after it, as the migrations define them."""
    cams = _cameras(db, city, rng, start)
    fleet = shared.fleet(rng, max(1000, rows // 20))
    with db.uow() as s:
        partitions.ensure_days(s, [start.date() + timedelta(days=k) for k in range(DAYS + 2)])
    indexes = read_indexes(db)
    foreign = _foreign_keys(db)
    with db.engine.begin() as conn:
        for name, _ in indexes:
            conn.execute(text(f"DROP INDEX {name}"))
        for name, _ in foreign:
            conn.execute(text(f"ALTER TABLE alpr_reads DROP CONSTRAINT {name}"))
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        chunks = (_copy_text(batch) for batch in shared.chunks(rng, rows, start, cams, fleet, days=DAYS))
        for chunk in prefetch(chunks):
            with cur.copy(f"COPY alpr_reads ({shared.COLS}) FROM STDIN") as copy:
                copy.write(chunk)
            raw.commit()
        phases.lap("load_copy")
        cur.execute(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'")
        for _, ddl in indexes:
            cur.execute(ddl)
        raw.commit()
        phases.lap("load_indexes")
        for name, ddl in foreign:
            cur.execute(f"ALTER TABLE alpr_reads ADD CONSTRAINT {name} {ddl}")
        raw.commit()
        phases.lap("load_foreign_keys")
    finally:
        raw.close()
    _maintenance(db, "VACUUM ANALYZE alpr_reads")
    phases.lap("load_vacuum")
    return fleet[0], len(cams)


def _flat_copy(db: Database, phases: Phases) -> None:
    """``bench_flat.alpr_reads``: the same rows (copied server-side, in the partitions' time order) in a plain table
    with the pre-0031 key and the same indexes."""
    indexes = read_indexes(db)
    with db.engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {FLAT}"))
        conn.execute(text(f"CREATE TABLE {FLAT}.alpr_reads (LIKE public.alpr_reads INCLUDING DEFAULTS)"))
        conn.execute(text(f"INSERT INTO {FLAT}.alpr_reads SELECT * FROM public.alpr_reads"))
    phases.lap("flat_insert")
    with db.engine.begin() as conn:
        conn.execute(text(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'"))
        conn.execute(text(f"ALTER TABLE {FLAT}.alpr_reads ADD PRIMARY KEY (id)"))
        for _, ddl in indexes:
            conn.execute(text(ddl.replace("ON public.alpr_reads", f"ON {FLAT}.alpr_reads")))
    phases.lap("flat_indexes")
    _maintenance(db, f"VACUUM ANALYZE {FLAT}.alpr_reads")
    phases.lap("flat_vacuum")


def _with_search_path(url: str) -> str:
    u = make_url(url)
    return u.update_query_dict({"options": f"-csearch_path={FLAT},public"}).render_as_string(hide_password=False)


def _ingest(db: Database, stop: threading.Event, cam_id: str, latencies: list[float]) -> None:
    """Reads for now, INGEST_BATCH per transaction, until ``stop``; each transaction's wall time in ms."""
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        sql = (
            "INSERT INTO alpr_reads (id, camera_id, plate, plate_norm, plate_ocr, observed_at, received_at, source, "
            "is_hit) VALUES (%s, %s, %s, %s, %s, %s, %s, 'rest', false)"
        )
        while not stop.is_set():
            now = utcnow()
            batch = [
                (uuid.uuid4(), uuid.UUID(cam_id), "8ZZZ000", "8ZZZ000", "8ZZZ000", now, now)
                for _ in range(INGEST_BATCH)
            ]
            t0 = time.perf_counter()
            cur.executemany(sql, batch)
            raw.commit()
            latencies.append((time.perf_counter() - t0) * 1000.0)
            time.sleep(0.02)
    finally:
        raw.close()


def _retention_drop(db: Database, url: str, first_day: date, cam_id: str) -> dict[str, float | int]:
    """Drop the oldest day by one retention pass while ingest runs (see the module docstring)."""
    day = partitions.partition_name(first_day)
    with db.engine.begin() as conn:
        conn.execute(text(f"UPDATE {day} SET is_hit = true WHERE id IN (SELECT id FROM {day} LIMIT {HITS_KEPT})"))
        in_day = int(conn.execute(text(f"SELECT count(*) FROM {day}")).scalar_one())
    latencies: list[float] = []
    stop = threading.Event()
    worker = threading.Thread(target=_ingest, args=(db, stop, cam_id, latencies), daemon=True)
    worker.start()
    try:
        time.sleep(1.0)
        before = len(latencies)
        with TemporaryDirectory(prefix="rtcc-bench-partition-") as tmp:
            settings = Settings(
                database_url=url, bus_url="memory://", retention_reads_days=DAYS - 1, data_dir=Path(tmp)
            )
            t0 = time.perf_counter()
            outcome = retention.run_purge(db, settings, actor=SYSTEM, trigger="bench", classes=["reads_nonhit"])
            drop_s = time.perf_counter() - t0
        time.sleep(0.5)
    finally:
        stop.set()
        worker.join(timeout=30)
    during = latencies[before:]
    lo, hi = partitions.day_bounds(first_day)
    with db.engine.begin() as conn:
        kept = int(
            conn.execute(
                text(
                    f"SELECT count(*) FROM {partitions.DEFAULT_PARTITION} "
                    "WHERE observed_at >= :lo AND observed_at < :hi"
                ),
                {"lo": lo, "hi": hi},
            ).scalar_one()
        )
        still = conn.execute(text("SELECT to_regclass(:n)"), {"n": day}).scalar_one()
        t0 = time.perf_counter()
        conn.execute(text(f"DELETE FROM {FLAT}.alpr_reads WHERE observed_at < :hi AND NOT is_hit"), {"hi": hi})
        delete_s = time.perf_counter() - t0
    dropped = outcome.counts().get("reads_nonhit", 0)
    if still is not None or kept != HITS_KEPT or dropped != in_day - HITS_KEPT:
        raise shared.SearchMismatch(
            f"retention drop of {day}: partition {'still there' if still else 'gone'}, {dropped} of "
            f"{in_day - HITS_KEPT} non-hit reads dropped, {kept} of {HITS_KEPT} hits kept"
        )
    return {
        "retention_drop_s": round(drop_s, 3),
        "retention_dropped": dropped,
        "retention_kept": kept,
        "retention_delete_rows_s": round(delete_s, 3),
        "ingest_batches_during_drop": len(during),
        "ingest_max_batch_ms": round(max(during), 1) if during else 0.0,
    }


def run(rows: int | None = None, database_url: str | None = None, city: str = CITY) -> dict[str, float | int | str]:
    """Load N reads into day partitions and a plain copy; time the searches on both and a retention day drop. The
    process's city profile is the bench city while it runs, and the one before it afterwards."""
    previous = places.current().source
    try:
        return _run(rows, database_url, city)
    finally:
        places.activate(previous)


def _run(rows: int | None, database_url: str | None, city: str) -> dict[str, float | int | str]:
    if not database_url or database_url.startswith("sqlite"):
        raise ValueError(
            "bench search --partitioned needs --database postgresql+psycopg://... (SQLite is not partitioned)"
        )
    n = rows or DEFAULT_ROWS
    rng = np.random.default_rng(20261206)
    today = utcnow().date()
    first_day = today - timedelta(days=DAYS)
    start = datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC)
    phases = Phases()
    t_start = time.perf_counter()
    with scratch_database(database_url, prefix="rtcc_bench_partition") as url:
        phases.lap("migrate")
        db = Database(url)
        flat = Database(_with_search_path(url))
        settings = Settings(database_url=url, bus_url="memory://")
        try:
            plates, n_cams = _load(db, n, rng, start, city, phases)
            file_case(db, shared.PURPOSE["case_number"], at=start)  # the searches name it (a hotlist row, not timed)
            _flat_copy(db, phases)
            with db.uow() as s:
                stats = plate_index.rebuild_index(s)
            phases.lap("index_build")
            _maintenance(db, "CHECKPOINT")
            phases.lap("checkpoint")
            with db.read() as s:
                n_parts = len(partitions.list_days(s))
                cam_id = str(s.execute(text("SELECT id FROM alpr_cameras LIMIT 1")).scalar_one())
                sizes = _sizes(s)
            actor = shared.actor()
            picks = [plates[int(i)] for i in rng.integers(0, max(1, len(plates) // 2), size=REPEAT)]
            wild = [p[:3] + "*" + p[-2:] if i % 2 == 0 else "?" + p[1:] for i, p in enumerate(picks)]
            part = [p[1:4] for p in picks]
            answers: dict[str, list[tuple[str, str, shared.Answer]]] = {"part": [], "flat": []}

            def search(on: Database, side: str, pattern: str, mode: str) -> None:
                body = PlateSearch.model_validate({**shared.PURPOSE, "plate": pattern, "mode": mode, "limit": 100})
                try:
                    with on.uow() as s:
                        found = service.search_plates(s, body, actor=actor, settings=settings)
                except ValidationFailed as exc:
                    if "too broad" not in str(exc.errors):
                        raise
                    answers[side].append((pattern, mode, None))
                    return
                answers[side].append((pattern, mode, [hit.id for hit in found.items]))

            times: dict[str, list[float]] = {k: [] for k in ("wp", "wf", "pp", "pf")}
            for i in range(REPEAT):  # the two sides alternate (and swap who goes first) so load hits both alike
                order = [(db, "part"), (flat, "flat")] if i % 2 == 0 else [(flat, "flat"), (db, "part")]
                for pattern, mode, key in ((wild[i], "wildcard", "w"), (part[i], "partial", "p")):
                    for on, side in order:
                        t0 = time.perf_counter()
                        search(on, side, pattern, mode)
                        times[key + side[0]].append((time.perf_counter() - t0) * 1000.0)
            phases.lap("search")
            mismatches = [
                f"{m} {p!r}" for (p, m, a), (_, _, b) in zip(answers["part"], answers["flat"], strict=True) if a != b
            ]
            checker = shared.ScanChecker(db, cap=settings.search_max_candidates)
            by_mode: dict[str, int] = {}
            for pattern, mode, got in answers["part"]:
                if by_mode.get(mode, 0) < SCAN_CHECKS:
                    by_mode[mode] = by_mode.get(mode, 0) + 1
                    checker.check(pattern, mode, got)
            if mismatches:
                raise shared.SearchMismatch(
                    f"{len(mismatches)} partitioned answers differ from the unpartitioned table's: {mismatches[:10]}"
                )
            checker.raise_if_any()
            phases.lap("scan_check")
            dropped = _retention_drop(db, url, first_day, cam_id)
            phases.lap("retention")
        finally:
            flat.dispose()
            db.dispose()
    wp, wf = shared.pct(times["wp"], 95), shared.pct(times["wf"], 95)
    pp, pf = shared.pct(times["pp"], 95), shared.pct(times["pf"], 95)
    return {
        "rows": n,
        "plates": stats.plates,
        "cameras": n_cams,
        "partitions": n_parts,
        "database": "postgresql",
        "wildcard_p50_ms": shared.pct(times["wp"], 50),
        "wildcard_p95_ms": wp,
        "partial_p50_ms": shared.pct(times["pp"], 50),
        "partial_p95_ms": pp,
        "baseline_wildcard_p50_ms": shared.pct(times["wf"], 50),
        "baseline_wildcard_p95_ms": wf,
        "baseline_partial_p50_ms": shared.pct(times["pf"], 50),
        "baseline_partial_p95_ms": pf,
        "speedup_wildcard": round(wf / max(wp, 1e-6), 2),
        "speedup_partial": round(pf / max(pp, 1e-6), 2),
        "results_checked": len(answers["part"]),
        "scan_checked": checker.checked,
        "mismatches": 0,
        **dropped,
        **sizes,
        "load_s": round(
            sum(phases.seconds[k] for k in ("load_copy", "load_indexes", "load_foreign_keys", "load_vacuum")), 1
        ),
        "flat_copy_s": round(sum(phases.seconds[k] for k in ("flat_insert", "flat_indexes", "flat_vacuum")), 1),
        **phases.report(),
        "total_s": round(time.perf_counter() - t_start, 1),
    }


def _sizes(s: Any) -> dict[str, float]:
    """On-disk size in GB of the partitioned reads (every partition with its indexes), of the unpartitioned copy,
    and of the whole scratch database, once both are loaded and indexed (the run's peak)."""
    gb = 1024.0**3
    part = s.execute(
        text(
            "SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits "
            "WHERE inhparent = 'public.alpr_reads'::regclass"
        )
    ).scalar_one()
    flat = s.execute(text(f"SELECT pg_total_relation_size('{FLAT}.alpr_reads')")).scalar_one()
    whole = s.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    return {
        "partitioned_gb": round(int(part) / gb, 2),
        "flat_gb": round(int(flat) / gb, 2),
        "database_gb": round(int(whole) / gb, 2),
    }
