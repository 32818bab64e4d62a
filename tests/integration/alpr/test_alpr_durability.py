"""Killing the server with SIGKILL during a stream loses no acknowledged read.

Two channels, each in a real subprocess killed with SIGKILL mid-stream:
- HTTP: every batch answered 202 before the kill is in the database afterwards.
- MQTT (real Mosquitto): every message the publisher got PUBACKed by the broker is stored once the consumer,
  restarted with the same client id, has drained its persistent session; nothing is stored twice.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, select

from rtcc.alpr.models import DeadLetter, Read
from rtcc.core.db import Database
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM
from rtcc.identity.schemas import ApiKeyCreate
from rtcc_testing import require_service

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]

SERVER = textwrap.dedent(
    """
    import sys
    import uvicorn
    from rtcc.alpr import routes
    from rtcc.app import api_routes, create_app
    from rtcc.settings import Settings

    app = create_app(Settings(database_url=sys.argv[1], bus_url="memory://", log_level="WARNING"))
    if not any(r.path == "/api/v1/reads" for r in api_routes(app)):
        app.include_router(routes.router)
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
    """
)

CONSUMER = textwrap.dedent(
    """
    import asyncio, sys
    from rtcc.alpr.mqtt import MqttIngest
    from rtcc.runtime import build_runtime
    from rtcc.settings import Settings

    async def main():
        runtime = build_runtime(Settings(database_url=sys.argv[1], bus_url="memory://", log_level="WARNING"))
        await runtime.bus.start()
        ingest = MqttIngest(runtime, url="mqtt://127.0.0.1:1883", client_id=sys.argv[2], topic_prefix=sys.argv[3])
        ingest.start()
        await asyncio.Event().wait()

    asyncio.run(main())
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spawn(script: str, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen([sys.executable, "-c", script, *args], cwd=ROOT, env=env)


def kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(10)


def stored(db: Database, prefix: str = "") -> int:
    with db.read() as s:
        q = select(func.count()).select_from(Read)
        if prefix:
            q = q.where(Read.plate.like(f"{prefix}%"))
        return int(s.scalar(q) or 0)


@pytest.fixture
def server(database_url: str, db: Database) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    proc = spawn(SERVER, database_url, str(port))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        kill(proc)
        pytest.fail("server did not start")
    yield base, proc
    kill(proc)


def test_sigkill_during_an_http_stream_loses_no_acknowledged_read(
    server: tuple[str, subprocess.Popen[bytes]], db: Database
) -> None:
    base, proc = server
    with db.uow() as s:
        _key, secret = identity.create_api_key(s, ApiKeyCreate(name="stream", camera_codes=["*"]), actor=SYSTEM)
    acknowledged: list[list[str]] = []
    stop = threading.Event()
    t0 = datetime.now(UTC) - timedelta(minutes=1)

    def stream() -> None:
        with httpx.Client(base_url=base, headers={"X-API-Key": secret}, timeout=10) as client:
            for b in range(100_000):
                if stop.is_set():
                    return
                plates = [f"K{b:04d}{i:03d}" for i in range(50)]
                reads = [
                    {"plate": p, "camera": "KILL-1", "observed_at": (t0 + timedelta(milliseconds=b)).isoformat()}
                    for p in plates
                ]
                try:
                    resp = client.post("/api/v1/reads", json={"reads": reads})
                except httpx.HTTPError:
                    return  # the server died under this request: not acknowledged
                if resp.status_code == 202:
                    acknowledged.append(plates)

    sender = threading.Thread(target=stream)
    sender.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    kill(proc)  # mid-stream, while a request is most likely in flight
    stop.set()
    sender.join(30)
    assert len(acknowledged) >= 20
    want = {p for batch in acknowledged for p in batch}
    with db.read() as s:
        have = set(s.scalars(select(Read.plate).where(Read.camera_id.is_not(None))))
    assert want <= have, f"{len(want - have)} acknowledged reads lost"


def test_sigkill_of_the_mqtt_consumer_loses_no_acknowledged_message(database_url: str, db: Database) -> None:
    require_service("Mosquitto", "127.0.0.1", 1883)
    prefix = f"rtcckill{uuid.uuid4().hex[:8]}"
    client_id = f"{prefix}-ingest"
    consumer = spawn(CONSUMER, database_url, client_id, prefix)
    probe = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"{prefix}-pub")
    probe.connect("127.0.0.1", 1883)
    probe.loop_start()
    try:
        # wait for the consumer's subscription: a first message must come through
        t0 = datetime.now(UTC) - timedelta(minutes=1)
        deadline = time.monotonic() + 30
        n = 0
        while stored(db) == 0:
            assert time.monotonic() < deadline, "consumer never stored the probe"
            body = f'{{"plate": "P{n:06d}", "observed_at": "{(t0 + timedelta(seconds=n)).isoformat()}"}}'
            probe.publish(f"{prefix}/alpr/KILL-2", body, qos=1).wait_for_publish(5)
            n += 1
            time.sleep(0.2)
        messages = 900  # below Mosquitto's default max_queued_messages (1000) for an offline session
        per = 5
        infos = []
        for m in range(messages):
            reads = ",".join(
                f'{{"plate": "M{m:04d}{i}", "observed_at": "{(t0 + timedelta(milliseconds=m * per + i)).isoformat()}"}}'
                for i in range(per)
            )
            infos.append(probe.publish(f"{prefix}/alpr/KILL-2", f'{{"reads": [{reads}]}}', qos=1))
        total = messages * per
        deadline = time.monotonic() + 60
        while stored(db, "M") == 0 and time.monotonic() < deadline:
            time.sleep(0.002)
        at_kill = stored(db, "M")
        print(f"consumer killed with {at_kill} of {total} reads stored")
        kill(consumer)
        for info in infos:
            info.wait_for_publish(10)
        assert all(info.is_published() for info in infos)  # the broker acknowledged every message
        assert 0 < at_kill < total, "the stream ended before the kill; the test proves nothing"
        consumer = spawn(CONSUMER, database_url, client_id, prefix)  # same client id: the session resumes
        deadline = time.monotonic() + 60
        while stored(db, "M") < total and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # anything redelivered twice would show up now
        with db.read() as s:
            plates = list(s.scalars(select(Read.plate).where(Read.plate.like("M%"))))
            assert s.scalar(select(func.count()).select_from(DeadLetter)) == 0
        assert len(plates) == total and len(set(plates)) == total
    finally:
        kill(consumer)
        probe.loop_stop()
        probe.disconnect()
        cleanup = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
        cleanup.connect("127.0.0.1", 1883)
        cleanup.disconnect()
