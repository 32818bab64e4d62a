"""The live hub of one API process: it receives every ``live.*`` event from the bus (fan-out), puts them in id
order, and pushes each to the connected SSE clients whose role may see it; it also writes each client's stream
(replay after ``Last-Event-ID``, then live events, heartbeats).

Ordering and completeness: the events of the ``live_events`` log are delivered to clients in id order. When an id is
missing (two writers committed out of order, or a bus message was lost), the hub holds the later events for a short
grace period, then fills the gap from the database and moves on; a periodic poll of the log catches events whose bus
message never came. A client that connects with ``Last-Event-ID`` is registered with the hub first, then replayed
from the database up to the hub's position at that instant, so the replay and the live stream join without gap or
duplicate. Each client has a bounded queue: a client too slow to keep up is disconnected (it reconnects with its
``Last-Event-ID`` and is replayed) instead of slowing the others down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections import deque
from collections.abc import AsyncGenerator, Callable, Iterable
from functools import partial
from types import FrameType
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from pydantic import ValidationError

from rtcc.alerts.logic import field_visible
from rtcc.bus.base import Bus
from rtcc.bus.envelope import Envelope
from rtcc.core.db import Database
from rtcc.dispatch.logic import is_dispatch_topic, live_visible
from rtcc.identity import divisions
from rtcc.identity.logic import Perm, Principal
from rtcc.live import service
from rtcc.live.schemas import LiveMessage

if TYPE_CHECKING:
    from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

SERVICE_NAME = "live"
RETRY_MS = 2000
REPLAY_PAGE = 500


def visible(principal: Principal, event: LiveMessage) -> bool:
    """True when ``principal`` may receive ``event``: deny by default, per topic.

    ``alerts``: the whole queue with ``alerts:read``; field units (``alerts:read_verified``) only hits a person has
    verified (verified, dispatched, closed), never new or rejected ones. ``cameras``: ``cameras:read``.
    ``drones``: ``drones:read``.
    ``dispatch``, ``units`` and ``unit-<call sign>``: as ``rtcc.dispatch.logic.live_visible`` decides.
    A user of one division (``rtcc.identity.divisions``) receives alerts, cameras, calls and units of that division
    only: an event that does not name a division in their scope is not theirs.
    """
    if not in_division(principal, event):
        return False
    if event.topic == "alerts":
        if principal.can(Perm.alerts_read):
            return True
        kind = str(event.data.get("kind", ""))
        state = str(event.data.get("state", ""))
        return principal.can(Perm.alerts_read_verified) and field_visible(kind, state)
    if event.topic == "cameras":
        return principal.can(Perm.cameras_read)
    if (
        event.topic == "drones"
    ):  # decisions, launch requests (rtcc.drones.launches); positions, flights (rtcc.drones.live)
        return principal.can(Perm.drones_read)
    if is_dispatch_topic(event.topic):  # calls, the unit board, one topic per unit (rtcc.dispatch.logic)
        return live_visible(
            topic=event.topic,
            data=event.data,
            sees_all=principal.can(Perm.calls_read_all),
            sees_units=principal.can(Perm.units_read),
            my_unit=principal.unit if principal.can(Perm.dispatch_self) else None,
            my_area=principal.division,
            area_calls=principal.can(Perm.calls_read_area),
        )
    return False


#: Records the plates a stream showed: ``access(surface, plates)`` (a blocking call; the route binds the purpose).
AccessRecorder = Callable[[str, list[str]], None]


def plates_in(event: LiveMessage) -> list[str]:
    """The plates an event shows its client (an alert's plate as read and as listed); none for other topics."""
    if event.topic != "alerts":
        return []
    return [str(v) for v in (event.data.get("plate_read"), event.data.get("plate_listed")) if v]


#: Topics whose events belong to a division (the alert's camera's, the camera's, the call's, the unit's).
DIVISION_TOPICS = ("alerts", "cameras", "dispatch", "units")


def in_division(principal: Principal, event: LiveMessage) -> bool:
    """Whether an event of a divisional topic lies in the principal's own divisions (always, when unrestricted)."""
    if event.topic not in DIVISION_TOPICS:  # a unit's own topic (unit-<call sign>) is scoped to that unit already
        return True
    codes = divisions.home(principal)
    if codes is None:
        return True
    camera = event.data.get("camera")
    found = camera.get("division") if isinstance(camera, dict) else event.data.get("division")
    return found in codes


class _Client:
    """One connected SSE stream: who it is, and its bounded queue of events to write."""

    __slots__ = ("closed", "dropped", "principal", "queue")

    def __init__(self, principal: Principal, queue_size: int) -> None:
        self.principal = principal
        self.queue: asyncio.Queue[LiveMessage | None] = asyncio.Queue(queue_size)
        self.dropped = False
        self.closed = False


class LiveHub:
    """Fan-out of live events to the SSE clients of this process (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        *,
        queue_size: int = 1000,
        gap_grace_s: float = 1.0,
        poll_s: float = 5.0,
        heartbeat_s: float = 15.0,
        max_stream_s: float = 900.0,
        recent_size: int = 10_000,
        access_flush_s: float = 15.0,
    ) -> None:
        self.db = db
        self.access_flush_s = access_flush_s
        self.queue_size = queue_size
        self.gap_grace_s = gap_grace_s
        self.poll_s = poll_s
        self.heartbeat_s = heartbeat_s
        self.max_stream_s = max_stream_s
        self.cursor = 0  # every event with id <= cursor has been delivered (or given up)
        self._pending: dict[int, LiveMessage] = {}
        self._recent: deque[int] = deque(maxlen=recent_size)
        self._recent_set: set[int] = set()
        self._clients: set[_Client] = set()
        self._gap_task: asyncio.Task[None] | None = None
        self._poll_task: asyncio.Task[None] | None = None
        self._running = False
        self._draining = False
        self._signal_handlers: dict[int, tuple[Callable[[int, FrameType | None], Any], Any]] = {}

    # ------------------------------------------------------------------------------------------ lifecycle

    async def start(self, bus: Bus) -> None:
        """Start at the newest stored event, subscribe to ``live.>`` and start the catch-up poll."""
        self.cursor = await anyio.to_thread.run_sync(self._latest)
        self._running = True
        await bus.subscribe("live.>", self._on_envelope)
        self._poll_task = asyncio.create_task(self._poll_loop(), name="live-hub-poll")
        self._chain_exit_signals()
        logger.info("live hub started at event %d", self.cursor)

    def _chain_exit_signals(self) -> None:
        """End every stream as soon as the process is asked to stop (SIGINT/SIGTERM), then let the server's own
        handler run: the server waits for open responses before it shuts down, and an event stream never ends by
        itself. Clients reconnect (to the restarted server) with their Last-Event-ID. Only on the main thread, and
        only over a handler that is a Python callable (the server's)."""
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(sig)
            if not callable(previous):
                continue

            def handler(signum: int, frame: FrameType | None, previous: Any = previous) -> None:
                loop.call_soon_threadsafe(self.end_streams)
                previous(signum, frame)

            signal.signal(sig, handler)
            self._signal_handlers[sig] = (handler, previous)

    def _restore_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig, (handler, previous) in self._signal_handlers.items():
            if signal.getsignal(sig) is handler:
                signal.signal(sig, previous)
        self._signal_handlers.clear()

    def end_streams(self) -> None:
        """End every client's stream now (shutdown); new streams end at once too."""
        self._draining = True
        for client in list(self._clients):
            client.closed = True
            with contextlib.suppress(asyncio.QueueFull):
                client.queue.put_nowait(None)
        self._clients.clear()

    async def stop(self) -> None:
        """Stop delivering and end every client's stream."""
        self._running = False
        self._restore_signals()
        for task in (self._gap_task, self._poll_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self.end_streams()

    @property
    def running(self) -> bool:
        """True between ``start`` and ``stop``."""
        return self._running

    @property
    def clients(self) -> int:
        """How many SSE clients are connected."""
        return len(self._clients)

    def connect(self, principal: Principal) -> tuple[_Client, int]:
        """Register a client; returns it and the hub's position (every later event goes to its queue)."""
        client = _Client(principal, self.queue_size)
        self._clients.add(client)
        return client, self.cursor

    def disconnect(self, client: _Client) -> None:
        """Forget a client."""
        client.closed = True
        self._clients.discard(client)

    # ------------------------------------------------------------------------------------------ intake

    def _latest(self) -> int:
        with self.db.read() as session:
            return service.latest_id(session)

    def _fetch(self, after: int, upto: int | None, limit: int) -> list[LiveMessage]:
        with self.db.read() as session:
            return service.events_after(session, after, upto=upto, limit=limit)

    async def _on_envelope(self, envelope: Envelope) -> None:
        if not self._running:
            return
        try:
            message = LiveMessage.model_validate(envelope.payload)
        except ValidationError:
            logger.warning("malformed live event %s (%s) ignored", envelope.id, envelope.type)
            return
        self.accept([message])

    def accept(self, messages: Iterable[LiveMessage]) -> None:
        """Take events (from the bus or the database) and deliver what is now contiguous."""
        for m in messages:
            if m.id <= self.cursor:
                if m.id not in self._recent_set:  # arrived after its gap was given up: deliver it late
                    self._deliver(m)
                continue
            self._pending.setdefault(m.id, m)
        self._advance()

    def _advance(self) -> None:
        while self.cursor + 1 in self._pending:
            m = self._pending.pop(self.cursor + 1)
            self.cursor = m.id
            self._deliver(m)
        if self._pending and self._gap_task is None and self._running:
            self._gap_task = asyncio.create_task(self._close_gap(), name="live-hub-gap")

    async def _close_gap(self) -> None:
        """After the grace period, fill the gap from the database and deliver what is held, in id order."""
        try:
            await asyncio.sleep(self.gap_grace_s)
            if not self._pending:
                return
            top = max(self._pending)
            after = self.cursor
            while after < top:
                rows = await anyio.to_thread.run_sync(self._fetch, after, top, REPLAY_PAGE)
                if not rows:
                    break
                for r in rows:
                    if r.id > self.cursor:
                        self._pending.setdefault(r.id, r)
                after = rows[-1].id
            skipped = 0
            for i in sorted(k for k in self._pending if k <= top):
                m = self._pending.pop(i)
                if i <= self.cursor:
                    continue
                skipped += i - self.cursor - 1
                self.cursor = i
                self._deliver(m)
            if skipped:
                logger.info("live hub skipped %d missing event ids below %d", skipped, top)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("live hub could not fill a gap; retrying")
        finally:
            self._gap_task = None
        self._advance()

    async def _poll_loop(self) -> None:
        """Catch events whose bus message never arrived (the log is the source of truth)."""
        while True:
            await asyncio.sleep(self.poll_s)
            try:
                rows = await anyio.to_thread.run_sync(self._fetch, self.cursor, None, REPLAY_PAGE)
            except Exception:
                logger.warning("live hub poll failed", exc_info=True)
                continue
            if rows and self._running:
                self.accept(rows)

    def _deliver(self, m: LiveMessage) -> None:
        if len(self._recent) == self._recent.maxlen:
            self._recent_set.discard(self._recent[0])
        self._recent.append(m.id)
        self._recent_set.add(m.id)
        for client in list(self._clients):
            if client.closed or client.dropped or not visible(client.principal, m):
                continue
            try:
                client.queue.put_nowait(m)
            except asyncio.QueueFull:
                client.dropped = True
                self._clients.discard(client)
                logger.warning(
                    "a live client (%s) fell %d events behind and was disconnected",
                    client.principal.role,
                    self.queue_size,
                )

    # ------------------------------------------------------------------------------------------ one client

    async def stream(
        self, principal: Principal, last_event_id: int | None, *, access: AccessRecorder | None = None
    ) -> AsyncGenerator[str, None]:
        """The text/event-stream of one client: replay after ``last_event_id``, then live events and heartbeats.

        ``access`` records the plates the client was sent (Civ. Code §1798.90.52), batched: one record for the whole
        replay, then one per ``access_flush_s`` of live events (and one when the stream ends), never one per event.
        """
        client, boundary = self.connect(principal)
        loop = asyncio.get_running_loop()
        end_at = loop.time() + self.max_stream_s
        replayed: set[int] = set()
        last_sent: int | None = None
        shown: list[str] = []
        flush_at = loop.time() + self.access_flush_s

        async def flush(surface: str) -> None:
            nonlocal flush_at
            flush_at = loop.time() + self.access_flush_s
            if access is None or not shown:
                return
            batch = shown[:]
            shown.clear()
            await anyio.to_thread.run_sync(access, surface, batch)

        try:
            yield f"retry: {RETRY_MS}\n\n"
            if self._draining:
                return
            if last_event_id is not None:
                after = last_event_id
                while after < boundary:
                    rows = await anyio.to_thread.run_sync(partial(self._fetch, after, boundary, REPLAY_PAGE))
                    if not rows:
                        break
                    for m in rows:
                        after = m.id
                        if visible(principal, m):
                            replayed.add(m.id)
                            last_sent = m.id
                            shown.extend(plates_in(m))
                            yield m.to_sse()
                    if client.dropped or client.closed:
                        return
                await flush("live.replay")
            high = boundary if last_event_id is None else max(boundary, last_event_id)
            if (last_event_id is None or last_event_id < boundary) and last_sent != boundary:
                yield f"id: {boundary}\n\n"  # sets the client's Last-Event-ID without an event
            while True:
                remaining = end_at - loop.time()
                if remaining <= 0:
                    return  # the client reconnects (and is authenticated again) with its Last-Event-ID
                try:
                    item = await asyncio.wait_for(client.queue.get(), min(self.heartbeat_s, remaining))
                except TimeoutError:
                    if shown:
                        await flush("live.stream")
                    if loop.time() < end_at:
                        yield ": keepalive\n\n"
                    continue
                if item is None or client.closed or client.dropped:
                    return
                m = item
                if m.id in replayed or (last_event_id is not None and m.id <= last_event_id):
                    continue  # the client has it already
                shown.extend(plates_in(m))
                yield m.to_sse(with_id=m.id > high)
                high = max(high, m.id)
                if shown and loop.time() >= flush_at:
                    await flush("live.stream")
        finally:
            self.disconnect(client)
            if access is not None and shown:
                # the stream is ending (possibly cancelled): record what was sent since the last record, here and now
                try:
                    access("live.stream", shown[:])
                except Exception:
                    logger.exception("could not record the plates a closing live stream showed")


async def start(runtime: Runtime) -> None:
    """Startup hook: start the process's live hub (created here unless one was configured in
    ``runtime.services["live"]`` beforehand)."""
    hub = runtime.services.get(SERVICE_NAME)
    if not isinstance(hub, LiveHub):
        hub = LiveHub(runtime.db)
        runtime.services[SERVICE_NAME] = hub
    if not hub.running:
        await hub.start(runtime.bus)


async def stop(runtime: Runtime) -> None:
    """Shutdown hook: end every stream of the process's live hub."""
    hub = runtime.services.pop(SERVICE_NAME, None)
    if isinstance(hub, LiveHub):
        await hub.stop()
