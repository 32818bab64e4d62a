"""The SIGKILL harness the durability tests share (``from rtcc_killing import Cluster, Sensor, send, ...``).

Sensors post batches of ALPR reads (a quarter of them hotlisted) over real HTTP and, like real cameras, resend a batch
until it is acknowledged with 202, counting every failed attempt. ``Cluster`` runs the OpenRTCC processes of a
profile (API servers and ``rtcc worker`` processes), each killable with SIGKILL and restartable; ``PrivateNats`` is a
killable ``nats-server`` of the test's own (one server, or one node of a cluster started from a config file).
``unmatched`` and ``outbox_pending`` are the checks that follow: acknowledged hits without a match and an alert, and
events still waiting in the outbox.

Used by tests/integration/matching/test_matching_durability.py (kills at random moments, restarts) and
tests/integration/deploy/test_cluster_failover.py (three NATS nodes, two API processes behind HAProxy).
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text

from rtcc.alerts.models import Alert
from rtcc.alpr.models import Read
from rtcc.bench._support import CollectingBus
from rtcc.core.db import Database
from rtcc.hotlists import entries as hotlists_entries
from rtcc.hotlists import lists as hotlists_lists
from rtcc.hotlists.logic import Category
from rtcc.hotlists.schemas import EntryCreate, HotlistCreate
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM
from rtcc.identity.schemas import ApiKeyCreate
from rtcc.matching.models import Match
from rtcc_testing import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[1]
LISTED = [f"{c}KIL{n:03d}" for c in "789" for n in range(12)]  # 7 characters; unlisted plates have 8


@dataclass
class Sensor:
    """One camera client's bookkeeping: every acknowledged read id (source ref) and which of them are hotlisted;
    ``resends`` counts failed attempts (an error or a 5xx answer), ``retried_batches`` the batches that needed one,
    ``longest_wait_s`` the longest time a batch took from its first attempt to its 202."""

    number: int
    acked: set[str] = field(default_factory=set)
    acked_hits: set[str] = field(default_factory=set)
    acked_at: list[tuple[float, int]] = field(default_factory=list)  # (monotonic time, reads) per acknowledged batch
    resends: int = 0
    retried_batches: int = 0
    longest_wait_s: float = 0.0
    error: str | None = None


def prepare(db: Database) -> str:
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


def send(
    base: str, secret: str, sensor: Sensor, stop: threading.Event, rng: random.Random, pause_s: float = 0.03
) -> None:
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
            first = time.monotonic()
            deadline = first + 120
            retried = False
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
                retried = True
                if time.monotonic() > deadline:
                    sensor.error = "a batch was never acknowledged within 120 s"
                    return
                time.sleep(0.2)
            now = time.monotonic()
            sensor.retried_batches += retried
            sensor.longest_wait_s = max(sensor.longest_wait_s, now - first)
            sensor.acked.update(r["id"] for r in reads)
            sensor.acked_hits.update(hits)
            sensor.acked_at.append((now, len(reads)))
            time.sleep(pause_s)


class Cluster:
    """The OpenRTCC processes of one profile, each restartable; logs under ``logs``.

    ``port`` is one API server's port (named ``server``) or a list of them (``api0``, ``api1``, ...); ``workers``
    processes run ``rtcc worker <role>`` (named ``worker0``, ...).
    """

    def __init__(
        self, env: Mapping[str, str], port: int | Sequence[int], workers: int, logs: Path, role: str = "match"
    ) -> None:
        self.env = dict(env)
        ports = [port] if isinstance(port, int) else list(port)
        self.api = {"server": ports[0]} if isinstance(port, int) else {f"api{i}": p for i, p in enumerate(ports)}
        self.port = ports[0]
        self.role = role
        self.logs = logs
        self.names = [*self.api, *(f"worker{i}" for i in range(workers))]
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.kills: dict[str, int] = dict.fromkeys(self.names, 0)

    def start(self, name: str) -> None:
        if name in self.api:
            cmd = [sys.executable, "-m", "rtcc", "serve", "--port", str(self.api[name]), "--no-migrate"]
        else:
            cmd = [sys.executable, "-m", "rtcc", "worker", self.role]
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

    def _ready(self, port: int) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, timeout: float = 120) -> None:
        """Wait until every API server answers /readyz with 200 (a loaded machine starts one slowly)."""
        deadline = time.monotonic() + timeout
        for name, port in self.api.items():
            while not self._ready(port):
                assert time.monotonic() < deadline, self.tail(name)
                time.sleep(0.1)

    def ready_within(self, timeout: float) -> bool:
        """Wait at most ``timeout`` s for the (first) server to be ready (a loaded machine starts it slowly)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._ready(self.port):
                return True
            time.sleep(0.1)
        return False

    def wait_log(self, name: str, text: str, timeout: float = 60) -> None:
        """Wait until ``text`` appears in the log of process ``name`` (a worker saying it runs)."""
        deadline = time.monotonic() + timeout
        while text not in self.tail(name, 1_000_000):
            assert time.monotonic() < deadline, self.tail(name)
            time.sleep(0.2)

    def tail(self, name: str, chars: int = 3000) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.kill(name)


def unmatched(db: Database, hits: set[str]) -> set[str]:
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


def outbox_pending(db: Database) -> int:
    """Events written to the outbox and not yet handed to the bus."""
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM event_outbox")).scalar_one())


def nats_binary() -> str:
    """The nats-server executable; skips the test when it is not installed (fails under RTCC_REQUIRE_SERVICES=1)."""
    binary = shutil.which("nats-server")
    if binary is None:
        if os.environ.get("RTCC_REQUIRE_SERVICES") == "1":
            pytest.fail("nats-server is required (RTCC_REQUIRE_SERVICES=1) but not installed")
        pytest.skip("nats-server not installed")
    return binary


class PrivateNats:
    """A nats-server with JetStream of this test's own (never the shared one), killable and restartable.

    Alone (``config=None``): ``-js -p <port> -sd <store>``. As a cluster node: ``-c <config>`` with ``env`` (the
    shipped deploy/nats/cluster.conf reads its node's names and ports from the environment); ``port`` is then the
    client port that config listens on.
    """

    def __init__(
        self,
        binary: str,
        store: Path,
        *,
        port: int | None = None,
        config: Path | None = None,
        env: Mapping[str, str] | None = None,
        log: Path | None = None,
    ) -> None:
        self.binary, self.store, self.port = binary, store, port or free_port()
        self.config, self.env, self.log = config, dict(env or {}), log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        if self.config is None:
            cmd = [self.binary, "-js", "-p", str(self.port), "-sd", str(self.store)]
        else:
            cmd = [self.binary, "-c", str(self.config)]
        out = self.log.open("ab") if self.log is not None else subprocess.DEVNULL
        try:
            env = {**os.environ, **self.env}
            self.proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        finally:
            if self.log is not None and not isinstance(out, int):
                out.close()
        wait_for_port(self.port)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
