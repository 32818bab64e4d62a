"""Choose the bus adapter from the settings URL: ``memory://`` (default), ``nats://host:port`` or a comma-separated
list of a NATS cluster's servers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rtcc.bus.base import Bus
from rtcc.bus.memory import MemoryBus

#: Called with (subject, raw bytes, reason) for a message that is not a valid envelope.
OnMalformed = Callable[[str, bytes, str], Awaitable[None] | None]


def make_bus(
    url: str,
    *,
    stream: str = "RTCC",
    subject_prefix: str = "rtcc",
    replicas: int = 1,
    on_malformed: OnMalformed | None = None,
) -> Bus:
    """Build (not start) the bus named by ``url`` (NATS: one server, or a comma-separated cluster list)."""
    if url.startswith("memory:"):
        return MemoryBus()
    if url.startswith(("nats://", "tls://")):
        from rtcc.bus.nats import NatsBus  # imported lazily: the embedded profile never needs it

        return NatsBus(url, stream=stream, subject_prefix=subject_prefix, replicas=replicas, on_malformed=on_malformed)
    raise ValueError(f"RTCC_BUS_URL: unsupported scheme in {url!r} (use memory:// or nats://)")
