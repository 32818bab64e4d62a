"""The audit entry of ingest: who stored how many reads, with counts only (never plates).

Alone, each ingest call (``store.ingest``) appends one ``alpr.ingest`` entry: its principal, its source and its counts
(``received``, ``accepted``, ``duplicates``, ``rejected``, ``dead_lettered``, ``cameras``, ``cameras_registered``) with
``calls: 1``. A call is one HTTP request, one file or replay, or, for MQTT, one source's messages of a consumer batch.
In the group commit's shared transaction (``rtcc.alpr.groupcommit``), where a camera's single-read requests are stored
dozens at a time and every entry of the batch would carry the same time, the calls' records are queued instead
(``defer``) and, at the batch's end, written as one entry per principal and source (``write_deferred``): the counts
summed, ``calls`` the number of calls, ``cameras`` the distinct cameras they moved (so ``cameras`` does not add up
across entries; the others do). The audit log then says who stored what as exactly as before, with one chain entry a
batch for a sensor instead of one for every read it sends. A call that fails (rolled back to its savepoint) takes its
record back with the rest of its work (``batchend.Deferred``); a refused call (403, 422) writes none, as alone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from rtcc.audit import service as audit

ACTION = "alpr.ingest"
#: The counts an entry sums, in the order its details list them.
COUNTS = ("received", "accepted", "duplicates", "rejected", "dead_lettered", "cameras_registered")
_DEFERRED = "alpr_ingest_audits"


@dataclass(frozen=True, slots=True)
class IngestRecord:
    """What one ingest call did, for its audit entry: ``counts`` in the order of ``COUNTS``; ``cameras`` the ids of
    the cameras it moved."""

    actor: str
    actor_role: str | None
    source: str
    counts: tuple[int, int, int, int, int, int]
    cameras: frozenset[uuid.UUID]


def record(session: Session, entry: IngestRecord) -> None:
    """Audit one ingest call: queued while the session defers them (a shared transaction), appended otherwise."""
    queued: list[IngestRecord] | None = session.info.get(_DEFERRED)
    if queued is not None:
        queued.append(entry)
        return
    audit.record_draft(session, _draft([entry]))


def defer(session: Session) -> list[IngestRecord]:
    """Queue the session's ingest records from now on; returns the queue (a unit rolled back takes its own out)."""
    queued: list[IngestRecord] = session.info.setdefault(_DEFERRED, [])
    return queued


def write_deferred(session: Session) -> int:
    """Turn the queued records into one entry per principal and source (first seen first), queued or appended as
    audit entries are (``audit.record_draft``): after any other entry the batch's units queued. Stop deferring.
    Returns how many entries."""
    queued: list[IngestRecord] = session.info.pop(_DEFERRED, [])
    groups: dict[tuple[str, str | None, str], list[IngestRecord]] = {}
    for entry in queued:
        groups.setdefault((entry.actor, entry.actor_role, entry.source), []).append(entry)
    for group in groups.values():
        audit.record_draft(session, _draft(group))
    return len(groups)


def _draft(group: list[IngestRecord]) -> audit.AuditDraft:
    first = group[0]
    details: dict[str, object] = {"source": first.source, "calls": len(group)}
    for i, name in enumerate(COUNTS):
        details[name] = sum(entry.counts[i] for entry in group)
    details["cameras"] = len(first.cameras) if len(group) == 1 else len(frozenset().union(*(e.cameras for e in group)))
    return audit.AuditDraft(
        actor=first.actor, actor_role=first.actor_role, action=ACTION, target_type="alpr_reads", details=details
    )
