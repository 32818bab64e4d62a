"""The ingest writer process itself (``python -m rtcc.alpr.writerchild FD``), started by ``rtcc.alpr.writerproc``.

It reads the API process's settings and staged work from the socket ``FD``, opens its own database connection and
runs a ``GroupCommitter`` whose bus relays (``_RelayBus``) what the committed units publish or offer back to the API
process. Each burst it receives is a list of ``(job id, writerproc.Job)``: it builds each job's unit of work
(``Job.unit``) and queues it with an outcome (``_ChildOutcome``) that puts the reply, with the unit's dead-letter
drafts, on the reply stream once the unit's transaction has committed. One thread sends that stream (``_reply_stream``),
with its metrics now and then. Exceptions cross as themselves when they pickle, else as ``writerproc.RelayedError``
(``portable``). It ignores SIGINT and SIGTERM; it ends when the API process sends ``None`` or its socket closes,
after committing and answering what it holds.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import queue
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from rtcc.alpr.deadletters import DeadLetterDraft
from rtcc.alpr.writerproc import Job, RelayedError, Reply, burst
from rtcc.bus.envelope import Envelope
from rtcc.core import metrics
from rtcc.core.db import StagedHandler, is_database_outage
from rtcc.core.errors import DatabaseUnavailable, DomainError
from rtcc.settings import Settings

logger = logging.getLogger(__name__)

#: How often the child sends its metrics (seconds, while it works).
METRICS_EVERY_S = 1.0


class _RelayBus:
    """The child's bus: what the committed units publish or offer goes to the API process, in order."""

    name = "ingest-writer-relay"

    def __init__(self, out: queue.SimpleQueue[tuple[Any, ...] | None]) -> None:
        self._out = out

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def publish(self, envelope: Envelope) -> None:
        self._out.put(("p", envelope))

    def publish_threadsafe(self, envelope: Envelope, timeout: float = 10.0) -> None:
        self._out.put(("p", envelope))

    def offer(self, envelope: Envelope) -> bool:
        self._out.put(("o", envelope))
        return True

    async def subscribe(self, *_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the ingest writer's bus only publishes")

    async def subscribe_batch(self, *_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the ingest writer's bus only publishes")

    async def ping(self) -> bool:
        return True


def portable(exc: BaseException) -> BaseException:
    """An exception the API process can unpickle and answer as the in-process writer's would be answered."""
    if is_database_outage(exc):
        return DatabaseUnavailable("the database is unavailable; send the reads again shortly")
    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 - our own object, checked for the trip
    except Exception:
        if isinstance(exc, DomainError):
            answer = {k: getattr(exc, k) for k in ("status", "title", "retry_after") if hasattr(exc, k)}
            return RelayedError(exc.detail, errors=exc.errors, **answer)
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


class _ChildOutcome:
    """Where the child's writer puts one job's result: straight onto the reply stream."""

    __slots__ = ("drafts", "jid", "out", "settled")

    def __init__(self, out: queue.SimpleQueue[tuple[Any, ...] | None], jid: int, drafts: list[DeadLetterDraft]):
        self.out, self.jid, self.drafts, self.settled = out, jid, drafts, False

    def set_running_or_notify_cancel(self) -> bool:
        return True

    def done(self) -> bool:
        return self.settled

    def set_result(self, result: Any) -> None:
        self.settled = True
        self.out.put(("r", self.jid, Reply(True, result, list(self.drafts))))

    def set_exception(self, exception: BaseException | None) -> None:
        self.settled = True
        failure = portable(exception or RuntimeError("unknown failure"))
        self.out.put(("r", self.jid, Reply(False, failure, list(self.drafts))))


def _reply_stream(conn: Connection, out: queue.SimpleQueue[tuple[Any, ...] | None]) -> None:
    """The child's sender: what is queued goes as one message, with the metrics now and then."""
    last_metrics = 0.0
    while True:
        item = out.get()
        if item is None:
            break
        batch: list[tuple[Any, ...]] = burst(out, item)
        now = time.monotonic()
        if now - last_metrics >= METRICS_EVERY_S:
            batch.append(("m", metrics.relayed.snapshot()))
            last_metrics = now
        try:
            conn.send(batch)
        except (OSError, ValueError):
            return
        except Exception:  # a reply that cannot be sent: end, so that the API process answers 503 and replaces us
            logger.exception("the ingest writer could not send its replies; ending")
            os._exit(1)
    with contextlib.suppress(OSError, ValueError):
        conn.send([("m", metrics.relayed.snapshot())])


def main(fd: int) -> None:
    """The child's entry (``python -m rtcc.alpr.writerchild FD``): serve the API process on the socket ``fd``."""
    from rtcc.alpr import deadletters, groupcommit
    from rtcc.core.db import Database
    from rtcc.core.gcpause import freeze_long_lived
    from rtcc.core.logging import configure_logging

    for sig in (signal.SIGINT, signal.SIGTERM):  # the API process ends this one, after its last batch
        signal.signal(sig, signal.SIG_IGN)
    conn = Connection(fd)
    settings: Settings
    staged_work: dict[str, list[StagedHandler]]
    settings, staged_work = conn.recv()
    configure_logging(settings.log_level)
    deadletters.configure(settings.dead_letter_payload_max_bytes)  # as build_runtime does in the API process
    # No ping per batch (a round trip each on PostgreSQL). A lost connection fails the batch that meets it; the pool
    # then drops its connections and the batch is run again on a new one (``groupcommit``: a shared batch with a
    # savepoint per unit or each unit alone, a batch of one once more).
    db = Database(settings.database_url, pool_size=2, pre_ping=False)
    db.staged_work.update(staged_work)
    out: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
    committer = groupcommit.GroupCommitter(db, _RelayBus(out))
    sender = threading.Thread(target=_reply_stream, args=(conn, out), name="rtcc-writer-reply", daemon=True)
    sender.start()
    if settings.gc_freeze:
        freeze_long_lived()
    conn.send(("ready", os.getpid()))
    try:
        while True:
            try:
                jobs: list[tuple[int, bytes]] | None = conn.recv()
            except (EOFError, OSError):
                break  # the API process is gone: commit what is queued, then end
            if jobs is None:
                break
            for jid, data in jobs:
                drafts: list[DeadLetterDraft] = []
                outcome = _ChildOutcome(out, jid, drafts)
                try:
                    job: Job = pickle.loads(data)  # noqa: S301 - pickled by our API process
                    work = job.unit(settings, drafts)
                except Exception as exc:  # a job that cannot even be read or built is answered, never left waiting
                    outcome.set_exception(exc)
                    continue
                committer.submit_outcome(work, outcome, size=job.size)
    finally:
        committer.stop()
        out.put(None)
        sender.join(30)
        db.dispose()
        with contextlib.suppress(OSError):
            conn.close()


if __name__ == "__main__":  # run by name, so that what it pickles is ``rtcc.alpr.writerchild``'s, not ``__main__``'s
    from rtcc.alpr.writerchild import main as entry

    entry(int(sys.argv[1]))
