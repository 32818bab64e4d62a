"""No acknowledged hit is ever left unmatched: SIGKILLs of the server and the match workers, and a NATS outage.

The kill tests: sensor threads post batches of reads (a quarter of them hotlisted) over real HTTP and, like real
sensors, resend a batch until it is acknowledged with 202. Meanwhile the test SIGKILLs processes at random moments
(at least 20 kills) and restarts them. Then everything is started once more and left to settle, and the test
asserts: 0 acknowledged reads lost, 0 acknowledged hotlisted reads without a match and an alert, 0 duplicate alerts
(one alert per (entry, camera), its read count equal to its matches), and an empty event outbox.

Two profiles: embedded (SQLite, ``rtcc serve`` as the only process, in the SQLite pass of the suite) and production
(a scratch PostgreSQL database, a private ``nats-server``, ``rtcc serve`` without consumers plus two
``rtcc worker match``, in the pass that has ``RTCC_TEST_DATABASE_URL``).

The outage test: a private ``nats-server`` is SIGKILLed while reads flow; ingest must answer at normal latency
(the envelopes stay in the outbox), every hit must be matched, and after the server is started again both the API
process and the match worker must reconnect by themselves and carry events over NATS again.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from rtcc.alerts.models import Alert
from rtcc.alpr.models import Read
from rtcc.core.db import Database
from rtcc.core.migrate import upgrade
from rtcc.core.scratch import scratch_database
from rtcc.matching.models import Match
from rtcc_killing import (
    LISTED,
    ROOT,
    Cluster,
    PrivateNats,
    Sensor,
    nats_binary,
    outbox_pending,
    prepare,
    send,
    unmatched,
)
from rtcc_testing import free_port, require_service

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

SENSORS = 3
MIN_KILLS = 20
MIN_HITS = 150  # acknowledged hotlisted reads the kill phase waits for (the assertion wants more than 100 distinct)
KILL_PHASE_S = 260.0  # a cap; the phase ends after MIN_KILLS kills and MIN_HITS hits (about 80 s on an idle machine)
SETTLE_S = 90.0


def _run(db: Database, env: dict[str, str], workers: int, tmp_path: Path) -> None:
    secret = prepare(db)
    port = free_port()
    env = {**env, "RTCC_PORT": str(port), "RTCC_DATA_DIR": str(tmp_path), "RTCC_LOG_LEVEL": "WARNING"}
    env.update(
        {"RTCC_MATCH_REDRIVE_GRACE_S": "2", "RTCC_MATCH_REDRIVE_INTERVAL_S": "0.5", "PYTHONPATH": str(ROOT / "src")}
    )
    cluster = Cluster(env, port, workers, tmp_path)
    rng = random.Random(int(os.environ.get("RTCC_KILL_SEED", str(time.time_ns()))))
    stop = threading.Event()
    sensors = [Sensor(i) for i in range(SENSORS)]
    threads = [
        threading.Thread(target=send, args=(f"http://127.0.0.1:{port}", secret, s, stop, random.Random(rng.random())))
        for s in sensors
    ]
    try:
        cluster.start_all()
        cluster.wait_ready()
        for t in threads:
            t.start()
        ends = time.monotonic() + KILL_PHASE_S
        # at least MIN_KILLS kills, and on until enough hits were acknowledged to prove something (a loaded machine
        # restarts the server more slowly, so fewer reads get through between kills)
        while (
            sum(cluster.kills.values()) < MIN_KILLS or sum(len(s.acked_hits) for s in sensors) < MIN_HITS
        ) and time.monotonic() < ends:
            victim = rng.choice(cluster.names)
            if victim in cluster.api and rng.random() < 0.6:
                # while traffic flows: once the server has acknowledged a batch since its (re)start, however slowly
                # a loaded machine starts it (kills that only ever land in start-up would let no read through)
                _until_acknowledged(cluster, sensors, 60.0)
                time.sleep(rng.uniform(0.0, 1.5))
            else:  # anywhere, start-up included
                time.sleep(rng.uniform(0.3, 3.0))
            cluster.kill(victim)
            if rng.random() < 0.2:
                time.sleep(rng.uniform(0.0, 3.0))  # sometimes stay down a while: the sensors keep resending
            cluster.start(victim)
        stop.set()
        cluster.start_all()
        for t in threads:
            t.join(150)
        kills = sum(cluster.kills.values())
        assert kills >= MIN_KILLS, f"only {kills} kills"
        errors = [s.error for s in sensors if s.error]
        assert not errors, errors
        hits = set().union(*(s.acked_hits for s in sensors))
        acked = set().union(*(s.acked for s in sensors))
        assert len(hits) > 100, "too little traffic to prove anything"

        deadline = time.monotonic() + SETTLE_S
        while (missing := unmatched(db, hits)) or outbox_pending(db):
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        print(
            f"kills {cluster.kills}, acknowledged reads {len(acked)}, hotlisted {len(hits)}, "
            f"resends {sum(s.resends for s in sensors)}, unmatched {len(missing)}"
        )
        with db.read() as s:
            stored = set(s.scalars(select(Read.source_ref).where(Read.source_ref.like("s%"))))
            pairs = s.execute(select(Match.read_id, Match.entry_id)).all()
            alerts = s.execute(
                select(Alert.entry_id, Alert.camera_id, func.count(), func.sum(Alert.read_count))
                .where(Alert.kind == "hit")
                .group_by(Alert.entry_id, Alert.camera_id)
            ).all()
        assert not acked - stored, f"{len(acked - stored)} acknowledged reads lost"
        assert not missing, f"{len(missing)} of {len(hits)} acknowledged hotlisted reads have no match and alert"
        assert len(pairs) == len(set(pairs))
        assert all(n == 1 for _e, _c, n, _r in alerts), "duplicate alerts for one (entry, camera)"
        assert sum(r for *_x, r in alerts) == len(pairs), "alert read counts disagree with the matches"
        assert outbox_pending(db) == 0, "batches left unmatched in the outbox"
    finally:
        stop.set()
        cluster.stop_all()


def _until_acknowledged(cluster: Cluster, sensors: list[Sensor], timeout: float) -> None:
    """Wait (at most ``timeout`` s) until the API server is ready and the sensors have had one more batch
    acknowledged."""
    deadline = time.monotonic() + timeout
    before = sum(len(s.acked_at) for s in sensors)
    cluster.ready_within(timeout)
    while sum(len(s.acked_at) for s in sensors) == before and time.monotonic() < deadline:
        time.sleep(0.05)


def test_sigkill_embedded_profile_loses_no_hit(tmp_path: Path) -> None:
    if os.environ.get("RTCC_TEST_DATABASE_URL"):
        pytest.skip("the embedded profile runs in the SQLite pass of the suite")
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    upgrade(url)
    db = Database(url)
    try:
        _run(db, {**os.environ, "RTCC_DATABASE_URL": url, "RTCC_BUS_URL": "memory://"}, 0, tmp_path)
    finally:
        db.dispose()


@pytest.fixture
def private_nats(tmp_path: Path) -> Iterator[PrivateNats]:
    nats = PrivateNats(nats_binary(), tmp_path / "js")
    nats.start()
    try:
        yield nats
    finally:
        nats.kill()


def test_sigkill_production_profile_loses_no_hit(private_nats: PrivateNats, tmp_path: Path) -> None:
    pg = os.environ.get("RTCC_TEST_DATABASE_URL")
    if not pg:
        pytest.skip("the production profile runs in the PostgreSQL pass of the suite (RTCC_TEST_DATABASE_URL)")
    base = make_url(pg)
    require_service("PostgreSQL", base.host or "127.0.0.1", base.port or 5432)
    with scratch_database(pg, prefix="rtcc_kill") as url:
        db = Database(url)
        try:
            env = {
                **os.environ,
                "RTCC_DATABASE_URL": url,
                "RTCC_BUS_URL": private_nats.url,
                "RTCC_RUN_CONSUMERS": "false",
            }
            _run(db, env, 2, tmp_path)
        finally:
            db.dispose()


def _post(client: httpx.Client, tag: str, batches: int) -> tuple[set[str], list[float]]:
    """Post ``batches`` batches of 5 reads (2 hotlisted each); returns the hotlisted refs and each request's time."""
    at = datetime.now(UTC) - timedelta(minutes=2)
    hits: set[str] = set()
    took: list[float] = []
    for b in range(batches):
        reads = []
        for i in range(5):
            ref = f"s{tag}-{b}-{i}"
            plate = LISTED[(b + i) % len(LISTED)] if i < 2 else f"Z{tag}{b:03d}{i:02d}"
            at += timedelta(milliseconds=1)
            reads.append(
                {"plate": plate, "region": "CA", "camera": f"OUT-{tag}", "id": ref, "observed_at": at.isoformat()}
            )
            if i < 2:
                hits.add(ref)
        started = time.perf_counter()
        resp = client.post("/api/v1/reads", json={"reads": reads})
        took.append(time.perf_counter() - started)
        assert resp.status_code == 202, resp.text
    return hits, took


def _wait_matched(db: Database, hits: set[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while missing := unmatched(db, hits):
        assert time.monotonic() < deadline, f"{len(missing)} of {len(hits)} hotlisted reads never matched"
        time.sleep(0.3)


@pytest.mark.services
def test_nats_outage_does_not_stall_ingest_and_matching_catches_up(
    private_nats: PrivateNats, database_url: str, db: Database, tmp_path: Path
) -> None:
    secret = prepare(db)
    port = free_port()
    env = {
        **os.environ,
        "RTCC_DATABASE_URL": database_url,
        "RTCC_BUS_URL": private_nats.url,
        "RTCC_RUN_CONSUMERS": "false",
        "RTCC_PORT": str(port),
        "RTCC_DATA_DIR": str(tmp_path),
        "RTCC_LOG_LEVEL": "DEBUG",
        "RTCC_MATCH_REDRIVE_GRACE_S": "4",
        "RTCC_MATCH_REDRIVE_INTERVAL_S": "0.5",
        "PYTHONPATH": str(ROOT / "src"),
    }
    cluster = Cluster(env, port, 1, tmp_path)
    worker_log = tmp_path / "worker0.log"
    try:
        cluster.start_all()
        cluster.wait_ready()
        deadline = time.monotonic() + 60
        while "worker match running" not in cluster.tail("worker0"):
            assert time.monotonic() < deadline, cluster.tail("worker0")
            time.sleep(0.2)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": secret}, timeout=30) as client:
            before, normal = _post(client, "a", 3)
            _wait_matched(db, before, 30)

            private_nats.kill()
            during, took = _post(client, "b", 12)
            assert max(took) < 3.0, f"ingest stalled while NATS was down: {max(took):.1f} s (normal {max(normal):.2f})"
            ready = client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["bus"] is False
            time.sleep(2)

            private_nats.start()  # same port and store: the adapters must reconnect by themselves
            _wait_matched(db, during, 60)
            deadline = time.monotonic() + 60
            while client.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline, "the server never reconnected to NATS"
                time.sleep(0.3)
            offset = worker_log.stat().st_size
            after, _ = _post(client, "c", 2)
            _wait_matched(db, after, 60)
            deadline = time.monotonic() + 60
            while "match batch" not in worker_log.read_bytes()[offset:].decode(errors="replace"):
                assert time.monotonic() < deadline, "the worker never received an event over NATS after the outage"
                time.sleep(0.3)
        assert outbox_pending(db) == 0
    finally:
        cluster.stop_all()
