"""NATS JetStream adapter of the event bus, for the production profile (several processes, several machines).

It owns the connection to NATS (one server or a cluster's list, reconnecting forever with backoff to whichever
server answers), the JetStream stream that stores every event (``RTCC`` by default, subjects ``rtcc.>``, file
storage, seven days, ``replicas`` copies on a cluster: 3 survives losing a node), durable publishing (the envelope
id is the ``Nats-Msg-Id``, so JetStream drops a re-published envelope) and both kinds of subscription. A
*fan-out* subscription is an ephemeral ordered consumer that sees every event stored after it subscribed (live
screens, which replay from the database). A *group* is a durable pull consumer shared by every process that
subscribes with the same group and pattern; how its events are fetched, acknowledged, retried and handed back at
close is ``rtcc.bus.natsgroups``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import random
import re
import threading
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
from rtcc.bus.envelope import Envelope, malformed_reason
from rtcc.bus.natsgroups import GroupConsumers, GroupSettings, MalformedCallback
from rtcc.bus.relay import Relay
from rtcc.core.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

_DAY = 86_400.0
_TOKEN_RE = re.compile(r"^[^\s*>]+$")


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


def _check_tokens(what: str, value: str, *, wildcards: bool) -> None:
    tokens = value.split(".")
    for i, tok in enumerate(tokens):
        if wildcards and (tok == "*" or (tok == ">" and i == len(tokens) - 1)):
            continue
        if not tok or not _TOKEN_RE.match(tok):
            raise ValueError(f"invalid {what} {value!r}: dotted tokens without spaces or misplaced wildcards")


class NatsBus:
    """The ``Bus`` protocol over NATS JetStream. Build it, ``await start()``, ``await close()`` at shutdown.

    Every parameter after ``url`` has a production default; tests shorten the timings. ``subject_prefix`` lets
    several independent streams share one server (subjects of two streams may not overlap). ``replicas`` is the
    stream's copies on a cluster. ``failover_wait`` is how long a publish keeps trying while a cluster elects a new
    stream leader (kept under ``publish_threadsafe``'s 15 s); once one publish has waited that long in vain (the
    cluster lost its quorum), the next ones do not wait again until a publish succeeds.
    """

    name = "nats"

    def __init__(
        self,
        url: str,
        *,
        stream: str = "RTCC",
        subject_prefix: str = "rtcc",
        replicas: int = 1,
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
        failover_wait: float = 10.0,
        close_timeout: float = 10.0,
    ) -> None:
        _check_tokens("subject prefix", subject_prefix, wildcards=False)
        if max_deliver < 1 or batch < 1 or publish_attempts < 1:
            raise ValueError("max_deliver, batch and publish_attempts must be at least 1")
        if not 1 <= replicas <= 5:
            raise ValueError(f"replicas must be 1 to 5 (JetStream's limit), not {replicas}")
        self._url = url
        self._stream = stream
        self._prefix = subject_prefix
        self._replicas = replicas
        self._client_name = client_name or f"rtcc-{stream}"
        self._max_age = max_age
        self._duplicate_window = duplicate_window
        self._connect_timeout = connect_timeout
        self._publish_timeout = publish_timeout
        self._publish_attempts = publish_attempts
        self._failover_wait = failover_wait
        self._leaderless = False  # a publish waited failover_wait in vain and none has succeeded since
        self._close_timeout = close_timeout

        self._nc: NatsClient | None = None
        self._js: JetStreamContext | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._fanout: list[JetStreamContext.PushSubscription] = []
        self._closing = False
        self._last_error: BaseException | None = None
        self._relay = Relay(self.publish)
        self._groups = GroupConsumers(
            stream=stream,
            settings=GroupSettings(
                ack_wait=ack_wait,
                max_deliver=max_deliver,
                max_ack_pending=max_ack_pending,
                batch=batch,
                fetch_timeout=fetch_timeout,
                retry_delay=retry_delay,
                retry_delay_max=retry_delay_max,
            ),
            js=lambda: self._js,
            on_malformed=on_malformed,
        )

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
                    f"(is JetStream enabled{self._cluster_hint()}?): {type(exc).__name__}: {exc}"
                ) from exc
            raise
        self._groups.start()
        self._relay.bind(self._loop)
        logger.info("event bus connected to NATS at %s, stream %s", redact_url(self._url), self._stream)

    async def close(self) -> None:
        """Stop the group fetch loops (finish the message in hand, hand the rest back), drain and disconnect."""
        if self._nc is None:
            return
        await self._relay.drain(self._publish_timeout)  # hand over what was offered (a CLI import exits next)
        self._closing = True
        self._relay.bind(None)
        await self._groups.stop(self._close_timeout)
        nc, self._nc, self._js = self._nc, None, None
        try:
            await nc.drain()  # lets fan-out callbacks finish what they hold, then closes
        except Exception:  # already closed, or drain timed out
            logger.debug("NATS drain did not complete cleanly; closing", exc_info=True)
            with contextlib.suppress(Exception):
                await nc.close()
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
        # A timeout is one of ``publish_attempts``. "No responders" is JetStream saying the stream has no leader
        # at this moment (a cluster node was lost and the others are electing one, a few seconds): it is retried
        # until ``failover_wait`` s have passed, so that an election costs a delay, not an event.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (0.0 if self._leaderless else self._failover_wait)
        attempt = timeouts = 0
        while True:
            attempt += 1
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
                leaderless = isinstance(exc, nats.js.errors.NoStreamResponseError)
                timeouts += not leaderless
                give_up = timeouts >= self._publish_attempts or (
                    attempt >= self._publish_attempts and loop.time() >= deadline
                )
                logger.log(
                    logging.WARNING if attempt == 1 or give_up else logging.DEBUG,
                    "publish of event %s (%s) not acknowledged (attempt %d): %s%s",
                    msg_id,
                    envelope.type,
                    attempt,
                    type(exc).__name__,
                    "; giving up" if give_up else "; retrying",
                )
                if give_up:
                    self._leaderless = leaderless
                    break
                await asyncio.sleep(min(0.2 * 2 ** (attempt - 1), 1.0))
                continue
            self._leaderless = False
            if ack.duplicate:
                logger.debug("event %s was already stored (seq %s); duplicate dropped", msg_id, ack.seq)
            if attempt > 1:
                logger.info("event %s (%s) acknowledged at attempt %d", msg_id, envelope.type, attempt)
            return
        raise BusUnavailable(
            f"event bus did not acknowledge event {msg_id} ({envelope.type}) after {attempt} attempts"
        ) from last

    def publish_threadsafe(self, envelope: Envelope, timeout: float = 15.0) -> None:
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
        await self._groups.join(js, pattern, subject, group, handler)

    async def subscribe_batch(
        self, pattern: str, handler: BatchHandler, *, group: str, max_batch: int = 256, linger_s: float = 0.0
    ) -> None:
        """Join ``group`` with a handler of event lists. Each event is handed over, acknowledged and redelivered on
        its own (a list of one), as ``subscribe`` does: NATS acknowledges message by message (so ``linger_s`` has
        nothing to gather here)."""

        async def one(envelope: Envelope) -> None:
            await handler([envelope])

        await self.subscribe(pattern, one, group=group)

    async def _subscribe_fanout(self, js: JetStreamContext, pattern: str, subject: str, handler: Handler) -> None:
        async def on_msg(msg: Msg) -> None:
            try:
                envelope = Envelope.from_bytes(msg.data)
            except (ValidationError, ValueError) as exc:
                logger.warning(
                    "malformed message on %s skipped by a fan-out subscriber: %s", msg.subject, malformed_reason(exc)
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
                num_replicas=self._replicas,
            )
            try:
                await js.add_stream(config=config)
                logger.info("created stream %s on %s (%d replicas)", self._stream, subject, self._replicas)
                return
            except nats.js.errors.BadRequestError:  # another process created it first
                info = await js.stream_info(self._stream)
        current = info.config
        subjects = list(current.subjects or [])
        if subject not in subjects:
            subjects.append(subject)
        wanted = current.evolve(
            subjects=subjects,
            max_age=self._max_age,
            duplicate_window=self._duplicate_window,
            num_replicas=self._replicas,
        )
        if (current.subjects, current.max_age, current.duplicate_window, current.num_replicas or 1) != (
            wanted.subjects,
            wanted.max_age,
            wanted.duplicate_window,
            wanted.num_replicas,
        ):
            await js.update_stream(config=wanted)  # JetStream moves to the new replica count itself
            logger.info(
                "updated stream %s (subjects %s, max age %.0f s, %d replicas)",
                self._stream,
                subjects,
                self._max_age,
                self._replicas,
            )
        if current.storage != api.StorageType.FILE:
            logger.warning(
                "stream %s uses %s storage, not file: events do not survive a restart",
                self._stream,
                current.storage,
            )

    def _cluster_hint(self) -> str:
        return f", and is it a cluster of at least {self._replicas} servers" if self._replicas > 1 else ""

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
