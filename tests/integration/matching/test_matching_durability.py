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
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from rtcc.alerts.models import Alert
from rtcc.alpr.models import Read
from rtcc.bench._support import CollectingBus
from rtcc.core.db import Database
from rtcc.core.migrate import upgrade
from rtcc.core.scratch import scratch_database
from rtcc.hotlists import entries as hotlists_entries
from rtcc.hotlists import lists as hotlists_lists
from rtcc.hotlists.logic import Category
from rtcc.hotlists.schemas import EntryCreate, HotlistCreate
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM
from rtcc.identity.schemas import ApiKeyCreate
from rtcc.matching.models import Match
from rtcc_testing import free_port, require_service, wait_for_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(480)]

ROOT = Path(__file__).resolve().parents[3]
LISTED = [f"{c}KIL{n:03d}" for c in "789" for n in range(12)]  # 7 characters; unlisted plates have 8
SENSORS = 3
MIN_KILLS = 20
KILL_PHASE_S = 200.0  # a cap; the phase ends after MIN_KILLS kills (about 80 s on an idle machine)
SETTLE_S = 90.0


@dataclass
class Sensor:
    """One camera client's bookkeeping: every acknowledged read id (source ref) and which of them are hotlisted."""

    number: int
    acked: set[str] = field(default_factory=set)
    acked_hits: set[str] = field(default_factory=set)
    resends: int = 0
    error: str | None = None


def _prepare(db: Database) -> str:
    """A hotlist of LISTED plates (exact matching) and a sensor key for every camera; returns the key's secret."""
    bus = CollectingBus()
    with db.uow() as s:
        hl = hotlists_lists.create_hotlist(
            s, bus, HotlistCreate(name="stolen", category=Category.stolen_vehicle, max_diff=0), actor=SYSTEM
        )
        for plate in LISTED:
            hotlists_entries.add_entry(s, bus, hl.id, EntryCreate(plate=plate, region="CA"), actor=SYSTEM)
        _key, secret = identity.create_api_key(s, ApiKeyCreate(name="kill", camera_codes=["*"]), actor=SYSTEM)
    return secret


def _send(base: str, secret: str, sensor: Sensor, stop: threading.Event, rng: random.Random) -> None:
    """Post batches until ``stop``; resend each batch until it is acknowledged (the sensor's own batch is final)."""
    t0 = datetime.now(UTC) - timedelta(minutes=5)
    n = 0
    with httpx.Client(base_url=base, headers={"X-API-Key": secret}, timeout=10) as client:
        while not stop.is_set():
            reads, hits = [], []
            for _ in range(rng.randint(1, 25)):
                ref = f"s{sensor.number}-{n}"
                listed = rng.random() < 0.25
                plate = rng.choice(LISTED) if listed else f"Z{sensor.number}{n:06d}"
                observed = t0 + timedelta(milliseconds=n)
                reads.append(
                    {"plate": plate, "region": "CA", "camera": f"KILL-{sensor.number}", "id": ref,
                     "observed_at": observed.isoformat()}
                )  # fmt: skip
                if listed:
                    hits.append(ref)
                n += 1
            deadline = time.monotonic() + 120
            while True:  # a real sensor keeps its batch until the server acknowledges it
                try:
                    resp = client.post("/api/v1/reads", json={"reads": reads})
                    if resp.status_code == 202:
                        break
                    if resp.status_code < 500:
                        sensor.error = f"{resp.status_code}: {resp.text[:300]}"
                        return
                except httpx.HTTPError:
                    pass
                sensor.resends += 1
                if time.monotonic() > deadline:
                    sensor.error = "a batch was never acknowledged within 120 s"
                    return
                time.sleep(0.2)
            sensor.acked.update(r["id"] for r in reads)
            sensor.acked_hits.update(hits)
            time.sleep(0.03)


class Cluster:
    """The processes of one profile, each restartable; logs under ``logs``."""

    def __init__(self, env: dict[str, str], port: int, workers: int, logs: Path) -> None:
        self.env = env
        self.port = port
        self.logs = logs
        self.names = ["server"] + [f"worker{i}" for i in range(workers)]
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.kills: dict[str, int] = dict.fromkeys(self.names, 0)

    def start(self, name: str) -> None:
        if name == "server":
            cmd = [sys.executable, "-m", "rtcc", "serve", "--port", str(self.port), "--no-migrate"]
        else:
            cmd = [sys.executable, "-m", "rtcc", "worker", "match"]
        with (self.logs / f"{name}.log").open("ab") as log:
            self.procs[name] = subprocess.Popen(cmd, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)

    def start_all(self) -> None:
        for name in self.names:
            if name not in self.procs or self.procs[name].poll() is not None:
                self.start(name)

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            self.kills[name] += 1
        proc.wait(10)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, self.tail("server")
            time.sleep(0.1)

    def ready_within(self, timeout: float) -> bool:
        """Wait at most ``timeout`` s for the server to be ready (a loaded machine starts it slowly)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=2).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        return False

    def tail(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.kill(name)


def _unmatched(db: Database, hits: set[str]) -> set[str]:
    """Acknowledged hotlisted reads (by source ref) without a match row pointing at an existing alert."""
    with db.read() as s:
        done = set(
            s.scalars(
                select(Read.source_ref)
                .join(Match, Match.read_id == Read.id)
                .join(Alert, Alert.id == Match.alert_id)
                .where(Read.source_ref.like("s%"))
            )
        )
    return hits - done


def _outbox_pending(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM event_outbox")).scalar_one())


def _run(db: Database, env: dict[str, str], workers: int, tmp_path: Path) -> None:
    secret = _prepare(db)
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
        threading.Thread(target=_send, args=(f"http://127.0.0.1:{port}", secret, s, stop, random.Random(rng.random())))
        for s in sensors
    ]
    try:
        cluster.start_all()
        cluster.wait_ready()
        for t in threads:
            t.start()
        ends = time.monotonic() + KILL_PHASE_S
        while sum(cluster.kills.values()) < MIN_KILLS and time.monotonic() < ends:
            victim = rng.choice(cluster.names)
            if victim == "server" and rng.random() < 0.5:
                cluster.ready_within(8.0)  # mostly while traffic flows; otherwise anywhere, start-up included
                time.sleep(rng.uniform(0.0, 1.5))
            else:
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
        while (missing := _unmatched(db, hits)) or _outbox_pending(db):
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
        assert _outbox_pending(db) == 0, "batches left unmatched in the outbox"
    finally:
        stop.set()
        cluster.stop_all()


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


class PrivateNats:
    """A nats-server with JetStream of this test's own (never the shared one), killable and restartable."""

    def __init__(self, binary: str, store: Path) -> None:
        self.binary, self.store, self.port = binary, store, free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        cmd = [self.binary, "-js", "-p", str(self.port), "-sd", str(self.store)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture
def private_nats(tmp_path: Path) -> Iterator[PrivateNats]:
    binary = shutil.which("nats-server")
    if binary is None:
        if os.environ.get("RTCC_REQUIRE_SERVICES") == "1":
            pytest.fail("nats-server is required (RTCC_REQUIRE_SERVICES=1) but not installed")
        pytest.skip("nats-server not installed")
    nats = PrivateNats(binary, tmp_path / "js")
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
    while missing := _unmatched(db, hits):
        assert time.monotonic() < deadline, f"{len(missing)} of {len(hits)} hotlisted reads never matched"
        time.sleep(0.3)


@pytest.mark.services
def test_nats_outage_does_not_stall_ingest_and_matching_catches_up(
    private_nats: PrivateNats, database_url: str, db: Database, tmp_path: Path
) -> None:
    secret = _prepare(db)
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
        assert _outbox_pending(db) == 0
    finally:
        cluster.stop_all()
