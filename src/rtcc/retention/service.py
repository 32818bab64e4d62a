"""Retention use cases: the policy (contract C3), purge passes over every data class in bounded batches, and legal
holds (request, approve or deny, release, list).

Hold functions take ``*, session`` and never commit. A purge pass is the exception, like the hotlist refresh: it
takes the ``Database`` and owns its units of work, because each batch must be its own short transaction (SQLite has
one writer; ingest waits for at most one batch). Every batch that deletes something appends a ``retention.purge``
audit entry (``class``, ``count``, ``oldest``, ``newest``, ``run``) in the same transaction, so no deletion is ever
unrecorded; a purge of audit entries also records the checkpoint that lets ``audit verify`` start after the gap.
The pass itself is kept in ``retention_runs`` and audited as ``retention.run`` (a scheduled pass that found nothing
to purge is only logged, so an idle hourly job does not fill the history).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from rtcc.alpr import partitions
from rtcc.audit import service as audit
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.errors import NotFound
from rtcc.core.plates import normalise
from rtcc.governance import cases
from rtcc.identity.logic import Principal
from rtcc.retention import logic, repository
from rtcc.retention.logic import DataClass, HoldAction, HoldStatus, RetentionClass
from rtcc.retention.models import LegalHold, RetentionRun
from rtcc.retention.repository import Batch, HoldFilter, HoldScope
from rtcc.retention.schemas import ClassOutcome, HoldCreate, HoldRead, RunRead
from rtcc.settings import Settings

logger = logging.getLogger(__name__)

PURGE_ACTION = "retention.purge"


# ------------------------------------------------------------------------------------------------------- policy


def period_days(settings: Settings) -> dict[DataClass, int]:
    """The retention period of each class, in days, from the settings."""
    return {
        DataClass.reads_nonhit: settings.retention_reads_days,
        DataClass.reads_hit: settings.retention_hit_reads_days,
        DataClass.images: settings.retention_images_days,
        DataClass.alerts: settings.retention_alerts_days,
        DataClass.audit: settings.retention_audit_days,
    }


def policy(settings: Settings) -> list[RetentionClass]:
    """The retention policy in force: one ``RetentionClass`` per data class (contract C3)."""
    return logic.build_policy(period_days(settings))


# ------------------------------------------------------------------------------------------------------- holds


def hold_scope(session: Session) -> HoldScope:
    """What the active holds keep, as one scope the purge queries exclude."""
    read_ids: set[uuid.UUID] = set()
    alert_ids: set[uuid.UUID] = set()
    filters: list[HoldFilter] = []
    for h in repository.active_holds(session):
        read_ids.update(uuid.UUID(r) for r in h.read_ids or [])
        alert_ids.update(uuid.UUID(a) for a in h.alert_ids or [])
        if h.plates or h.camera_codes or h.time_from or h.time_to:
            filters.append(HoldFilter(tuple(h.plates or ()), tuple(h.camera_codes or ()), h.time_from, h.time_to))
    return HoldScope(frozenset(read_ids), frozenset(alert_ids), tuple(filters))


def hold_view(hold: LegalHold, *, today: date | None = None) -> HoldRead:
    """The API view of a hold (with ``review_due`` computed for ``today``)."""
    day = today or utcnow().date()
    view = HoldRead.model_validate(hold)
    view.review_due = logic.review_due(hold.status, hold.review_date, day)
    return view


def request_hold(
    session: Session,
    data: HoldCreate,
    *,
    actor: Principal,
    today: date | None = None,
    max_window_days: int = 31,
    max_review_days: int = 366,
) -> LegalHold:
    """Record a hold request (status ``requested``); it keeps nothing until a supervisor approves it. The case must
    be on record (``governance.cases``) and the scope bounded (``logic.check_scope``, ``max_window_days``)."""
    now = utcnow()
    logic.check_review_date(data.review_date, today or now.date(), max_review_days)
    case = cases.require_case(session, data.case_number, why="a legal hold keeps data for a real case")
    plates = sorted({normalise(p) for p in data.plates} - {""})
    codes = sorted({c.strip() for c in data.camera_codes} - {""})
    logic.check_scope(
        plates=plates,
        read_ids=[str(r) for r in data.read_ids],
        alert_ids=[str(a) for a in data.alert_ids],
        camera_codes=codes,
        time_from=data.time_from,
        time_to=data.time_to,
        max_window_days=max_window_days,
    )
    hold = LegalHold(
        id=uuid.uuid4(),
        case_number=case,
        reason=data.reason,
        plates=plates,
        read_ids=sorted({str(r) for r in data.read_ids}),
        alert_ids=sorted({str(a) for a in data.alert_ids}),
        camera_codes=codes,
        time_from=data.time_from,
        time_to=data.time_to,
        review_date=data.review_date,
        status=HoldStatus.requested.value,
        requested_by=actor.audit_name,
        requested_at=now,
    )
    session.add(hold)
    session.flush()
    audit.record_for(
        session,
        actor,
        "holds.request",
        target_type="legal_hold",
        target_id=str(hold.id),
        details={
            "case_number": hold.case_number,
            "review_date": hold.review_date.isoformat(),
            "plates": len(plates),
            "read_ids": len(hold.read_ids),
            "alert_ids": len(hold.alert_ids),
            "camera_codes": codes,
            "time_from": hold.time_from,
            "time_to": hold.time_to,
        },
    )
    logger.info("legal hold %s requested for case %s", hold.id, hold.case_number)
    return hold


def get_hold(session: Session, hold_id: uuid.UUID) -> LegalHold:
    """One hold; NotFound when there is none."""
    hold = repository.get_hold(session, hold_id)
    if hold is None:
        raise NotFound(f"no legal hold {hold_id}")
    return hold


def act_on_hold(
    session: Session, hold_id: uuid.UUID, action: HoldAction, *, actor: Principal, note: str | None = None
) -> LegalHold:
    """Approve, deny or release a hold (the caller checked ``holds:approve``); approval and denial follow the
    two-person rule; every step is audited (``holds.approve`` / ``holds.deny`` / ``holds.release``)."""
    hold = repository.get_hold(session, hold_id, lock=True)
    if hold is None:
        raise NotFound(f"no legal hold {hold_id}")
    target = logic.next_hold_status(hold.status, action)
    now = utcnow()
    if action in (HoldAction.approve, HoldAction.deny):
        logic.check_decider(hold.requested_by, actor.audit_name)
        if action is HoldAction.approve:
            logic.check_review_date(hold.review_date, now.date())  # a stale request is re-requested, not approved
        hold.decided_by = actor.audit_name
        hold.decided_at = now
        hold.decision_note = note
    else:
        hold.released_by = actor.audit_name
        hold.released_at = now
        hold.release_note = note
    previous = hold.status
    hold.status = target.value
    session.flush()
    audit.record_for(
        session,
        actor,
        f"holds.{action.value}",
        target_type="legal_hold",
        target_id=str(hold.id),
        details={"case_number": hold.case_number, "from": previous, "to": target.value, "note": note},
    )
    logger.info("legal hold %s: %s -> %s", hold.id, previous, target.value)
    return hold


def list_holds(
    session: Session,
    *,
    status: str | None = None,
    case_number: str | None = None,
    review_due: bool = False,
    today: date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[HoldRead]:
    """Holds, newest first; ``review_due`` keeps active holds whose review date has come."""
    day = today or utcnow().date()
    rows = repository.list_holds(
        session,
        status=status,
        case_number=case_number,
        review_due_on=day if review_due else None,
        limit=limit,
        offset=offset,
    )
    return [hold_view(h, today=day) for h in rows]


# ------------------------------------------------------------------------------------------------------- runs


def list_runs(session: Session, *, limit: int = 50, offset: int = 0) -> list[RunRead]:
    """Purge runs, newest first."""
    return [RunRead.model_validate(r) for r in repository.list_runs(session, limit=limit, offset=offset)]


@dataclass
class RunOutcome:
    """A finished pass: its run id and the outcome of each class, in purge order."""

    run_id: uuid.UUID
    dry_run: bool
    classes: list[ClassOutcome] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Rows purged (or due, dry run) per class."""
        return {c.name: c.count for c in self.classes}


PurgeFn = Callable[..., Batch]

_PURGERS: dict[DataClass, PurgeFn] = {
    DataClass.reads_nonhit: repository.purge_nonhit_reads,
    DataClass.reads_hit: repository.purge_hit_reads,
    DataClass.images: repository.clear_images,
    DataClass.alerts: repository.purge_alerts,
}


def _delete_files(refs: Sequence[str], data_dir: Path) -> int:
    deleted = 0
    for ref in refs:
        path = logic.local_file(ref, data_dir)
        if path is None:
            continue
        try:
            path.unlink()
            deleted += 1
        except FileNotFoundError:
            continue
        except OSError:
            logger.warning("could not delete image file %s", path, exc_info=True)
    return deleted


def _record_batch(
    session: Session, actor: Principal, cls: DataClass, run_id: uuid.UUID, batch: Batch, extra: dict[str, Any]
) -> None:
    details: dict[str, Any] = {
        "class": cls.value,
        "count": batch.count,
        "oldest": batch.oldest,
        "newest": batch.newest,
        "run": str(run_id),
        **extra,
    }
    checkpoint = extra.get(audit.CHECKPOINT_KEY)
    if checkpoint is not None:
        target_type, target_id = audit.CHECKPOINT_TARGET, str(checkpoint["first_kept_seq"])
    else:
        target_type, target_id = "retention_class", cls.value
    audit.record_for(session, actor, PURGE_ACTION, target_type=target_type, target_id=target_id, details=details)


@dataclass
class _Dropped:
    count: int = 0
    batches: int = 0
    files: int = 0
    oldest: datetime | None = None
    newest: datetime | None = None


def _drop_partitions(
    db: Database, *, cutoff: datetime, run_id: uuid.UUID, actor: Principal, data_dir: Path
) -> tuple[_Dropped, datetime] | None:
    """PostgreSQL with partitioned reads: drop each day wholly before ``cutoff`` as one partition (the reads that
    stay, hits and held reads, are kept in the default partition), one audited transaction per day. Returns what
    went and the cutoff the row-by-row purge should use after it (the start of the cutoff's day when that day has
    a partition: the rest of that day goes with it, a day later); None where reads are not partitioned (SQLite)."""
    cutoff_day = cutoff.astimezone(UTC).date()
    with db.read() as session:
        if not partitions.is_partitioned(session):
            return None
        days = partitions.days_due(session, cutoff)
        cutoff_day_partitioned = cutoff_day in set(partitions.list_days(session))
    out = _Dropped()
    for day in days:
        try:
            with db.uow() as session:
                scope = hold_scope(session)
                gone = partitions.drop_day(session, day, keep=repository.kept_past_period(scope))
                if gone is None:
                    continue
                refs = tuple(r for r in gone.refs if r not in repository.refs_in_use(session, gone.refs))
                batch = Batch(gone.dropped, gone.oldest, gone.newest, refs)
                _record_batch(
                    session, actor, DataClass.reads_nonhit, run_id, batch, {"partition": gone.name, "kept": gone.kept}
                )
        except OperationalError:  # the lock on alpr_reads was not granted in time: the next pass drops the day
            logger.warning("retention: could not drop the reads partition of %s now; the next pass retries", day)
            continue
        out.count += batch.count
        out.batches += 1
        out.files += _delete_files(batch.refs, data_dir)
        if batch.oldest is not None and (out.oldest is None or batch.oldest < out.oldest):
            out.oldest = batch.oldest
        if batch.newest is not None and (out.newest is None or batch.newest > out.newest):
            out.newest = batch.newest
    # the reads of the cutoff's own day go with its partition a day later; reads in the default partition (days
    # without a partition) are deleted one by one at the exact cutoff
    return out, partitions.day_bounds(cutoff_day)[0] if cutoff_day_partitioned else cutoff


def _purge_class(
    db: Database,
    cls: DataClass,
    *,
    cutoff: datetime,
    days: int,
    run_id: uuid.UUID,
    actor: Principal,
    batch_size: int,
    target_ms: float,
    pause_s: float,
    max_batches: int | None,
    data_dir: Path,
) -> ClassOutcome:
    count = batches = files = 0
    oldest: datetime | None = None
    newest: datetime | None = None
    after: datetime | None = None
    reported_cutoff = cutoff
    if cls is DataClass.reads_nonhit:
        dropped = _drop_partitions(db, cutoff=cutoff, run_id=run_id, actor=actor, data_dir=data_dir)
        if dropped is not None:
            whole, cutoff = dropped  # rows left to delete one by one: the default partition's
            count, batches, files, oldest, newest = whole.count, whole.batches, whole.files, whole.oldest, whole.newest
    complete = False
    limit = batch_size if target_ms <= 0 else min(batch_size, logic.FIRST_BATCH)  # adaptive: start small, grow
    while max_batches is None or batches < max_batches:
        if cls is DataClass.audit:
            with db.uow() as session:
                prefix = audit.purge_before(session, before=cutoff, limit=batch_size)
                batch = Batch(0, None, None) if prefix is None else Batch(prefix.count, prefix.oldest, prefix.newest)
                if prefix is not None:
                    _record_batch(session, actor, cls, run_id, batch, {audit.CHECKPOINT_KEY: prefix.checkpoint()})
            found = batch.count
        else:
            with db.read() as session:  # candidates are found outside the writer lock
                cand = repository.candidates(
                    session, cls.value, cutoff=cutoff, scope=hold_scope(session), after=after, limit=limit
                )
            found = len(cand)
            if not found:
                complete = True
                break
            t0 = time.perf_counter()
            with db.uow() as session:
                scope = hold_scope(session)  # re-read in the write transaction: a hold approved meanwhile applies
                t1 = time.perf_counter()
                batch = _PURGERS[cls](session, cand, cutoff=cutoff, scope=scope)
                if batch.refs:  # a file another read still names stays (content-addressed images can be shared)
                    in_use = repository.refs_in_use(session, batch.refs)
                    batch = replace(batch, refs=tuple(r for r in batch.refs if r not in in_use))
                work_ms = (time.perf_counter() - t1) * 1000
                if batch.count:
                    _record_batch(session, actor, cls, run_id, batch, {})
            held_ms = (time.perf_counter() - t0) * 1000
            next_limit = logic.next_batch_size(limit, held_ms, target_ms=target_ms, largest=batch_size, work_ms=work_ms)
            if batch.count == 0 and cand.last == after:
                break  # every candidate at the keyset position is kept now (held meanwhile): stop, not loop
            after = cand.last
        if found == 0:
            complete = True
            break
        batches += 1
        count += batch.count
        files += _delete_files(batch.refs, data_dir)
        if batch.oldest is not None and (oldest is None or batch.oldest < oldest):
            oldest = batch.oldest
        if batch.newest is not None and (newest is None or batch.newest > newest):
            newest = batch.newest
        if found < limit:
            complete = True
            break
        if cls is not DataClass.audit:
            limit = next_limit
        if pause_s > 0:
            time.sleep(pause_s)
    logger.info("retention %s: %d purged in %d batches (complete=%s)", cls.value, count, batches, complete)
    return ClassOutcome(
        name=cls.value,
        days=days,
        cutoff=reported_cutoff,
        count=count,
        oldest=oldest,
        newest=newest,
        batches=batches,
        files_deleted=files,
        complete=complete,
    )


def _dry_class(db: Database, cls: DataClass, *, cutoff: datetime, days: int) -> ClassOutcome:
    with db.read() as session:
        if cls is DataClass.audit:
            count, oldest, newest = audit.due_before(session, cutoff)
        else:
            count, oldest, newest = repository.due_summary(session, cls.value, cutoff=cutoff, scope=hold_scope(session))
    return ClassOutcome(
        name=cls.value,
        days=days,
        cutoff=cutoff,
        count=count,
        oldest=oldest,
        newest=newest,
        batches=0,
        complete=True,
    )


def run_purge(
    db: Database,
    settings: Settings,
    *,
    actor: Principal,
    trigger: str,
    classes: list[str] | None = None,
    dry_run: bool = False,
    max_batches: int | None = None,
    now: datetime | None = None,
) -> RunOutcome:
    """One purge pass over ``classes`` (default all) in bounded batches, each its own transaction; ``max_batches``
    bounds the batches per class (None: until nothing is due). ``dry_run`` only counts what is due."""
    chosen = logic.parse_classes(classes)
    started = now or utcnow()
    days = period_days(settings)
    run_id = uuid.uuid4()
    run_started = utcnow()
    outcome = RunOutcome(run_id=run_id, dry_run=dry_run)
    error: str | None = None
    try:
        for cls in chosen:
            cutoff = logic.cutoff(started, days[cls])
            if dry_run:
                outcome.classes.append(_dry_class(db, cls, cutoff=cutoff, days=days[cls]))
            else:
                outcome.classes.append(
                    _purge_class(
                        db,
                        cls,
                        cutoff=cutoff,
                        days=days[cls],
                        run_id=run_id,
                        actor=actor,
                        batch_size=settings.retention_batch_size,
                        target_ms=settings.retention_batch_target_ms,
                        pause_s=settings.retention_pause_ms / 1000,
                        max_batches=max_batches,
                        data_dir=settings.data_dir,
                    )
                )
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        raise
    finally:
        if error or trigger != "job" or any(c.count for c in outcome.classes):
            try:
                _record_run(db, outcome, actor=actor, trigger=trigger, started=run_started, error=error)
            except Exception:
                if error is None:
                    raise
                logger.exception("could not record the failed retention run %s", run_id)  # keep the first error
    return outcome


def _record_run(
    db: Database, outcome: RunOutcome, *, actor: Principal, trigger: str, started: datetime, error: str | None
) -> None:
    """Keep the pass in ``retention_runs`` and the audit chain (``retention.run``)."""
    with db.uow() as session:
        session.add(
            RetentionRun(
                id=outcome.run_id,
                started_at=started,
                finished_at=utcnow(),
                trigger=trigger,
                actor=actor.audit_name,
                dry_run=outcome.dry_run,
                status="failed" if error else "done",
                classes={c.name: c.model_dump(mode="json") for c in outcome.classes},
                error=error,
            )
        )
        audit.record_for(
            session,
            actor,
            "retention.run",
            target_type="retention_run",
            target_id=str(outcome.run_id),
            details={"trigger": trigger, "dry_run": outcome.dry_run, "counts": outcome.counts(), "error": error},
        )
