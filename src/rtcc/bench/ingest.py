"""``rtcc bench ingest``: the whole ingest path in batches against a plain executemany insert of the same rows.

Pipeline, per batch of 5,000 reads given as the JSON body a camera client sends: parsing and per-read pydantic
validation, normalisation, idempotent store and one audit entry (``alpr.service.ingest_payload``, the same call
``POST /api/v1/reads`` makes, one transaction, which also stages the batch's event in the outbox), then matching
against a 10,000-entry OCR-tolerant hotlist and alert creation (``matching.service.match_stored``, one transaction
that also settles the outbox row) for the stored reads the ingest announced. The event hop itself is replaced by
handing the envelope over directly.
Baseline, same run, same table and indexes: ``INSERT`` executemany of the same rows (same ids, already normalised),
through SQLAlchemy Core, one commit per batch.
Keys: reads_per_s, raw_insert_per_s, ratio, database (plus hits, alerts, rows).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import orjson
from sqlalchemy import delete, func, insert, select

from rtcc.alerts.models import Alert
from rtcc.alpr import service as alpr_service
from rtcc.alpr.logic import read_id
from rtcc.alpr.models import Camera, Read
from rtcc.alpr.schemas import CameraCreate
from rtcc.bench import _gen
from rtcc.bench._support import CollectingBus, scratch_database
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.plates import normalise, ocr_class
from rtcc.hotlists import imports as hotlist_imports
from rtcc.hotlists import service as hotlists_service
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
            alpr_service.register_camera(s, CameraCreate(code=f"BENCH-{i:02d}", name=f"Bench {i}"), actor=SYSTEM)
        hl = hotlists_service.create_hotlist(
            s, bus, HotlistCreate(name="bench", category=Category.stolen_vehicle, max_diff=1), actor=SYSTEM
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


def _raw_rows(db: Database, reads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    with db.read() as s:
        camera_ids = {c.code: c.id for c in s.scalars(select(Camera))}
    now = utcnow()
    rows = []
    for r in reads:
        norm = normalise(r["plate"])
        observed = datetime.fromisoformat(r["observed_at"])
        rows.append(
            {
                "id": read_id(r["camera"], norm, observed, None),  # the same ids the pipeline stores
                "camera_id": camera_ids[r["camera"]],
                "plate": r["plate"],
                "plate_norm": norm,
                "plate_ocr": ocr_class(norm),
                "region": r["region"],
                "confidence": r["confidence"],
                "observed_at": observed,
                "received_at": now,
                "vehicle_make": "Toyota",
                "vehicle_color": "white",
                "vehicle_type": "sedan",
                "source": "bench",
                "is_hit": False,
            }
        )
    return rows


def run(*, rows: int | None = None, database_url: str | None = None) -> dict[str, Any]:
    """Measure the ingest pipeline and the raw-insert baseline; return the figures."""
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
        principal = alpr_service.ingest_principal("bench")

        # Baseline: plain executemany of the same rows, same batch size, one commit per batch.
        raw = _raw_rows(db, reads)
        t0 = time.perf_counter()
        for i in range(0, n, BATCH):
            with db.engine.begin() as conn:
                conn.execute(insert(Read), raw[i : i + BATCH])
        raw_s = time.perf_counter() - t0
        with db.engine.begin() as conn:
            conn.execute(delete(Read))

        with db.read() as s:
            matcher.ensure_current(s)  # index build is start-up work, not per-read work
        bodies = [orjson.dumps({"reads": reads[i : i + BATCH]}) for i in range(0, n, BATCH)]  # what clients send
        context = {"channel": "native", "content_type": "application/json"}
        stored = 0
        t0 = time.perf_counter()
        for body in bodies:
            with db.uow() as s:  # exactly what POST /api/v1/reads does with the request body
                result = alpr_service.ingest_payload(
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
        "raw_insert_per_s": round(n / raw_s),
        "ratio": round((stored / pipe_s) / (n / raw_s), 3),
        "database": "postgresql" if database_url and database_url.startswith("postgresql") else "sqlite",
        "rows": n,
        "stored": stored,
        "hit_reads": hits,
        "alerts": alerts,
        "batch": BATCH,
        "hotlist_size": HOTLIST,
    }
