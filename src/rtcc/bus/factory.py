"""Choose the bus adapter from the settings URL: ``memory://`` (default) or ``nats://host:port``."""

from __future__ import annotations

from rtcc.bus.base import Bus
from rtcc.bus.memory import MemoryBus


def make_bus(url: str, *, stream: str = "RTCC") -> Bus:
    """Build (not start) the bus named by ``url``."""
    if url.startswith("memory:"):
        return MemoryBus()
    if url.startswith(("nats://", "tls://")):
        from rtcc.bus.nats import NatsBus  # imported lazily: the embedded profile never needs it

        return NatsBus(url, stream=stream)
    raise ValueError(f"RTCC_BUS_URL: unsupported scheme in {url!r} (use memory:// or nats://)")
