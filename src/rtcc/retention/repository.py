"""Retention queries (never commits): the bounded-batch deletes of each data class, written as SQL against the
tables other domains publish in their ``queries`` modules (never their models), plus the legal-hold and run
tables of this domain.

A batch is two steps. ``candidates`` (a read query, outside the write transaction) selects at most ``limit`` due
rows in time order from a keyset position (``after``: the newest time of the previous batch, so the index scan
never re-walks what is done and PostgreSQL never re-visits dead index entries). Then, in its own short write
transaction, the class's purge function re-checks the candidates by primary key (still due, still not held) and
deletes or clears those. The writer lock is thus held only for primary-key work. Rows covered by an active legal
hold are never purged (``HoldScope``).

What references what (checked in the models): ``matches.read_id`` references reads ON DELETE CASCADE, so deleting a
read deletes its match rows; ``alerts.read_id``/``last_read_id`` are plain ids, so purging a hit read sets them to
NULL (the alert keeps its own snapshot of plate, camera and times); ``alert_transitions`` are deleted with their
alert (explicitly; the foreign key cascades as well) and ``matches.alert_id`` of a purged alert is set to NULL.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    delete,
    exists,
    false,
    func,
    not_,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from rtcc.alerts import queries as alerts_queries
from rtcc.alpr import queries as alpr_queries
from rtcc.core.db import UTCDateTime
from rtcc.matching import queries as matching_queries
from rtcc.retention.logic import HoldStatus
from rtcc.retention.models import LegalHold, RetentionRun

_reads = alpr_queries.READS
_matches = matching_queries.MATCHES
_alerts = alerts_queries.ALERTS
_transitions = alerts_queries.TRANSITIONS
_cameras = alpr_queries.CAMERAS


def refs_in_use(session: Session, refs: Sequence[str]) -> set[str]:
    """Which of these image-store refs a read still names (as its crop or image) after the caller's deletes: a
    content-addressed file shared by two reads must outlive the first one's purge. The ``LIKE`` repeats the partial
    indexes' predicate so that they serve the look-up."""
    stored = [r for r in refs if r.startswith("alpr-images/")]
    if not stored:
        return set()
    crop = select(_reads.c.crop_ref).where(_reads.c.crop_ref.in_(stored), _reads.c.crop_ref.like("alpr-images/%"))
    image = select(_reads.c.image_ref).where(_reads.c.image_ref.in_(stored), _reads.c.image_ref.like("alpr-images/%"))
    return {str(r) for r in session.scalars(crop.union(image)) if r is not None}


#: Alert states after which an alert may be purged (terminal states of the alert lifecycle).
_TERMINAL = ("closed", "rejected")


@dataclass(frozen=True)
class HoldFilter:
    """The plate/camera/time selector of one active hold (empty tuples and None bounds select everything)."""

    plates: tuple[str, ...] = ()
    camera_codes: tuple[str, ...] = ()
    time_from: datetime | None = None
    time_to: datetime | None = None


@dataclass(frozen=True)
class HoldScope:
    """Everything the active legal holds keep: explicit read and alert ids, and plate/camera/time selectors."""

    read_ids: frozenset[uuid.UUID] = frozenset()
    alert_ids: frozenset[uuid.UUID] = frozenset()
    filters: tuple[HoldFilter, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.read_ids or self.alert_ids or self.filters)


@dataclass(frozen=True)
class Batch:
    """What one batch purged: the rows' count, oldest and newest time, and for reads the image/crop references of
    the rows (their local files are deleted after commit)."""

    count: int
    oldest: datetime | None
    newest: datetime | None
    refs: tuple[str, ...] = field(default_factory=tuple)


# ------------------------------------------------------------------------------------------------ hold conditions


def _camera_ids(codes: Sequence[str]) -> Any:
    return select(_cameras.c.id).where(_cameras.c.code.in_(list(codes))).scalar_subquery()


def _read_filter(f: HoldFilter) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = []
    if f.plates:
        parts.append(_reads.c.plate_norm.in_(list(f.plates)))
    if f.camera_codes:
        parts.append(_reads.c.camera_id.in_(_camera_ids(f.camera_codes)))
    if f.time_from is not None:
        parts.append(_reads.c.observed_at >= f.time_from)
    if f.time_to is not None:
        parts.append(_reads.c.observed_at <= f.time_to)
    return and_(true(), *parts)


def _alert_plate_norm() -> ColumnElement[str]:
    """The alert's read plate, normalised in SQL (upper case; spaces, dashes and dots dropped)."""
    p = _alerts.c.plate_read
    return func.upper(func.replace(func.replace(func.replace(p, " ", ""), "-", ""), ".", ""))


def _alert_filter(f: HoldFilter) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = []
    if f.plates:
        parts.append(_alert_plate_norm().in_(list(f.plates)))
    if f.camera_codes:
        parts.append(_alerts.c.camera_id.in_(_camera_ids(f.camera_codes)))
    if f.time_from is not None:
        parts.append(_alerts.c.last_seen_at >= f.time_from)
    if f.time_to is not None:
        parts.append(_alerts.c.first_seen_at <= f.time_to)
    return and_(true(), *parts)


def read_held(scope: HoldScope) -> ColumnElement[bool]:
    """True for a read (``alpr_reads`` row) that an active hold keeps."""
    if scope.empty:
        return false()
    parts: list[ColumnElement[bool]] = []
    if scope.read_ids:
        parts.append(_reads.c.id.in_(sorted(scope.read_ids)))
    if scope.alert_ids:
        held_alerts = sorted(scope.alert_ids)
        parts.append(exists().where(_matches.c.read_id == _reads.c.id, _matches.c.alert_id.in_(held_alerts)))
        parts.append(
            exists().where(
                _alerts.c.id.in_(held_alerts),
                or_(_alerts.c.read_id == _reads.c.id, _alerts.c.last_read_id == _reads.c.id),
            )
        )
    parts.extend(_read_filter(f) for f in scope.filters)
    return or_(*parts)


def alert_held(scope: HoldScope) -> ColumnElement[bool]:
    """True for an alert that an active hold keeps."""
    if scope.empty:
        return false()
    parts: list[ColumnElement[bool]] = []
    if scope.alert_ids:
        parts.append(_alerts.c.id.in_(sorted(scope.alert_ids)))
    if scope.read_ids:
        held_reads = sorted(scope.read_ids)
        parts.append(_alerts.c.read_id.in_(held_reads))
        parts.append(_alerts.c.last_read_id.in_(held_reads))
    parts.extend(_alert_filter(f) for f in scope.filters)
    return or_(*parts)


# ------------------------------------------------------------------------------------------------ class conditions


def _has_match() -> ColumnElement[bool]:
    return exists().where(_matches.c.read_id == _reads.c.id)


def kept_past_period(scope: HoldScope) -> list[ColumnElement[bool]]:
    """The conditions of which any keeps a read past the non-hit period: a hit, a held read (a read with a match stays
    too; ``alpr.partitions.drop_day`` adds that itself). A day's partition is dropped once the whole day is past the
    period, so this is ``not nonhit_due`` for such a day, without a time test. Separate conditions, so that each is
    answered through its own index (the hits' partial index, the index a hold names), never by reading the day."""
    conditions: list[ColumnElement[bool]] = [_reads.c.is_hit == true()]
    if not scope.empty:
        conditions.append(read_held(scope))
    return conditions


def nonhit_due(cutoff: datetime, scope: HoldScope) -> ColumnElement[bool]:
    """True for a read due as a non-hit read: observed before ``cutoff``, no hit, no match, not held."""
    return and_(
        _reads.c.observed_at < cutoff,
        _reads.c.is_hit == false(),
        not_(_has_match()),
        not_(read_held(scope)),
    )


def _open_alert_link() -> ColumnElement[bool]:
    """The read is linked (through a match) to an alert that is not closed or rejected yet."""
    return exists().where(
        _matches.c.read_id == _reads.c.id,
        _alerts.c.id == _matches.c.alert_id,
        _alerts.c.state.not_in(_TERMINAL),
    )


def _hit_due(cutoff: datetime, scope: HoldScope) -> ColumnElement[bool]:
    return and_(
        _reads.c.observed_at < cutoff,
        or_(_reads.c.is_hit == true(), _has_match()),
        not_(_open_alert_link()),
        not_(read_held(scope)),
    )


def _images_due(cutoff: datetime, scope: HoldScope) -> ColumnElement[bool]:
    return and_(
        _reads.c.observed_at < cutoff,
        or_(_reads.c.image_ref.is_not(None), _reads.c.crop_ref.is_not(None)),
        not_(read_held(scope)),
    )


def _alert_closed_at() -> ColumnElement[datetime]:
    return func.coalesce(_alerts.c.closed_at, _alerts.c.updated_at)


def _alerts_due(cutoff: datetime, scope: HoldScope) -> ColumnElement[bool]:
    return and_(_alerts.c.state.in_(_TERMINAL), _alert_closed_at() < cutoff, not_(alert_held(scope)))


# ------------------------------------------------------------------------------------------------ batches


@dataclass(frozen=True)
class Candidates:
    """Rows a batch may purge, found outside the write transaction: how many, their time span (``first`` to
    ``last``; ``last`` is also the keyset position of the next batch) and, for the classes purged by id, their ids."""

    count: int
    first: datetime | None
    last: datetime | None
    ids: tuple[Any, ...] = ()

    def __len__(self) -> int:
        return self.count


_READ_CONDITIONS: dict[str, Callable[[datetime, HoldScope], ColumnElement[bool]]] = {
    "reads_nonhit": lambda cutoff, scope: nonhit_due(cutoff, scope),
    "reads_hit": lambda cutoff, scope: _hit_due(cutoff, scope),
    "images": lambda cutoff, scope: _images_due(cutoff, scope),
}


def candidates(
    session: Session, cls: str, *, cutoff: datetime, scope: HoldScope, after: datetime | None, limit: int
) -> Candidates:
    """At most ``limit`` rows of ``cls`` due for purging, oldest first from the keyset position ``after`` (a read
    query: run it outside the write transaction so that the writer lock is held only for the delete)."""
    if cls == "alerts":
        closed = _alert_closed_at()
        cond = _alerts_due(cutoff, scope)
        if after is not None:
            cond = and_(cond, closed >= after)
        q: Any = select(_alerts.c.id, closed).where(cond).order_by(closed).limit(limit)
    else:
        cond = _READ_CONDITIONS[cls](cutoff, scope)
        if after is not None:
            cond = and_(cond, _reads.c.observed_at >= after)
        if cls == "reads_nonhit":  # purged by time span: only the span is needed, computed inside the database
            span = select(_reads.c.observed_at.label("t")).where(cond).order_by(_reads.c.observed_at).limit(limit)
            sub = span.subquery()
            agg = select(func.count(), func.min(sub.c.t, type_=UTCDateTime), func.max(sub.c.t, type_=UTCDateTime))
            n, first, last = session.execute(agg).one()
            return Candidates(int(n or 0), first, last)
        q = select(_reads.c.id, _reads.c.observed_at).where(cond).order_by(_reads.c.observed_at).limit(limit)
    rows = session.execute(q).all()
    return Candidates(len(rows), rows[0][1] if rows else None, rows[-1][1] if rows else None, tuple(r[0] for r in rows))


def _confirm_reads(
    session: Session, cond: ColumnElement[bool], ids: Sequence[Any]
) -> list[tuple[uuid.UUID, datetime, str | None, str | None]]:
    """The candidates that are still due (primary-key lookups inside the write transaction), oldest first."""
    q = (
        select(_reads.c.id, _reads.c.observed_at, _reads.c.image_ref, _reads.c.crop_ref)
        .where(_reads.c.id.in_(list(ids)), cond)
        .order_by(_reads.c.observed_at)
    )
    return [(r[0], r[1], r[2], r[3]) for r in session.execute(q)]


def _refs(rows: Sequence[tuple[uuid.UUID, datetime, str | None, str | None]]) -> tuple[str, ...]:
    return tuple(ref for _id, _t, image, crop in rows for ref in (image, crop) if ref)


def purge_nonhit_reads(session: Session, cand: Candidates, *, cutoff: datetime, scope: HoldScope) -> Batch:
    """Delete the non-hit reads still due (observed before ``cutoff``, no match, not held) within the candidates'
    time span: one range delete on the ``observed_at`` index that re-checks every condition inside the write
    transaction and returns what it deleted. (The span may hold a few due rows beyond the candidates, at the same
    timestamp as the last one; they are due as well.) This is the bulk class, so it avoids per-id work."""
    if cand.first is None or cand.last is None:
        return Batch(0, None, None)
    stmt = (
        delete(_reads)
        .where(_reads.c.observed_at >= cand.first, _reads.c.observed_at <= cand.last, nonhit_due(cutoff, scope))
        .returning(_reads.c.observed_at, _reads.c.image_ref, _reads.c.crop_ref)
    )
    rows = session.execute(stmt).all()
    if not rows:
        return Batch(0, None, None)
    times = [r[0] for r in rows]
    refs = tuple(ref for _t, image, crop in rows for ref in (image, crop) if ref)
    return Batch(len(rows), min(times), max(times), refs)


def purge_hit_reads(session: Session, cand: Candidates, *, cutoff: datetime, scope: HoldScope) -> Batch:
    """Delete the candidates that are still due hit reads (not held, no open alert); their match rows go with them
    (ON DELETE CASCADE) and alerts pointing at them lose the link (set to NULL)."""
    rows = _confirm_reads(session, _hit_due(cutoff, scope), cand.ids)
    if not rows:
        return Batch(0, None, None)
    doomed = [r[0] for r in rows]
    linked = select(_matches.c.alert_id).where(_matches.c.read_id.in_(doomed), _matches.c.alert_id.is_not(None))
    alert_ids = [a for a in session.scalars(linked.distinct()) if a is not None]
    if alert_ids:
        session.execute(
            update(_alerts).where(_alerts.c.id.in_(alert_ids), _alerts.c.read_id.in_(doomed)).values(read_id=None)
        )
        session.execute(
            update(_alerts)
            .where(_alerts.c.id.in_(alert_ids), _alerts.c.last_read_id.in_(doomed))
            .values(last_read_id=None)
        )
    session.execute(delete(_reads).where(_reads.c.id.in_(doomed)))
    return Batch(len(rows), rows[0][1], rows[-1][1], _refs(rows))


def clear_images(session: Session, cand: Candidates, *, cutoff: datetime, scope: HoldScope) -> Batch:
    """Clear the image and crop references of the candidates still due (the reads stay)."""
    rows = _confirm_reads(session, _images_due(cutoff, scope), cand.ids)
    if not rows:
        return Batch(0, None, None)
    cleared = [r[0] for r in rows]
    session.execute(update(_reads).where(_reads.c.id.in_(cleared)).values(image_ref=None, crop_ref=None))
    return Batch(len(rows), rows[0][1], rows[-1][1], _refs(rows))


def purge_alerts(session: Session, cand: Candidates, *, cutoff: datetime, scope: HoldScope) -> Batch:
    """Delete the candidates that are still alerts closed or rejected before ``cutoff`` (not held), with their
    transitions; match rows that pointed at them keep the read but lose the alert link."""
    closed = _alert_closed_at()
    q = (
        select(_alerts.c.id, closed)
        .where(_alerts.c.id.in_(list(cand.ids)), _alerts_due(cutoff, scope))
        .order_by(closed)
    )
    rows = [(r[0], r[1]) for r in session.execute(q)]
    if not rows:
        return Batch(0, None, None)
    doomed = [r[0] for r in rows]
    session.execute(update(_matches).where(_matches.c.alert_id.in_(doomed)).values(alert_id=None))
    session.execute(delete(_transitions).where(_transitions.c.alert_id.in_(doomed)))
    session.execute(delete(_alerts).where(_alerts.c.id.in_(doomed)))
    return Batch(len(rows), rows[0][1], rows[-1][1])


# ------------------------------------------------------------------------------------------------ dry run


def due_summary(
    session: Session, cls: str, *, cutoff: datetime, scope: HoldScope
) -> tuple[int, datetime | None, datetime | None]:
    """(count, oldest, newest) of what a purge of ``cls`` would take now (dry run)."""
    if cls == "alerts":
        closed = _alert_closed_at()
        q = select(func.count(), func.min(closed), func.max(closed)).where(_alerts_due(cutoff, scope))
    else:
        cond = {
            "reads_nonhit": nonhit_due,
            "reads_hit": _hit_due,
            "images": _images_due,
        }[cls](cutoff, scope)
        q = select(func.count(), func.min(_reads.c.observed_at), func.max(_reads.c.observed_at)).where(cond)
    row = session.execute(q).one()
    return int(row[0] or 0), row[1], row[2]


# ------------------------------------------------------------------------------------------------ holds and runs


def active_holds(session: Session) -> list[LegalHold]:
    """Every hold currently in force."""
    return list(session.scalars(select(LegalHold).where(LegalHold.status == HoldStatus.active.value)))


def get_hold(session: Session, hold_id: uuid.UUID, *, lock: bool = False) -> LegalHold | None:
    """One hold by id (locked for update when ``lock``)."""
    q = select(LegalHold).where(LegalHold.id == hold_id)
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    return session.scalars(q).first()


def list_holds(
    session: Session,
    *,
    status: str | None,
    case_number: str | None,
    review_due_on: date | None,
    limit: int,
    offset: int,
) -> list[LegalHold]:
    """Holds, newest request first; ``review_due_on`` keeps active holds whose review date is on or before it."""
    q = select(LegalHold)
    if status:
        q = q.where(LegalHold.status == status)
    if case_number:
        q = q.where(LegalHold.case_number == case_number)
    if review_due_on is not None:
        q = q.where(LegalHold.status == HoldStatus.active.value, LegalHold.review_date <= review_due_on)
    return list(session.scalars(q.order_by(LegalHold.requested_at.desc()).limit(limit).offset(offset)))


def list_runs(session: Session, *, limit: int, offset: int) -> list[RetentionRun]:
    """Purge runs, newest first."""
    q = select(RetentionRun).order_by(RetentionRun.started_at.desc()).limit(limit).offset(offset)
    return list(session.scalars(q))


def get_run(session: Session, run_id: uuid.UUID) -> RetentionRun | None:
    """One run by id."""
    return session.get(RetentionRun, run_id)
