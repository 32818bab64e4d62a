"""Events after commit, and the transactional outbox for events whose work must never be lost.

``publish_after_commit(session, bus, envelope)``: the envelope is published once the unit of work has committed
(never on rollback). Database work runs in worker threads (routes are sync, consumers use ``anyio.to_thread``), so
the publish happens with ``Bus.publish_threadsafe`` from that thread, after the commit. Fine for events whose loss
in a crash costs little (live screens, notifications of alerts that are themselves stored).

``stage(session, bus, envelope)``: the outbox. The envelope is written to ``event_outbox`` in the caller's
transaction, so it commits or rolls back with the data it describes, and after the commit it is offered to the bus
without waiting (``Bus.offer``). The consumer calls ``settle(session, id)`` in the transaction that does the work,
which deletes the row; a row still there after a grace period is re-driven by the consumer's reconciler with
``claim_due`` (the data the stager kept, row-locked with ``SKIP LOCKED`` on PostgreSQL, so several workers never
take the same row).

Staged work: on a single-writer database a domain may have work committed with every staged event of a type, in the
stager's transaction (``rtcc.core.manifest.StagedWork``, installed on ``Database.staged_work``); ``stage_many`` runs
it, each handler in a savepoint.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import orjson
from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from rtcc.bus.base import Bus
from rtcc.bus.envelope import Envelope
from rtcc.bus.models import OutboxEvent
from rtcc.core.db import STAGED_WORK, StagedHandler, after_commit

logger = logging.getLogger(__name__)


def publish_after_commit(session: Session, bus: Bus, envelope: Envelope) -> None:
    """Publish ``envelope`` on ``bus`` after the session's transaction commits."""
    after_commit(session, lambda: bus.publish_threadsafe(envelope))


@dataclass(frozen=True)
class Pending:
    """A claimed outbox row: the envelope's identity and the data its stager kept to re-drive it."""

    id: uuid.UUID
    type: str
    schema_version: int
    source: str
    created_at: datetime
    data: dict[str, Any]


#: A staged envelope and what its row keeps to re-drive it (None: its payload).
Staged = tuple[Envelope, Mapping[str, Any] | None]
_DEFERRED = "rtcc_outbox_deferred"
_TABLE = cast(Table, OutboxEvent.__table__)
# Every ingest batch stages one row and every matching batch settles it: Core statements on the connection, built
# once, skip the ORM's bulk-statement bookkeeping (nothing here loads outbox rows as objects).
_INSERT = insert(_TABLE)
_SETTLE = delete(_TABLE).where(_TABLE.c.id.in_(bindparam("ids", expanding=True)))


def stage(session: Session, bus: Bus, envelope: Envelope, *, keep: Mapping[str, Any] | None = None) -> None:
    """Write ``envelope`` to the outbox in the caller's transaction; offer it to ``bus`` after the commit.

    ``keep`` is what the row holds to re-drive the envelope (default: its payload); a stager whose payload can be
    rebuilt from what the transaction stores keeps less (stored reads keep their ids: ``rtcc.alpr.redrive``).
    While the session defers staging (``defer``), the envelope is only queued for ``take_deferred``.
    """
    queued: list[Staged] | None = session.info.get(_DEFERRED)
    if queued is not None:
        queued.append((envelope, keep))
        return
    stage_many(session, bus, [(envelope, keep)])


def stage_many(session: Session, bus: Bus, staged: Sequence[Staged]) -> None:
    """Stage several envelopes with one statement (see ``stage``)."""
    if not staged:
        return
    session.connection().execute(
        _INSERT,
        [
            {
                "id": envelope.id,
                "type": envelope.type,
                "schema_version": envelope.schema_version,
                "source": envelope.source[:64],
                "payload": orjson.dumps(envelope.payload if keep is None else keep).decode(),
                "created_at": envelope.received_at,
                "due_at": envelope.received_at,
                "attempts": 0,
            }
            for envelope, keep in staged
        ],
    )
    envelopes = [envelope for envelope, _ in staged]
    work: dict[str, list[StagedHandler]] | None = session.info.get(STAGED_WORK)
    if work:
        _run_staged_work(session, work, envelopes)

    def offer_all() -> None:
        for envelope in envelopes:
            _offer(bus, envelope)

    after_commit(session, offer_all)


def _run_staged_work(session: Session, work: dict[str, list[StagedHandler]], envelopes: list[Envelope]) -> None:
    """The database's staged work for these envelopes (``Database.staged_work``), each handler in a savepoint: one
    that fails is rolled back to it and logged, and what was staged commits all the same (the work is derived data
    that its consumer's other paths, such as a search's catch-up, also keep current)."""
    by_type: dict[str, list[Envelope]] = {}
    for envelope in envelopes:
        if envelope.type in work:
            by_type.setdefault(envelope.type, []).append(envelope)
    for event_type, group in by_type.items():
        for handler in work[event_type]:
            try:
                with session.begin_nested():
                    handler(session, group)
            except Exception:
                logger.exception(
                    "work staged with %d %s event(s) failed; the events commit without it", len(group), event_type
                )


def defer(session: Session) -> list[Staged]:
    """From now on, queue this session's ``stage`` calls instead of writing them: a transaction shared by many
    requests (``rtcc.alpr.groupcommit``) merges what they staged and writes it once, with ``stage_many``, before its
    commit. Returns the queue: a caller may drop what work it undid appended."""
    queued: list[Staged] = session.info.setdefault(_DEFERRED, [])
    return queued


def take_deferred(session: Session) -> list[Staged]:
    """What was staged since ``defer``; staging is no longer deferred."""
    queued: list[Staged] = session.info.pop(_DEFERRED, [])
    return queued


def _offer(bus: Bus, envelope: Envelope) -> None:
    if not bus.offer(envelope):
        logger.info("bus did not take event %s (%s) now; it stays in the outbox", envelope.id, envelope.type)


def now() -> datetime:
    """The outbox's clock: the wall clock (envelopes are stamped with it), never a test's frozen ``utcnow``."""
    return datetime.now(UTC)


def settle(session: Session, envelope_id: uuid.UUID) -> bool:
    """Delete the envelope's outbox row in the caller's transaction (waiting for a reconciler that holds it);
    True when it was still pending, False when it was done already (or never staged)."""
    return settle_many(session, [envelope_id]) > 0


def settle_many(session: Session, envelope_ids: Sequence[uuid.UUID]) -> int:
    """Delete the outbox rows of several envelopes (a merged envelope's) in the caller's transaction; how many were
    still pending."""
    if not envelope_ids:
        return 0
    result = session.connection().execute(_SETTLE, {"ids": list(envelope_ids)})
    return int(result.rowcount or 0)


def _pending(row: OutboxEvent) -> Pending:
    return Pending(
        id=row.id,
        type=row.type,
        schema_version=row.schema_version,
        source=row.source,
        created_at=row.created_at,
        data=orjson.loads(row.payload),
    )


def has_due(session: Session, event_type: str, *, due_before: datetime) -> bool:
    """Whether some envelope of ``event_type`` is pending and due before ``due_before`` (a cheap unlocked probe)."""
    query = select(OutboxEvent.id).where(OutboxEvent.type == event_type, OutboxEvent.due_at <= due_before).limit(1)
    return session.scalar(query) is not None


def claim_due(session: Session, event_type: str, *, due_before: datetime) -> Pending | None:
    """Lock and return the oldest pending envelope of ``event_type`` due before ``due_before``, skipping rows that
    another transaction holds (PostgreSQL ``FOR UPDATE SKIP LOCKED``; SQLite serialises writers anyway)."""
    query = (
        select(OutboxEvent)
        .where(OutboxEvent.type == event_type, OutboxEvent.due_at <= due_before)
        .order_by(OutboxEvent.due_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    row = session.scalars(query).first()
    return None if row is None else _pending(row)


def postpone(session: Session, envelope_id: uuid.UUID, *, base_s: float, max_s: float, error: str) -> int:
    """Count a failed attempt and make the envelope due again after ``base_s * 2**(attempts-1)`` seconds (at most
    ``max_s``), keeping the error's first words; returns the attempts so far (0 when the row is gone)."""
    attempts = session.scalar(select(OutboxEvent.attempts).where(OutboxEvent.id == envelope_id))
    if attempts is None:
        return 0
    attempts += 1
    delay = min(base_s * 2 ** min(attempts - 1, 16), max_s)
    session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id == envelope_id)
        .values(attempts=attempts, due_at=now() + timedelta(seconds=delay), last_error=error[:200])
    )
    return attempts


def pending(session: Session, event_type: str | None = None) -> int:
    """Number of envelopes still in the outbox (of one type, or all)."""
    query = select(func.count()).select_from(OutboxEvent)
    if event_type is not None:
        query = query.where(OutboxEvent.type == event_type)
    return int(session.scalar(query) or 0)
