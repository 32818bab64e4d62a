"""Matching use cases: keep an in-memory index of the active hotlists current, turn stored reads into hits, and
record the hits.

The ``Matcher`` owns a ``kernel.HotlistIndex`` built from ``hotlists.snapshot.active_snapshot``. Before each batch it
compares the cheap ``snapshot_version`` with the one it built from and rebuilds on change (hotlist edits, imports,
expiries), so every process (several ``rtcc worker match``) converges on the same lists without coordination.
``record_hits`` records a batch's hits in the caller's transaction, each piece written by its owner and for the
whole batch at once (never a statement per read): the match rows (ours, ``repository.insert_matches``, which returns
only the (read, entry) pairs new in this transaction, so recording is idempotent), the reads' hit flag
(``alpr.store.mark_hits``), the alerts the new hits raise or become sightings on (``alerts.hits.raise_alerts``),
then each match row linked to the alert its hit landed in.
``match_stored`` is the one use case behind both the bus consumer and the reconciler: it settles the envelope's
outbox row and records its hits in one transaction, so a batch is matched exactly when its row is gone. On a
single-writer database (SQLite) the consumer matches its envelopes first, in a read session (``prematch``), and hands
the result to ``match_stored``: the write transaction, which holds the one write lock that ingest also waits for,
then only settles and records (on PostgreSQL that extra session would only lengthen the alert path). The hits found
there are used when the index is still the one they were found with; otherwise (it was rebuilt in between) the
envelope is matched again inside the transaction. A hotlist change committed in the few milliseconds between the two
applies from the next batch on, as if this one had been matched a moment earlier.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from rtcc.alerts import hits as alert_hits
from rtcc.alerts.schemas import AlertRead, HitInput
from rtcc.alpr import store as alpr_store
from rtcc.alpr.events import EVENT_STORED_VERSION, covered_ids, stored_reads
from rtcc.bus import outbox
from rtcc.bus.base import Bus
from rtcc.bus.envelope import Envelope
from rtcc.core import metrics
from rtcc.core.clock import utcnow
from rtcc.core.db import after_commit
from rtcc.core.gcpause import paused_gc
from rtcc.hotlists import skiplist as hotlists_skiplist
from rtcc.hotlists import snapshot as hotlists_snapshot
from rtcc.matching import repository
from rtcc.matching.kernel import HotlistIndex, KernelHit, ListParams

logger = logging.getLogger(__name__)


#: A hit: (the read's position in its batch, the hotlist entry's id, the kernel's hit).
Found = tuple[int, int, KernelHit]


@dataclass(frozen=True)
class _Built:
    version: str
    index: HotlistIndex
    entry_ids: Sequence[int]
    hotlist_ids: Sequence[uuid.UUID]
    lists: Mapping[uuid.UUID, Any]
    skip: frozenset[str]


class Matcher:
    """An index of the active hotlists plus the skip list, rebuilt when the hotlists change. Thread-safe."""

    def __init__(self) -> None:
        self._built: _Built | None = None
        self._lock = threading.Lock()
        self.builds = 0

    @property
    def version(self) -> str | None:
        """The snapshot version the index was built from (None before the first build)."""
        return self._built.version if self._built else None

    @property
    def size(self) -> int:
        """Number of indexed entries."""
        return len(self._built.index) if self._built else 0

    def ensure_current(self, session: Session) -> None:
        """Rebuild the index if the hotlists changed since it was built."""
        version = hotlists_snapshot.snapshot_version(session)
        if self._built is not None and self._built.version == version:
            return
        with self._lock:
            if self._built is not None and self._built.version == version:
                return
            started = time.perf_counter()
            snap = hotlists_snapshot.active_snapshot(session)
            list_numbers = {hid: n for n, hid in enumerate(snap.lists)}
            params = {
                list_numbers[hid]: ListParams(max_diff=info.max_diff, require_state=info.require_state)
                for hid, info in snap.lists.items()
            }
            index = HotlistIndex.build(
                snap.plates_norm,
                snap.regions,
                [list_numbers[h] for h in snap.hotlist_ids],
                params,
            )
            self._built = _Built(
                version=snap.version,
                index=index,
                entry_ids=snap.entry_ids,
                hotlist_ids=snap.hotlist_ids,
                lists=snap.lists,
                skip=frozenset(hotlists_skiplist.skip_plates(session)),
            )
            self.builds += 1
            logger.info(
                "hotlist index built: %d entries, %.1f MB, %.2f s",
                len(index),
                index.nbytes / 2**20,
                time.perf_counter() - started,
            )

    def match(self, reads: Sequence[Mapping[str, Any]]) -> list[Found]:
        """Match stored-read payloads; returns (read position, entry id, kernel hit) for each hit, skip list applied."""
        return self._match(self._built, reads)

    def match_versioned(self, reads: Sequence[Mapping[str, Any]]) -> tuple[str | None, list[Found]]:
        """``match``, with the version of the index that found the hits (None before the first build)."""
        built = self._built
        return (built.version if built else None), self._match(built, reads)

    @staticmethod
    def _match(built: _Built | None, reads: Sequence[Mapping[str, Any]]) -> list[Found]:
        if built is None or not reads:
            return []
        started = time.perf_counter()
        plates = [r["plate_norm"] for r in reads]
        regions = [r.get("region") for r in reads]
        hits = built.index.match(plates, regions)
        metrics.MATCH_SECONDS.observe(time.perf_counter() - started)
        return [(h.read_index, built.entry_ids[h.entry_row], h) for h in hits if plates[h.read_index] not in built.skip]

    def hotlist_of(self, entry_row: int) -> tuple[uuid.UUID, Any]:
        """The hotlist id and list info of an indexed entry row."""
        assert self._built is not None
        hid = self._built.hotlist_ids[entry_row]
        return hid, self._built.lists[hid]


def _parse_time(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def record_hits(session: Session, bus: Bus, hits: Sequence[HitInput], *, dedup_window_s: int) -> list[AlertRead]:
    """Record hits and raise or update alerts for them, in the caller's transaction (idempotent; safe with concurrent
    match workers). Returns the alerts created or updated; a (read, entry) pair already recorded is skipped entirely."""
    if not hits:
        return []
    now = utcnow()
    unique: dict[tuple[uuid.UUID, int], HitInput] = {}
    for h in hits:
        unique.setdefault((h.read_id, h.entry_id), h)
    ordered = sorted(unique.items(), key=lambda kv: (str(kv[0][0]), kv[0][1]))  # one lock order for every worker
    inserted = repository.insert_matches(
        session,
        [
            {
                "read_id": h.read_id,
                "entry_id": h.entry_id,
                "hotlist_id": h.hotlist_id,
                "kind": h.match_kind,
                "diff_positions": list(h.diff_positions),
                "alert_id": None,
                "created_at": now,
            }
            for _, h in ordered
        ],
    )
    fresh = [h for pair, h in ordered if pair in inserted]
    if not fresh:
        logger.debug("%d hits already recorded; nothing to do", len(unique))
        return []
    alpr_store.mark_hits(session, [h.read_id for h in fresh])
    raised = alert_hits.raise_alerts(session, bus, fresh, dedup_window_s=dedup_window_s, now=now)
    repository.link_matches(session, [(h.read_id, h.entry_id, r.alert.id) for r in raised for h in r.hits])
    kinds = [h.match_kind for h in fresh]

    def _metrics() -> None:
        for kind in kinds:
            metrics.MATCHES.labels(kind).inc()

    after_commit(session, _metrics)
    return [r.alert for r in raised]


@dataclass(frozen=True)
class Prematch:
    """An envelope's hits found before its write transaction (``prematch``), with the index version that found them."""

    version: str | None
    found: list[Found]


def prematch(session: Session, matcher: Matcher, envelopes: Sequence[Envelope]) -> list[Prematch]:
    """Bring the index up to date and match each envelope's reads, in a read session (see the module docstring)."""
    matcher.ensure_current(session)
    return [Prematch(*matcher.match_versioned(stored_reads(e))) for e in envelopes]


@paused_gc()
def process_stored_reads(
    session: Session,
    bus: Bus,
    matcher: Matcher,
    reads: Sequence[Mapping[str, Any]],
    *,
    dedup_window_s: int,
    matched: Prematch | None = None,
) -> list[AlertRead]:
    """Match a batch of stored reads and record the hits as alerts (in the caller's transaction). ``matched``: the
    hits ``prematch`` found, used while the index is still the one that found them."""
    if matched is not None and matched.version is not None and matched.version == matcher.version:
        found = matched.found
    else:
        matcher.ensure_current(session)
        found = matcher.match(reads)
    if not found:
        return []
    details = hotlists_snapshot.entry_details(session, sorted({entry_id for _, entry_id, _ in found}))
    hits: list[HitInput] = []
    for pos, entry_id, kh in found:
        read = reads[pos]
        entry = details.get(entry_id)
        if entry is None:  # removed since the index was built; the next rebuild drops it
            continue
        hotlist_id, info = matcher.hotlist_of(kh.entry_row)
        hits.append(
            HitInput(
                read_id=uuid.UUID(str(read["id"])),
                camera_id=uuid.UUID(str(read["camera_id"])),
                camera_code=read["camera_code"],
                plate_read=read["plate"],
                region_read=read.get("region"),
                observed_at=_parse_time(read["observed_at"]),
                received_at=_parse_time(read["received_at"]),
                entry_id=entry_id,
                hotlist_id=hotlist_id,
                hotlist_name=info.name,
                category=info.category,
                priority=info.priority,
                plate_listed=entry.plate,
                region_listed=entry.region,
                match_kind=kh.kind,
                diff_positions=list(kh.diff_positions),
                reason=entry.reason,
                case_number=entry.case_number,
            )
        )
    if not hits:
        return []
    return record_hits(session, bus, hits, dedup_window_s=dedup_window_s)


def match_stored(
    session: Session,
    bus: Bus,
    matcher: Matcher,
    envelope: Envelope,
    *,
    dedup_window_s: int,
    matched: Prematch | None = None,
) -> list[AlertRead] | None:
    """Match one ``alpr.reads.stored`` envelope and delete its outbox row, in the caller's transaction.

    None (nothing done) when a staged envelope's row is gone: another consumer or the reconciler matched it already.
    A merged envelope (group commit) settles the rows of every envelope it stands for; when none is pending, all of
    them were matched already.
    Envelopes older than the outbox (schema version 1) are matched anyway: matching is idempotent.
    """
    was_pending = outbox.settle_many(session, covered_ids(envelope)) > 0
    if not was_pending and envelope.schema_version >= EVENT_STORED_VERSION:
        return None
    reads = stored_reads(envelope)
    return process_stored_reads(session, bus, matcher, reads, dedup_window_s=dedup_window_s, matched=matched)
