"""Consumers of event batches (``Bus.subscribe_batch``): one transaction for the events waiting at once, and, when
that transaction fails, one each, so that one bad event never holds back the others.

A consumer that handles each event in its own transaction pays a commit (on SQLite an fsync, and the one write lock
of the file) per event; under load that commit, not the work, bounds it. ``one_transaction_or_each(process, events)``
calls ``process(events)`` once; if it raises, it calls ``process([event])`` for each event, logs every event that
still fails, and raises ``BatchFailed`` naming them, so the bus treats the batch as failed (NATS redelivers; the
in-process bus logs). ``process`` must be idempotent per event: after a failed shared transaction nothing of it is
stored, and on redelivery an event may be handled twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from rtcc.bus.envelope import Envelope

logger = logging.getLogger(__name__)


class BatchFailed(Exception):
    """Some events of a batch failed even in a transaction of their own."""

    def __init__(self, failed: list[Envelope]) -> None:
        self.failed = failed
        super().__init__(f"{len(failed)} event(s) failed: {', '.join(str(e.id) for e in failed[:5])}")


def one_transaction_or_each(process: Callable[[list[Envelope]], None], envelopes: list[Envelope]) -> None:
    """``process(envelopes)``; if that fails, ``process([e])`` for each (see the module docstring)."""
    try:
        process(envelopes)
        return
    except Exception:
        if len(envelopes) == 1:
            raise
        logger.warning("a batch of %d events failed as one; handling each on its own", len(envelopes), exc_info=True)
    failed: list[Envelope] = []
    for envelope in envelopes:
        try:
            process([envelope])
        except Exception:
            logger.exception("event %s (%s) failed on its own", envelope.id, envelope.type)
            failed.append(envelope)
    if failed:
        raise BatchFailed(failed)
