"""Group commit for ingest: concurrent small requests share one transaction and one commit (one fsync).

Cameras send one read per webhook call or MQTT message. Stored one transaction each, every read pays a commit (a
WAL fsync on SQLite, a WAL flush on PostgreSQL), and that commit, not the work, bounds throughput. ``GroupCommitter``
owns the writer threads of a process: callers submit a unit of work (``work(session, bus) -> result``, normally a call
of ``rtcc.alpr.payloads.ingest_payload`` or ``store.ingest``, the one store path), the writer takes whatever has
queued up (at most ``max_jobs`` units or ``max_bytes`` of payload; it waits at most ``wait_s`` for stragglers, never
for an empty queue), runs the units in one shared transaction, commits once, and only then resolves each caller's
future.
So a 202 or a PUBACK still means stored: a crash before the commit acknowledges nothing.

Events: a unit publishes through the bus it is handed (``work(session, bus)``), which keeps what its after-commit
callbacks publish or offer and passes it on once the batch has committed. What the units stage in the event outbox
(``rtcc.bus.outbox.defer``) and their stored-reads events (``store.defer_events``: no envelope per call) are written
at the batch's end, before its commit (``rtcc.alpr.batchend``): the ``alpr.reads.stored`` events of one source merged
into as few envelopes as the event limits allow (``store.EVENT_CHUNK`` reads, ``store.EVENT_MAX_BYTES``), one outbox
row each, the other envelopes as they are. Downstream consumers (matching,
the plate index) then run one transaction per batch, not one per read, and nothing waits for the bus: a merged
envelope the bus does not take stays in the outbox for the reconciler.

Audit: each unit's entries are the ones it writes alone, queued (``audit.defer``) and appended to the chain with one
lock and one insert before the commit; the ingest calls' own (one per request alone) become one entry per principal
and source, with the calls' counts summed (``rtcc.alpr.ingestaudit``). Likewise each camera's
``last_read_at`` is moved once per batch, at its end (``repository.defer_touches``), in camera-id order.

Writers: one thread on SQLite (its single writer) and, by default, on PostgreSQL too (``PG_WRITERS`` says why). With
more than one (``writers=``), each builds and commits its own batches from the same queue; their batches take row
locks in the same order (their new reads first, cameras by id at the end, the audit chain's lock last), and a deadlock
the server still finds (the same read resent to two batches at once) only sends that batch down the per-unit fallback
below.

Reads: in that first pass the units' reads are queued (``readrows.defer_reads``) and inserted with one statement at
the batch's end, each unit counting its reads as new; if some were not (a resend, the same read in two requests of
the batch), the insert says so (``ReadsNotNew``) and the batch is run again as below, where each unit inserts its own.

Isolation: the writer first runs a batch's units one after the other with no savepoints (each SAVEPOINT and RELEASE is a
statement, and with Python's GIL every statement costs a thread hand-over). If a unit raises (a ``DomainError`` such as
the 403 for a foreign camera or the 422 for an unparseable body, or a database error of its own), that pass is rolled
back and the batch runs again with each unit in its own SAVEPOINT: a unit that raises is rolled back to it, its
after-commit events and audit entries are dropped, and its caller gets the exception; the others commit. If the shared
transaction itself fails (a savepoint that cannot be rolled back, a failed commit, a lost connection), every unit of the
batch is run again in its own transaction, as without group commit, so one request never fails the others. Units must
therefore be re-runnable (they reset what they collect, e.g. their dead-letter drafts, when they start). Each unit
returns its own result, exactly as alone. On SQLite this thread is the ingest path's one writer; on PostgreSQL it spares
the connection pool as well. ``stop`` finishes every queued unit before it returns (clean shutdown flushes).

Answers: a unit submitted from an event loop (``submit_async``, the HTTP routes) is answered with the rest of its
batch in one call on its loop (``rtcc.alpr.outcomes``); worker threads (the MQTT consumer) use ``submit``/``run`` and
block on a ``concurrent.futures`` future.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from rtcc.alpr import batchend, readrows, repository
from rtcc.alpr.outcomes import LoopOutcome, Outcome, deliver
from rtcc.bus.base import Bus
from rtcc.core.db import Database
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Key of the process's ``GroupCommitter`` in ``Runtime.services``.
SERVICE_KEY = "alpr.groupcommit"
#: Most units of work in one shared transaction.
MAX_JOBS = 256
#: Most payload bytes in one shared transaction (a camera-sized read is ~300 bytes; a large batch goes alone).
MAX_BYTES = 4_000_000
#: How long the writer waits for more units once it holds one (seconds); the wait ends as soon as the queue is empty
#: for ``_STRAGGLER_S``, so a lone request is not held back.
WAIT_S = 0.002
_STRAGGLER_S = 0.0005
#: Writer threads on PostgreSQL. One, as on SQLite: every batch moves the same hot rows (its cameras' last read, the
#: audit chain's head) and holds their locks until it commits, so parallel writers queue behind each other's commits
#: and only add hand-overs. Measured with ``rtcc bench live`` and ``rtcc bench ingest`` on PostgreSQL (same run, same
#: machine): 1 writer gave alert p50 51 ms and 874 reads/s where 4 gave 220 ms and 557 reads/s.
PG_WRITERS = 1
#: Bodies larger than this are stored in their own transaction by the caller: they already amortise a commit.
SOLO_BYTES = 65_536


Work = Callable[[Session, Bus], T]


@dataclass(eq=False)
class _Job(Generic[T]):
    work: Work[T]
    size: int
    future: Outcome = field(default_factory=Future)


class _UnitFailed(Exception):
    """A unit raised during the optimistic pass (its cause is the unit's exception)."""


@dataclass
class GroupCommitStats:
    """Counters of one committer (tests, logs)."""

    batches: int = 0
    jobs: int = 0
    job_errors: int = 0
    fallbacks: int = 0
    savepoint_passes: int = 0
    largest: int = 0


class GroupCommitter:
    """One writer thread that runs submitted units of work in shared transactions (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        bus: Bus,
        *,
        max_jobs: int = MAX_JOBS,
        max_bytes: int = MAX_BYTES,
        wait_s: float = WAIT_S,
        writers: int | None = None,
    ) -> None:
        self.db = db
        self.bus = bus
        self.max_jobs = max_jobs
        self.max_bytes = max_bytes
        self.wait_s = wait_s
        self.stats = GroupCommitStats()
        self._queue: queue.SimpleQueue[_Job[Any] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        if writers is None:
            writers = 1 if db.dialect == "sqlite" else PG_WRITERS
        self._threads = [
            threading.Thread(target=self._run, name=f"rtcc-group-commit-{i}", daemon=True) for i in range(writers)
        ]
        for thread in self._threads:
            thread.start()

    # --- callers -----------------------------------------------------------------------------------------------

    def submit(self, work: Work[T], *, size: int = 0) -> Future[T]:
        """Queue ``work`` for the next shared transaction; the future resolves once that transaction has committed
        (with ``work``'s result) or with the exception ``work`` raised. ``size`` is its payload's bytes."""
        job: _Job[T] = _Job(work, size)
        self._put(job)
        assert isinstance(job.future, Future)
        return job.future

    def submit_async(self, work: Work[T], *, size: int = 0) -> asyncio.Future[T]:
        """``submit`` for a caller on an event loop: an ``asyncio`` future of this loop, resolved with the rest of
        its batch in one call on the loop. Await it through ``asyncio.shield``: a unit once queued is stored even
        when its caller goes away (a resend is then counted as a duplicate)."""
        outcome = LoopOutcome(asyncio.get_running_loop())
        self._put(_Job(work, size, outcome))
        return outcome.future

    def submit_outcome(self, work: Work[T], outcome: Outcome, *, size: int = 0) -> None:
        """``submit`` with the caller's own ``Outcome``, which the writer resolves once the unit's transaction has
        committed (the ingest writer process replies from it, ``rtcc.alpr.writerproc``)."""
        self._put(_Job(work, size, outcome))

    def _put(self, job: _Job[Any]) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("group commit writer is stopped")
            self._queue.put(job)

    def run(self, work: Work[T], *, size: int = 0) -> T:
        """Submit ``work`` and wait for its committed result (for worker threads, e.g. the MQTT consumer)."""
        return self.submit(work, size=size).result()

    def stop(self, timeout: float = 30.0) -> None:
        """Refuse new work, finish (commit) everything queued, then end the writer thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for _ in self._threads:  # behind every queued unit: each writer commits what it holds, then ends
                self._queue.put(None)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        logger.info(
            "group commit stopped (%d units in %d transactions, %d fallbacks)",
            self.stats.jobs,
            self.stats.batches,
            self.stats.fallbacks,
        )

    # --- writer thread -----------------------------------------------------------------------------------------

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch: list[_Job[Any]] = []
            used = 0
            if first.future.set_running_or_notify_cancel():  # a caller that went away before we began is skipped
                batch.append(first)
                used = first.size
            deadline = time.monotonic() + self.wait_s
            while len(batch) < self.max_jobs and used < self.max_bytes:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    try:
                        item = self._queue.get(timeout=min(remaining, _STRAGGLER_S))
                    except queue.Empty:
                        break
                if item is None:
                    stopping = True  # commit what we hold, then end: nothing is queued behind the sentinel
                    break
                if item.future.set_running_or_notify_cancel():
                    batch.append(item)
                    used += item.size
            if not batch:
                continue
            try:
                self._commit(batch)
            except BaseException as exc:  # the writer must survive anything; no caller may wait forever
                logger.exception("group commit batch failed unexpectedly")
                for job in batch:
                    if not job.future.done():
                        job.future.set_exception(exc)
            deliver([job.future for job in batch])

    def _commit(self, batch: list[_Job[Any]]) -> None:
        self.stats.batches += 1
        self.stats.jobs += len(batch)
        self.stats.largest = max(self.stats.largest, len(batch))
        if len(batch) == 1:  # exact metrics and one run: a deferred pass could count a resend twice
            self._alone(batch[0])
            return
        try:
            done = self._optimistic(batch)
        except Exception as exc:
            self._fall_back(batch, exc)
            return
        if done:
            return
        self.stats.savepoint_passes += 1
        outcomes: list[tuple[bool, Any]] = []
        bus = batchend.BatchBus(self.bus)
        try:
            with self.db.uow() as session:
                held = batchend.Deferred.of(session)
                for job in batch:
                    outcomes.append(self._in_savepoint(session, bus, job, held))
                batchend.write_deferred(session, bus)
        except Exception as exc:
            self._fall_back(batch, exc)
            return
        bus.flush()
        for job, (ok, value) in zip(batch, outcomes, strict=True):
            if ok:
                job.future.set_result(value)
            else:
                self.stats.job_errors += 1
                job.future.set_exception(value)

    def _optimistic(self, batch: list[_Job[Any]]) -> bool:
        """Run the units one after the other in one transaction without savepoints (the usual case: none fails) and
        resolve them once it has committed. False, with everything rolled back, as soon as one unit raises or a
        deferred read turns out to be stored already."""
        results: list[Any] = []
        bus = batchend.BatchBus(self.bus)
        try:
            with self.db.uow() as session:
                batchend.Deferred.of(session)
                readrows.defer_reads(session)
                for job in batch:
                    try:
                        results.append(job.work(session, bus))
                    except readrows.ReadsNotNew:
                        raise  # the deferral's failure (a unit wrote the queue out early), not the unit's
                    except Exception as exc:
                        raise _UnitFailed from exc
                readrows.write_deferred_reads(session)
                batchend.write_deferred(session, bus)
        except (_UnitFailed, readrows.ReadsNotNew):
            return False
        bus.flush()
        for job, result in zip(batch, results, strict=True):
            job.future.set_result(result)
        return True

    def _fall_back(self, batch: list[_Job[Any]], exc: Exception) -> None:
        self.stats.fallbacks += 1
        logger.warning(
            "shared transaction of %d units failed (%s); storing each in its own transaction",
            len(batch),
            type(exc).__name__,
        )
        logger.debug("group commit failure", exc_info=exc)
        for job in batch:
            self._alone(job)

    def _in_savepoint(
        self, session: Session, bus: batchend.BatchBus, job: _Job[Any], held: batchend.Deferred
    ) -> tuple[bool, Any]:
        """Run one unit in a savepoint: (True, result), or (False, its exception) with its work, its events and its
        audit entries undone. Raises (failing the shared transaction) only when the savepoint cannot be rolled back."""
        pending = session.info.setdefault("after_commit", [])
        mark = len(pending)
        marks = held.marks()
        published, offered = len(bus.published), len(bus.offered)
        savepoint = session.begin_nested()
        try:
            result = job.work(session, bus)
        except Exception as exc:
            savepoint.rollback()  # raises if the transaction is beyond repair: the caller falls back
            del session.info.setdefault("after_commit", [])[mark:]
            held.undo(marks)
            repository.forget_online(session)
            del bus.published[published:], bus.offered[offered:]
            return False, exc
        savepoint.commit()
        return True, result

    def _alone(self, job: _Job[Any]) -> None:
        """Run one unit in its own transaction (a batch of one, or the fallback of a failed shared one). A unit that
        met a connection the server had dropped (a restart, an idle timeout: the writer process does not ping its
        connection before each batch) is run once more, on the fresh connection the pool then hands out."""
        for attempt in (1, 2):
            bus = batchend.BatchBus(self.bus)
            try:
                with self.db.uow() as session:
                    result = job.work(session, bus)
            except Exception as exc:
                if attempt == 1 and isinstance(exc, DBAPIError) and exc.connection_invalidated:
                    logger.info("ingest writer's connection was lost; running the unit again on a new one")
                    continue
                self.stats.job_errors += 1
                job.future.set_exception(exc)
            else:
                bus.flush()
                job.future.set_result(result)
            return


def committer(runtime: Runtime) -> GroupCommitter:
    """The process's committer, created on first use (``stop`` ends it with the runtime)."""
    found = runtime.services.get(SERVICE_KEY)
    if isinstance(found, GroupCommitter):
        return found
    with _CREATE_LOCK:
        found = runtime.services.get(SERVICE_KEY)
        if not isinstance(found, GroupCommitter):
            found = runtime.services[SERVICE_KEY] = GroupCommitter(runtime.db, runtime.bus)
        return found


_CREATE_LOCK = threading.Lock()


async def start(runtime: Runtime) -> None:
    """Lifespan hook: start the writer with the process (it would otherwise start on the first ingest)."""
    committer(runtime)


async def stop(runtime: Runtime) -> None:
    """Lifespan/worker hook: commit what is queued and end the writer (if one was started)."""
    import anyio

    found = runtime.services.pop(SERVICE_KEY, None)
    if isinstance(found, GroupCommitter):
        await anyio.to_thread.run_sync(found.stop)
