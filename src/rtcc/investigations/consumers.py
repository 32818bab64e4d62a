"""The plate-index consumer: ``alpr.reads.stored`` events (group ``search_index``) -> ``plate_index``, the
events waiting at once in one transaction (each in its own when that transaction fails).

It keeps wildcard and partial search current as reads arrive, including late uploads whose observed time lies
before the catch-up's high-water mark. Indexing is an idempotent min/max merge, so a redelivered event changes
nothing; a failed event is logged by the bus and, on NATS, redelivered. In the embedded profile the API process
runs it (``start``/``stop`` in the app's startup hooks); in production a worker process does. On SQLite it does
nothing: the transaction that stores the reads indexes them (the domain's staged work, ``plate_index.index_staged``),
so the index never takes the file's one write lock on its own.
"""

from __future__ import annotations

import logging

import anyio

from rtcc.alpr.events import EVENT_STORED, stored_reads
from rtcc.bus.batches import one_transaction_or_each
from rtcc.bus.envelope import Envelope
from rtcc.investigations import plate_index
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

GROUP = "search_index"
EVENT = EVENT_STORED
#: How long a batch of stored-read events gathers before it is indexed (seconds, in-process bus). A camera-sized
#: event holds one group commit's reads; indexed one by one, the transaction's fixed cost (and its turn at SQLite's
#: one write lock, which the ingest writer then waits for) came once per commit. Search never waits for it: every
#: pattern search catches the index up from the reads first (``plate_index.catch_up_index``).
LINGER_S = 0.25


async def start(runtime: Runtime) -> None:
    """Subscribe the plate indexer to stored reads, unless the transactions that store them index them (staged work
    on a single-writer database, ``plate_index.index_staged``)."""
    if plate_index.index_staged in runtime.db.staged_work.get(EVENT, ()):
        logger.debug("plate index: stored reads are indexed in the transactions that store them")
        return

    def process(envelopes: list[Envelope]) -> None:
        reads = [read for envelope in envelopes for read in stored_reads(envelope)]
        with runtime.db.uow() as session:
            plates = plate_index.index_stored_reads(session, reads)
        logger.debug("plate index: %d event(s), %d reads, %d plates", len(envelopes), len(reads), plates)

    async def handle(envelopes: list[Envelope]) -> None:
        await anyio.to_thread.run_sync(one_transaction_or_each, process, envelopes)

    await runtime.bus.subscribe_batch(EVENT, handle, group=GROUP, linger_s=LINGER_S)


async def stop(runtime: Runtime) -> None:
    """Nothing to release: the bus closes the subscription."""
