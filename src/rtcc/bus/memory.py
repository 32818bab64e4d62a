"""In-process bus for the embedded profile: asyncio queues, one task per subscriber (group members share a queue)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from rtcc.bus.base import BatchHandler, Handler
from rtcc.bus.envelope import Envelope, subject_matches
from rtcc.bus.relay import Relay

logger = logging.getLogger(__name__)


@dataclass
class _Subscription:
    pattern: str
    queue: asyncio.Queue[Envelope]
    group: str | None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


class MemoryBus:
    """A bus inside one process. Bounded queues give back-pressure: ``publish`` waits when a consumer lags."""

    name = "memory"

    def __init__(self, queue_size: int = 10_000) -> None:
        self._queue_size = queue_size
        self._subs: list[_Subscription] = []
        self._groups: dict[tuple[str, str], _Subscription] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._relay = Relay(self.publish)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._relay.bind(self._loop)
        self._closed = False

    async def close(self) -> None:
        await self._relay.drain(2.0)  # offered envelopes reach the queues before the consumers stop
        self._closed = True
        self._relay.bind(None)
        for sub in self._subs:
            for task in sub.tasks:
                task.cancel()
        for sub in self._subs:
            for task in sub.tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):  # shutting down
                    await task
        self._subs.clear()
        self._groups.clear()

    async def publish(self, envelope: Envelope) -> None:
        if self._closed:
            raise RuntimeError("bus is closed")
        for sub in self._subs:
            if subject_matches(sub.pattern, envelope.type):
                await sub.queue.put(envelope)

    def publish_threadsafe(self, envelope: Envelope, timeout: float = 10.0) -> None:
        loop = self._loop
        if loop is None:
            raise RuntimeError("bus not started")
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            raise RuntimeError("publish_threadsafe called from the bus's own event loop; await publish() instead")
        asyncio.run_coroutine_threadsafe(self.publish(envelope), loop).result(timeout)

    def offer(self, envelope: Envelope) -> bool:
        return not self._closed and self._relay.offer(envelope)

    async def subscribe(self, pattern: str, handler: Handler, *, group: str | None = None) -> None:
        sub = self._subscription(pattern, group)
        sub.tasks.append(asyncio.create_task(self._run(sub, handler), name=f"bus:{pattern}:{group}"))

    async def subscribe_batch(
        self, pattern: str, handler: BatchHandler, *, group: str, max_batch: int = 256, linger_s: float = 0.0
    ) -> None:
        sub = self._subscription(pattern, group)
        sub.tasks.append(
            asyncio.create_task(
                self._run_batches(sub, handler, max_batch, linger_s), name=f"bus:{pattern}:{group}:batch"
            )
        )

    def _subscription(self, pattern: str, group: str | None) -> _Subscription:
        """The queue a new subscriber reads: its group's (members share one), or a queue of its own."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            self._relay.bind(self._loop)
        sub = self._groups.get((pattern, group)) if group is not None else None
        if sub is None:
            sub = _Subscription(pattern=pattern, queue=asyncio.Queue(self._queue_size), group=group)
            self._subs.append(sub)
            if group is not None:
                self._groups[(pattern, group)] = sub
        return sub

    async def ping(self) -> bool:
        return not self._closed and self._loop is not None

    async def _run(self, sub: _Subscription, handler: Handler) -> None:
        while True:
            envelope = await sub.queue.get()
            try:
                await handler(envelope)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("handler for %s failed on event %s", sub.pattern, envelope.id)
            finally:
                sub.queue.task_done()

    async def _run_batches(self, sub: _Subscription, handler: BatchHandler, max_batch: int, linger_s: float) -> None:
        while True:
            batch = [await sub.queue.get()]
            if linger_s > 0 and sub.queue.qsize() + 1 < max_batch:
                await asyncio.sleep(linger_s)  # let the batch gather (``Bus.subscribe_batch``)
            while len(batch) < max_batch and not sub.queue.empty():
                batch.append(sub.queue.get_nowait())
            try:
                await handler(batch)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception(
                    "batch handler for %s failed on %d event(s) from %s", sub.pattern, len(batch), batch[0].id
                )
            finally:
                for _ in batch:
                    sub.queue.task_done()

    async def drain(self) -> None:
        """Wait until every queued event has been handled (tests and the demo use this)."""
        for sub in list(self._subs):
            await sub.queue.join()
