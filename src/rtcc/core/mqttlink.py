"""One way to open an MQTT connection: the broker URL's rules, credentials, TLS, reconnects, and prompt small packets.

Every MQTT client of the product (ALPR ingest, unit positions, drone telemetry) and of its benchmark opens its
connection with ``new_client(address, client_id, ...)``, from a broker URL read by ``BrokerAddress.parse``
(``mqtt://user:password@host:1883`` or ``mqtts://host:8883``; ``tcp://`` and ``ssl://`` are accepted aliases).

Why not a plain ``paho.mqtt.client.Client``: MQTT's packets are small (a PUBACK is 4 bytes, a camera's read a few
hundred), and TCP holds small packets back by default. Mosquitto leaves Nagle's algorithm on for its side of every
connection unless ``set_tcp_nodelay true`` is configured, so it holds its next packet to us until we acknowledge the
last one, and Linux delays that acknowledgement (40 ms or more) when we have nothing to send back at once. A QoS 1
consumer that acknowledges after storing waits on that timer between batches. ``_PromptClient`` therefore disables
Nagle on our side (``TCP_NODELAY``) and asks the kernel to acknowledge what it reads at once (``TCP_QUICKACK``,
re-armed after every read: Linux drops it again by itself). Measured with ``rtcc bench ingest --mqtt`` on this
project's development machine against Mosquitto 2.0 in its default configuration: the benchmark's no-store consumer
went from about 1,300 to about 3,500 messages a second. ``TCP_QUICKACK`` exists on Linux only; elsewhere only
``TCP_NODELAY`` is set (and ``set_tcp_nodelay true`` on the broker does the rest).
"""

from __future__ import annotations

import contextlib
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlparse

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

_SCHEMES = {"mqtt": False, "tcp": False, "mqtts": True, "ssl": True}
_QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)


@dataclass(frozen=True)
class BrokerAddress:
    """Where a broker listens and how to log in to it."""

    host: str
    port: int
    tls: bool
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a log line that prints the address

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
        """``mqtt[s]://[user[:password]@]host[:port]``; ValueError names an unsupported scheme."""
        parsed = urlparse(url)
        if parsed.scheme not in _SCHEMES:
            raise ValueError(f"unsupported MQTT URL scheme {parsed.scheme!r} (mqtt:// or mqtts://)")
        tls = _SCHEMES[parsed.scheme]
        return cls(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or (8883 if tls else 1883),
            tls=tls,
            username=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
        )


class _PromptClient(paho.Client):
    """A paho client whose small packets go out, and are acknowledged, at once (see the module docstring)."""

    def _sock_recv(self, bufsize: int) -> bytes:
        data = super()._sock_recv(bufsize)
        sock = self._sock
        if _QUICKACK is not None and isinstance(sock, socket.socket):  # ssl.SSLSocket is one too
            with contextlib.suppress(OSError):  # not a TCP socket: nothing to acknowledge early
                sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
        return data


def _no_delay(_client: paho.Client, _userdata: Any, sock: Any) -> None:
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def new_client(
    address: BrokerAddress,
    client_id: str,
    *,
    protocol: MQTTProtocolVersion = MQTTProtocolVersion.MQTTv311,
    clean_session: bool | None = True,
    manual_ack: bool = False,
) -> paho.Client:
    """A paho client (callback API 2) for ``address``: credentials and TLS set, reconnecting after 1 to 30 s, packets
    sent and acknowledged promptly. ``clean_session`` is for MQTT 3.1.1 only (pass None for MQTT 5, whose session
    is set at connect time)."""
    client = _PromptClient(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=clean_session,
        protocol=protocol,
        manual_ack=manual_ack,
    )
    if address.username:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set()
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    client.on_socket_open = _no_delay
    return client
