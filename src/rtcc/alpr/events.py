"""The events the ALPR domain publishes, declared once here by their owner: type, schema version and payload shape.

``alpr.reads.stored`` (``ReadsStored``): the reads a batch newly stored, sent after the commit to the matcher
(``rtcc.matching``) and the plate-search indexer (``rtcc.investigations``). Version 2 means every envelope was
staged in the event outbox in the transaction that stored its reads (``rtcc.bus.outbox``): its outbox row is the
pending match, deleted when the reads are matched. Group commit (``rtcc.alpr.groupcommit``) merges the envelopes
its requests staged into fewer, larger ones; a merged envelope lists the staged envelopes it stands for in
``staged``, and the matcher settles all of them (``covered_ids``). Ingest builds the payload as plain dicts on its
hot path; ``StoredRead`` is their shape, and ``stored_reads`` is how a consumer reads them.
"""

from __future__ import annotations

import uuid
from typing import NotRequired, TypedDict

from rtcc.bus.envelope import Envelope

#: The event type of a batch of newly stored reads.
EVENT_STORED = "alpr.reads.stored"
#: Its payload version: 2 = staged in the event outbox (version 1 envelopes were published without it).
EVENT_STORED_VERSION = 2


class StoredRead(TypedDict):
    """One newly stored read in an ``alpr.reads.stored`` payload (times are ISO 8601 UTC, ids UUID text)."""

    id: str
    camera_id: str
    camera_code: str
    plate: str
    plate_norm: str
    plate_ocr: str
    region: str | None
    confidence: float | None
    observed_at: str
    received_at: str


class ReadsStored(TypedDict):
    """The payload of ``alpr.reads.stored``: at most ``rtcc.alpr.store.EVENT_CHUNK`` reads, and for a merged
    envelope the ids of the staged envelopes whose reads it carries."""

    reads: list[StoredRead]
    staged: NotRequired[list[str]]


def stored_reads(envelope: Envelope) -> list[StoredRead]:
    """The reads of an ``alpr.reads.stored`` envelope (an envelope of another type is a programming error)."""
    if envelope.type != EVENT_STORED:
        raise ValueError(f"not an {EVENT_STORED} envelope: {envelope.type}")
    reads: list[StoredRead] = envelope.payload.get("reads", [])
    return reads


def covered_ids(envelope: Envelope) -> list[uuid.UUID]:
    """The outbox rows an ``alpr.reads.stored`` envelope settles: its own id and those of the staged envelopes a
    merged envelope stands for."""
    return [envelope.id, *(uuid.UUID(str(i)) for i in envelope.payload.get("staged", ()))]
