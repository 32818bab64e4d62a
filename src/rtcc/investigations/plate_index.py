"""The plate index (``plate_index``: each distinct plate with its first and last sighting) that wildcard and
partial plate search read first. It is kept current three ways, all idempotent because first/last seen merge by
min/max: the ``alpr.reads.stored`` consumer indexes each stored batch (``index_stored_reads``; on SQLite the
transaction that stores the reads does, ``index_staged``); every pattern search
first catches up from ``alpr_reads`` by an observed-at high-water mark minus an overlap (``catch_up_index``: covers
reads stored without events, such as bulk loads, and batches whose event is still in flight); and ``rebuild_index``
recomputes it from scratch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from rtcc.alpr.events import stored_reads
from rtcc.bus.envelope import Envelope
from rtcc.core.clock import utcnow
from rtcc.investigations import plate_rows
from rtcc.investigations.models import PlateIndexState
from rtcc.investigations.schemas import IndexStats

# --- the plate index -------------------------------------------------------------------------------------------------


def index_stored_reads(session: Session, reads: Iterable[Mapping[str, Any]]) -> int:
    """Index the plates of stored reads (an ``alpr.reads.stored`` payload); returns distinct plates touched."""
    span: dict[str, tuple[datetime, datetime]] = {}
    for read in reads:
        norm = read.get("plate_norm")
        at_raw = read.get("observed_at")
        if not norm or not at_raw:
            continue
        at = at_raw if isinstance(at_raw, datetime) else datetime.fromisoformat(str(at_raw))
        old = span.get(norm)
        span[norm] = (at, at) if old is None else (min(old[0], at), max(old[1], at))
    return plate_rows.upsert_plates(session, [(n, a, b) for n, (a, b) in span.items()])


def index_staged(session: Session, envelopes: Sequence[Envelope]) -> None:
    """Index the reads of ``alpr.reads.stored`` envelopes in the transaction that stores them (the domain's staged
    work on a single-writer database, ``rtcc.core.manifest.StagedWork``)."""
    index_stored_reads(session, [read for envelope in envelopes for read in stored_reads(envelope)])


def catch_up_index(session: Session, *, overlap_s: int) -> int:
    """Index plates of reads observed since the high-water mark minus ``overlap_s`` that the index lacks (or whose
    first/last seen would widen), then move the mark to the newest read; returns the plates written."""
    state = plate_rows.index_state(session)
    since = state.synced_to - timedelta(seconds=overlap_s) if state.synced_to else None
    newest = plate_rows.newest_read_since(session, since)
    if newest is None:
        return 0
    rows = plate_rows.stale_plates_since(session, since)
    plate_rows.upsert_plates(session, rows)
    plate_rows.set_synced_to(session, min(newest, utcnow()))
    return len(rows)


def rebuild_index(session: Session, *, batch: int = 50_000) -> IndexStats:
    """Recompute the plate index from every stored read."""
    plate_rows.clear_index(session)
    newest: datetime | None = None
    chunk: list[plate_rows.PlateRow] = []
    for norm, first, last in plate_rows.distinct_plates_since(session, None):
        chunk.append((norm, first, last))
        newest = last if newest is None or last > newest else newest
        if len(chunk) >= batch:
            plate_rows.insert_plates_bulk(session, chunk)
            chunk = []
    plate_rows.insert_plates_bulk(session, chunk)
    if session.get_bind().dialect.name == "sqlite":
        plate_rows.post_grams(session, after_id=0)
    plate_rows.analyze_index(session)
    now = utcnow()
    plate_rows.set_synced_to(session, min(newest, now) if newest else now, rebuilt_at=now)
    return index_stats(session)


def index_stats(session: Session) -> IndexStats:
    """Size and freshness of the plate index."""
    state = session.get(PlateIndexState, 1)
    return IndexStats(
        plates=plate_rows.count_plates(session),
        synced_to=state.synced_to if state else None,
        rebuilt_at=state.rebuilt_at if state else None,
    )
