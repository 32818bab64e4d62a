"""MQTT ingest end to end with the real Mosquitto at 127.0.0.1:1883: native reads and heartbeats per camera topic,
Frigate LPR messages, a malformed message dead-lettered while the next good one is stored, and batching.

Each test uses its own topic prefix and client id. The consumer runs inside the app (its runtime and bus), started
by the test rather than by the lifespan.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, select

from rtcc.alpr import routes as alpr_routes
from rtcc.alpr.models import Camera, DeadLetter, Read
from rtcc.alpr.mqtt import MqttIngest
from rtcc.app import api_routes, create_app
from rtcc.bus.envelope import Envelope
from rtcc.core.db import Database
from rtcc.settings import Settings
from rtcc_testing import mqtt_ingest, require_service

pytestmark = pytest.mark.services

BROKER = "mqtt://127.0.0.1:1883"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "alpr"


@pytest.fixture
def app_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    require_service("Mosquitto", "127.0.0.1", 1883)
    app = create_app(settings)
    if not any(r.path == "/api/v1/reads" for r in api_routes(app)):
        app.include_router(alpr_routes.router)
    with TestClient(app) as client:
        yield client


@pytest.fixture
def consumer(app_client: TestClient) -> Iterator[MqttIngest]:
    """A started consumer on a unique prefix (``<prefix>/alpr/+`` and ``<prefix>/frigate/...``)."""
    with mqtt_ingest(app_client.app.state.runtime) as ingest:  # type: ignore[attr-defined]
        yield ingest


@pytest.fixture
def publish() -> Iterator[Callable[[str, bytes | str], None]]:
    client = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}")
    client.connect("127.0.0.1", 1883)
    client.loop_start()

    def send(topic: str, payload: bytes | str) -> None:
        info = client.publish(topic, payload, qos=1)
        info.wait_for_publish(5)
        assert info.is_published()

    yield send
    client.loop_stop()
    client.disconnect()


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def count(db: Database, model: Any, *where: Any) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def native(plate: str, at: datetime | None = None, **extra: Any) -> str:
    return json.dumps({"plate": plate, "observed_at": (at or datetime.now(UTC)).isoformat(), **extra})


def test_malformed_message_is_dead_lettered_and_the_next_good_one_stored(
    consumer: MqttIngest, publish: Callable[[str, bytes | str], None], db: Database
) -> None:
    topic = f"{consumer.prefix}/alpr/MQ-1"
    publish(topic, native("7ABC123", region="CA"))
    publish(topic, b'{"plate": "8XYZ789", "observed_at": ')
    publish(topic, native("4DEF456"))
    wait_for(lambda: count(db, Read) == 2 and count(db, DeadLetter) == 1)
    wait_for(lambda: consumer.stats.acked == 3)
    with db.read() as s:
        plates = sorted(s.scalars(select(Read.plate)))
        letter = s.scalars(select(DeadLetter)).one()
        cam = s.scalars(select(Camera).where(Camera.code == "MQ-1")).one()
        sources = set(s.scalars(select(Read.source)))
        assert plates == ["4DEF456", "7ABC123"] and sources == {"mqtt"}
        assert letter.source == "mqtt" and letter.reason.startswith("invalid JSON at line 1")
        assert letter.context["topic"] == topic and letter.payload == '{"plate": "8XYZ789", "observed_at": '
        assert cam.status == "online"


def test_a_read_naming_another_camera_than_its_topic_is_dead_lettered(
    consumer: MqttIngest, publish: Callable[[str, bytes | str], None], db: Database
) -> None:
    publish(f"{consumer.prefix}/alpr/MQ-2", native("7ABC123", camera="MQ-3"))
    publish(f"{consumer.prefix}/alpr/MQ-2", native("8XYZ789", at=datetime.now(UTC) + timedelta(days=1)))
    publish(
        f"{consumer.prefix}/alpr/MQ-2", json.dumps({"reads": [json.loads(native(f"B{i:04d}")) for i in range(200)]})
    )
    wait_for(lambda: count(db, Read) == 200 and count(db, DeadLetter) == 2)
    with db.read() as s:
        reasons = sorted(s.scalars(select(DeadLetter.reason)))
    assert "topic of camera 'MQ-2'" in reasons[0] or "topic of camera 'MQ-2'" in reasons[1]
    assert any("in the future" in r for r in reasons)


def test_frigate_lpr_messages_give_one_read_per_event_and_plate(
    consumer: MqttIngest, publish: Callable[[str, bytes | str], None], db: Database, app_client: TestClient
) -> None:
    runtime = app_client.app.state.runtime  # type: ignore[attr-defined]
    got: list[Envelope] = []

    async def collect(envelope: Envelope) -> None:
        got.append(envelope)

    assert app_client.portal is not None
    app_client.portal.call(runtime.bus.subscribe, "alpr.reads.stored", collect)
    ts = datetime.now(UTC).timestamp() - 5
    event = json.loads((FIXTURES / "frigate_event_lpr.json").read_text())
    event["after"]["frame_time"] = ts
    event["before"]["frame_time"] = ts - 1
    lpr = json.loads((FIXTURES / "frigate_lpr_update.json").read_text())
    lpr["timestamp"] = ts + 0.3
    no_plate = json.loads(json.dumps(event))
    no_plate["after"]["recognized_license_plate"] = None
    no_plate["after"]["id"] = "another-event"
    base = consumer.frigate_prefix
    publish(f"{base}/events", json.dumps(no_plate))
    publish(f"{base}/events", json.dumps(event))
    publish(f"{base}/tracked_object_update", json.dumps(lpr))
    publish(f"{base}/tracked_object_update", json.dumps({"type": "description", "id": "x", "description": "a car"}))
    event["type"] = "end"
    publish(f"{base}/events", json.dumps(event))
    wait_for(lambda: consumer.stats.acked == 5)
    with db.read() as s:
        (r,) = s.scalars(select(Read)).all()
        cam = s.scalars(select(Camera).where(Camera.code == "frigate:shop_front")).one()
        assert (r.plate, r.source, r.confidence) == ("5JKL678", "frigate", pytest.approx(91.2))
        assert r.source_ref == "1700000030.123456-abc123:5JKL678" and cam.kind == "frigate"
    assert count(db, DeadLetter) == 0
    app_client.portal.call(runtime.bus.drain)
    assert [len(e.payload["reads"]) for e in got] == [1]


def test_heartbeat_topic_updates_camera_health(
    consumer: MqttIngest, publish: Callable[[str, bytes | str], None], db: Database
) -> None:
    publish(f"{consumer.prefix}/alpr/HB-9/heartbeat", b"")
    publish(f"{consumer.prefix}/alpr/HB-8/heartbeat", json.dumps({"streaming": True, "info": {"fps": 15}}))
    publish(f"{consumer.prefix}/alpr/HB-8/heartbeat", b"[1, 2]")
    wait_for(lambda: count(db, Camera, Camera.status == "online") == 2 and count(db, DeadLetter) == 1)
    with db.read() as s:
        cam = s.scalars(select(Camera).where(Camera.code == "HB-8")).one()
        assert cam.last_heartbeat_at is not None and cam.meta["health"]["fps"] == 15
        assert s.scalars(select(DeadLetter.reason)).one() == "a heartbeat must be a JSON object"


def test_subscriptions_and_routes(consumer: MqttIngest) -> None:
    p = consumer.prefix
    assert (f"{p}/alpr/+", 1) in consumer.subscriptions()
    assert consumer.route(f"{p}/alpr/CAM-1") == (
        "mqtt",
        {"channel": "native", "topic": f"{p}/alpr/CAM-1", "camera": "CAM-1"},
    )
    assert consumer.route(f"{p}/alpr/CAM-1/heartbeat") is not None
    assert consumer.route(f"{p}/alpr/CAM-1/other") is None
    assert consumer.route(f"{p}/frigate/events") == (
        "frigate",
        {"channel": "frigate_event", "topic": f"{p}/frigate/events"},
    )
    assert consumer.route("elsewhere/alpr/x") is None


def test_lifespan_hooks_start_and_stop_ingest_and_the_health_monitor(
    app_client: TestClient, publish: Callable[[str, bytes | str], None], db: Database
) -> None:
    from rtcc.alpr import jobs, mqtt
    from rtcc.runtime import Runtime

    app_runtime = app_client.app.state.runtime  # type: ignore[attr-defined]
    prefix = f"rtcchook{uuid.uuid4().hex[:8]}"
    settings = app_runtime.settings.model_copy(
        update={"mqtt_url": BROKER, "mqtt_topic_prefix": prefix, "mqtt_frigate_prefix": f"{prefix}/frigate"}
    )
    runtime = Runtime(settings=settings, db=app_runtime.db, bus=app_runtime.bus)
    assert app_client.portal is not None
    app_client.portal.call(mqtt.start, runtime)
    app_client.portal.call(jobs.start_offline_monitor, runtime)
    try:
        ingest = runtime.services[mqtt.SERVICE_KEY]
        assert ingest.connected.wait(10)
        time.sleep(0.2)
        publish(f"{prefix}/alpr/HOOK-1", native("7ABC123"))
        wait_for(lambda: count(db, Read) == 1)
        assert not runtime.services[jobs.SERVICE_KEY].done()
    finally:
        app_client.portal.call(jobs.stop_offline_monitor, runtime)
        app_client.portal.call(mqtt.stop, runtime)
        cleanup = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"rtcc-ingest-{prefix}", clean_session=True
        )
        cleanup.connect("127.0.0.1", 1883)
        cleanup.disconnect()
    assert mqtt.SERVICE_KEY not in runtime.services and jobs.SERVICE_KEY not in runtime.services
    disabled = Runtime(settings=app_runtime.settings, db=app_runtime.db, bus=app_runtime.bus)
    app_client.portal.call(mqtt.start, disabled)  # no RTCC_MQTT_URL: ingest stays off
    assert mqtt.SERVICE_KEY not in disabled.services


def test_the_broker_sends_more_than_twenty_messages_ahead_of_our_acknowledgements(
    consumer: MqttIngest, publish: Callable[[str, bytes | str], None], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MQTT 5's Receive Maximum: while one batch is being stored, the next ones arrive (an MQTT 3.1.1 consumer gets
    Mosquitto's 20 and waits for its acknowledgements before the 21st)."""
    stored = consumer._store
    release = threading.Event()

    def slow(batch: list[Any]) -> None:
        release.wait(20)
        stored(batch)

    monkeypatch.setattr(consumer, "_store", slow)
    topic = f"{consumer.prefix}/alpr/MQ-RM"
    t0 = datetime.now(UTC) - timedelta(minutes=5)
    for i in range(60):
        publish(topic, native(f"RM{i:04d}", t0 + timedelta(seconds=i)))
    try:
        wait_for(lambda: consumer.stats.received == 60)
        assert consumer.stats.acked == 0  # none acknowledged yet: all 60 were in flight at once
    finally:
        release.set()
    wait_for(lambda: count(db, Read) == 60 and consumer.stats.acked == 60)


def test_a_message_of_an_earlier_connection_is_not_acknowledged_on_this_one(
    consumer: MqttIngest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a reconnect the broker sends unacknowledged messages again; the copy still queued from the old connection
    must not be acknowledged by its packet id, which on the new connection may name another message."""
    from rtcc.alpr.mqtt import _Message

    acked: list[int] = []
    monkeypatch.setattr(consumer._client, "ack", lambda mid, qos: acked.append(mid))
    now = consumer._connection
    assert now >= 1
    consumer._ack([_Message("t", b"", 7, 1, now - 1), _Message("t", b"", 8, 1, now), _Message("t", b"", 0, 0, now - 1)])
    assert acked == [8]
