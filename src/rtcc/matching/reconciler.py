"""The match reconciler: stored reads that no consumer matched are matched here, from the event outbox.

Ingest stages each ``alpr.reads.stored`` envelope in ``event_outbox`` in the transaction that stores its reads, and
the match consumer deletes the row in the transaction that records the hits (``service.match_stored``). A row older
than ``match_redrive_grace_s`` therefore is a batch that was acknowledged but never matched: the process died after
the 202, the in-process queue was lost, NATS was down, a match transaction failed. Every match consumer process (the
API process in the embedded profile, each ``rtcc worker match`` in production) runs one reconciler: at start-up and
then every ``match_redrive_interval_s`` it claims due rows one at a time (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
so workers never take the same row) and matches each in its own transaction through the same ``match_stored`` as
the consumer (the batch's reads are read back from ``alpr_reads`` by the ids the row kept,
``rtcc.alpr.redrive``). A batch that fails is retried with a growing delay (never dropped: it is a possible hit), and an
error is logged at each failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import timedelta
from typing import Any

import anyio
from sqlalchemy.orm import Session

from rtcc.alpr import redrive
from rtcc.alpr.events import EVENT_STORED
from rtcc.bus import outbox
from rtcc.bus.envelope import Envelope
from rtcc.core.db import is_database_outage
from rtcc.matching.service import Matcher, match_stored
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

#: Most batches one pass matches before yielding (a long backlog is worked off over consecutive passes).
PASS_LIMIT = 200
#: Longest delay before a batch whose matching failed is tried again.
MAX_BACKOFF_S = 300.0


def _envelope(session: Session, item: outbox.Pending) -> Envelope:
    """The envelope of a claimed row: its reads rebuilt from ``alpr_reads`` when the row kept only their ids."""
    if redrive.READ_IDS in item.data:
        payload: dict[str, Any] = {"reads": redrive.stored_reads(session, redrive.read_ids(item.data))}
    else:
        payload = item.data
    return Envelope(
        id=item.id,
        type=item.type,
        schema_version=item.schema_version,
        source=item.source,
        received_at=item.created_at,
        payload=payload,
    )


class Reconciler:
    """Re-drives due ``alpr.reads.stored`` envelopes of the outbox through ``match_stored``."""

    def __init__(self, runtime: Runtime, matcher: Matcher) -> None:
        self._rt = runtime
        self._matcher = matcher
        self.grace = timedelta(seconds=runtime.settings.match_redrive_grace_s)
        self.interval = runtime.settings.match_redrive_interval_s
        self.redriven = 0
        self.failures = 0

    def run_once(self, limit: int = PASS_LIMIT) -> int:
        """Match up to ``limit`` due batches, one transaction each; returns how many were matched here."""
        db, done = self._rt.db, 0
        while done < limit:
            due_before = outbox.now() - self.grace
            with db.read() as session:  # an unlocked probe first: no write transaction when nothing is due
                if not outbox.has_due(session, EVENT_STORED, due_before=due_before):
                    break
            claimed = None
            try:
                with db.uow() as session:
                    claimed = outbox.claim_due(session, EVENT_STORED, due_before=due_before)
                    if claimed is None:
                        break  # taken by another worker since the probe
                    match_stored(
                        session,
                        self._rt.bus,
                        self._matcher,
                        _envelope(session, claimed),
                        dedup_window_s=self._rt.settings.alert_dedup_window_s,
                    )
            except Exception as exc:
                if claimed is None:
                    raise
                self._postpone(claimed.id, exc)
                continue
            done += 1
            self.redriven += 1
            logger.info("reconciler matched stored-read batch %s left unmatched by its consumer", claimed.id)
        return done

    def _postpone(self, envelope_id: uuid.UUID, exc: Exception) -> None:
        self.failures += 1
        with self._rt.db.uow() as session:
            attempts = outbox.postpone(
                session,
                envelope_id,
                base_s=self.grace.total_seconds(),
                max_s=MAX_BACKOFF_S,
                error=f"{type(exc).__name__}: {exc}",
            )
        logger.error(
            "matching stored-read batch %s failed (attempt %d, %s); it stays pending and is retried later",
            envelope_id,
            attempts,
            type(exc).__name__,
            exc_info=exc,
        )

    async def run(self) -> None:
        """Pass after pass until cancelled; a failed pass is logged (a database outage once, without a traceback)
        and tried again."""
        down = False
        while True:
            try:
                done = await anyio.to_thread.run_sync(self.run_once)
            except Exception as exc:
                done = 0
                if not is_database_outage(exc):
                    logger.exception("match reconciler pass failed; trying again in %.1f s", self.interval)
                elif not down:
                    logger.warning("match reconciler: database unavailable (%s); retrying", type(exc).__name__)
                down = is_database_outage(exc)
            else:
                if down:
                    logger.info("match reconciler: database available again")
                down = False
            if done < PASS_LIMIT:
                await asyncio.sleep(self.interval)


async def start(runtime: Runtime, matcher: Matcher) -> None:
    """Start this process's reconciler (its first pass runs at once: batches left by a crash are due already)."""
    reconciler = Reconciler(runtime, matcher)
    runtime.services["match_reconciler"] = reconciler
    runtime.services["match_reconciler_task"] = asyncio.create_task(reconciler.run(), name="match-reconciler")
    logger.info(
        "match reconciler running (grace %.1f s, every %.1f s)", reconciler.grace.total_seconds(), reconciler.interval
    )


async def stop(runtime: Runtime) -> None:
    """Cancel the reconciler (a pass in progress finishes its transaction first)."""
    runtime.services.pop("match_reconciler", None)
    task = runtime.services.pop("match_reconciler_task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
