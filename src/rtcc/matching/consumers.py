"""The matching consumer: ``alpr.reads.stored`` events (group ``match``) -> match -> alerts, the events waiting at
once in one transaction (each in its own when that transaction fails: ``rtcc.bus.batches``), plus the reconciler
that matches whatever the consumer never got (``rtcc.matching.reconciler``).

In the embedded profile both run inside the API process; in production each ``rtcc worker match`` process runs them
and the bus's queue group shares events between them. Each event's transaction deletes its outbox row and records
its hits (``service.match_stored``); a failed batch is logged and, on NATS, redelivered later, and in any case
re-driven by a reconciler once its grace period is over. The unique (read, entry) constraint and the outbox row
make redelivery and re-drive harmless.

On a single-writer database (SQLite) the events are matched first, in a read session (``service.prematch``). Those
with hits are recorded at once, as above. Those without have nothing to write but their outbox rows' deletion, which
would cost a write transaction (the file's one write lock, which ingest waits for, and an fsync) per event: their
rows are deleted together, at most ``SETTLE_EVERY_S`` later (``DeferredSettle``). A crash before that leaves rows
that the reconciler matches again after its grace period: again no hit, nothing lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import uuid

import anyio

from rtcc.alpr.events import EVENT_STORED, covered_ids
from rtcc.bus import outbox
from rtcc.bus.batches import one_transaction_or_each
from rtcc.bus.envelope import Envelope
from rtcc.core.db import Database
from rtcc.core.periodic import run_periodic
from rtcc.matching import reconciler
from rtcc.matching.service import Matcher, Prematch, match_stored, prematch
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

GROUP = "match"
EVENT = EVENT_STORED
#: Longest time the outbox rows of events matched without a hit wait to be deleted (single-writer databases).
SETTLE_EVERY_S = 0.25
_SETTLER = "matching.settler"
#: Most outbox rows queued for deletion while deleting them fails (the database is down); the rest stay in the outbox
#: and the reconciler matches them again after its grace period.
MAX_QUEUED = 100_000


class DeferredSettle:
    """Outbox rows of events matched without a hit, deleted together in one write transaction (see the module
    docstring): ``add`` queues them, ``flush`` deletes what is queued (in the caller's thread)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._ids: list[uuid.UUID] = []
        self.flushes = 0

    def add(self, ids: list[uuid.UUID]) -> None:
        with self._lock:
            self._ids.extend(ids)

    def pending(self) -> int:
        with self._lock:
            return len(self._ids)

    def flush(self) -> int:
        """Delete the queued rows (one transaction); returns how many were queued. On failure they stay queued."""
        with self._lock:
            ids, self._ids = self._ids, []
        if not ids:
            return 0
        try:
            with self.db.uow() as session:
                outbox.settle_many(session, ids)
        except Exception:
            with self._lock:
                if len(self._ids) + len(ids) <= MAX_QUEUED:  # beyond: left to the reconciler (no hit again)
                    self._ids[:0] = ids
            raise
        self.flushes += 1
        return len(ids)


async def start(runtime: Runtime) -> None:
    """Build the index, subscribe the matcher to stored reads and start the reconciler."""
    matcher = Matcher()
    runtime.services["matcher"] = matcher

    def warm() -> None:
        with runtime.db.read() as session:
            matcher.ensure_current(session)

    await anyio.to_thread.run_sync(warm)

    settler = DeferredSettle(runtime.db) if runtime.db.single_writer else None

    def process(envelopes: list[Envelope]) -> None:
        matched: list[Prematch | None] = [None] * len(envelopes)
        if settler is not None:  # match first: the write transaction, which holds the one write lock that ingest
            with runtime.db.read() as session:  # waits for, then only settles and records (events with hits)
                matched = list(prematch(session, matcher, envelopes))
            version = matcher.version  # a list changed since the prematch: match in the transaction, as with hits
            quiet = [
                e
                for e, m in zip(envelopes, matched, strict=True)
                if m is not None and not m.found and m.version is not None and m.version == version
            ]
            for envelope in quiet:
                settler.add(covered_ids(envelope))
            if len(quiet) == len(envelopes):
                return
            quiet_ids = {id(e) for e in quiet}
            keep = [i for i, e in enumerate(envelopes) if id(e) not in quiet_ids]
            envelopes, matched = [envelopes[i] for i in keep], [matched[i] for i in keep]
        with runtime.db.uow() as session:
            for envelope, found in zip(envelopes, matched, strict=True):
                alerts = match_stored(
                    session,
                    runtime.bus,
                    matcher,
                    envelope,
                    dedup_window_s=runtime.settings.alert_dedup_window_s,
                    matched=found,
                )
                if alerts is None:
                    logger.debug("match batch %s was matched already", envelope.id)
                else:
                    logger.debug("match batch %s: %d alerts touched", envelope.id, len(alerts))

    async def handle(envelopes: list[Envelope]) -> None:
        await anyio.to_thread.run_sync(one_transaction_or_each, process, envelopes)

    await runtime.bus.subscribe_batch(EVENT, handle, group=GROUP)  # no linger: a hit is an alert at once
    if settler is not None:
        runtime.services[_SETTLER] = (
            settler,
            asyncio.create_task(run_periodic("match settle", settler.flush, SETTLE_EVERY_S), name="match:settle"),
        )
    await reconciler.start(runtime, matcher)


async def stop(runtime: Runtime) -> None:
    """Stop the reconciler and the deferred deletions (deleting what is queued); the bus closes the subscription."""
    await reconciler.stop(runtime)
    found = runtime.services.pop(_SETTLER, None)
    if found is not None:
        settler, task = found
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        try:
            await anyio.to_thread.run_sync(settler.flush)
        except Exception:  # left to the reconciler of the next start
            logger.warning("deleting the outbox rows of matched events at shutdown failed", exc_info=True)
    runtime.services.pop("matcher", None)
