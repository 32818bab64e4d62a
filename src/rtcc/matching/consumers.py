"""The matching consumer: ``alpr.reads.stored`` events (group ``match``) -> match -> alerts, the events waiting at
once in one transaction (each in its own when that transaction fails: ``rtcc.bus.batches``), plus the reconciler
that matches whatever the consumer never got (``rtcc.matching.reconciler``).

In the embedded profile both run inside the API process; in production each ``rtcc worker match`` process runs them
and the bus's queue group shares events between them. Each event's transaction deletes its outbox row and records
its hits (``service.match_stored``); a failed batch is logged and, on NATS, redelivered later, and in any case
re-driven by a reconciler once its grace period is over. The unique (read, entry) constraint and the outbox row
make redelivery and re-drive harmless.
"""

from __future__ import annotations

import logging

import anyio

from rtcc.alpr.events import EVENT_STORED
from rtcc.bus.batches import one_transaction_or_each
from rtcc.bus.envelope import Envelope
from rtcc.matching import reconciler
from rtcc.matching.service import Matcher, Prematch, match_stored, prematch
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

GROUP = "match"
EVENT = EVENT_STORED


async def start(runtime: Runtime) -> None:
    """Build the index, subscribe the matcher to stored reads and start the reconciler."""
    matcher = Matcher()
    runtime.services["matcher"] = matcher

    def warm() -> None:
        with runtime.db.read() as session:
            matcher.ensure_current(session)

    await anyio.to_thread.run_sync(warm)

    def process(envelopes: list[Envelope]) -> None:
        matched: list[Prematch | None] = [None] * len(envelopes)
        if runtime.db.single_writer:  # match first: the write transaction, which holds the one write lock that
            with runtime.db.read() as session:  # ingest waits for, then only settles and records
                matched = list(prematch(session, matcher, envelopes))
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
    await reconciler.start(runtime, matcher)


async def stop(runtime: Runtime) -> None:
    """Stop the reconciler; the bus closes the subscription."""
    await reconciler.stop(runtime)
    runtime.services.pop("matcher", None)
