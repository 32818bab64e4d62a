"""The plate-index consumer: ``alpr.reads.stored`` events (group ``search_index``) -> ``plate_index``, one
transaction per event.

It keeps wildcard and partial search current as reads arrive, including late uploads whose observed time lies
before the catch-up's high-water mark. Indexing is an idempotent min/max merge, so a redelivered event changes
nothing; a failed event is logged by the bus and, on NATS, redelivered. In the embedded profile the API process
runs it (``start``/``stop`` in the app's startup hooks); in production a worker process does.
"""

from __future__ import annotations

import logging

import anyio

from rtcc.alpr.events import EVENT_STORED, stored_reads
from rtcc.bus.envelope import Envelope
from rtcc.investigations import plate_index
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

GROUP = "search_index"
EVENT = EVENT_STORED


async def start(runtime: Runtime) -> None:
    """Subscribe the plate indexer to stored reads."""

    def process(envelope: Envelope) -> None:
        reads = stored_reads(envelope)
        with runtime.db.uow() as session:
            plates = plate_index.index_stored_reads(session, reads)
        logger.debug("plate index: event %s, %d reads, %d plates", envelope.id, len(reads), plates)

    async def handle(envelope: Envelope) -> None:
        await anyio.to_thread.run_sync(process, envelope)

    await runtime.bus.subscribe(EVENT, handle, group=GROUP)


async def stop(runtime: Runtime) -> None:
    """Nothing to release: the bus closes the subscription."""
