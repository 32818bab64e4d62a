"""Ingest's writer in a process of its own: the API process serves HTTP on one core, the writer stores on another.

Python runs one thread at a time in a process. With the group-commit writer (``rtcc.alpr.groupcommit``) as a thread
of the API process, a camera's single-read request cost that one core about 0.75 ms: 0.17 ms for HTTP, the
middleware and the key check, the rest for parsing, validating, storing, auditing and committing, and for the
consumers. ``WriterProcess`` moves the storing half into a child process (``python -m rtcc.alpr.writerchild``) that
runs the same ``GroupCommitter`` on its own connection, so the two halves run on two cores.

The API process sends each request as an ``IngestJob`` (body, source, context, the principal), and the MQTT
consumer each batch of messages as an ``mqttbatch.MqttBatch``, over a socket pair (``multiprocessing.connection``:
one pickled message per burst, not one per request). The child (``rtcc.alpr.writerchild``) builds each job's unit of
work (``Job.unit``: the one the in-process writer would run, e.g. ``payloads.as_unit``) and, once its shared
transaction has committed, replies with the unit's result or its exception and its dead-letter drafts. Events: what
the units publish or offer after the commit (the ``alpr.reads.stored`` envelopes, staged in the event outbox in the same
transaction) travels back in the same stream, ahead of the replies it precedes, and the API process passes it to its
own bus, where its consumers (matching, the plate index, the live hub) take it as before. An envelope lost on the
way is still in the outbox: the matching consumer's reconciler re-drives it. The child's metrics (reads ingested,
duplicates, refused, batch time) reach ``/metrics`` through ``rtcc.core.metrics.relayed``.

Failure: if the child dies, requests waiting on it get 503 with ``Retry-After`` (a camera resends; what the child
committed counts as duplicates then), and a new child is started. If the API process dies, the child sees its end of
the socket close, commits what it holds and exits; it ignores SIGINT and SIGTERM (a terminal's Ctrl-C or systemd's
stop reach the whole process group), ending when the API process tells it to, after its last batch, so that a clean
shutdown of the API process answers every request it accepted.

On SQLite both processes write to one file: the gate of ``rtcc.core.db`` hands it between them, and the child runs
the API process database's staged work (``Database.staged_work``: the plate index) in its transactions. Setting:
``RTCC_INGEST_WRITER_PROCESS`` (on by default; the test suite runs the in-process writer except where it tests this
one). Large bodies (over ``groupcommit.SOLO_BYTES``) still use a unit of work of their own in the API process.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import pickle
import queue
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from rtcc.alpr.deadletters import DeadLetterDraft
from rtcc.alpr.outcomes import LoopOutcome, Outcome, deliver
from rtcc.bus.base import Bus
from rtcc.core import metrics
from rtcc.core.db import StagedHandler
from rtcc.core.errors import DomainError, ServiceUnavailable
from rtcc.identity.logic import Principal
from rtcc.runtime import Runtime
from rtcc.settings import Settings

if TYPE_CHECKING:
    from rtcc.alpr.groupcommit import Work

logger = logging.getLogger(__name__)

SERVICE_KEY = "alpr.writer-process"
#: How long start-up waits for the child to connect to the database and say it is ready.
START_TIMEOUT_S = 60.0
#: Pause before a child that died is replaced (a child that cannot start is retried this often).
RESTART_DELAY_S = 1.0


class Job(Protocol):
    """What the child can run: a picklable description (a module-level class) of one unit of the group commit,
    built in the child by ``unit(settings, drafts)``; ``size`` is its payload's size in bytes."""

    @property
    def size(self) -> int: ...

    def unit(self, settings: Settings, drafts: list[DeadLetterDraft]) -> Work[Any]: ...


@dataclass(frozen=True)
class IngestJob:
    """One ingest request as the child runs it (``payloads.as_unit``)."""

    body: bytes
    source: str
    context: dict[str, Any]
    principal: Principal

    @property
    def size(self) -> int:
        return len(self.body)

    def unit(self, settings: Settings, drafts: list[DeadLetterDraft]) -> Work[Any]:
        from rtcc.alpr import payloads

        return payloads.as_unit(self.body, self.source, self.context, self.principal, settings, drafts)


@dataclass
class Reply:
    """The child's answer to one job: its result (``ok``) or the exception it raised, and its dead-letter drafts."""

    ok: bool
    value: Any
    drafts: list[DeadLetterDraft] = field(default_factory=list)

    def unwrap(self) -> Any:
        """The unit's result; raises the exception it raised."""
        if not self.ok:
            raise self.value
        return self.value


class WriterGone(ServiceUnavailable):
    """The ingest writer process ended before it answered; the request may be sent again."""

    title = "Ingest writer restarting"
    retry_after = 2


#: Most messages one burst carries over the socket.
BURST = 1024

_T = TypeVar("_T")


def burst(source: queue.SimpleQueue[_T | None], first: _T) -> list[_T]:
    """``first`` and what else ``source`` holds now (at most ``BURST``); a ``None`` (the end) is left for the next
    ``get``."""
    burst = [first]
    with contextlib.suppress(queue.Empty):
        while len(burst) < BURST:
            nxt = source.get_nowait()
            if nxt is None:
                source.put(None)
                break
            burst.append(nxt)
    return burst


# --- the API process's side ------------------------------------------------------------------------------------------


class _Generation:
    """One child process and the two threads that talk to it; replaced whole when the child dies."""

    def __init__(self, owner: WriterProcess, number: int) -> None:
        self.owner = owner
        self.number = number
        self.pending: dict[int, Outcome] = {}
        self.lock = threading.Lock()
        self.alive = False
        self.outbox: queue.SimpleQueue[tuple[int, bytes] | None] = queue.SimpleQueue()
        ours, theirs = socket.socketpair()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rtcc.alpr.writerchild", str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
        )
        theirs.close()
        self.conn = Connection(ours.detach())
        self.conn.send((owner.settings, owner.staged_work))
        if not self.conn.poll(START_TIMEOUT_S):
            self._kill()
            raise RuntimeError(f"the ingest writer process did not start within {START_TIMEOUT_S:.0f} s")
        try:
            ready = self.conn.recv()
        except (EOFError, OSError):
            ready = None
        if not (isinstance(ready, tuple) and ready[:1] == ("ready",)):
            self._kill()
            raise RuntimeError(f"the ingest writer process failed to start (exit code {self.proc.wait(5)})")
        self.alive = True
        self.sender = threading.Thread(target=self._send, name=f"rtcc-writer-send-{number}", daemon=True)
        self.receiver = threading.Thread(target=self._receive, name=f"rtcc-writer-recv-{number}", daemon=True)
        self.sender.start()
        self.receiver.start()

    def submit(self, job: Job, outcome: Outcome) -> None:
        # Pickled here, one job at a time: a job that cannot cross fails its caller now, and the child answers a job
        # it cannot unpickle, instead of a burst that cannot be sent (or read) leaving every job in it waiting.
        data = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        with self.lock:
            if not self.alive:
                raise WriterGone("the ingest writer is restarting; send the reads again shortly")
            jid = next(self.owner.ids)
            self.pending[jid] = outcome
        self.outbox.put((jid, data))

    def _send(self) -> None:
        """Send what is queued, as one message per burst."""
        while True:
            item = self.outbox.get()
            if item is None:
                break
            batch = burst(self.outbox, item)
            try:
                self.conn.send(batch)
            except (OSError, ValueError):
                break  # the child is gone: the receiver fails what waits and replaces it

    def _receive(self) -> None:
        """Pass on the child's events, resolve the replies, absorb its metrics; on its end, fail what still waits."""
        bus = self.owner.bus
        origin = f"ingest-writer-{self.number}"
        try:
            while True:
                try:
                    message: list[tuple[Any, ...]] = self.conn.recv()
                except (EOFError, OSError):
                    break
                self._handle(message, bus, origin)
        except Exception:  # an unreadable message, or one that could not be handled: this child is beyond trust
            logger.exception("bad message from the ingest writer process; replacing it")
            self._kill()
        finally:
            self._ended(origin)

    def _handle(self, message: list[tuple[Any, ...]], bus: Bus, origin: str) -> None:
        settled: list[Outcome] = []
        try:
            for entry in message:
                kind = entry[0]
                if kind == "r":
                    _, jid, reply = entry
                    with self.lock:
                        outcome = self.pending.pop(jid, None)
                    if outcome is not None:
                        outcome.set_result(reply)
                        settled.append(outcome)
                elif kind == "o":
                    if not bus.offer(entry[1]):
                        logger.info("bus did not take stored-reads event %s now; it stays in the outbox", entry[1].id)
                elif kind == "p":
                    try:
                        bus.publish_threadsafe(entry[1])
                    except Exception:  # as after a commit in this process: logged, the stored reads stay stored
                        logger.exception("publishing %s from the ingest writer failed", entry[1].type)
                elif kind == "m":
                    metrics.relayed.absorb(origin, entry[1])
        finally:
            deliver(settled)

    def _ended(self, origin: str) -> None:
        with self.lock:
            self.alive = False
            waiting, self.pending = list(self.pending.values()), {}
        self.outbox.put(None)
        metrics.relayed.retire(origin)
        gone = WriterGone("the ingest writer ended before it answered; send the reads again")
        for outcome in waiting:
            outcome.set_result(Reply(False, gone))
        deliver(waiting)
        with contextlib.suppress(OSError):
            self.conn.close()
        code = self.proc.wait()
        self.owner._generation_ended(self, code)

    def close(self, timeout: float) -> None:
        """Tell the child to finish: it commits what it holds and answers it, then exits."""
        with self.lock:
            self.alive = False
        self.outbox.put(None)
        self.sender.join(timeout)
        if self.sender.is_alive():  # still sending: a second writer on the socket would corrupt the stream
            self._kill()
        else:
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)
        self.receiver.join(timeout)
        if self.proc.poll() is None:
            self._kill()

    def _kill(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.kill()
        if not self.alive:  # a start that failed: nothing else will close the socket
            with contextlib.suppress(OSError):
                self.conn.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)


class WriterProcess:
    """The API process's handle on its ingest writer process (see the module docstring)."""

    def __init__(self, settings: Settings, bus: Bus, staged_work: dict[str, list[StagedHandler]] | None = None) -> None:
        self.settings = settings
        self.bus = bus
        #: The API process database's staged work, installed on the child's (module-level functions: pickled by name).
        self.staged_work = dict(staged_work or {})
        self.ids = itertools.count()
        self._stopping = False
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self.restarts = 0
        self._current: _Generation | None = _Generation(self, next(self._numbers))

    @property
    def pid(self) -> int | None:
        """The child's process id (None while it is being replaced)."""
        current = self._current
        return current.proc.pid if current is not None and current.alive else None

    def submit_async(self, job: Job) -> asyncio.Future[Reply]:
        """Send ``job``; the future resolves with the child's ``Reply`` once the job's transaction has committed
        (or with ``WriterGone`` in the reply when the child ended first). Raises ``WriterGone`` while the child is
        being replaced."""
        outcome = LoopOutcome(asyncio.get_running_loop())
        self._submit(job, outcome)
        return outcome.future

    def submit(self, job: Job) -> Future[Reply]:
        """``submit_async`` for a thread (the MQTT consumer's worker): a ``concurrent.futures.Future``."""
        future: Future[Reply] = Future()
        future.set_running_or_notify_cancel()  # running from now on: it cannot be cancelled, only answered
        self._submit(job, future)
        return future

    def _submit(self, job: Job, outcome: Outcome) -> None:
        current = self._current
        if current is None:
            raise WriterGone("the ingest writer is restarting; send the reads again shortly")
        current.submit(job, outcome)

    def _generation_ended(self, generation: _Generation, code: int) -> None:
        with self._lock:
            if self._current is generation:
                self._current = None
            stopping = self._stopping
        if stopping:
            return
        logger.error("ingest writer process %d ended (exit code %s); starting another", generation.proc.pid, code)
        threading.Thread(target=self._replace, name="rtcc-writer-restart", daemon=True).start()

    def _replace(self) -> None:
        while not self._stopping:
            time.sleep(RESTART_DELAY_S)
            try:
                fresh = _Generation(self, next(self._numbers))
            except Exception:
                logger.exception("the ingest writer process could not be restarted; retrying")
                continue
            with self._lock:
                if self._stopping:
                    stale: _Generation | None = fresh
                else:
                    self._current, stale = fresh, None
                    self.restarts += 1
            if stale is not None:
                stale.close(10)
            return

    def stop(self, timeout: float = 30.0) -> None:
        """End the child after it has committed and answered what it was sent."""
        with self._lock:
            self._stopping = True
            current, self._current = self._current, None
        if current is not None:
            current.close(timeout)


def running(runtime: Runtime) -> WriterProcess | None:
    """The process's ingest writer process, if it runs one."""
    found = runtime.services.get(SERVICE_KEY)
    return found if isinstance(found, WriterProcess) else None


async def start(runtime: Runtime) -> None:
    """Lifespan hook: start the ingest writer process when ``RTCC_INGEST_WRITER_PROCESS`` is on."""
    if not runtime.settings.ingest_writer_process:
        return
    if runtime.db.in_memory:  # a child would open an in-memory database of its own
        logger.info("in-memory database: ingest stores in this process")
        return
    import anyio

    runtime.services[SERVICE_KEY] = await anyio.to_thread.run_sync(
        WriterProcess, runtime.settings, runtime.bus, runtime.db.staged_work
    )


async def stop(runtime: Runtime) -> None:
    """Lifespan hook: end the ingest writer process (it commits and answers what it was sent first)."""
    import anyio

    found = runtime.services.pop(SERVICE_KEY, None)
    if isinstance(found, WriterProcess):
        await anyio.to_thread.run_sync(found.stop)


class RelayedError(DomainError):
    """A domain error of the child that cannot cross to the API process as itself: its answer (status, title,
    detail, field errors, ``Retry-After``) without its class."""

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None, **answer: Any) -> None:
        super().__init__(detail, errors=errors)
        for name, value in answer.items():
            setattr(self, name, value)
