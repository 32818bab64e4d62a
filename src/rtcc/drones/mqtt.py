"""Drone telemetry over MQTT: one topic per drone, ``<RTCC_MQTT_TOPIC_PREFIX>/drones/<drone code>/telemetry``, with
the JSON body of ``rtcc.drones.telemetry.TelemetryIn``. Like unit positions (``rtcc.dispatch.mqtt``): QoS 0, clean
session (a stale fix is worth nothing after a restart); the paho network thread validates and queues, the shared
``TelemetryWriter`` stores through the ingest path. A message that is not valid telemetry is counted and logged
(without its coordinates) and dropped.

Commands go back the same way: ``<prefix>/drones/<code>/command`` (QoS 1, not retained) carries the JSON
``{"id": "<uuid>", "command": "return_to_dock" | "land", "issued_at": "<ISO 8601>", "reason": "..." | null}``; the
drone's gateway answers by flying the command (and its telemetry shows it). Only a drone whose telemetry arrived
over MQTT is sent commands this way (``rtcc.drones.commands``).
"""

from __future__ import annotations

import json
import logging
import threading

import anyio
import paho.mqtt.client as paho
from pydantic import ValidationError

from rtcc.core import mqttlink
from rtcc.core.mqttlink import BrokerAddress
from rtcc.drones.telemetry import TelemetryIn, drone_of_topic, fix_from_json
from rtcc.drones.writer import TelemetryWriter
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

SERVICE_KEY = "drones.mqtt"


class TelemetrySubscriber:
    """Subscribes to every drone's telemetry topic."""

    def __init__(self, runtime: Runtime, *, url: str | None = None, topic_prefix: str | None = None) -> None:
        target = url or runtime.settings.mqtt_url
        if not target:
            raise ValueError("drone telemetry over MQTT needs a broker URL (RTCC_MQTT_URL)")
        address = BrokerAddress.parse(target)
        self.host, self.port, self.tls = address.host, address.port, address.tls
        self.prefix = (topic_prefix or runtime.settings.mqtt_topic_prefix).strip("/")
        self.writer = TelemetryWriter(runtime, "mqtt")
        self.received = 0
        self.malformed = 0
        self.seen: set[str] = set()  # drones whose telemetry arrived here (they can be sent commands)
        self.subscribed = threading.Event()
        client = mqttlink.new_client(address, f"rtcc-drones-{self.prefix}-{id(self):x}")
        client.on_connect = self._on_connect
        client.on_subscribe = lambda *_a: self.subscribed.set()
        client.on_disconnect = lambda *_a: self.subscribed.clear()
        client.on_message = self._on_message
        self._client = client

    @property
    def topic(self) -> str:
        """The subscription filter."""
        return f"{self.prefix}/drones/+/telemetry"

    def _on_connect(self, client: paho.Client, _u: object, _f: object, reason_code: object, _p: object) -> None:
        if getattr(reason_code, "is_failure", False):
            logger.warning("MQTT drone telemetry: connection refused: %s", reason_code)
            return
        client.subscribe(self.topic, qos=0)

    def _on_message(self, _c: paho.Client, _u: object, msg: paho.MQTTMessage) -> None:
        self.received += 1
        try:
            code = drone_of_topic(msg.topic, self.prefix)
            if code is None:
                raise ValueError("not a telemetry topic")
            fix = fix_from_json(TelemetryIn.model_validate_json(bytes(msg.payload)), drone=code, source="mqtt")
        except (ValidationError, ValueError) as exc:
            self.malformed += 1
            logger.warning("MQTT drone telemetry on %s dropped: %s", msg.topic, type(exc).__name__)
            return
        self.seen.add(code)
        self.writer.put(fix)

    def reaches(self, drone: str) -> bool:
        """True when this drone's telemetry arrived over MQTT."""
        return drone in self.seen and self.subscribed.is_set()

    def send_command(self, drone: str, command: str, *, command_id: str, issued_at: str, reason: str | None) -> None:
        """Publish a command to the drone's command topic (QoS 1); raises when the broker does not take it."""
        body = json.dumps({"id": command_id, "command": command, "issued_at": issued_at, "reason": reason})
        info = self._client.publish(f"{self.prefix}/drones/{drone}/command", body, qos=1)
        if info.rc != paho.MQTT_ERR_SUCCESS:
            raise OSError(f"MQTT publish failed (rc {info.rc})")

    def start(self) -> None:
        """Start the writer and connect."""
        self.writer.start()
        self._client.connect_async(self.host, self.port, keepalive=30)
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnect and store what is queued."""
        self._client.disconnect()
        self._client.loop_stop()
        self.writer.stop()


async def start(runtime: Runtime) -> None:
    """Lifespan/worker hook: subscribe to drone telemetry when an MQTT broker is configured."""
    if not runtime.settings.mqtt_url or not runtime.settings.drones_mqtt_telemetry:
        logger.info("drone telemetry over MQTT disabled")
        return
    sub = TelemetrySubscriber(runtime)
    runtime.services[SERVICE_KEY] = sub
    await anyio.to_thread.run_sync(sub.start)


async def stop(runtime: Runtime) -> None:
    """Lifespan/worker hook: stop the subscriber."""
    sub = runtime.services.pop(SERVICE_KEY, None)
    if isinstance(sub, TelemetrySubscriber):
        await anyio.to_thread.run_sync(sub.stop)
