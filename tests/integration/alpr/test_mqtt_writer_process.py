"""MQTT ingest through the ingest writer process (``rtcc.alpr.writerproc`` running ``rtcc.alpr.mqttbatch`` units),
with the real Mosquitto, on both databases: a batch of messages is stored by the child (reads, heartbeats, dead
letters as in-process), and a child SIGKILLed in the middle of a stream loses no message: the consumer keeps the
batch it held unacknowledged, retries it once a new child runs, and every read is stored exactly once."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import paho.mqtt.client as paho
import pytest
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, select

from rtcc.alpr import groupcommit, writerproc
from rtcc.alpr.models import Camera, DeadLetter, Read
from rtcc.alpr.mqtt import MqttIngest
from rtcc.core.db import Database
from rtcc.runtime import Runtime
from rtcc.settings import Settings
from rtcc_testing import mqtt_ingest, require_service, wait_until

pytestmark = pytest.mark.services

BROKER = "mqtt://127.0.0.1:1883"


def _count(db: Database, model: type, *where: Any) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _native(plate: str, at: datetime) -> str:
    return json.dumps({"plate": plate, "observed_at": at.isoformat()})


@pytest.fixture
def runtime(settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    from rtcc.app import create_app

    require_service("Mosquitto", "127.0.0.1", 1883)
    monkeypatch.setattr(writerproc, "RESTART_DELAY_S", 0.2)
    with TestClient(create_app(settings.model_copy(update={"ingest_writer_process": True}))) as client:
        found: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
        assert writerproc.running(found) is not None, "the app must run an ingest writer process"
        yield found


@pytest.fixture
def consumer(runtime: Runtime) -> Iterator[MqttIngest]:
    with mqtt_ingest(runtime) as ingest:
        yield ingest


@pytest.fixture
def publisher() -> Iterator[paho.Client]:
    client = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}")
    client.max_inflight_messages_set(200)
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    yield client
    client.loop_stop()
    client.disconnect()


def test_mqtt_batches_are_stored_by_the_child(
    runtime: Runtime, consumer: MqttIngest, publisher: paho.Client, db: Database
) -> None:
    in_process = groupcommit.committer(runtime)
    before = in_process.stats.jobs
    t0 = datetime.now(UTC) - timedelta(minutes=5)
    topic = f"{consumer.prefix}/alpr/WPM-1"
    infos = [publisher.publish(topic, _native(f"WM{i:04d}", t0 + timedelta(seconds=i)), qos=1) for i in range(40)]
    infos.append(publisher.publish(topic, b'{"plate": "8XYZ789", "observed_at": ', qos=1))
    infos.append(publisher.publish(f"{topic}/heartbeat", json.dumps({"streaming": True, "info": {"fps": 12}}), qos=1))
    for info in infos:
        info.wait_for_publish(10)
    wait_until(lambda: consumer.stats.acked == 42)
    assert _count(db, Read) == 40 and _count(db, DeadLetter) == 1
    with db.read() as s:
        camera = s.scalars(select(Camera).where(Camera.code == "WPM-1")).one()
        letter = s.scalars(select(DeadLetter)).one()
        assert camera.meta["health"]["fps"] == 12
        assert letter.source == "mqtt" and letter.reason.startswith("invalid JSON")
    assert in_process.stats.jobs == before  # nothing went through this process's own writer


def test_sigkill_of_the_writer_process_mid_stream_loses_no_mqtt_message(
    runtime: Runtime, consumer: MqttIngest, publisher: paho.Client, db: Database
) -> None:
    writer = writerproc.running(runtime)
    assert writer is not None
    first = writer.pid
    assert first is not None
    total = 1500
    t0 = datetime.now(UTC) - timedelta(minutes=30)
    topic = f"{consumer.prefix}/alpr/WPM-2"
    infos = [
        publisher.publish(topic, _native(f"K{i:06d}", t0 + timedelta(milliseconds=i)), qos=1) for i in range(total)
    ]
    wait_until(lambda: _count(db, Read, Read.plate.like("K%")) >= 200)  # batches flowing
    os.kill(first, signal.SIGKILL)  # mid-stream: the consumer is most likely waiting on a batch in the child
    at_kill = _count(db, Read, Read.plate.like("K%"))
    print(f"writer process killed with {at_kill} of {total} reads stored")
    for info in infos:
        info.wait_for_publish(30)
    assert all(info.is_published() for info in infos)  # the broker took every message
    assert at_kill < total, "the stream ended before the kill; the test proves nothing"
    wait_until(lambda: _count(db, Read, Read.plate.like("K%")) == total, timeout=90)
    wait_until(lambda: consumer.stats.acked >= total)
    time.sleep(0.3)  # anything stored twice would show up now
    with db.read() as s:
        plates = list(s.scalars(select(Read.plate).where(Read.plate.like("K%"))))
    assert len(plates) == total and len(set(plates)) == total
    assert _count(db, DeadLetter) == 0
    assert writer.restarts >= 1 and writer.pid not in (None, first)
