"""MQTT camera ingest: native read topics, native heartbeats and Frigate LPR messages, acknowledged only once stored.

Subscriptions (QoS 1): ``<prefix>/alpr/+`` (a native read or ``{"reads": [...]}`` for the camera named by the
topic), ``<prefix>/alpr/+/heartbeat`` (a native heartbeat, body optional), ``<frigate prefix>/events`` and
``<frigate prefix>/tracked_object_update`` (see ``adapters.frigate``).

Stored batches share their transaction and commit with concurrent HTTP ingest (``rtcc.alpr.groupcommit``), in the
ingest writer process when the API process runs one (``rtcc.alpr.writerproc``; the batch crosses as an
``mqttbatch.MqttBatch``). Connections are opened by ``rtcc.core.mqttlink`` (small packets go, and are acknowledged,
at once).

Delivery guarantee: the client (MQTT 5) uses a persistent session (clean start off, a session that never expires, a
stable client id) and paho's ``manual_ack``: a message's PUBACK is sent only after the transaction holding its reads
has committed (or after the message was written to the dead letters). If the process dies before that, the broker
still holds the message and delivers it again on reconnect; the read id makes the repeat harmless. So no acknowledged
read is ever lost.

Messages that arrive together are stored together (up to ``batch_max`` messages, waiting at most ``batch_wait_s``
for more but never for an empty queue). The broker may send ``RECEIVE_MAXIMUM`` messages ahead of our
acknowledgements (MQTT 5's Receive Maximum; an MQTT 3.1.1 client gets the broker's own limit, 20 in Mosquitto), so a
batch being stored does not stop the next from arriving. A message that cannot be parsed goes to the dead letters and
is acknowledged: it never blocks the consumer. If a batch fails in the database, a transient failure (connection lost,
database locked, the ingest writer process restarting) is retried with back-off without acknowledging; any other
failure is retried message by message so that one poison message is dead-lettered and the rest are stored.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import anyio
import paho.mqtt.client as paho
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError

from rtcc.alpr import deadletters, groupcommit, principals, writerproc
from rtcc.alpr.mqttbatch import MqttBatch, RoutedMessage
from rtcc.core import mqttlink
from rtcc.core.errors import DatabaseUnavailable
from rtcc.core.mqttlink import BrokerAddress
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

#: Key of the running ``MqttIngest`` in ``Runtime.services``.
SERVICE_KEY = "alpr.mqtt"
_QUEUE_SIZE = 10_000
_STRAGGLER_WAIT_S = 0.002
#: Messages the broker may send before we acknowledge any (MQTT 5 Receive Maximum; below the queue's size).
RECEIVE_MAXIMUM = 1000
#: MQTT 5 Session Expiry Interval meaning "never": unacknowledged messages wait for us however long we are away.
SESSION_NEVER_EXPIRES = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class _Message:
    topic: str
    payload: bytes
    mid: int
    qos: int
    connection: int  # which connection it came on: its packet id means nothing on another


@dataclass
class MqttStats:
    """Counters of one consumer (tests, logs)."""

    received: int = 0
    acked: int = 0
    batches: int = 0
    dead_lettered: int = 0
    reads_stored: int = 0
    errors: int = 0
    extra: dict[str, int] = field(default_factory=dict)


def _describe(exc: BaseException) -> str:
    """Type and first line of an error: database errors carry SQL parameters (plates) on later lines."""
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {first[:300]}"


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError | DisconnectionError | DatabaseUnavailable | writerproc.WriterGone):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


class MqttIngest:
    """One MQTT consumer: a paho network thread feeding a storing worker thread."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        url: str | None = None,
        client_id: str | None = None,
        topic_prefix: str | None = None,
        frigate_prefix: str | None = None,
        batch_max: int = 500,
        batch_wait_s: float = 0.05,
    ) -> None:
        settings = runtime.settings
        target = url or settings.mqtt_url
        if not target:
            raise ValueError("MQTT ingest needs a broker URL (RTCC_MQTT_URL, e.g. mqtt://127.0.0.1:1883)")
        address = BrokerAddress.parse(target)
        self.runtime = runtime
        self.host, self.port, self.tls = address.host, address.port, address.tls
        self.prefix = (topic_prefix or settings.mqtt_topic_prefix).strip("/")
        self.frigate_prefix = (frigate_prefix or settings.mqtt_frigate_prefix).strip("/")
        self.client_id = client_id or f"rtcc-ingest-{self.prefix}"
        self.batch_max = batch_max
        self.batch_wait_s = batch_wait_s
        self.principal = principals.ingest_principal("mqtt")
        self.stats = MqttStats()
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._queue: queue.Queue[_Message | None] = queue.Queue(_QUEUE_SIZE)
        self._worker: threading.Thread | None = None
        self._connection = 0  # connections made so far (paho's network thread counts them)
        # MQTT 5, so that the broker may send us RECEIVE_MAXIMUM messages before our acknowledgements (MQTT 3.1.1
        # leaves that to the broker: Mosquitto's default is 20, which bounds a consumer that acknowledges after a
        # commit to 20 messages a commit). The session outlives the connection (clean start off, no expiry).
        client = mqttlink.new_client(address, self.client_id, protocol=paho.MQTTv5, clean_session=None, manual_ack=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self._client = client

    # --- topics ------------------------------------------------------------------------------------------------

    def subscriptions(self) -> list[tuple[str, int]]:
        """The (topic filter, QoS) pairs this consumer subscribes to."""
        return [
            (f"{self.prefix}/alpr/+", 1),
            (f"{self.prefix}/alpr/+/heartbeat", 1),
            (f"{self.frigate_prefix}/events", 1),
            (f"{self.frigate_prefix}/tracked_object_update", 1),
        ]

    def route(self, topic: str) -> tuple[str, dict[str, Any]] | None:
        """(dead-letter source, parse context) of a topic, or None for a topic we do not handle."""
        parts = topic.split("/")
        base = self.prefix.split("/")
        n = len(base)
        if parts[:n] == base and len(parts) in (n + 2, n + 3) and parts[n] == "alpr" and parts[n + 1]:
            camera = parts[n + 1]
            if len(parts) == n + 3:
                if parts[n + 2] != "heartbeat":
                    return None
                return "mqtt", {"channel": "heartbeat", "topic": topic, "camera": camera}
            return "mqtt", {"channel": "native", "topic": topic, "camera": camera}
        if topic == f"{self.frigate_prefix}/events":
            return "frigate", {"channel": "frigate_event", "topic": topic}
        if topic == f"{self.frigate_prefix}/tracked_object_update":
            return "frigate", {"channel": "frigate_lpr", "topic": topic}
        return None

    # --- paho callbacks (network thread) -----------------------------------------------------------------------

    def _on_connect(self, client: paho.Client, _userdata: Any, _flags: Any, reason_code: Any, _props: Any) -> None:
        if getattr(reason_code, "is_failure", False):
            logger.warning("MQTT connection to %s:%s refused: %s", self.host, self.port, reason_code)
            return
        self._connection += 1  # a packet id of an earlier connection may name another message now
        client.subscribe(self.subscriptions())
        self.connected.set()
        logger.info("MQTT ingest connected to %s:%s as %s", self.host, self.port, self.client_id)

    def _on_disconnect(self, _client: paho.Client, _userdata: Any, _flags: Any, reason_code: Any, _props: Any) -> None:
        self.connected.clear()
        if not self._stop.is_set():
            logger.warning("MQTT ingest disconnected (%s); reconnecting", reason_code)

    def _on_message(self, _client: paho.Client, _userdata: Any, msg: paho.MQTTMessage) -> None:
        self.stats.received += 1
        message = _Message(msg.topic, bytes(msg.payload), msg.mid, msg.qos, self._connection)
        self._queue.put(message)  # blocks when full: back-pressure

    # --- lifecycle ---------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the storing worker and connect (the network loop reconnects by itself)."""
        self._stop.clear()
        self._worker = threading.Thread(target=self._run, name="rtcc-mqtt-ingest", daemon=True)
        self._worker.start()
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.ReceiveMaximum = RECEIVE_MAXIMUM
        properties.SessionExpiryInterval = SESSION_NEVER_EXPIRES
        self._client.connect_async(self.host, self.port, keepalive=30, clean_start=False, properties=properties)
        self._client.loop_start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the batch in hand, then disconnect; queued but unstored messages stay unacknowledged."""
        self._stop.set()
        self._queue.put(None)
        if self._worker is not None:
            self._worker.join(timeout)
        self._client.disconnect()
        self._client.loop_stop()
        logger.info(
            "MQTT ingest stopped (%d messages received, %d acknowledged)", self.stats.received, self.stats.acked
        )

    # --- worker thread -----------------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():  # on stop, queued messages stay unacknowledged: the broker keeps them
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop_after = False
            deadline = time.monotonic() + self.batch_wait_s
            while len(batch) < self.batch_max:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    item = self._queue.get(timeout=min(remaining, _STRAGGLER_WAIT_S))
                except queue.Empty:
                    break
                if item is None:
                    stop_after = True
                    break
                batch.append(item)
            try:
                self._handle(batch)
            except Exception as exc:  # the worker must survive anything
                self.stats.errors += 1
                logger.error("MQTT batch of %d message(s) left unacknowledged: %s", len(batch), _describe(exc))
                logger.debug("MQTT batch failure", exc_info=True)
            if stop_after:
                return

    def _handle(self, batch: list[_Message]) -> None:
        delay = 0.5
        while True:
            try:
                self._store(batch)
                break
            except Exception as exc:
                if _transient(exc):
                    if self._stop.is_set():
                        return  # unacknowledged: the broker redelivers after restart
                    logger.warning("database unavailable (%s); retrying the batch in %.1f s", type(exc).__name__, delay)
                    time.sleep(delay)
                    delay = min(delay * 2, 30.0)
                    continue
                logger.error("MQTT batch failed (%s); storing its %d message(s) one by one", _describe(exc), len(batch))
                logger.debug("MQTT batch failure", exc_info=True)
                for message in batch:
                    if not self._store_alone(message):
                        return
                return
        self.stats.batches += 1
        self._ack(batch)

    def _store_alone(self, message: _Message) -> bool:
        """Store one message (retrying transient failures), dead-letter it on any other failure; then ack it."""
        delay = 0.5
        while True:
            try:
                self._store([message])
                self._ack([message])
                return True
            except Exception as exc:
                if _transient(exc):
                    if self._stop.is_set():
                        return False
                    time.sleep(delay)
                    delay = min(delay * 2, 30.0)
                    continue
                routed = self.route(message.topic)
                source, ctx = routed if routed else ("mqtt", {"topic": message.topic})
                reason = f"could not be stored: {_describe(exc)}"
                try:
                    with self.runtime.db.uow() as session:
                        deadletters.dead_letter(
                            session, source, message.payload, reason, {**ctx, "sender": self.principal.audit_name}
                        )
                    self.stats.dead_lettered += 1
                except Exception as dl_exc:
                    logger.error(
                        "could not even dead-letter an MQTT message on %s: %s", message.topic, _describe(dl_exc)
                    )
                self._ack([message])
                return True

    def _store(self, batch: list[_Message]) -> None:
        runtime = self.runtime
        routed = [(self.route(m.topic), m.payload) for m in batch]
        job = MqttBatch(tuple(RoutedMessage(r[0], r[1], p) for r, p in routed if r is not None), self.principal)
        # The batch shares its transaction with concurrent HTTP ingest (``groupcommit``: on SQLite, one writer), in
        # the ingest writer process when this process runs one. Dead letters are written after the batch commits and
        # before the ack. If the batch fails nothing is acknowledged and the whole batch is handled again, so its
        # drafts are dropped rather than written twice.
        process = writerproc.running(runtime)
        if process is not None:
            reply = process.submit(job).result()
            stored, drafts = int(reply.unwrap()), reply.drafts
        else:
            drafts = []
            stored = groupcommit.committer(runtime).run(job.unit(runtime.settings, drafts), size=job.size)
        if drafts:
            with runtime.db.uow() as session:
                deadletters.write_dead_letters(session, drafts)
            self.stats.dead_lettered += len(drafts)
        self.stats.reads_stored += stored

    def _ack(self, batch: list[_Message]) -> None:
        current = self._connection
        for message in batch:
            # A message of an earlier connection is not acknowledged: the broker sends it again on this one (the
            # session resumes), and its packet id may already belong to another message, not yet stored.
            if message.qos > 0:
                if message.connection != current:
                    continue
                self._client.ack(message.mid, message.qos)
            self.stats.acked += 1


async def start(runtime: Runtime) -> None:
    """Lifespan/worker hook: start MQTT ingest when ``settings.mqtt_url`` is set."""
    if not runtime.settings.mqtt_url:
        logger.info("MQTT ingest disabled (RTCC_MQTT_URL is not set)")
        return
    ingest = MqttIngest(runtime)
    runtime.services[SERVICE_KEY] = ingest
    await anyio.to_thread.run_sync(ingest.start)


async def stop(runtime: Runtime) -> None:
    """Lifespan/worker hook: stop MQTT ingest (unstored messages stay with the broker)."""
    ingest = runtime.services.pop(SERVICE_KEY, None)
    if isinstance(ingest, MqttIngest):
        await anyio.to_thread.run_sync(ingest.stop)
    await groupcommit.stop(runtime)  # a worker process has no other hook that ends the writer
