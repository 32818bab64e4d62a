"""The end of a shared ingest transaction (``rtcc.alpr.groupcommit``): what its units held back until then.

``BatchBus`` is the bus a batch's units publish to: it keeps what they publish or offer and passes it on once the
batch has committed. ``Deferred`` is what they queued for the transaction's end (audit entries, the ingest calls'
audit records, camera touches, staged envelopes), which a unit rolled back to its savepoint takes back.
``write_deferred`` writes it before the commit: the ``alpr.reads.stored`` envelopes of one source merged into as few
as the event limits allow (``stage_merged``: one outbox row and one event for a batch of single-read requests, so the
matcher and the plate index do one transaction for it, not one per read), each camera moved once, then the audit
entries appended with one lock (the audit chain's lock last), the ingest calls' as one entry per principal and
source (``rtcc.alpr.ingestaudit``).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from rtcc.alpr import ingestaudit, redrive, repository, store
from rtcc.alpr.events import EVENT_STORED, EVENT_STORED_VERSION
from rtcc.audit import service as audit
from rtcc.bus import outbox
from rtcc.bus.base import BatchHandler, Bus, Handler
from rtcc.bus.envelope import Envelope

logger = logging.getLogger(__name__)


class BatchBus:
    """The bus a batch's units publish to: it keeps what they publish or offer, and ``flush`` passes it on after
    the batch has committed (what they stage is merged before the commit: ``stage_merged``)."""

    name = "group-commit"

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self.published: list[Envelope] = []
        self.offered: list[Envelope] = []

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def publish(self, envelope: Envelope) -> None:
        self.published.append(envelope)

    def publish_threadsafe(self, envelope: Envelope, timeout: float = 10.0) -> None:
        self.published.append(envelope)

    def offer(self, envelope: Envelope) -> bool:
        """A staged envelope (its outbox row commits with the batch): offered on after the commit."""
        self.offered.append(envelope)
        return True

    async def subscribe(self, pattern: str, handler: Handler, *, group: str | None = None) -> None:
        raise RuntimeError("a group-commit batch only publishes")

    async def subscribe_batch(
        self, pattern: str, handler: BatchHandler, *, group: str, max_batch: int = 256, linger_s: float = 0.0
    ) -> None:
        raise RuntimeError("a group-commit batch only publishes")

    async def ping(self) -> bool:
        return True

    def flush(self) -> None:
        """Pass on what the committed units published and offered, in order."""
        published, self.published = self.published, []
        offered, self.offered = self.offered, []
        for envelope in published:
            try:
                self.bus.publish_threadsafe(envelope)
            except Exception:  # as after a lone unit of work's commit: logged, the stored reads stay stored
                logger.exception("publishing %s after a group commit failed", envelope.type)
        for envelope in offered:
            if not self.bus.offer(envelope):
                logger.info("bus did not take stored-reads event %s now; it stays in the outbox", envelope.id)


def stage_merged(session: Session, bus: Bus) -> None:
    """Write what the batch's units staged, their stored-reads events (``store.defer_events``) merged per source
    into as few envelopes as the event limits allow (``store.EVENT_CHUNK`` reads, ``store.EVENT_MAX_BYTES``): one
    outbox row and one event for a batch of single-read requests, so the matcher and the plate index do one
    transaction for it, not one per read."""
    out: list[outbox.Staged] = outbox.take_deferred(session)
    parts: dict[str, list[tuple[list[Any], int, list[str]]]] = {}
    for pending in store.take_deferred_events(session):
        chunks = parts.setdefault(pending.source, [])
        last = chunks[-1] if chunks else None
        if (
            last is not None
            and len(last[0]) + len(pending.reads) <= store.EVENT_CHUNK
            and last[1] + pending.size <= store.EVENT_MAX_BYTES
        ):
            last[0].extend(pending.reads)
            last[2].append(pending.ids)
            chunks[-1] = (last[0], last[1] + pending.size, last[2])
        else:
            chunks.append((list(pending.reads), pending.size, [pending.ids]))
    for source, chunks in parts.items():
        for reads, _, id_parts in chunks:
            merged = Envelope(
                type=EVENT_STORED,
                schema_version=EVENT_STORED_VERSION,
                source=source,
                payload={"reads": reads},
            )
            out.append((merged, {redrive.READ_IDS: "".join(id_parts)}))
    outbox.stage_many(session, bus, out)


@dataclass
class Deferred:
    """What a shared transaction's units queue for its end: audit entries, ingest calls' audit records, camera
    touches, staged envelopes."""

    entries: list[audit.AuditDraft]
    ingest_records: list[ingestaudit.IngestRecord]
    touches: list[tuple[uuid.UUID, datetime]]
    staged: list[outbox.Staged]
    events: list[store.StoredReads]

    @classmethod
    def of(cls, session: Session) -> Deferred:
        """Start deferring all of them in ``session`` (the reads themselves are deferred by ``readrows``)."""
        return cls(
            audit.defer(session),
            ingestaudit.defer(session),
            repository.defer_touches(session),
            outbox.defer(session),
            store.defer_events(session),
        )

    def marks(self) -> tuple[int, ...]:
        return len(self.entries), len(self.ingest_records), len(self.touches), len(self.staged), len(self.events)

    def undo(self, marks: tuple[int, ...]) -> None:
        """Drop what was queued since ``marks`` (a unit rolled back to its savepoint)."""
        del self.entries[marks[0] :], self.ingest_records[marks[1] :], self.touches[marks[2] :]
        del self.staged[marks[3] :], self.events[marks[4] :]


def write_deferred(session: Session, bus: Bus) -> None:
    """At the end of a shared transaction: the staged envelopes merged, each camera moved once, the audit entries
    appended with one lock (in that order: the audit chain's lock last), the ingest calls' among them as one entry
    per principal and source (``rtcc.alpr.ingestaudit``)."""
    stage_merged(session, bus)
    repository.write_deferred_touches(session)
    ingestaudit.write_deferred(session)
    audit.write_deferred(session)
