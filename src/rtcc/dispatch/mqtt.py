"""Unit positions over MQTT: one topic per unit, ``<RTCC_MQTT_TOPIC_PREFIX>/units/<call sign>/position``, with a JSON
body ``{"lat": .., "lon": .., "at": "<ISO 8601>", "heading": .., "speed_mps": .., "accuracy_m": ..}`` (``PositionIn``).

A paho network thread feeds a bounded queue; a worker thread stores what is waiting in one transaction per batch
(``rtcc.dispatch.positions.record``). A position is worth little once a newer one exists, so the subscription is
QoS 0 with a clean session: nothing is replayed after a restart. A message that is not a position, or names an
unknown unit, is counted and logged (without its coordinates) and dropped.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass

import anyio
import paho.mqtt.client as paho
from pydantic import ValidationError

from rtcc.core import mqttlink
from rtcc.core.errors import DomainError
from rtcc.core.mqttlink import BrokerAddress
from rtcc.dispatch import positions, repository
from rtcc.dispatch.unit_schemas import PositionIn
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

SERVICE_KEY = "dispatch.mqtt"
_QUEUE_SIZE = 10_000
_BATCH = 500


@dataclass
class PositionStats:
    """Counters of the subscriber (tests, logs)."""

    received: int = 0
    stored: int = 0
    rejected: int = 0


def call_sign_of(topic: str, prefix: str) -> str | None:
    """The call sign a position topic names, or None for another topic."""
    base = prefix.strip("/").split("/")
    parts = topic.split("/")
    n = len(base)
    if (
        parts[:n] == base
        and len(parts) == n + 3
        and parts[n] == "units"
        and parts[n + 2] == "position"
        and parts[n + 1]
    ):
        return parts[n + 1]
    return None


class PositionSubscriber:
    """Subscribes to every unit's position topic and stores the reports."""

    def __init__(self, runtime: Runtime, *, url: str | None = None, topic_prefix: str | None = None) -> None:
        target = url or runtime.settings.mqtt_url
        if not target:
            raise ValueError("unit positions over MQTT need a broker URL (RTCC_MQTT_URL)")
        address = BrokerAddress.parse(target)
        self.runtime = runtime
        self.host, self.port, self.tls = address.host, address.port, address.tls
        self.prefix = (topic_prefix or runtime.settings.mqtt_topic_prefix).strip("/")
        self.stats = PositionStats()
        self.connected = threading.Event()
        self.subscribed = threading.Event()  # the broker acknowledged the subscription
        self._queue: queue.Queue[tuple[str, bytes] | None] = queue.Queue(_QUEUE_SIZE)
        self._worker: threading.Thread | None = None
        client = mqttlink.new_client(address, f"rtcc-units-{self.prefix}-{id(self):x}")
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        self._client = client

    @property
    def topic(self) -> str:
        """The subscription filter."""
        return f"{self.prefix}/units/+/position"

    def _on_connect(self, client: paho.Client, _u: object, _f: object, reason_code: object, _p: object) -> None:
        if getattr(reason_code, "is_failure", False):
            logger.warning("MQTT positions: connection refused: %s", reason_code)
            return
        client.subscribe(self.topic, qos=0)
        self.connected.set()

    def _on_subscribe(self, _c: paho.Client, _u: object, _mid: int, _codes: object, _p: object) -> None:
        self.subscribed.set()

    def _on_disconnect(self, _c: paho.Client, _u: object, _f: object, reason_code: object, _p: object) -> None:
        self.connected.clear()
        self.subscribed.clear()
        logger.info("MQTT positions disconnected (%s)", reason_code)

    def _on_message(self, _c: paho.Client, _u: object, msg: paho.MQTTMessage) -> None:
        self.stats.received += 1
        try:
            self._queue.put_nowait((msg.topic, bytes(msg.payload)))
        except queue.Full:  # positions go stale: dropping beats blocking the network thread
            self.stats.rejected += 1

    def start(self) -> None:
        """Start the storing worker and connect."""
        self._worker = threading.Thread(target=self._run, name="rtcc-unit-positions", daemon=True)
        self._worker.start()
        self._client.connect_async(self.host, self.port, keepalive=30)
        self._client.loop_start()

    def stop(self, timeout: float = 10.0) -> None:
        """Disconnect and let the worker finish what it holds."""
        self._client.disconnect()
        self._client.loop_stop()
        self._queue.put(None)
        if self._worker is not None:
            self._worker.join(timeout)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < _BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._store(batch)
                    return
                batch.append(item)
            self._store(batch)

    def _store(self, batch: list[tuple[str, bytes]]) -> None:
        parsed: list[tuple[str, PositionIn]] = []
        for topic, payload in batch:
            sign = call_sign_of(topic, self.prefix)
            try:
                if sign is None:
                    raise ValueError("not a position topic")
                parsed.append((sign, PositionIn.model_validate_json(payload)))
            except (ValidationError, ValueError) as exc:
                self.stats.rejected += 1
                logger.warning("MQTT position on %s dropped: %s", topic, type(exc).__name__)
        if not parsed:
            return
        try:
            with self.runtime.db.uow() as session:
                for sign, data in parsed:
                    unit = repository.unit_by_call_sign(session, sign)
                    if unit is None or not unit.active:
                        self.stats.rejected += 1
                        logger.warning("MQTT position for unknown unit %s dropped", sign)
                        continue
                    try:
                        with session.begin_nested():
                            positions.record(session, self.runtime.bus, unit, data, source="mqtt")
                        self.stats.stored += 1
                    except DomainError as exc:
                        self.stats.rejected += 1
                        logger.warning("MQTT position for %s refused: %s", sign, exc.detail)
        except Exception:
            logger.exception("could not store a batch of %d unit positions", len(parsed))


async def start(runtime: Runtime) -> None:
    """Lifespan/worker hook: subscribe to unit positions when an MQTT broker is configured."""
    if not runtime.settings.mqtt_url or not runtime.settings.dispatch_mqtt_positions:
        logger.info("unit positions over MQTT disabled")
        return
    sub = PositionSubscriber(runtime)
    runtime.services[SERVICE_KEY] = sub
    await anyio.to_thread.run_sync(sub.start)


async def stop(runtime: Runtime) -> None:
    """Lifespan/worker hook: stop the position subscriber."""
    sub = runtime.services.pop(SERVICE_KEY, None)
    if isinstance(sub, PositionSubscriber):
        await anyio.to_thread.run_sync(sub.stop)
