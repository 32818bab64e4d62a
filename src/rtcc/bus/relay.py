"""Hand-over without waiting: ``Relay.offer`` gives an envelope to the bus's event loop and returns at once.

Ingest must answer at normal latency whatever the bus does, so it never waits for a publish: it stages the envelope
in the outbox (``rtcc.bus.outbox``) inside its transaction and, after the commit, offers it here. The relay publishes
in the background, at most ``limit`` envelopes in flight; when the bus is down or the relay is full, ``offer``
says no (or the background publish fails) and the envelope simply stays in the outbox, where the consumer's
reconciler finds it. Both bus adapters own one relay, so the in-process and NATS paths are the same code.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable

from rtcc.bus.envelope import Envelope

logger = logging.getLogger(__name__)

#: Default number of envelopes a relay may hold in flight before it refuses more.
RELAY_LIMIT = 1024


class Relay:
    """Background publishing of offered envelopes on one event loop, bounded by ``limit`` in flight."""

    def __init__(self, publish: Callable[[Envelope], Awaitable[None]], *, limit: int = RELAY_LIMIT) -> None:
        self._publish = publish
        self._slots = threading.BoundedSemaphore(limit)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inflight = 0  # offered and not yet finished (any thread offers, the loop finishes)
        self._count_lock = threading.Lock()
        self.refused = 0
        self.failed = 0

    def bind(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Attach to the loop the bus runs on (None detaches: every offer is refused)."""
        self._loop = loop

    def offer(self, envelope: Envelope) -> bool:
        """Schedule a publish of ``envelope`` and return at once (from any thread); False when it was not taken."""
        loop = self._loop
        if loop is None or loop.is_closed() or not self._slots.acquire(blocking=False):
            self.refused += 1
            logger.debug("event %s (%s) not relayed now; it stays pending", envelope.id, envelope.type)
            return False
        with self._count_lock:
            self._inflight += 1
        try:
            asyncio.run_coroutine_threadsafe(self._send(envelope), loop)
        except RuntimeError:  # the loop stopped between the check and the call
            self._done()
            self.refused += 1
            return False
        return True

    def _done(self) -> None:
        with self._count_lock:
            self._inflight -= 1
        self._slots.release()

    async def drain(self, timeout: float) -> bool:
        """Wait (on the bound loop) up to ``timeout`` s for the publishes in flight; True when none is left.

        A short-lived process (a CLI import) calls it through the bus's ``close`` so that what it stored is handed
        over before it exits; whatever is not stays in the outbox for the reconciler."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._inflight and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)
        return not self._inflight

    async def _send(self, envelope: Envelope) -> None:
        try:
            await self._publish(envelope)
        except Exception as exc:
            self.failed += 1
            logger.warning(
                "background publish of event %s (%s) failed (%s: %s); an outbox-staged event stays pending",
                envelope.id,
                envelope.type,
                type(exc).__name__,
                exc,
            )
        finally:
            self._done()
