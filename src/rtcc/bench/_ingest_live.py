"""``rtcc bench ingest --reads-per-request N --clients C [--mqtt]``: ingest as cameras send it, over the real wire.

HTTP: a real uvicorn server process on 127.0.0.1 serves the production app in its default (embedded) configuration
on the given database (with its ingest writer process, ``rtcc.alpr.writerproc``), plus one route that exists only in
this benchmark's app: ``POST /bench/noop``, which reads the body and answers 202 (the ceiling), served like the ingest
routes by a hot lane first in the route table, inside the same middleware. A client process (asyncio on uvloop,
``clients`` keep-alive connections, raw HTTP/1.1, each connection one request at a time) first sends the same bodies
to the trivial route, then ``POST /api/v1/reads`` with a sensor API key, ``reads_per_request`` reads a body. Every
response is checked (status 202, ``accepted`` equal to the reads sent); ack latency is send-to-response per request.
The server is then stopped (SIGTERM: a clean shutdown), the ingest phase is repeated on a fresh server of the same
code whose writer (a thread of the API process) gives each request its own transaction, as before group commit
(``per_request_tx_reads_per_s``), and the reads stored are counted against the ones acknowledged. The client's CPU
share (CPU seconds over wall seconds) is reported to show that it is not the bottleneck; the server's counts the
API process and its ingest writer process.

MQTT (``--mqtt``): the same server with MQTT ingest on the real broker (``RTCC_MQTT_URL``, default
``mqtt://127.0.0.1:1883``) under a unique topic prefix; the publisher (this process, QoS 1, one read a message) keeps
``clients`` messages outstanding. The benchmark's server reports each message it acknowledged (PUBACK after commit)
on a benchmark topic, so the latency is publish-to-acknowledgement as seen by the publisher; the ceiling is a second
consumer in the same server that acknowledges without storing.
Keys: reads_per_request, clients, reads_per_s, ack_p99_ms, ceiling_reads_per_s, ceiling_ratio (and more).
"""

from __future__ import annotations

import argparse
import os
import pickle
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import func, select

from rtcc.alpr import cameras as alpr_cameras
from rtcc.alpr import groupcommit
from rtcc.alpr.models import Read
from rtcc.alpr.schemas import CameraCreate
from rtcc.bench import _gen, _httpclient
from rtcc.bench._support import scratch_database
from rtcc.core import mqttlink
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.hotlane import HotLane
from rtcc.core.mqttlink import BrokerAddress
from rtcc.identity import service as identity_service
from rtcc.identity.logic import SYSTEM
from rtcc.identity.schemas import ApiKeyCreate
from rtcc.runtime import Runtime

CAMERAS = 19
WARMUP = 300
#: Default number of reads sent per phase (``--rows`` overrides).
DEFAULT_READS = 20_000
NOOP_PATH = _httpclient.NOOP_PATH
#: Writers of the one-transaction-per-request comparison on PostgreSQL: about the pool's connections (10 + 20
#: overflow) less what authentication needs.
SOLO_PG_WRITERS = 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _bodies(n_requests: int, per_request: int, seed: int, *, camera_in_topic: bool = False) -> list[bytes]:
    """``n_requests`` JSON bodies of ``per_request`` distinct reads each (every read unique, so none is a duplicate)."""
    rng = np.random.default_rng(seed)
    total = n_requests * per_request
    plates = _gen.plates(rng, total, "CA")
    cams = rng.integers(1, CAMERAS + 1, size=total)
    base = utcnow() - timedelta(hours=2)
    reads = []
    for i in range(total):
        read: dict[str, Any] = {
            "plate": plates[i],
            "region": "CA",
            "confidence": 91.5,
            "observed_at": (base + timedelta(microseconds=i * 250)).isoformat(),
            "camera": f"BENCH-{int(cams[i]):02d}",
            "id": f"bench-{seed}-{i}",
        }
        reads.append(read)
    if camera_in_topic:
        return [orjson.dumps(r) for r in reads]
    return [orjson.dumps({"reads": reads[i : i + per_request]}) for i in range(0, total, per_request)]


# --- the benchmark's server process ---------------------------------------------------------------------------------


def _serve(argv: list[str]) -> None:
    """Entry of the server process: the production app plus the benchmark-only trivial route."""
    import uvicorn

    from rtcc.app import Hook, create_app
    from rtcc.settings import Settings

    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mqtt-url")
    parser.add_argument("--mqtt-prefix")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--solo", action="store_true", help="one transaction per request (no shared commits)")
    args = parser.parse_args(argv)
    extra: dict[str, Any] = {}
    if args.mqtt_url:
        extra = {
            "mqtt_url": args.mqtt_url,
            "mqtt_topic_prefix": args.mqtt_prefix,
            "mqtt_frigate_prefix": f"{args.mqtt_prefix}/frigate",
        }
    if args.solo:  # the comparison's writer is a thread of this process (the writer process would group-commit)
        extra["ingest_writer_process"] = False
    settings = Settings(database_url=args.database, data_dir=Path(args.data_dir), log_level="WARNING", **extra)
    hooks: list[tuple[Hook, Hook]] = [(_mqtt_probe_start, _mqtt_probe_stop)] if args.mqtt_url else []
    if args.solo:
        hooks.append((_solo_start, groupcommit.stop))
    app = create_app(settings, extra_hooks=hooks)

    async def noop(request: Request) -> Response:  # the ceiling: read the body, answer 202
        await request.body()
        return Response(b'{"accepted":1}', status_code=202, media_type="application/json")

    # Served the cheapest way this server can serve a route, the way ingest's own routes are (``rtcc.core.hotlane``):
    # first in the route table, inside every middleware, with no routing or dependency solving. The ceiling is the
    # best case of this stack, not a route found after every other one.
    app.router.routes.insert(0, HotLane({NOOP_PATH: noop}))

    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", timeout_graceful_shutdown=10)


async def _solo_start(runtime: Runtime) -> None:
    """In the benchmark's server: replace the writer by one that gives each request its own transaction, with as many
    writers as there were concurrent transactions before group commit (SQLite: one at a time; PostgreSQL: the
    pool's connections), for the same-run comparison."""
    import anyio

    shared = runtime.services.pop(groupcommit.SERVICE_KEY, None)
    if isinstance(shared, groupcommit.GroupCommitter):
        await anyio.to_thread.run_sync(shared.stop)
    writers = 1 if runtime.db.dialect == "sqlite" else SOLO_PG_WRITERS
    runtime.services[groupcommit.SERVICE_KEY] = groupcommit.GroupCommitter(
        runtime.db, runtime.bus, max_jobs=1, writers=writers
    )


async def _mqtt_probe_start(runtime: Runtime) -> None:
    """In the benchmark's server: report every message the MQTT consumer acknowledges on ``<prefix>/bench/acked``,
    and run a second consumer (``<prefix>-noop``) that acknowledges without storing (the ceiling)."""
    import anyio

    from rtcc.alpr import mqtt

    ingest = runtime.services.get(mqtt.SERVICE_KEY)
    if not isinstance(ingest, mqtt.MqttIngest):
        raise RuntimeError("MQTT ingest did not start")
    prefix = ingest.prefix

    class NoStore(mqtt.MqttIngest):
        def _store(self, batch: list[Any]) -> None:
            return None

    noop = NoStore(runtime, topic_prefix=f"{prefix}-noop", client_id=f"{prefix}-noop-consumer")
    for consumer, topic in ((ingest, f"{prefix}/bench/acked"), (noop, f"{prefix}-noop/bench/acked")):
        _report_acks(consumer, topic)
    runtime.services["bench.noop"] = noop
    await anyio.to_thread.run_sync(noop.start)
    await anyio.to_thread.run_sync(lambda: noop.connected.wait(10) and ingest.connected.wait(10))


def _report_acks(consumer: Any, topic: str) -> None:
    original = consumer._ack

    def ack(batch: list[Any]) -> None:
        original(batch)
        ids = [orjson.loads(m.payload).get("id") for m in batch]
        consumer._client.publish(topic, orjson.dumps(ids), qos=1)

    consumer._ack = ack


async def _mqtt_probe_stop(runtime: Runtime) -> None:
    import anyio

    noop = runtime.services.pop("bench.noop", None)
    if noop is not None:
        await anyio.to_thread.run_sync(noop.stop)


# --- the HTTP client process ----------------------------------------------------------------------------------------


def _client(
    port: int, key: str, phases: list[tuple[str, list[bytes]]], clients: int, per: int, server_pid: int
) -> list[dict[str, Any]]:
    """Run the phases in one separate client process (``_httpclient``), so client and server share no GIL."""
    request = pickle.dumps((port, key, phases, clients, per, server_pid))
    done = subprocess.run(
        [sys.executable, "-m", "rtcc.bench._httpclient"], input=request, capture_output=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmark client failed: {done.stderr.decode(errors='replace')[-2000:]}")
    result: list[dict[str, Any]] = pickle.loads(done.stdout)  # noqa: S301 - our own child process
    return result


# --- orchestration ----------------------------------------------------------------------------------------------------


def _setup(db: Database) -> str:
    """Register the benchmark's cameras and a sensor key scoped to them; return the key's secret."""
    codes = [f"BENCH-{i:02d}" for i in range(1, CAMERAS + 1)]
    with db.uow() as s:
        for code in codes:
            alpr_cameras.register_camera(s, CameraCreate(code=code, name=code), actor=SYSTEM)
        _, secret = identity_service.create_api_key(s, ApiKeyCreate(name="bench", camera_codes=codes), actor=SYSTEM)
    return secret


class _Server:
    def __init__(
        self,
        url: str,
        data_dir: str,
        *,
        mqtt_url: str | None = None,
        mqtt_prefix: str | None = None,
        solo: bool = False,
    ):
        self.port = _free_port()
        cmd = [sys.executable, "-m", "rtcc.bench._ingest_live", "serve", "--database", url]
        cmd += ["--port", str(self.port), "--data-dir", data_dir]
        if mqtt_url:
            cmd += ["--mqtt-url", mqtt_url, "--mqtt-prefix", mqtt_prefix or "bench"]
        if solo:
            cmd += ["--solo"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("RTCC_")}
        self.proc = subprocess.Popen(cmd, env=env)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"benchmark server exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("benchmark server did not start") from None
                time.sleep(0.1)

    def cpu_s(self) -> float:
        """CPU seconds of the server and its ingest writer process."""
        return _httpclient.process_cpu_s(self.proc.pid)

    def stop(self) -> int:
        """SIGTERM: uvicorn finishes in-flight requests, then the lifespan stops the writer (flushing it)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def _stored(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(Read)) or 0)


def run_http(*, rows: int | None, database_url: str | None, reads_per_request: int, clients: int) -> dict[str, Any]:
    """The HTTP variant (see the module docstring)."""
    per = max(1, reads_per_request)
    n_requests = max(1, (rows or DEFAULT_READS) // per)
    warm = min(WARMUP, max(20, n_requests // 10))
    with scratch_database(database_url) as url, tempfile.TemporaryDirectory(prefix="rtcc-bench-") as tmp:
        db = Database(url)
        key = _setup(db)
        bodies = _bodies(2 * (warm + n_requests), per, seed=7)
        reads_path = "/api/v1/reads"
        server = _Server(url, tmp)
        try:
            phases = [(NOOP_PATH, bodies[:warm]), (NOOP_PATH, bodies[warm : n_requests + warm])]
            phases += [(reads_path, bodies[:warm]), (reads_path, bodies[warm : warm + n_requests])]
            _, ceiling, warmup, live = _client(server.port, key, phases, clients, per, server.proc.pid)
        finally:
            code = server.stop()
        # The same server with one transaction per request (as before group commit), on reads of its own.
        solo = _Server(url, tmp, solo=True)
        try:
            rest = bodies[warm + n_requests :]
            solo_warm, solo_live = _client(
                solo.port, key, [(reads_path, rest[:warm]), (reads_path, rest[warm:])], clients, per, solo.proc.pid
            )
        finally:
            solo.stop()
        stored = _stored(db)
        db.dispose()
    acked = (warmup["acked"] + live["acked"] + solo_warm["acked"] + solo_live["acked"]) * per
    reads_per_s = live["acked"] * per / live["wall_s"]
    ceiling_per_s = ceiling["acked"] * per / ceiling["wall_s"]
    return {
        "transport": "http",
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "reads_per_request": per,
        "clients": clients,
        "requests": n_requests,
        "reads_per_s": round(reads_per_s),
        "ack_p50_ms": round(live["p50_ms"], 2),
        "ack_p99_ms": round(live["p99_ms"], 2),
        "ceiling_reads_per_s": round(ceiling_per_s),
        "ceiling_ack_p99_ms": round(ceiling["p99_ms"], 2),
        "ceiling_ratio": round(reads_per_s / ceiling_per_s, 3),
        "per_request_tx_reads_per_s": round(solo_live["acked"] * per / solo_live["wall_s"]),
        "per_request_tx_ack_p99_ms": round(solo_live["p99_ms"], 2),
        "errors": live["errors"] + warmup["errors"] + ceiling["errors"] + solo_live["errors"] + solo_warm["errors"],
        "error_samples": (live["error_samples"] + warmup["error_samples"] + ceiling["error_samples"])[:5],
        "acknowledged": acked,
        "stored": stored,
        "client_cpu_share": round(live["client_cpu_share"], 3),
        "ceiling_client_cpu_share": round(ceiling["client_cpu_share"], 3),
        "server_cpu_share": round(live["server_cpu_share"], 3),
        "server_clean_exit": code in (0, -signal.SIGTERM),  # uvicorn re-raises SIGTERM after shutdown
    }


def _publish_phase(
    broker: BrokerAddress, prefix: str, payloads: list[tuple[str, bytes, str]], window: int, timeout_s: float
) -> dict[str, Any]:
    """Publish (QoS 1) with at most ``window`` messages not yet acknowledged by the consumer; returns figures."""
    import threading

    sent: dict[str, float] = {}
    latencies: list[float] = []
    slots = threading.Semaphore(window)
    done = threading.Event()
    subscribed = threading.Event()
    seen: set[str] = set()

    def on_message(_c: Any, _u: Any, msg: Any) -> None:
        now = time.perf_counter()
        for ref in orjson.loads(msg.payload):
            if ref in sent and ref not in seen:
                seen.add(ref)
                latencies.append(now - sent[ref])
                slots.release()
        if len(seen) >= len(payloads):
            done.set()

    # The product's own connection helper: Nagle off and prompt acknowledgements, as a camera's client would want;
    # without them this one connection with ``window`` messages outstanding waits on TCP's delayed ACK, and measures
    # that instead of the server.
    client = mqttlink.new_client(broker, f"{prefix}-publisher")
    client.max_inflight_messages_set(max(20, window * 2))
    client.on_message = on_message
    client.on_subscribe = lambda *_a: subscribed.set()
    client.connect(broker.host, broker.port)
    client.loop_start()
    client.subscribe(f"{prefix}/bench/acked", qos=1)
    subscribed.wait(10)
    started = time.perf_counter()
    cpu0 = time.process_time()
    for topic, payload, ref in payloads:
        if not slots.acquire(timeout=timeout_s):
            break
        sent[ref] = time.perf_counter()
        client.publish(topic, payload, qos=1)
    done.wait(timeout_s)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu0
    client.disconnect()
    client.loop_stop()
    lat = np.array(latencies or [float("nan")])
    return {
        "wall_s": wall,
        "acked": len(seen),
        "p50_ms": float(np.percentile(lat, 50) * 1000),
        "p99_ms": float(np.percentile(lat, 99) * 1000),
        "publisher_cpu_share": cpu / wall,
    }


def run_mqtt(*, rows: int | None, database_url: str | None, reads_per_request: int, clients: int) -> dict[str, Any]:
    """The MQTT variant (see the module docstring): QoS 1 messages of one read each through the real broker."""
    from rtcc.settings import Settings

    if reads_per_request != 1:
        raise ValueError("the MQTT variant sends one read a message (cameras do)")
    broker_url = os.environ.get("RTCC_MQTT_URL") or Settings().mqtt_url or "mqtt://127.0.0.1:1883"
    broker = BrokerAddress.parse(broker_url)
    n = rows or DEFAULT_READS
    warm = min(WARMUP, max(20, n // 10))
    prefix = f"rtccbench{os.getpid()}{int(time.time() * 1000) % 10**8}"
    reads = _bodies(warm + n, 1, seed=11, camera_in_topic=True)

    def messages(base: str, part: list[bytes]) -> list[tuple[str, bytes, str]]:
        out = []
        for body in part:
            doc = orjson.loads(body)
            out.append((f"{base}/alpr/{doc['camera']}", body, doc["id"]))
        return out

    with scratch_database(database_url) as url, tempfile.TemporaryDirectory(prefix="rtcc-bench-") as tmp:
        db = Database(url)
        _setup(db)
        server = _Server(url, tmp, mqtt_url=broker_url, mqtt_prefix=prefix)
        try:
            noop = f"{prefix}-noop"
            _publish_phase(broker, noop, messages(noop, reads[:warm]), clients, 60)
            ceiling = _publish_phase(broker, noop, messages(noop, reads[warm:]), clients, 120)
            warmup = _publish_phase(broker, prefix, messages(prefix, reads[:warm]), clients, 60)
            cpu0 = server.cpu_s()
            live = _publish_phase(broker, prefix, messages(prefix, reads[warm:]), clients, 300)
            server_cpu = server.cpu_s() - cpu0
        finally:
            code = server.stop()
        stored = _stored(db)
        db.dispose()
    reads_per_s = live["acked"] / live["wall_s"]
    ceiling_per_s = ceiling["acked"] / ceiling["wall_s"]
    return {
        "transport": "mqtt",
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "reads_per_request": 1,
        "clients": clients,
        "messages": n,
        "reads_per_s": round(reads_per_s),
        "ack_p50_ms": round(live["p50_ms"], 2),
        "ack_p99_ms": round(live["p99_ms"], 2),
        "ceiling_reads_per_s": round(ceiling_per_s),
        "ceiling_ack_p99_ms": round(ceiling["p99_ms"], 2),
        "ceiling_ratio": round(reads_per_s / ceiling_per_s, 3) if ceiling_per_s else 0.0,
        "errors": (n - live["acked"]) + (warm - warmup["acked"]),
        "acknowledged": live["acked"] + warmup["acked"],
        "stored": stored,
        "client_cpu_share": round(live["publisher_cpu_share"], 3),
        "server_cpu_share": round(server_cpu / live["wall_s"], 3),
        "server_clean_exit": code in (0, -signal.SIGTERM),  # uvicorn re-raises SIGTERM after shutdown
    }


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        _serve(sys.argv[2:])
    else:
        raise SystemExit("usage: python -m rtcc.bench._ingest_live serve --database URL --port N --data-dir DIR")
