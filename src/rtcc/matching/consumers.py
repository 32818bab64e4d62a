"""The matching consumer: ``alpr.reads.stored`` events (group ``match``) -> match -> alerts, one transaction each.

In the embedded profile it runs inside the API process; in production each ``rtcc worker match`` process runs it and
the bus's queue group shares events between them. A failed batch is logged and, on NATS, redelivered later; the
unique (read, entry) constraint makes redelivery harmless.
"""

from __future__ import annotations

import logging

import anyio

from rtcc.bus.envelope import Envelope
from rtcc.matching.service import Matcher, process_stored_reads
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

GROUP = "match"
EVENT = "alpr.reads.stored"


async def start(runtime: Runtime) -> None:
    """Build the index and subscribe the matcher to stored reads."""
    matcher = Matcher()
    runtime.services["matcher"] = matcher

    def warm() -> None:
        with runtime.db.read() as session:
            matcher.ensure_current(session)

    await anyio.to_thread.run_sync(warm)

    def process(envelope: Envelope) -> None:
        reads = envelope.payload.get("reads", [])
        with runtime.db.uow() as session:
            alerts = process_stored_reads(
                session, runtime.bus, matcher, reads, dedup_window_s=runtime.settings.alert_dedup_window_s
            )
        logger.debug("match batch %s: %d reads, %d alerts touched", envelope.id, len(reads), len(alerts))

    async def handle(envelope: Envelope) -> None:
        await anyio.to_thread.run_sync(process, envelope)

    await runtime.bus.subscribe(EVENT, handle, group=GROUP)


async def stop(runtime: Runtime) -> None:
    """Nothing to release: the bus closes the subscription."""
    runtime.services.pop("matcher", None)
