"""``rtcc bench search``: plate search, vehicle history and stakeout over N stored reads, against a full-scan
``LIKE`` over the same rows in the same run.

Data: N reads (default 20,000,000) over 90 days at the 19 Cerritos ALPR cameras of the demo world (each camera's
share follows its typical daily volume), of a fleet of N/20 vehicles with realistic plates (``bench._gen``: CA 85 %,
NV/AZ/OR the rest) whose read counts follow a heavy-tailed (Zipf-like) distribution, so that plates repeat as they
do on real roads. Rows are bulk-loaded in time order with time-ordered ids (SQLite ``executemany`` in large batches,
PostgreSQL ``COPY``), with ``alpr_reads``' secondary indexes dropped during the load and rebuilt after it; then the
plate index is rebuilt (``investigations.plate_index.rebuild_index``). A checkpoint then writes the load's dirty pages
out (PostgreSQL ``CHECKPOINT``, SQLite ``wal_checkpoint(TRUNCATE)``), so that the searches' commits are not timed
behind gigabytes of bulk-load writes still being flushed: a database that has been taking reads for 90 days is not
in the middle of a bulk load.

Measured (p50/p95 over repeated queries with different inputs), each the full use case as the API runs it: purpose
check, the search, and its audit entry, in one committed unit of work:
- wildcard (``7AB*23``/``?ABC123`` style, from plates that exist) and partial (3 characters, contains) plate search,
  first page of 100 reads;
- baseline: the same first page by a full-scan ``LIKE '%ABC%'`` over ``alpr_reads`` (every row read: SQLite
  ``NOT INDEXED``, PostgreSQL with index scans switched off for that query), and for reference the same ``LIKE``
  with the planner free to use the time index (``scan_planner_*``: it walks reads in time order and stops at the
  100th match, so its cost depends on how common the pattern is rather than on N);
- broad patterns (``broad_*``, full use case): two-digit wildcards (``7*3``), digit partials (``*123*`` and the
  3-digit tail of a plate in partial mode, which thousands of plates share) and short prefixes (``7A*``, ``7AB*``).
  A pattern matching more than ``search_max_candidates`` plates is refused as too broad (``broad_refused``), which is
  the product's answer and is checked too;
- vehicle history of one plate; a one-hour stakeout within 100 m of one camera.
Every plate-search answer (full use case and query path alike) is checked against the full scan's answer after the
timing: the first page of ``LIKE`` over ``alpr_reads`` in (observed_at, id) order, read without the plate index, must
be the same reads in the same order; a refusal as too broad must agree with the scan finding more distinct plates
than the cap. ``results_checked`` counts the answers checked, ``mismatches`` those that differ; any mismatch makes the
bench raise ``SearchMismatch`` naming the patterns (it does not print figures of wrong answers). ``check_s`` is the
time the checks took (not part of any figure).
Also measured: the query path alone (``*_query_*``: candidate plates from the plate index and the first page of
reads, in a read-only session, no audit), which is what replaces the scan.
Keys: rows, plates, wildcard_p50_ms/p95, partial_p50_ms/p95 (full use case), wildcard_query_p50_ms/p95,
partial_query_p50_ms/p95, broad_p50_ms/p95, broad_patterns, broad_refused, results_checked, mismatches, check_s,
scan_p50_ms/p95, scan_planner_p50_ms/p95, speedup (scan p95 over the larger of the
wildcard and partial full-use-case p95s), speedup_wildcard_query and speedup_partial_query (scan p95 over the query
path alone), history_p50_ms/p95, stakeout_p50_ms/p95, index_mb (plate index with its substring
index), load_s, index_build_s, database.
"""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import text

from rtcc.alpr.models import Camera
from rtcc.bench import _search_shared as shared
from rtcc.bench._support import file_case, read_indexes, scratch_database
from rtcc.core.db import Database
from rtcc.core.errors import ValidationFailed
from rtcc.demo import world
from rtcc.investigations import plate_index, plate_rows, scenes, service
from rtcc.investigations.logic import parse_plate_query
from rtcc.investigations.schemas import Area, HistoryQuery, PlateSearch, StakeoutQuery
from rtcc.settings import Settings

DEFAULT_ROWS = 20_000_000
DAYS = 90
REPEAT = 40
SCAN_REPEAT = 5


def _load(db: Database, rows: int, rng: np.random.Generator, start: datetime) -> tuple[list[str], dict[str, Any]]:
    """Cameras and reads; returns the fleet's plates and camera positions by id."""
    demo = world.cameras()
    cams: list[tuple[str, float, float]] = []
    positions: dict[str, Any] = {}
    with db.uow() as s:
        for c in demo:
            cam = Camera(
                id=uuid.uuid4(),
                code=c.code,
                name=c.name,
                lat=c.lat,
                lon=c.lon,
                heading_deg=c.heading_deg,
                status="online",
                created_at=start,
                meta={},
            )
            s.add(cam)
            key = cam.id.hex if db.dialect == "sqlite" else str(cam.id)
            cams.append((key, c.lat, max(1.0, float(c.daily_volume))))
            positions[key] = (c.lat, c.lon)
    fleet = shared.fleet(rng, max(1000, rows // 20))
    indexes = read_indexes(db)
    with db.engine.begin() as conn:
        for name, _ in indexes:
            conn.execute(text(f"DROP INDEX {name}"))
    if db.dialect == "sqlite":
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("PRAGMA synchronous=OFF")
            sql = f"INSERT INTO alpr_reads ({shared.COLS}) VALUES ({', '.join('?' * 14)})"
            for batch in shared.chunks(rng, rows, start, cams, fleet, days=DAYS):
                cur.execute("BEGIN")
                cur.executemany(sql, [(*r[:7], r[7].replace("T", " "), r[8].replace("T", " "), *r[9:]) for r in batch])
                cur.execute("COMMIT")
            for _, ddl in indexes:
                cur.execute(ddl)
            cur.execute("ANALYZE")
            cur.execute("PRAGMA synchronous=FULL")
        finally:
            raw.close()
    else:
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            for batch in shared.chunks(rng, rows, start, cams, fleet, days=DAYS):
                buf = io.StringIO()
                for r in batch:
                    rid = r[0]
                    buf.write(
                        f"{rid[:8]}-{rid[8:12]}-{rid[12:16]}-{rid[16:20]}-{rid[20:]}\t{r[1]}\t{r[2]}\t{r[3]}\t{r[4]}\t"
                        f"{r[5]}\t{r[6]}\t{r[7]}+00\t{r[8]}+00\t{r[9]}\t{r[10]}\t\\N\t{r[12]}\tf\n"
                    )
                with cur.copy(f"COPY alpr_reads ({shared.COLS}) FROM STDIN") as copy:
                    copy.write(buf.getvalue())
                raw.commit()
            for _, ddl in indexes:
                cur.execute(ddl)
            raw.commit()
        finally:
            raw.close()
        _outside_transaction(db, "VACUUM ANALYZE alpr_reads")  # sets the visibility map for index-only scans
    return fleet[0], positions


def _outside_transaction(db: Database, sql: str) -> None:
    """Run one maintenance statement that cannot run inside a transaction (VACUUM, CHECKPOINT, a WAL checkpoint)."""
    raw = db.engine.raw_connection()
    try:
        if db.dialect == "sqlite":  # the engine's SQLite connections are in autocommit mode already
            raw.cursor().execute(sql)
        else:
            pg: Any = raw.driver_connection
            pg.autocommit = True
            pg.execute(sql)
            pg.autocommit = False
    finally:
        raw.close()


def _times(fn: Callable[[int], Any], n: int) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def run(
    rows: int | None = None, database_url: str | None = None, partitioned: bool = False
) -> dict[str, float | int | str]:
    """Load N reads, build the plate index, and time the searches against the full-scan baseline.
    ``partitioned``: the city-scale run over day partitions instead (``bench._search_partitioned``, PostgreSQL)."""
    if partitioned:
        from rtcc.bench import _search_partitioned

        return _search_partitioned.run(rows=rows, database_url=database_url)
    n = rows or DEFAULT_ROWS
    rng = np.random.default_rng(20261122)
    start = datetime(2026, 8, 1, tzinfo=UTC)
    with scratch_database(database_url, prefix="rtcc_bench_search") as url:
        db = Database(url)
        settings = Settings(database_url=url, bus_url="memory://")
        try:
            t0 = time.perf_counter()
            plates, positions = _load(db, n, rng, start)
            load_s = time.perf_counter() - t0
            file_case(db, shared.PURPOSE["case_number"], at=start)
            t0 = time.perf_counter()
            with db.uow() as s:
                stats = plate_index.rebuild_index(s)
            index_build_s = time.perf_counter() - t0
            # write the load's dirty pages out now (see the module docstring)
            _outside_transaction(db, "PRAGMA wal_checkpoint(TRUNCATE)" if db.dialect == "sqlite" else "CHECKPOINT")
            actor = shared.actor()
            # inputs: plates from the busier half of the fleet (they have reads), patterns built from them
            picks = [plates[int(i)] for i in rng.integers(0, max(1, len(plates) // 2), size=REPEAT)]
            wild = [p[:3] + "*" + p[-2:] if i % 2 == 0 else "?" + p[1:] for i, p in enumerate(picks)]
            part = [p[1:4] for p in picks]

            answers: list[tuple[str, str, shared.Answer]] = []  # checked against the scan after the timing

            def plate_search(pattern: str, mode: str) -> None:
                body = PlateSearch.model_validate({**shared.PURPOSE, "plate": pattern, "mode": mode, "limit": 100})
                try:
                    with db.uow() as s:
                        found = service.search_plates(s, body, actor=actor, settings=settings)
                except ValidationFailed as exc:
                    if "too broad" not in str(exc.errors):
                        raise
                    answers.append((pattern, mode, None))
                    return
                answers.append((pattern, mode, [hit.id for hit in found.items]))

            def plate_query(pattern: str, mode: str) -> None:
                # the query path alone (what replaces the LIKE scan): candidates from the plate index, first page
                body = PlateSearch.model_validate({**shared.PURPOSE, "plate": pattern, "mode": mode, "limit": 100})
                q = parse_plate_query(body.plate, body.mode)
                with db.read() as s:
                    found = service._candidate_plates(s, q, settings)
                    answers.append((pattern, mode, [hit.id for hit in service._page(s, body, q, found, 100)[0]]))

            broad = shared.broad_patterns(picks)
            wildcard_ms = _times(lambda i: plate_search(wild[i], "wildcard"), REPEAT)
            partial_ms = _times(lambda i: plate_search(part[i], "partial"), REPEAT)
            broad_ms = _times(lambda i: plate_search(*broad[i % len(broad)]), max(REPEAT, len(broad)))
            wildcard_q_ms = _times(lambda i: plate_query(wild[i], "wildcard"), REPEAT)
            partial_q_ms = _times(lambda i: plate_query(part[i], "partial"), REPEAT)
            sqlite = db.dialect == "sqlite"
            like = "WHERE plate_norm LIKE :p ORDER BY observed_at, id LIMIT 100"
            planner_sql = text(f"SELECT id, observed_at FROM alpr_reads {like}")
            full_sql = text(f"SELECT id, observed_at FROM alpr_reads {'NOT INDEXED ' if sqlite else ''}{like}")

            def scan(i: int) -> int:  # the full-scan LIKE the issue names: every row read, no index used
                with db.read() as s:
                    if not sqlite:
                        for knob in ("indexscan", "indexonlyscan", "bitmapscan"):
                            s.execute(text(f"SET LOCAL enable_{knob} = off"))
                    return len(s.execute(full_sql, {"p": f"%{part[i]}%"}).all())

            def planner_scan(i: int) -> int:  # the same LIKE with the planner free to walk the time index
                with db.read() as s:
                    return len(s.execute(planner_sql, {"p": f"%{part[i]}%"}).all())

            scan_ms = _times(scan, SCAN_REPEAT)
            planner_ms = _times(planner_scan, SCAN_REPEAT)

            def history(i: int) -> int:
                body = HistoryQuery.model_validate({**shared.PURPOSE, "plate": picks[i]})
                with db.uow() as s:
                    return service.vehicle_history(s, body, actor=actor, settings=settings).result_count

            history_ms = _times(history, REPEAT)
            cam_keys = list(positions)
            hours = rng.integers(0, DAYS * 24 - 1, size=REPEAT)

            def stakeout(i: int) -> int:
                lat, lon = positions[cam_keys[i % len(cam_keys)]]
                at = start + timedelta(hours=int(hours[i]))
                body = StakeoutQuery(
                    **shared.PURPOSE, area=Area(lat=lat, lon=lon, radius_m=100), start=at, end=at + timedelta(hours=1)
                )
                with db.uow() as s:
                    return scenes.stakeout(s, body, actor=actor, settings=settings).total_reads

            stakeout_ms = _times(stakeout, REPEAT)
            with db.read() as s:
                index_bytes = plate_rows.index_size_bytes(s)
            t0 = time.perf_counter()
            checker = shared.ScanChecker(db, cap=settings.search_max_candidates)
            for pattern, mode, got in answers:
                checker.check(pattern, mode, got)
            check_s = time.perf_counter() - t0
            checker.raise_if_any()
            broad_refused = sum(1 for key, want in checker.expected.items() if key in set(broad) and want is None)
        finally:
            db.dispose()
    return {
        "rows": n,
        "plates": stats.plates,
        "database": "postgresql" if database_url and not database_url.startswith("sqlite") else "sqlite",
        "wildcard_p50_ms": shared.pct(wildcard_ms, 50),
        "wildcard_p95_ms": shared.pct(wildcard_ms, 95),
        "partial_p50_ms": shared.pct(partial_ms, 50),
        "partial_p95_ms": shared.pct(partial_ms, 95),
        "scan_p50_ms": shared.pct(scan_ms, 50),
        "scan_p95_ms": shared.pct(scan_ms, 95),
        "scan_planner_p50_ms": shared.pct(planner_ms, 50),
        "scan_planner_p95_ms": shared.pct(planner_ms, 95),
        "wildcard_query_p50_ms": shared.pct(wildcard_q_ms, 50),
        "wildcard_query_p95_ms": shared.pct(wildcard_q_ms, 95),
        "partial_query_p50_ms": shared.pct(partial_q_ms, 50),
        "partial_query_p95_ms": shared.pct(partial_q_ms, 95),
        # the figure: the slower of the two searches (full use case, audit commit included) against the scan
        "speedup": round(
            shared.pct(scan_ms, 95) / max(shared.pct(wildcard_ms, 95), shared.pct(partial_ms, 95), 1e-6), 1
        ),
        "speedup_wildcard_query": round(shared.pct(scan_ms, 95) / max(shared.pct(wildcard_q_ms, 95), 1e-6), 1),
        "speedup_partial_query": round(shared.pct(scan_ms, 95) / max(shared.pct(partial_q_ms, 95), 1e-6), 1),
        "broad_p50_ms": shared.pct(broad_ms, 50),
        "broad_p95_ms": shared.pct(broad_ms, 95),
        "broad_patterns": len(broad),
        "broad_refused": broad_refused,
        "results_checked": checker.checked,
        "mismatches": len(checker.mismatches),
        "check_s": round(check_s, 1),
        "history_p50_ms": shared.pct(history_ms, 50),
        "history_p95_ms": shared.pct(history_ms, 95),
        "stakeout_p50_ms": shared.pct(stakeout_ms, 50),
        "stakeout_p95_ms": shared.pct(stakeout_ms, 95),
        "index_mb": round(index_bytes / 1e6, 2),
        "load_s": round(load_s, 1),
        "index_build_s": round(index_build_s, 1),
    }
