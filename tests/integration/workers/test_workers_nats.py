"""Two real ``rtcc worker match`` processes on NATS JetStream share the stored-read events without double alerts.

Every event is published twice (as a redelivery would), so both workers may process the same reads at the same time;
the unique (read, entry) match and the open-alert dedup key must still leave exactly one match per (read, entry) and
one alert per (entry, camera).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rtcc.alerts.models import Alert
from rtcc.alpr import cameras as alpr_cameras
from rtcc.alpr import principals as alpr_principals
from rtcc.alpr import store as alpr_store
from rtcc.alpr.schemas import CameraCreate, ReadIn
from rtcc.bench._support import CollectingBus
from rtcc.bus.envelope import Envelope
from rtcc.bus.nats import NatsBus
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.hotlists import entries as hotlists_entries
from rtcc.hotlists import lists as hotlists_lists
from rtcc.hotlists.logic import Category
from rtcc.hotlists.schemas import EntryCreate, HotlistCreate
from rtcc.identity.logic import SYSTEM
from rtcc.matching.models import Match
from rtcc.settings import Settings
from rtcc_testing import require_service

NATS_URL = os.environ.get("RTCC_TEST_NATS_URL", "nats://127.0.0.1:4222")
LISTED = ["7ABC123", "8XYZ456", "5KLM789", "6QRS246"]
CAMERAS = ["W-1", "W-2", "W-3"]


def _stored_events(db: Database, bus: CollectingBus) -> tuple[list[Envelope], set[tuple[int, str]], int]:
    """Store 30 batches of reads; return the stored-read events, the expected (entry, camera) pairs and hit reads."""
    with db.uow() as s:
        for code in CAMERAS:
            alpr_cameras.register_camera(s, CameraCreate(code=code, name=code), actor=SYSTEM)
        hl = hotlists_lists.create_hotlist(
            s, bus, HotlistCreate(name="w", category=Category.stolen_vehicle, max_diff=0), actor=SYSTEM
        )
        entry_ids = {
            p: hotlists_entries.add_entry(s, bus, hl.id, EntryCreate(plate=p, region="CA"), actor=SYSTEM).id
            for p in LISTED
        }
    principal = alpr_principals.ingest_principal("test")
    now = utcnow()
    pairs: set[tuple[int, str]] = set()
    hit_reads = 0
    for b in range(30):
        reads = []
        for i in range(20):
            cam = CAMERAS[(b + i) % len(CAMERAS)]
            if i % 5 == 0:
                plate = LISTED[(b + i) % len(LISTED)]
                pairs.add((entry_ids[plate], cam))
                hit_reads += 1
            else:
                plate = f"ZZ{b:03d}{i:03d}"  # 8 characters: never within k of a 7-character listed plate
            reads.append(
                ReadIn(
                    plate=plate,
                    region="CA",
                    confidence=90,
                    camera=cam,
                    observed_at=now - timedelta(seconds=600 - b * 10 - i),
                )
            )
        with db.uow() as s:
            alpr_store.ingest(
                s, bus, reads, source="rest", principal=principal, settings=Settings(database_url=str(db.url))
            )
    return bus.take("alpr.reads.stored"), pairs, hit_reads


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "rtcc", "worker", "match"], env=env, stdout=handle, stderr=subprocess.STDOUT
    )


@pytest.mark.services
def test_two_match_workers_share_load_without_double_alerts(db: Database, database_url: str, tmp_path: Path) -> None:
    require_service("NATS", "127.0.0.1", 4222)
    events, pairs, hit_reads = _stored_events(db, CollectingBus())
    tag = uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        "RTCC_DATABASE_URL": database_url,
        "RTCC_BUS_URL": NATS_URL,
        "RTCC_BUS_STREAM": f"RTCCTEST_W{tag}",
        "RTCC_BUS_SUBJECT_PREFIX": f"rtccw{tag}",
        "RTCC_LOG_LEVEL": "DEBUG",
        "RTCC_MQTT_URL": "",
    }
    env.pop("RTCC_MQTT_URL")
    logs = [tmp_path / "w1.log", tmp_path / "w2.log"]
    workers = [_start_worker(env, log) for log in logs]
    bus = NatsBus(NATS_URL, stream=f"RTCCTEST_W{tag}", subject_prefix=f"rtccw{tag}")
    try:
        deadline = time.monotonic() + 60
        while not all("worker match running" in log.read_text() for log in logs):
            assert time.monotonic() < deadline, [log.read_text()[-2000:] for log in logs]
            assert all(w.poll() is None for w in workers), [log.read_text()[-2000:] for log in logs]
            time.sleep(0.2)

        async def publish() -> None:
            await bus.start()
            for env_ in events:
                await bus.publish(env_)
                await bus.publish(Envelope(type=env_.type, source="redelivery", payload=env_.payload))
            await bus.close()

        asyncio.run(publish())
        deadline = time.monotonic() + 60
        while True:
            with db.read() as s:
                matches = s.scalar(select(func.count()).select_from(Match)) or 0
            handled = sum(log.read_text().count("match batch") for log in logs)
            if matches >= hit_reads and handled >= 2 * len(events):
                break
            assert time.monotonic() < deadline, f"matches {matches}/{hit_reads}, batches {handled}"
            time.sleep(0.3)
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            w.wait(timeout=30)
        asyncio.run(_delete_stream(f"RTCCTEST_W{tag}"))

    per_worker = [log.read_text().count("match batch") for log in logs]
    assert all(n > 0 for n in per_worker), f"one worker did nothing: {per_worker}"
    assert sum(per_worker) == 2 * len(events)
    with db.read() as s:
        pairs_in_db = s.execute(select(Match.read_id, Match.entry_id)).all()
        alerts = s.execute(select(Alert.entry_id, Alert.camera_id, Alert.read_count)).all()
    assert len(pairs_in_db) == len(set(pairs_in_db)) == hit_reads
    # the listed plates are read exactly, at several cameras: one alert per vehicle (entry and plate as read)
    assert len(alerts) == len({entry for entry, _cam in pairs}), "exactly one alert per vehicle"
    assert sum(a.read_count for a in alerts) == hit_reads


async def _delete_stream(name: str) -> None:
    import nats

    nc = await nats.connect(NATS_URL)
    try:
        await nc.jetstream().delete_stream(name)
    finally:
        await nc.close()
