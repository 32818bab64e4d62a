"""The production topology survives losing a node: a NATS node, an API process and a match worker, all SIGKILLed.

The topology of docs/deployment.md, run from the shipped files: three ``nats-server`` nodes started from
deploy/nats/cluster.conf (JetStream stream replicated three ways, ``RTCC_BUS_REPLICAS=3``), two ``rtcc serve``
processes behind HAProxy started from deploy/haproxy/haproxy.cfg, two ``rtcc worker match`` processes, and a scratch
PostgreSQL database. Three camera clients post batches of reads (a quarter hotlisted) through HAProxy at a steady
rate; like real cameras they resend a batch until it is acknowledged (rtcc_killing.send). While they do, the test
SIGKILLs the node leading the stream, then one API process, then one worker, and restarts none of them.

Asserted: 0 acknowledged reads lost, 0 acknowledged hotlisted reads without a match and an alert, no duplicate
alerts, an empty outbox, no event published after a commit lost (the alerts' live pushes: a publish waits out the
stream leader's election), the stream still three-way with events flowing over the two surviving nodes, clients
carrying on through the other API process, and at most ``MAX_RESENDS`` resent requests over the whole run (each a
batch the camera sent again after an error; HAProxy itself retries a request whose API process died before
answering, so most failovers cost the clients nothing).

Runs in the PostgreSQL pass of the suite (``RTCC_TEST_DATABASE_URL``); needs ``nats-server`` and ``haproxy``
(skipped when either is missing, failed instead under ``RTCC_REQUIRE_SERVICES=1``).
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import random
import shutil
import subprocess
import threading
import time
from pathlib import Path

import httpx
import nats
import nats.errors
import nats.js.errors
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from rtcc.alerts.models import Alert
from rtcc.alpr.models import Read
from rtcc.core.db import Database
from rtcc.core.scratch import scratch_database
from rtcc.matching.models import Match
from rtcc_killing import ROOT, Cluster, PrivateNats, Sensor, nats_binary, outbox_pending, prepare, send, unmatched
from rtcc_testing import free_port, require_service, wait_for_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

NODES = 3
SENSORS = 3
WARM_S = 4.0  # reads flow this long before the first kill
BETWEEN_KILLS_S = 3.0
AFTER_KILLS_S = 10.0  # and this long after the last one
SETTLE_S = 60.0
MAX_RESENDS = 15  # resent requests allowed over the whole run (cameras resend after an error, every 0.2 s)
STREAM = "RTCC"


def _haproxy_binary() -> str:
    binary = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if binary is None:
        reason = "haproxy not installed (Debian: apt-get install -y haproxy)"
        if os.environ.get("RTCC_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}; it is required under RTCC_REQUIRE_SERVICES=1")
        pytest.skip(reason)
    return binary


class NatsCluster:
    """Three nodes started from the shipped deploy/nats/cluster.conf, each with its own ports and store."""

    def __init__(self, binary: str, tmp: Path) -> None:
        self.routes = [free_port() for _ in range(NODES)]
        self.monitors = [free_port() for _ in range(NODES)]
        self.nodes: dict[str, PrivateNats] = {}
        for i in range(NODES):
            name = f"nats-{i + 1}"
            port = free_port()
            env = {
                "NATS_SERVER_NAME": name,
                "NATS_CLIENT_PORT": str(port),
                "NATS_CLUSTER_PORT": str(self.routes[i]),
                "NATS_MONITOR_PORT": str(self.monitors[i]),
                "NATS_STORE_DIR": str(tmp / name),
                **{f"NATS_ROUTE_{j + 1}": f"nats://127.0.0.1:{p}" for j, p in enumerate(self.routes)},
            }
            config = ROOT / "deploy" / "nats" / "cluster.conf"
            self.nodes[name] = PrivateNats(
                binary, tmp / name, port=port, config=config, env=env, log=tmp / f"{name}.log"
            )

    @property
    def url(self) -> str:
        return ",".join(node.url for node in self.nodes.values())

    def start(self) -> None:
        for node in self.nodes.values():
            node.start()
        deadline = time.monotonic() + 60
        while not self._meta_leader():
            assert time.monotonic() < deadline, "the three NATS nodes never elected a JetStream meta leader"
            time.sleep(0.2)

    def _meta_leader(self) -> bool:
        try:
            jsz = httpx.get(f"http://127.0.0.1:{self.monitors[0]}/jsz", timeout=2).json()
        except (httpx.HTTPError, ValueError):
            return False
        meta = jsz.get("meta_cluster") or {}
        return bool(meta.get("leader")) and meta.get("cluster_size") == NODES

    def stop(self) -> None:
        for node in self.nodes.values():
            node.kill()


async def _stream_state(url: str) -> tuple[int, str, int, int]:
    """(replicas, leader's server name, current replicas' count, messages) of the RTCC stream; asks again while the
    cluster elects a leader (the JetStream API does not answer then)."""
    nc = await nats.connect(servers=url.split(","), connect_timeout=2, max_reconnect_attempts=3)
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                info = await nc.jetstream(timeout=3).stream_info(STREAM)
                break
            except (nats.errors.TimeoutError, nats.errors.NoRespondersError, nats.js.errors.ServiceUnavailableError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)
    finally:
        await nc.close()
    assert info.cluster is not None and info.config.num_replicas is not None
    current = sum(1 for peer in info.cluster.replicas or [] if peer.current)
    return info.config.num_replicas, info.cluster.leader or "", current, info.state.messages


class Haproxy:
    """HAProxy from the shipped deploy/haproxy/haproxy.cfg, in front of the given API ports."""

    def __init__(self, binary: str, api_ports: list[int], log: Path) -> None:
        self.port, self.stats = free_port(), free_port()
        env = {
            **os.environ,
            "RTCC_HAPROXY_BIND": f"127.0.0.1:{self.port}",
            "RTCC_HAPROXY_STATS_BIND": f"127.0.0.1:{self.stats}",
            **{f"RTCC_API_{i + 1}": f"127.0.0.1:{p}" for i, p in enumerate(api_ports)},
        }
        cfg = ROOT / "deploy" / "haproxy" / "haproxy.cfg"
        with log.open("ab") as out:
            self.proc = subprocess.Popen([binary, "-f", str(cfg)], env=env, stdout=out, stderr=subprocess.STDOUT)
        wait_for_port(self.port)

    def servers_up(self) -> dict[str, str]:
        text = httpx.get(f"http://127.0.0.1:{self.stats}/;csv", timeout=2).text.lstrip("# ")
        rows = csv.DictReader(io.StringIO(text))
        return {r["svname"]: r["status"] for r in rows if r["pxname"] == "rtcc_api" and r["svname"] != "BACKEND"}

    def wait_all_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while set((status := self.servers_up()).values()) != {"UP"}:
            assert time.monotonic() < deadline, f"HAProxy never saw every API process ready: {status}"
            time.sleep(0.3)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def _acked_after(sensors: list[Sensor], moment: float) -> int:
    return sum(n for s in sensors for at, n in s.acked_at if at > moment)


def test_cluster_survives_losing_a_nats_node_an_api_process_and_a_worker(tmp_path: Path) -> None:
    pg = os.environ.get("RTCC_TEST_DATABASE_URL")
    if not pg:
        pytest.skip("the production topology runs in the PostgreSQL pass of the suite (RTCC_TEST_DATABASE_URL)")
    base = make_url(pg)
    require_service("PostgreSQL", base.host or "127.0.0.1", base.port or 5432)
    nats_server, haproxy_binary = nats_binary(), _haproxy_binary()

    with scratch_database(pg, prefix="rtcc_cluster") as url:
        db = Database(url)
        secret = prepare(db)
        natsc = NatsCluster(nats_server, tmp_path)
        api_ports = [free_port(), free_port()]
        env = {
            **os.environ,
            "RTCC_DATABASE_URL": url,
            "RTCC_BUS_URL": natsc.url,
            "RTCC_BUS_REPLICAS": "3",
            "RTCC_RUN_CONSUMERS": "false",
            "RTCC_DATA_DIR": str(tmp_path),
            "RTCC_LOG_LEVEL": "INFO",
            "PYTHONPATH": str(ROOT / "src"),
        }
        cluster = Cluster(env, api_ports, 2, tmp_path, role="match")
        proxy: Haproxy | None = None
        stop = threading.Event()
        sensors = [Sensor(i) for i in range(SENSORS)]
        rng = random.Random(int(os.environ.get("RTCC_KILL_SEED", str(time.time_ns()))))
        try:
            natsc.start()
            cluster.start_all()
            cluster.wait_ready(180)
            for name in ("worker0", "worker1"):
                cluster.wait_log(name, "worker match running", 180)
            proxy = Haproxy(haproxy_binary, api_ports, tmp_path / "haproxy.log")
            proxy.wait_all_up()
            replicas, leader, current, _ = asyncio.run(_stream_state(natsc.url))
            assert (replicas, current) == (3, 2), f"stream {STREAM}: {replicas} replicas, {current} followers current"

            front = f"http://127.0.0.1:{proxy.port}"
            threads = [
                threading.Thread(target=send, args=(front, secret, s, stop, random.Random(rng.random()), 0.05))
                for s in sensors
            ]
            for t in threads:
                t.start()
            time.sleep(WARM_S)
            assert sum(len(s.acked) for s in sensors) > 0, [s.error for s in sensors]

            first_kill = time.monotonic()
            natsc.nodes[leader].kill()  # the node leading the stream: JetStream elects another leader
            time.sleep(BETWEEN_KILLS_S)
            cluster.kill(rng.choice(["api0", "api1"]))
            time.sleep(BETWEEN_KILLS_S)
            cluster.kill(rng.choice(["worker0", "worker1"]))
            last_kill = time.monotonic()
            _r, _l, _c, messages_at_kill = asyncio.run(_stream_state(natsc.url))
            time.sleep(AFTER_KILLS_S)
            stop.set()
            for t in threads:
                t.join(150)

            errors = [s.error for s in sensors if s.error]
            assert not errors, errors
            hits = set().union(*(s.acked_hits for s in sensors))
            acked = set().union(*(s.acked for s in sensors))
            after = _acked_after(sensors, last_kill)
            deadline = time.monotonic() + SETTLE_S
            while (missing := unmatched(db, hits)) or outbox_pending(db):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            replicas, new_leader, current, messages = asyncio.run(_stream_state(natsc.url))
            resends = sum(s.resends for s in sensors)
            # HAProxy's log marks a request it sent again to another server with "+" before its retry count
            redispatched = sum(
                1 for line in (tmp_path / "haproxy.log").read_text(errors="replace").splitlines() if "/+" in line
            )
            print(
                f"killed NATS node {leader} (stream leader now {new_leader}), {cluster.kills}; "
                f"acknowledged reads {len(acked)} ({after} after the last kill), hotlisted {len(hits)}, "
                f"resent requests {resends} ({sum(s.retried_batches for s in sensors)} batches; HAProxy sent "
                f"{redispatched} again to the other API process), longest wait "
                f"{max(s.longest_wait_s for s in sensors):.1f} s, kills took {last_kill - first_kill:.1f} s; "
                f"unmatched {len(missing)}; stream messages {messages_at_kill} -> {messages}"
            )
            with db.read() as s:
                stored = set(s.scalars(select(Read.source_ref).where(Read.source_ref.like("s%"))))
                pairs = s.execute(select(Match.read_id, Match.entry_id)).all()
                alerts = s.execute(
                    select(Alert.entry_id, Alert.camera_id, func.count(), func.sum(Alert.read_count))
                    .where(Alert.kind == "hit")
                    .group_by(Alert.entry_id, Alert.camera_id)
                ).all()
            assert len(hits) > 50, "too little traffic to prove anything"
            assert not acked - stored, f"{len(acked - stored)} acknowledged reads lost"
            assert not missing, f"{len(missing)} of {len(hits)} acknowledged hotlisted reads have no match and alert"
            assert len(pairs) == len(set(pairs))
            assert all(n == 1 for _e, _c, n, _r in alerts), "duplicate alerts for one (entry, camera)"
            assert sum(r for *_x, r in alerts) == len(pairs), "alert read counts disagree with the matches"
            assert outbox_pending(db) == 0, "events left in the outbox"
            assert after > 100, f"clients did not carry on after the kills ({after} reads acknowledged)"
            assert replicas == 3 and new_leader and new_leader != leader, (replicas, new_leader)
            assert messages > messages_at_kill, "no event reached the stream after the node was lost"
            lost_pushes = sum(cluster.tail(w, 10_000_000).count("after-commit callback failed") for w in cluster.api)
            lost_pushes += sum(
                cluster.tail(f"worker{i}", 10_000_000).count("after-commit callback failed") for i in (0, 1)
            )
            assert lost_pushes == 0, f"{lost_pushes} events published after commit were lost in the failover"
            assert resends <= MAX_RESENDS, f"{resends} requests resent by the cameras during the failover"
        finally:
            stop.set()
            if proxy is not None:
                proxy.stop()
            cluster.stop_all()
            natsc.stop()
            db.dispose()
