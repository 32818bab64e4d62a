"""The MAVLink telemetry listener: a UDP socket (``RTCC_DRONES_MAVLINK_UDP``, e.g. ``0.0.0.0:14550``, where a
ground station or the drone's telemetry radio bridge forwards MAVLink) read on its own thread; datagrams are decoded
by ``rtcc.drones.mavlink.MavlinkAssembler`` (system ids mapped to drones by ``RTCC_DRONES_MAVLINK_SYSTEMS``) and the
fixes stored by the shared ``TelemetryWriter``. A service of the drones manifest (role ``ingest``).

The listener remembers the address each drone's telemetry came from, so that a command to that drone (return to
dock, land: ``rtcc.drones.commands``) goes back on the same channel as a MAVLink COMMAND_LONG
(``rtcc.drones.mavlink.encode_command``) to the same address and system id.
"""

from __future__ import annotations

import logging
import socket
import threading

import anyio

from rtcc.drones.mavlink import MavlinkAssembler, encode_command, parse_systems
from rtcc.drones.writer import TelemetryWriter
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

SERVICE_KEY = "drones.mavlink_udp"


def parse_address(spec: str) -> tuple[str, int]:
    """``"host:port"`` -> (host, port); raises ``ValueError`` naming the setting."""
    host, sep, port = spec.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"RTCC_DRONES_MAVLINK_UDP: {spec!r} is not 'host:port'")
    if not host:
        raise ValueError(f"RTCC_DRONES_MAVLINK_UDP: {spec!r} names no host (e.g. '127.0.0.1:14550')")
    return host, int(port)


class MavlinkListener:
    """Receives MAVLink datagrams and hands the fixes to a writer."""

    def __init__(self, runtime: Runtime, *, address: str | None = None, systems: str | None = None) -> None:
        spec = address or runtime.settings.drones_mavlink_udp
        if not spec:
            raise ValueError("the MAVLink listener needs an address (RTCC_DRONES_MAVLINK_UDP)")
        self.host, self.port = parse_address(spec)
        mapping = parse_systems(systems if systems is not None else runtime.settings.drones_mavlink_systems)
        self.assembler = MavlinkAssembler(mapping.get)
        self.system_of = {code: sysid for sysid, code in mapping.items()}
        self.peers: dict[str, tuple[str, int]] = {}  # drone code -> where its telemetry came from
        self.writer = TelemetryWriter(runtime, "mavlink")
        self.datagrams = 0
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def bound(self) -> tuple[str, int]:
        """The address actually bound (port 0 picks a free one)."""
        assert self._sock is not None
        addr = self._sock.getsockname()
        return str(addr[0]), int(addr[1])

    def start(self) -> None:
        """Bind and start receiving."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        sock.bind((self.host, self.port))
        sock.settimeout(0.5)
        self._sock = sock
        self.writer.start()
        self._thread = threading.Thread(target=self._run, name="rtcc-drone-mavlink", daemon=True)
        self._thread.start()
        logger.info("MAVLink telemetry on udp://%s:%d", *self.bound)

    def _run(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                data, addr = self._sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            self.datagrams += 1
            try:
                for fix in self.assembler.feed_bytes(data):
                    self.peers[fix.drone] = (str(addr[0]), int(addr[1]))
                    self.writer.put(fix)
            except Exception:
                logger.exception("could not decode a MAVLink datagram")

    def reaches(self, drone: str) -> bool:
        """True when this drone's telemetry arrived here (its address is known)."""
        return drone in self.peers and drone in self.system_of

    def send_command(self, drone: str, command: str) -> None:
        """Send a COMMAND_LONG to the drone, at the address its telemetry came from; raises when unreachable."""
        if self._sock is None or not self.reaches(drone):
            raise OSError(f"no MAVLink address known for drone {drone}")
        self._sock.sendto(encode_command(command, self.system_of[drone]), self.peers[drone])

    def stop(self) -> None:
        """Stop receiving, then store what is queued."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        if self._sock is not None:
            self._sock.close()
        self.writer.stop()


async def start(runtime: Runtime) -> None:
    """Lifespan/worker hook: listen for MAVLink when an address is configured."""
    if not runtime.settings.drones_mavlink_udp:
        logger.info("MAVLink telemetry listener disabled")
        return
    listener = MavlinkListener(runtime)
    runtime.services[SERVICE_KEY] = listener
    await anyio.to_thread.run_sync(listener.start)


async def stop(runtime: Runtime) -> None:
    """Lifespan/worker hook: stop the listener."""
    listener = runtime.services.pop(SERVICE_KEY, None)
    if isinstance(listener, MavlinkListener):
        await anyio.to_thread.run_sync(listener.stop)
