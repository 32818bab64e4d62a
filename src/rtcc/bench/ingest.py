"""``rtcc bench ingest``: the whole ingest path in batches against the database driver's own bulk insert of the same
rows; with ``--reads-per-request``/``--clients``/``--mqtt``, ingest as cameras send it, over the real wire
(``rtcc.bench._ingest_live``).

Pipeline, per batch of 5,000 reads given as the JSON body a camera client sends: parsing and per-read pydantic
validation, normalisation, idempotent store and one audit entry (``alpr.payloads.ingest_payload``, the same call
``POST /api/v1/reads`` makes, one transaction, which also stages the batch's event in the outbox), then matching
against a 10,000-entry OCR-tolerant hotlist and alert creation (``matching.service.match_stored``, one transaction
that also settles the outbox row) for the stored reads the ingest announced. The event hop itself is replaced by
handing the envelope over directly.
Baselines, same run, same table and indexes, same rows (same ids, already normalised, values in the driver's form),
one commit per batch, straight through the driver with no SQLAlchemy: ``executemany`` of a plain ``INSERT`` (sqlite3,
psycopg) and, on PostgreSQL, ``COPY ... FROM STDIN`` (psycopg). ``raw_insert_per_s`` is the faster of them, the one
``ratio`` compares with.
Keys: reads_per_s, raw_insert_per_s, raw_executemany_per_s, raw_copy_per_s (PostgreSQL), ratio, database (plus hits,
alerts, rows).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import orjson
from sqlalchemy import delete, func, select

from rtcc.alerts.models import Alert
from rtcc.alpr import cameras as alpr_cameras
from rtcc.alpr import payloads as alpr_payloads
from rtcc.alpr import principals as alpr_principals
from rtcc.alpr import readrows
from rtcc.alpr.logic import read_key, utc_iso
from rtcc.alpr.models import Camera, Read
from rtcc.alpr.readrows import READ_COLUMNS
from rtcc.alpr.schemas import CameraCreate
from rtcc.bench import _gen
from rtcc.bench._support import CollectingBus, scratch_database
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.plates import normalise, ocr_class
from rtcc.hotlists import imports as hotlist_imports
from rtcc.hotlists import lists as hotlists_lists
from rtcc.hotlists.logic import Category
from rtcc.hotlists.parsers import ParsedEntry
from rtcc.hotlists.schemas import HotlistCreate
from rtcc.identity.logic import SYSTEM
from rtcc.matching.service import Matcher, match_stored
from rtcc.settings import Settings

BATCH = 5000
CAMERAS = 19
HOTLIST = 10_000


def _reads(rng: np.random.Generator, n: int, listed: list[str]) -> list[dict[str, Any]]:
    plates = _gen.plates(rng, n, "CA")
    hit_positions = rng.choice(n, size=max(1, n // 200), replace=False)  # 0.5 % hotlisted vehicles
    for pos in hit_positions:
        plates[int(pos)] = listed[int(rng.integers(len(listed)))]
    base = utcnow() - timedelta(hours=1)
    offsets = np.sort(rng.uniform(0, 3500, size=n))
    cams = rng.integers(1, CAMERAS + 1, size=n)
    conf = rng.uniform(70, 99, size=n)
    return [
        {
            "plate": plates[i],
            "region": "CA",
            "confidence": round(float(conf[i]), 1),
            "observed_at": (base + timedelta(seconds=float(offsets[i]))).isoformat(),
            "camera": f"BENCH-{int(cams[i]):02d}",
            "vehicle": {"make": "Toyota", "color": "white", "type": "sedan"},
        }
        for i in range(n)
    ]


def _setup(db: Database, bus: CollectingBus, rng: np.random.Generator) -> list[str]:
    listed = _gen.plates(rng, HOTLIST, "CA")
    with db.uow() as s:
        for i in range(1, CAMERAS + 1):
            alpr_cameras.register_camera(s, CameraCreate(code=f"BENCH-{i:02d}", name=f"Bench {i}"), actor=SYSTEM)
        hl = hotlists_lists.create_hotlist(
            s, bus, HotlistCreate(name="bench", category=Category.stolen_vehicle), actor=SYSTEM
        )
        entries = [
            ParsedEntry(
                line=i + 1,
                plate=p,
                plate_norm=normalise(p),
                region="CA",
                category=None,
                reason="bench",
                case_number=None,
                expires_at=None,
                vehicle_make=None,
                vehicle_model=None,
                vehicle_color=None,
                vehicle_type=None,
                vehicle_year=None,
            )
            for i, p in enumerate(listed)
        ]
        hotlist_imports.import_entries(s, bus, hl.id, entries, actor=SYSTEM, fmt="csv", source_name="bench")
    return listed


def _raw_rows(db: Database, reads: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The reads as ``alpr_reads`` rows in ``READ_COLUMNS`` order, each value in the form the driver takes (and the
    pipeline writes): the same ids, normalised plates and timestamps as the pipeline stores."""
    with db.read() as s:
        camera_hex = {c.code: c.id.hex for c in s.scalars(select(Camera))}
        fmt = readrows.read_row_format(s)
    now = utcnow()
    received = fmt.time(now, utc_iso(now))
    rows = []
    for r in reads:
        norm = normalise(r["plate"])
        observed = datetime.fromisoformat(r["observed_at"]).astimezone(UTC)
        values = {
            "id": read_key(r["camera"], norm, observed, None).hex(),
            "camera_id": camera_hex[r["camera"]],
            "plate": r["plate"],
            "plate_norm": norm,
            "plate_ocr": ocr_class(norm),
            "region": r["region"],
            "confidence": r["confidence"],
            "observed_at": fmt.time(observed, utc_iso(observed)),
            "received_at": received,
            "vehicle_make": "Toyota",
            "vehicle_color": "white",
            "vehicle_type": "sedan",
            "source": "bench",
            "is_hit": fmt.false,
        }
        rows.append(tuple(values.get(c) for c in READ_COLUMNS))
    return rows


def _driver_load(db: Database, rows: list[tuple[Any, ...]], method: str) -> float:
    """Seconds to store ``rows`` in batches of ``BATCH``, one commit each, through the driver alone (``executemany``
    of a plain INSERT, or PostgreSQL's COPY); the table is emptied afterwards."""
    columns = ", ".join(READ_COLUMNS)
    raw = db.engine.raw_connection()  # a pooled connection: SQLite's pragmas (WAL, synchronous=FULL) apply
    try:
        conn: Any = raw.driver_connection
        t0 = time.perf_counter()
        if db.dialect == "sqlite":
            sql = f"INSERT INTO alpr_reads ({columns}) VALUES ({', '.join('?' * len(READ_COLUMNS))})"
            for i in range(0, len(rows), BATCH):
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(sql, rows[i : i + BATCH])
                conn.execute("COMMIT")
        elif method == "copy":
            for i in range(0, len(rows), BATCH):
                with conn.cursor() as cur, cur.copy(f"COPY alpr_reads ({columns}) FROM STDIN") as copy:
                    for row in rows[i : i + BATCH]:
                        copy.write_row(row)
                conn.commit()
        else:
            sql = f"INSERT INTO alpr_reads ({columns}) VALUES ({', '.join(['%s'] * len(READ_COLUMNS))})"
            for i in range(0, len(rows), BATCH):
                with conn.cursor() as cur:
                    cur.executemany(sql, rows[i : i + BATCH])
                conn.commit()
        elapsed = time.perf_counter() - t0
    finally:
        raw.close()
    with db.engine.begin() as c:
        c.execute(delete(Read))
    return elapsed


def run(
    *,
    rows: int | None = None,
    database_url: str | None = None,
    reads_per_request: int | None = None,
    clients: int | None = None,
    mqtt: bool = False,
) -> dict[str, Any]:
    """Measure the ingest pipeline and the driver's bulk-insert baselines; return the figures. With
    ``reads_per_request``, ``clients`` or ``mqtt``: the live variants of ``rtcc.bench._ingest_live``."""
    if mqtt or reads_per_request is not None or clients is not None:
        from rtcc.bench import _ingest_live as ingest_live

        per, conc = reads_per_request or 1, clients or 64
        if mqtt:
            return ingest_live.run_mqtt(rows=rows, database_url=database_url, reads_per_request=per, clients=conc)
        return ingest_live.run_http(rows=rows, database_url=database_url, reads_per_request=per, clients=conc)
    n = rows or 200_000
    rng = np.random.default_rng(20261121)
    with scratch_database(database_url) as url:
        db = Database(url)
        bus = CollectingBus()
        settings = Settings(database_url=url)
        listed = _setup(db, bus, rng)
        bus.published.clear()
        reads = _reads(rng, n, listed)
        matcher = Matcher()
        principal = alpr_principals.ingest_principal("bench")

        # Baselines: the driver's own bulk insert of the same rows, same batch size, one commit per batch.
        raw = _raw_rows(db, reads)
        baselines = {"executemany": n / _driver_load(db, raw, "executemany")}
        if db.dialect == "postgresql":
            baselines["copy"] = n / _driver_load(db, raw, "copy")
        raw_per_s = max(baselines.values())

        with db.read() as s:
            matcher.ensure_current(s)  # index build is start-up work, not per-read work
        bodies = [orjson.dumps({"reads": reads[i : i + BATCH]}) for i in range(0, n, BATCH)]  # what clients send
        context = {"channel": "native", "content_type": "application/json"}
        stored = 0
        t0 = time.perf_counter()
        for body in bodies:
            with db.uow() as s:  # exactly what POST /api/v1/reads does with the request body
                result = alpr_payloads.ingest_payload(
                    s,
                    bus,
                    body,
                    source="rest",
                    context=context,
                    principal=principal,
                    settings=settings,
                    dead_letters=None,
                )
            stored += result.accepted
            for env in bus.take("alpr.reads.stored"):
                with db.uow() as s:
                    match_stored(s, bus, matcher, env, dedup_window_s=settings.alert_dedup_window_s)
            bus.published.clear()
        pipe_s = time.perf_counter() - t0

        with db.read() as s:
            alerts = s.scalar(select(func.count()).select_from(Alert)) or 0
            hits = s.scalar(select(func.count()).select_from(Read).where(Read.is_hit)) or 0
        db.dispose()
    return {
        "reads_per_s": round(stored / pipe_s),
        "raw_insert_per_s": round(raw_per_s),
        "raw_executemany_per_s": round(baselines["executemany"]),
        **({"raw_copy_per_s": round(baselines["copy"])} if "copy" in baselines else {}),
        "ratio": round((stored / pipe_s) / raw_per_s, 3),
        "database": "postgresql" if database_url and database_url.startswith("postgresql") else "sqlite",
        "rows": n,
        "stored": stored,
        "hit_reads": hits,
        "alerts": alerts,
        "batch": BATCH,
        "hotlist_size": HOTLIST,
    }
