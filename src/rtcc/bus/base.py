"""The ``Bus`` protocol every adapter implements, and the handler type."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from rtcc.bus.envelope import Envelope

Handler = Callable[[Envelope], Awaitable[None]]
#: A handler of several events at once (``Bus.subscribe_batch``).
BatchHandler = Callable[[list[Envelope]], Awaitable[None]]


class Bus(Protocol):
    """Publish/subscribe of envelopes.

    ``subscribe(pattern, handler)`` fans out: every such subscriber receives every matching event published after it
    subscribed. ``subscribe(pattern, handler, group="match")`` shares the load: each event goes to exactly one member
    of the group (across processes for NATS) and is acknowledged only after ``handler`` returns; a handler that raises
    gets the event again later (NATS) or has it logged (in-process). Handlers must therefore be idempotent.
    """

    name: str

    async def start(self) -> None:
        """Connect (and create streams) before use."""

    async def close(self) -> None:
        """Drain in-flight work and disconnect."""

    async def publish(self, envelope: Envelope) -> None:
        """Publish one event; returns once the bus has accepted it (durably, for NATS JetStream)."""

    def publish_threadsafe(self, envelope: Envelope, timeout: float = 10.0) -> None:
        """Publish from a worker thread (sync services, after a commit); blocks until accepted."""

    def offer(self, envelope: Envelope) -> bool:
        """Hand an envelope over without waiting, from any thread; False when not taken. Only for envelopes that are
        durable elsewhere (staged in the outbox): a background publish may still fail (``rtcc.bus.relay``)."""

    async def subscribe(self, pattern: str, handler: Handler, *, group: str | None = None) -> None:
        """Register a handler for event types matching ``pattern`` (``*`` one token, ``>`` the rest)."""

    async def subscribe_batch(
        self, pattern: str, handler: BatchHandler, *, group: str, max_batch: int = 256, linger_s: float = 0.0
    ) -> None:
        """Join ``group`` like ``subscribe``, but hand ``handler`` the events that are waiting, up to ``max_batch`` at
        a time, so that a consumer can do one transaction for many events. With ``linger_s``, a batch is handed over
        that long after its first event arrived, with what queued meanwhile (a consumer that need not be immediate,
        such as an index, pays its transaction's fixed cost once for many events); without, nothing waits for more.
        They are acknowledged together after ``handler`` returns; if it raises, all of them are redelivered (NATS) or
        logged (in-process), so the handler must be idempotent for each event."""

    async def ping(self) -> bool:
        """True when the bus is connected and usable (for /readyz)."""
