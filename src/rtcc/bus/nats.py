"""NATS JetStream adapter of the event bus, for the production profile (several processes, several machines).

It owns the connection to NATS (reconnecting forever with backoff), the JetStream stream that stores every
event (``RTCC`` by default, subjects ``rtcc.>``, file storage, seven days), durable publishing (the envelope
id is the ``Nats-Msg-Id``, so JetStream drops a re-published envelope) and both kinds of subscription. A
*group* is a durable pull consumer shared by every process that subscribes with the same group and pattern:
explicit ack after the handler returns, delayed redelivery when it raises, termination after ``max_deliver``
attempts, malformed bytes terminated and reported to ``on_malformed``. A *fan-out* subscription is an
ephemeral ordered consumer that sees every event stored after it subscribed (live screens, which replay from
the database).
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import hashlib
import inspect
import logging
import random
import re
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import nats.errors
import nats.js.errors
from nats.aio.client import Client as NatsClient
from nats.aio.client import Server
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api
from pydantic import ValidationError

from rtcc.bus.base import BatchHandler, Handler
from rtcc.bus.envelope import Envelope
from rtcc.bus.relay import Relay
from rtcc.core.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

MalformedCallback = Callable[[str, bytes, str], Awaitable[None] | None]
"""``on_malformed(subject, data, reason)``: a group consumer received bytes that are not an ``Envelope``."""

_DAY = 86_400.0
_TOKEN_RE = re.compile(r"^[^\s*>]+$")
_DURABLE_UNSAFE_RE = re.compile(r"[^A-Za-z0-9_-]")


class BusUnavailable(ServiceUnavailable):
    """NATS cannot be reached at start, or did not acknowledge a publish in time."""

    title = "Event bus unavailable"


def redact_url(url: str) -> str:
    """The URL with any user name, password or token replaced by ``***`` (safe to log and to show)."""
    parts = []
    for one in url.split(","):
        split = urlsplit(one.strip())
        if split.username is not None or split.password is not None:
            host = split.hostname or ""
            netloc = f"***@{host}" + (f":{split.port}" if split.port else "")
            split = split._replace(netloc=netloc)
        parts.append(urlunsplit(split))
    return ",".join(parts)


def durable_name(group: str, pattern: str) -> str:
    """The JetStream durable consumer name for ``group`` on ``pattern``: readable, legal, and unique per pair.

    A durable name may not contain ``.``, ``*``, ``>`` or white space; the readable part maps ``*`` to ``any``
    and ``>`` to ``all``, and a short hash of the exact pair keeps look-alikes (``a.b``, ``a_b``) apart.
    """
    readable = f"{group}__{pattern}".replace("*", "any").replace(">", "all").replace(".", "_")
    readable = _DURABLE_UNSAFE_RE.sub("-", readable)[:48]
    digest = hashlib.sha256(f"{group}\x00{pattern}".encode()).hexdigest()[:10]
    return f"{readable}_{digest}"


def _check_tokens(what: str, value: str, *, wildcards: bool) -> None:
    tokens = value.split(".")
    for i, tok in enumerate(tokens):
        if wildcards and (tok == "*" or (tok == ">" and i == len(tokens) - 1)):
            continue
        if not tok or not _TOKEN_RE.match(tok):
            raise ValueError(f"invalid {what} {value!r}: dotted tokens without spaces or misplaced wildcards")


def _describe(exc: Exception) -> str:
    """A short reason for a malformed message that names fields, never their values (they may hold plates)."""
    if isinstance(exc, ValidationError):
        errs = exc.errors(include_url=False, include_input=False)
        shown = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in errs[:3])
        more = f" (+{len(errs) - 3} more)" if len(errs) > 3 else ""
        return f"not an envelope: {shown}{more}"
    return f"not an envelope: {type(exc).__name__}"


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


class NatsBus:
    """The ``Bus`` protocol over NATS JetStream. Build it, ``await start()``, ``await close()`` at shutdown.

    Every parameter after ``url`` has a production default; tests shorten the timings. ``subject_prefix`` lets
    several independent streams share one server (subjects of two streams may not overlap).
    """

    name = "nats"

    def __init__(
        self,
        url: str,
        *,
        stream: str = "RTCC",
        subject_prefix: str = "rtcc",
        on_malformed: MalformedCallback | None = None,
        client_name: str | None = None,
        max_age: float = 7 * _DAY,
        duplicate_window: float = 120.0,
        ack_wait: float = 30.0,
        max_deliver: int = 5,
        max_ack_pending: int = 4096,
        batch: int = 256,
        fetch_timeout: float = 2.0,
        retry_delay: float = 1.0,
        retry_delay_max: float = 60.0,
        connect_timeout: float = 10.0,
        publish_timeout: float = 5.0,
        publish_attempts: int = 3,
        close_timeout: float = 10.0,
    ) -> None:
        _check_tokens("subject prefix", subject_prefix, wildcards=False)
        if max_deliver < 1 or batch < 1 or publish_attempts < 1:
            raise ValueError("max_deliver, batch and publish_attempts must be at least 1")
        self._url = url
        self._stream = stream
        self._prefix = subject_prefix
        self._on_malformed = on_malformed
        self._client_name = client_name or f"rtcc-{stream}"
        self._max_age = max_age
        self._duplicate_window = duplicate_window
        self._ack_wait = ack_wait
        self._max_deliver = max_deliver
        self._max_ack_pending = max_ack_pending
        self._batch = batch
        self._fetch_timeout = fetch_timeout
        self._retry_delay = retry_delay
        self._retry_delay_max = retry_delay_max
        self._connect_timeout = connect_timeout
        self._publish_timeout = publish_timeout
        self._publish_attempts = publish_attempts
        self._close_timeout = close_timeout

        self._nc: NatsClient | None = None
        self._js: JetStreamContext | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._workers: list[_GroupWorker] = []
        self._fanout: list[JetStreamContext.PushSubscription] = []
        self._keepalive: asyncio.Task[None] | None = None
        self._closing = False
        self._last_error: BaseException | None = None
        self._relay = Relay(self.publish)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Connect (reconnecting forever once connected) and create or update the stream.

        Raises ``BusUnavailable`` naming the URL when no connection is made within ``connect_timeout`` s.
        """
        if self._nc is not None and not self._nc.is_closed:
            return
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._closing = False
        self._last_error = None
        nc = NatsClient()
        servers = [u.strip() for u in self._url.split(",") if u.strip()]
        try:
            await asyncio.wait_for(
                nc.connect(
                    servers=servers,
                    name=self._client_name,
                    allow_reconnect=True,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=1,
                    connect_timeout=max(1, int(min(self._connect_timeout, 2.0))),
                    drain_timeout=max(1, int(self._close_timeout)),
                    error_cb=self._on_error,
                    disconnected_cb=self._on_disconnected,
                    reconnected_cb=self._on_reconnected,
                    closed_cb=self._on_closed,
                    reconnect_to_server_handler=self._next_server,
                ),
                timeout=self._connect_timeout,
            )
        except (TimeoutError, OSError, nats.errors.Error) as exc:
            with contextlib.suppress(Exception):
                await nc.close()
            cause = self._last_error or exc
            raise BusUnavailable(
                f"cannot connect to NATS at {redact_url(self._url)} within {self._connect_timeout:g} s: "
                f"{type(cause).__name__}: {cause}"
            ) from exc
        self._nc = nc
        self._js = nc.jetstream(timeout=self._publish_timeout)
        try:
            await self._ensure_stream()
        except BaseException as exc:
            await nc.close()
            self._nc = self._js = None
            if isinstance(exc, nats.errors.Error):
                raise BusUnavailable(
                    f"NATS at {redact_url(self._url)}: cannot create or update stream {self._stream} "
                    f"(is JetStream enabled?): {type(exc).__name__}: {exc}"
                ) from exc
            raise
        self._keepalive = asyncio.create_task(self._keepalive_loop(), name=f"nats-bus:{self._stream}:keepalive")
        self._relay.bind(self._loop)
        logger.info("event bus connected to NATS at %s, stream %s", redact_url(self._url), self._stream)

    async def close(self) -> None:
        """Stop the fetch loops (finish the message in hand, hand the rest back), drain and disconnect.

        A loop waiting on an empty consumer stops when its fetch expires (``fetch_timeout``): cutting the fetch
        short would leave its pull request open on the server, and a message delivered to it then would wait
        ``ack_wait`` before another member of the group got it.
        """
        if self._nc is None:
            return
        await self._relay.drain(self._publish_timeout)  # hand over what was offered (a CLI import exits next)
        self._closing = True
        self._relay.bind(None)
        tasks = [w.task for w in self._workers if w.task is not None]
        if tasks:
            limit = max(self._close_timeout, self._fetch_timeout + 1.0)
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
        nc, self._nc, self._js = self._nc, None, None
        try:
            await nc.drain()  # lets fan-out callbacks finish what they hold, then closes
        except Exception:  # already closed, or drain timed out
            logger.debug("NATS drain did not complete cleanly; closing", exc_info=True)
            with contextlib.suppress(Exception):
                await nc.close()
        self._workers.clear()
        self._fanout.clear()

    async def ping(self) -> bool:
        """True when connected and the server answers a round trip within two seconds."""
        nc = self._nc
        if nc is None or self._closing or not nc.is_connected:
            return False
        try:
            await nc.flush(timeout=2)
        except Exception:
            return False
        return True

    # ------------------------------------------------------------------ publishing

    def subject_for(self, event_type: str) -> str:
        """The NATS subject an event type travels on (``rtcc.<type>``)."""
        return f"{self._prefix}.{event_type}"

    async def publish(self, envelope: Envelope) -> None:
        """Publish one event and wait for JetStream's acknowledgement (stored, de-duplicated by id)."""
        js = self._js  # still set while close() lets handlers in hand finish (they may publish)
        if js is None:
            raise RuntimeError("bus not started (or closed)")
        _check_tokens("event type", envelope.type, wildcards=False)
        subject = self.subject_for(envelope.type)
        data = envelope.to_bytes()
        msg_id = str(envelope.id)
        last: Exception | None = None
        for attempt in range(1, self._publish_attempts + 1):
            try:
                ack = await js.publish(
                    subject,
                    data,
                    timeout=self._publish_timeout,
                    stream=self._stream,
                    headers={"Nats-Msg-Id": msg_id},
                )
            except (nats.errors.TimeoutError, nats.js.errors.NoStreamResponseError) as exc:
                # Safe to repeat: the same Nats-Msg-Id is stored at most once within the duplicate window.
                last = exc
                logger.warning(
                    "publish of event %s (%s) not acknowledged (attempt %d of %d): %s",
                    msg_id,
                    envelope.type,
                    attempt,
                    self._publish_attempts,
                    type(exc).__name__,
                )
                if attempt < self._publish_attempts:
                    await asyncio.sleep(min(0.2 * 2 ** (attempt - 1), 2.0))
                continue
            if ack.duplicate:
                logger.debug("event %s was already stored (seq %s); duplicate dropped", msg_id, ack.seq)
            return
        raise BusUnavailable(
            f"event bus did not acknowledge event {msg_id} ({envelope.type}) after {self._publish_attempts} attempts"
        ) from last

    def publish_threadsafe(self, envelope: Envelope, timeout: float = 10.0) -> None:
        """Publish from another thread; blocks until acknowledged. Never from the bus's own loop thread.

        While the connection is down it does not wait: the envelope is handed to the background relay (published
        if NATS comes back within the publish attempts) so that no request stalls on an outage; ``BusUnavailable``
        when even the relay is full.
        """
        loop = self._loop
        nc = self._nc
        if loop is None or nc is None:
            raise RuntimeError("bus not started")
        if threading.get_ident() == self._loop_thread:
            raise RuntimeError("publish_threadsafe called from the bus's own event loop thread; await publish()")
        if not nc.is_connected:
            if not self._relay.offer(envelope):
                raise BusUnavailable(f"NATS is disconnected; event {envelope.id} ({envelope.type}) not published")
            logger.debug("NATS disconnected: event %s handed to the background relay", envelope.id)
            return
        future = asyncio.run_coroutine_threadsafe(self.publish(envelope), loop)
        try:
            future.result(timeout)
        except concurrent.futures.TimeoutError as exc:
            future.cancel()
            raise TimeoutError(f"publish of event {envelope.id} not acknowledged within {timeout:g} s") from exc

    def offer(self, envelope: Envelope) -> bool:
        """Publish in the background and return at once (``rtcc.bus.relay``); False when not taken."""
        if self._nc is None or self._closing:
            return False
        return self._relay.offer(envelope)

    # ------------------------------------------------------------------ subscribing

    async def subscribe(self, pattern: str, handler: Handler, *, group: str | None = None) -> None:
        """Fan out (``group=None``) or join the durable group ``group``, for types matching ``pattern``."""
        js = self._js
        if js is None or self._closing:
            raise RuntimeError("bus not started (or closed)")
        _check_tokens("pattern", pattern, wildcards=True)
        subject = self.subject_for(pattern)
        if group is None:
            await self._subscribe_fanout(js, pattern, subject, handler)
            return
        if not group.strip():
            raise ValueError("group must be a non-empty name")
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

    async def subscribe_batch(self, pattern: str, handler: BatchHandler, *, group: str, max_batch: int = 256) -> None:
        """Join ``group`` with a handler of event lists. Each event is handed over, acknowledged and redelivered on
        its own (a list of one), as ``subscribe`` does: NATS acknowledges message by message."""

        async def one(envelope: Envelope) -> None:
            await handler([envelope])

        await self.subscribe(pattern, one, group=group)

    async def _subscribe_fanout(self, js: JetStreamContext, pattern: str, subject: str, handler: Handler) -> None:
        async def on_msg(msg: Msg) -> None:
            try:
                envelope = Envelope.from_bytes(msg.data)
            except (ValidationError, ValueError) as exc:
                logger.warning(
                    "malformed message on %s skipped by a fan-out subscriber: %s", msg.subject, _describe(exc)
                )
                return
            try:
                await handler(envelope)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("fan-out handler for %s failed on event %s (%s)", pattern, envelope.id, envelope.type)

        # An ordered consumer sees exactly what the stream stored (so de-duplicated), in order, and re-creates
        # itself after a gap (reconnect); it starts at the next message stored after this call.
        sub = await js.subscribe(
            subject,
            stream=self._stream,
            cb=on_msg,
            ordered_consumer=True,
            deliver_policy=api.DeliverPolicy.NEW,
            idle_heartbeat=5.0,
        )
        self._fanout.append(sub)
        logger.info("fan-out subscription on %s", pattern)

    async def _bind(self, js: JetStreamContext, worker: _GroupWorker) -> JetStreamContext.PullSubscription:
        """Create (or find) the group's durable pull consumer and bind a pull subscription to it."""
        config = api.ConsumerConfig(
            name=worker.durable,
            durable_name=worker.durable,
            description=f"rtcc group {worker.group} on {worker.pattern}",
            deliver_policy=api.DeliverPolicy.ALL,
            ack_policy=api.AckPolicy.EXPLICIT,
            ack_wait=self._ack_wait,
            max_deliver=self._max_deliver,
            max_ack_pending=self._max_ack_pending,
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

    # ------------------------------------------------------------------ group processing

    async def _fetch_loop(self, worker: _GroupWorker) -> None:
        failures = 0
        while not self._closing:
            try:
                if worker.psub is None:
                    js = self._js
                    if js is None:
                        return
                    worker.psub = await self._bind(js, worker)
                msgs = await worker.psub.fetch(self._batch, timeout=self._fetch_timeout)
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
                        await self._settle(msg, "nak")
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
            reason = _describe(exc)
            logger.warning("malformed message on %s for group %s terminated: %s", msg.subject, worker.group, reason)
            if self._on_malformed is not None:
                try:
                    result = self._on_malformed(msg.subject, msg.data, reason)
                    if inspect.isawaitable(result):
                        await result
                except Exception:
                    logger.exception("on_malformed failed for a message on %s", msg.subject)
            await self._settle(msg, "term")
            return
        try:
            await worker.handler(envelope)
        except asyncio.CancelledError:
            raise
        except Exception:
            delivered = msg.metadata.num_delivered
            if delivered >= self._max_deliver:
                logger.exception(
                    "group %s handler failed on event %s (%s), delivery %d of %d: giving up, terminated",
                    worker.group,
                    envelope.id,
                    envelope.type,
                    delivered,
                    self._max_deliver,
                )
                await self._settle(msg, "term")
            else:
                delay = min(self._retry_delay * 2 ** (delivered - 1), self._retry_delay_max)
                logger.exception(
                    "group %s handler failed on event %s (%s), delivery %d of %d: retrying in %.1f s",
                    worker.group,
                    envelope.id,
                    envelope.type,
                    delivered,
                    self._max_deliver,
                    delay,
                )
                await self._settle(msg, "nak", delay)
            return
        await self._settle(msg, "ack")

    @staticmethod
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

    async def _keepalive_loop(self) -> None:
        """Tell JetStream the messages held in a batch are still being worked on, so none expires in hand."""
        interval = max(self._ack_wait / 3.0, 0.5)
        while True:
            await asyncio.sleep(interval)
            for worker in self._workers:
                for msg in list(worker.held):
                    try:
                        await msg.in_progress()
                    except Exception:
                        logger.debug("in-progress signal failed for %s", worker.durable, exc_info=True)
                        break

    # ------------------------------------------------------------------ stream and connection callbacks

    async def _ensure_stream(self) -> None:
        js = self._js
        assert js is not None
        subject = f"{self._prefix}.>"
        try:
            info = await js.stream_info(self._stream)
        except nats.js.errors.NotFoundError:
            config = api.StreamConfig(
                name=self._stream,
                description="OpenRTCC events",
                subjects=[subject],
                retention=api.RetentionPolicy.LIMITS,
                storage=api.StorageType.FILE,
                max_age=self._max_age,
                duplicate_window=self._duplicate_window,
            )
            try:
                await js.add_stream(config=config)
                logger.info("created stream %s on %s", self._stream, subject)
                return
            except nats.js.errors.BadRequestError:  # another process created it first
                info = await js.stream_info(self._stream)
        current = info.config
        subjects = list(current.subjects or [])
        if subject not in subjects:
            subjects.append(subject)
        wanted = current.evolve(subjects=subjects, max_age=self._max_age, duplicate_window=self._duplicate_window)
        if (current.subjects, current.max_age, current.duplicate_window) != (
            wanted.subjects,
            wanted.max_age,
            wanted.duplicate_window,
        ):
            await js.update_stream(config=wanted)
            logger.info("updated stream %s (subjects %s, max age %.0f s)", self._stream, subjects, self._max_age)
        if current.storage != api.StorageType.FILE:
            logger.warning(
                "stream %s uses %s storage, not file: events do not survive a restart",
                self._stream,
                current.storage,
            )

    def _next_server(self, servers: list[Server], _info: dict[str, Any]) -> tuple[Server | None, float]:
        """Reconnect policy: exponential backoff with jitter, from 0.25 s up to 10 s, forever."""
        server = min(servers, key=lambda s: s.reconnects) if servers else None
        attempts = server.reconnects if server is not None else 0
        delay = min(0.25 * 2 ** min(attempts, 6), 10.0)
        return server, delay * random.uniform(0.75, 1.0)

    async def _on_error(self, exc: Exception) -> None:
        self._last_error = exc
        logger.warning("NATS error (%s): %s: %s", redact_url(self._url), type(exc).__name__, exc)

    async def _on_disconnected(self) -> None:
        if self._nc is not None and not self._closing:  # not during a failed start, nor at close
            logger.warning("disconnected from NATS at %s; reconnecting", redact_url(self._url))

    async def _on_reconnected(self) -> None:
        logger.info("reconnected to NATS at %s", redact_url(self._url))

    async def _on_closed(self) -> None:
        logger.debug("NATS connection to %s closed", redact_url(self._url))
