"""Durable group consumers of the NATS JetStream bus (``rtcc.bus.nats``): how a group subscription processes events.

A *group* is a durable pull consumer shared by every process that subscribes with the same group and pattern (the
consumer's name comes from ``durable_name``). Each group this process joined has one fetch loop that pulls a batch,
hands the events to the handler one at a time and settles each message: explicit ack after the handler returns,
delayed redelivery (exponential, from ``retry_delay`` to ``retry_delay_max``) when it raises, termination after
``max_deliver`` attempts; bytes that are not an envelope are terminated and reported to ``on_malformed``. While a
batch is in hand a keepalive tells JetStream the held messages are still being worked on, and at close the message
in hand is finished and the rest handed back for another member of the group.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import inspect
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import nats.js.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api
from pydantic import ValidationError

from rtcc.bus.base import Handler
from rtcc.bus.envelope import Envelope, malformed_reason

logger = logging.getLogger(__name__)

MalformedCallback = Callable[[str, bytes, str], Awaitable[None] | None]
"""``on_malformed(subject, data, reason)``: a group consumer received bytes that are not an ``Envelope``."""

_DURABLE_UNSAFE_RE = re.compile(r"[^A-Za-z0-9_-]")


def durable_name(group: str, pattern: str) -> str:
    """The JetStream durable consumer name for ``group`` on ``pattern``: readable, legal, and unique per pair.

    A durable name may not contain ``.``, ``*``, ``>`` or white space; the readable part maps ``*`` to ``any``
    and ``>`` to ``all``, and a short hash of the exact pair keeps look-alikes (``a.b``, ``a_b``) apart.
    """
    readable = f"{group}__{pattern}".replace("*", "any").replace(">", "all").replace(".", "_")
    readable = _DURABLE_UNSAFE_RE.sub("-", readable)[:48]
    digest = hashlib.sha256(f"{group}\x00{pattern}".encode()).hexdigest()[:10]
    return f"{readable}_{digest}"


@dataclass(frozen=True)
class GroupSettings:
    """The timings and limits of every group consumer (``NatsBus``'s parameters of the same names)."""

    ack_wait: float
    max_deliver: int
    max_ack_pending: int
    batch: int
    fetch_timeout: float
    retry_delay: float
    retry_delay_max: float


@dataclass
class _GroupWorker:
    """One fetch loop: a pull subscription on a durable consumer and the messages it holds unacknowledged."""

    pattern: str
    group: str
    durable: str
    subject: str
    handler: Handler
    psub: JetStreamContext.PullSubscription | None = None
    task: asyncio.Task[None] | None = None
    held: collections.deque[Msg] = field(default_factory=collections.deque)


class GroupConsumers:
    """The groups this process has joined on one stream: their fetch loops and the keepalive of what they hold.

    ``js`` returns the bus's current JetStream context (None once it is closed), so that a loop can bind again
    after its consumer disappeared.
    """

    def __init__(
        self,
        *,
        stream: str,
        settings: GroupSettings,
        js: Callable[[], JetStreamContext | None],
        on_malformed: MalformedCallback | None = None,
    ) -> None:
        self._stream = stream
        self._settings = settings
        self._js = js
        self._on_malformed = on_malformed
        self._workers: list[_GroupWorker] = []
        self._keepalive: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        """Start the keepalive (on the bus's event loop); groups may be joined from now on."""
        self._closing = False
        self._keepalive = asyncio.create_task(self._keepalive_loop(), name=f"nats-bus:{self._stream}:keepalive")

    async def join(self, js: JetStreamContext, pattern: str, subject: str, group: str, handler: Handler) -> None:
        """Join the durable group ``group`` for ``pattern`` (subject ``subject``) and start its fetch loop."""
        worker = _GroupWorker(
            pattern=pattern,
            group=group,
            durable=durable_name(group, pattern),
            subject=subject,
            handler=handler,
        )
        worker.psub = await self._bind(js, worker)
        worker.task = asyncio.create_task(self._fetch_loop(worker), name=f"nats-bus:{worker.durable}")
        self._workers.append(worker)
        logger.info("joined group %s on %s (consumer %s)", group, pattern, worker.durable)

    async def stop(self, close_timeout: float) -> None:
        """Stop the fetch loops (each finishes the message in hand and hands the rest back) and the keepalive.

        A loop waiting on an empty consumer stops when its fetch expires (``fetch_timeout``): cutting the fetch
        short would leave its pull request open on the server, and a message delivered to it then would wait
        ``ack_wait`` before another member of the group got it.
        """
        self._closing = True
        tasks = [w.task for w in self._workers if w.task is not None]
        if tasks:
            limit = max(close_timeout, self._settings.fetch_timeout + 1.0)
            _done, pending = await asyncio.wait(tasks, timeout=limit)
            for task in pending:
                logger.warning("a group handler did not finish within %.1f s of close; cancelling it", limit)
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for worker in self._workers:
            if worker.psub is not None:  # drop replies queued for no one, which would stall the drain
                with contextlib.suppress(Exception):
                    await worker.psub.unsubscribe()
        if self._keepalive is not None:
            self._keepalive.cancel()
            await asyncio.gather(self._keepalive, return_exceptions=True)
            self._keepalive = None
        self._workers.clear()

    async def _bind(self, js: JetStreamContext, worker: _GroupWorker) -> JetStreamContext.PullSubscription:
        """Create (or find) the group's durable pull consumer and bind a pull subscription to it."""
        config = api.ConsumerConfig(
            name=worker.durable,
            durable_name=worker.durable,
            description=f"rtcc group {worker.group} on {worker.pattern}",
            deliver_policy=api.DeliverPolicy.ALL,
            ack_policy=api.AckPolicy.EXPLICIT,
            ack_wait=self._settings.ack_wait,
            max_deliver=self._settings.max_deliver,
            max_ack_pending=self._settings.max_ack_pending,
            filter_subject=worker.subject,
        )
        try:
            await js.add_consumer(self._stream, config=config)
        except nats.js.errors.BadRequestError as exc:
            # Exists with another configuration (an older deployment's timings): use it as it is.
            try:
                info = await js.consumer_info(self._stream, worker.durable)
            except nats.js.errors.NotFoundError:
                raise exc from None
            logger.warning(
                "consumer %s exists with a different configuration (%s); using it (filter %s)",
                worker.durable,
                exc.description,
                info.config.filter_subject,
            )
        return await js.pull_subscribe_bind(durable=worker.durable, stream=self._stream)

    async def _fetch_loop(self, worker: _GroupWorker) -> None:
        failures = 0
        while not self._closing:
            try:
                if worker.psub is None:
                    js = self._js()
                    if js is None:
                        return
                    worker.psub = await self._bind(js, worker)
                msgs = await worker.psub.fetch(self._settings.batch, timeout=self._settings.fetch_timeout)
            except asyncio.CancelledError:
                raise
            except TimeoutError:  # nothing to do for fetch_timeout seconds (nats' own errors subclass it)
                failures = 0
                continue
            except Exception as exc:
                failures += 1
                delay = min(0.5 * 2 ** min(failures - 1, 6), 15.0)
                logger.warning(
                    "fetch for consumer %s failed (%s: %s); retrying in %.1f s",
                    worker.durable,
                    type(exc).__name__,
                    exc,
                    delay,
                )
                if isinstance(exc, nats.js.errors.APIError) and worker.psub is not None:
                    # The consumer may be gone (deleted, stream re-created): bind again on the next turn.
                    with contextlib.suppress(Exception):
                        await worker.psub.unsubscribe()
                    worker.psub = None
                await asyncio.sleep(delay)
                continue
            failures = 0
            await self._process_batch(worker, msgs)

    async def _process_batch(self, worker: _GroupWorker, msgs: list[Msg]) -> None:
        worker.held.extend(msgs)
        try:
            while worker.held:
                if self._closing:  # hand what is left back at once, for another member of the group
                    for msg in worker.held:
                        await _settle(msg, "nak")
                    return
                msg = worker.held[0]
                await self._process_one(worker, msg)
                worker.held.popleft()
        finally:
            worker.held.clear()

    async def _process_one(self, worker: _GroupWorker, msg: Msg) -> None:
        try:
            envelope = Envelope.from_bytes(msg.data)
        except (ValidationError, ValueError) as exc:
            reason = malformed_reason(exc)
            logger.warning("malformed message on %s for group %s terminated: %s", msg.subject, worker.group, reason)
            if self._on_malformed is not None:
                try:
                    result = self._on_malformed(msg.subject, msg.data, reason)
                    if inspect.isawaitable(result):
                        await result
                except Exception:
                    logger.exception("on_malformed failed for a message on %s", msg.subject)
            await _settle(msg, "term")
            return
        try:
            await worker.handler(envelope)
        except asyncio.CancelledError:
            raise
        except Exception:
            delivered = msg.metadata.num_delivered
            max_deliver = self._settings.max_deliver
            if delivered >= max_deliver:
                logger.exception(
                    "group %s handler failed on event %s (%s), delivery %d of %d: giving up, terminated",
                    worker.group,
                    envelope.id,
                    envelope.type,
                    delivered,
                    max_deliver,
                )
                await _settle(msg, "term")
            else:
                delay = min(self._settings.retry_delay * 2 ** (delivered - 1), self._settings.retry_delay_max)
                logger.exception(
                    "group %s handler failed on event %s (%s), delivery %d of %d: retrying in %.1f s",
                    worker.group,
                    envelope.id,
                    envelope.type,
                    delivered,
                    max_deliver,
                    delay,
                )
                await _settle(msg, "nak", delay)
            return
        await _settle(msg, "ack")

    async def _keepalive_loop(self) -> None:
        """Tell JetStream the messages held in a batch are still being worked on, so none expires in hand."""
        interval = max(self._settings.ack_wait / 3.0, 0.5)
        while True:
            await asyncio.sleep(interval)
            for worker in self._workers:
                for msg in list(worker.held):
                    try:
                        await msg.in_progress()
                    except Exception:
                        logger.debug("in-progress signal failed for %s", worker.durable, exc_info=True)
                        break


async def _settle(msg: Msg, how: str, delay: float | None = None) -> None:
    """Ack, nak or term one message; a failure only means JetStream redelivers it after ``ack_wait``."""
    try:
        if how == "ack":
            await msg.ack()
        elif how == "nak":
            await msg.nak(delay=delay)
        else:
            await msg.term()
    except Exception as exc:
        logger.warning("could not %s a message on %s (%s); it will be redelivered", how, msg.subject, exc)
