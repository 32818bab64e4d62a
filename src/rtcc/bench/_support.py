"""Shared pieces of the benchmarks: a synchronous collecting bus that lets a benchmark drive consumers without an
event loop, and (re-exported) the throw-away database of ``rtcc.core.scratch``."""

from __future__ import annotations

from rtcc.bus.base import Handler
from rtcc.bus.envelope import Envelope
from rtcc.core.scratch import scratch_database

__all__ = ["CollectingBus", "scratch_database"]


class CollectingBus:
    """A Bus that only records what is published (benchmarks hand the events to consumers themselves)."""

    name = "collecting"

    def __init__(self) -> None:
        self.published: list[Envelope] = []

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def publish(self, envelope: Envelope) -> None:
        self.published.append(envelope)

    def publish_threadsafe(self, envelope: Envelope, timeout: float = 10.0) -> None:
        self.published.append(envelope)

    async def subscribe(self, pattern: str, handler: Handler, *, group: str | None = None) -> None:
        return None

    async def ping(self) -> bool:
        return True

    def take(self, event_type: str) -> list[Envelope]:
        """Remove and return the recorded envelopes of one type."""
        out = [e for e in self.published if e.type == event_type]
        self.published = [e for e in self.published if e.type != event_type]
        return out
