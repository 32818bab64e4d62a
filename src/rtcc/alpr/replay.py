"""ALPR dead-letter replay: run a pending dead letter through its channel's adapter and the store path again.

A replay parses the stored payload with the adapter its context names and stores it through
``rtcc.alpr.payloads.ingest_payload``, as the person replaying it (``principals.replay_principal``: they may store it
for any camera, having decided to replay it). Each dead letter is replayed inside a savepoint: a refusal or a database
error rolls back only that letter's work (and forgets the after-commit events it registered), the letter is marked
replayed, or keeps its first reason and records the new failure (attempts + 1). ``replay`` takes one letter,
``replay_pending`` the oldest pending ones; both are audited. A letter that kept only a prefix of its payload
(``payload_truncated``) is never replayed: ``replay`` refuses it, ``replay_pending`` passes it by.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from rtcc.alpr import repository
from rtcc.alpr.deadletters import DeadLetterDraft
from rtcc.alpr.models import DeadLetter
from rtcc.alpr.payloads import ingest_payload
from rtcc.alpr.principals import replay_principal
from rtcc.alpr.schemas import IngestResult, ReplayOutcome, ReplaySummary
from rtcc.audit import service as audit
from rtcc.bus.base import Bus
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, DomainError, NotFound
from rtcc.identity.logic import Principal
from rtcc.settings import Settings

logger = logging.getLogger(__name__)


def _mark_callbacks(session: Session) -> int:
    return len(session.info.get("after_commit", []))


def _drop_callbacks(session: Session, mark: int) -> None:
    """Forget after-commit callbacks (events) registered by work that was rolled back to a savepoint."""
    pending = session.info.get("after_commit")
    if pending is not None:
        del pending[mark:]


def _replay_one(session: Session, bus: Bus, dl: DeadLetter, *, actor: Principal, settings: Settings) -> ReplayOutcome:
    principal = replay_principal(actor)
    drafts: list[DeadLetterDraft] = []
    failure: str | None = None
    result: IngestResult | None = None
    mark = _mark_callbacks(session)
    savepoint = session.begin_nested()
    try:
        result = ingest_payload(
            session,
            bus,
            dl.payload,
            source=dl.source,
            context=dl.context or {},
            principal=principal,
            settings=settings,
            dead_letters=drafts,
        )
    except DomainError as exc:
        savepoint.rollback()
        _drop_callbacks(session, mark)
        failure = exc.detail
    except SQLAlchemyError as exc:
        savepoint.rollback()
        _drop_callbacks(session, mark)
        failure = f"storage failed: {type(exc).__name__}"
        logger.warning("replay of dead letter %s failed in the database (%s)", dl.id, type(exc).__name__)
        logger.debug("replay failure", exc_info=True)
    else:
        savepoint.commit()
        if drafts:
            failure = "; ".join(d.reason for d in drafts)
    dl.attempts = (dl.attempts or 0) + 1
    if failure is None:
        dl.status = "replayed"
        dl.resolved_at = utcnow()
    else:
        ctx = dict(dl.context or {})
        ctx.setdefault("first_reason", dl.reason)
        dl.context = ctx
        dl.reason = failure
    session.flush()
    return ReplayOutcome(id=dl.id, status=dl.status, reason=failure, attempts=dl.attempts, result=result)


def replay(session: Session, bus: Bus, dead_letter_id: int, *, actor: Principal, settings: Settings) -> ReplayOutcome:
    """Parse a pending dead letter again through its source's adapter and store it; marks it replayed, or records
    the new failure (attempts + 1). Audited."""
    dl = repository.get_dead_letter(session, dead_letter_id, lock=True)
    if dl is None:
        raise NotFound(f"no dead letter {dead_letter_id}")
    if dl.status != "pending":
        raise Conflict(f"dead letter {dead_letter_id} is {dl.status}; only pending ones can be replayed")
    if dl.payload_truncated:
        raise Conflict(
            f"dead letter {dead_letter_id} keeps only the first {len(dl.payload.encode())} of its {dl.payload_bytes} "
            "bytes; it cannot be replayed: ask the sender to send it again"
        )
    outcome = _replay_one(session, bus, dl, actor=actor, settings=settings)
    audit.record_for(
        session,
        actor,
        "alpr.deadletter.replay",
        target_type="dead_letter",
        target_id=str(dl.id),
        details={"source": dl.source, "status": outcome.status, "attempts": outcome.attempts},
    )
    return outcome


def replay_pending(
    session: Session,
    bus: Bus,
    *,
    source: str | None,
    limit: int,
    actor: Principal,
    settings: Settings,
    after_id: int = 0,
) -> ReplaySummary:
    """Replay up to ``limit`` pending dead letters with ids above ``after_id`` (oldest first), optionally of one
    source. Audited once."""
    outcomes: list[ReplayOutcome] = []
    for dl_id in repository.pending_dead_letter_ids(session, source=source, limit=limit, after_id=after_id):
        dl = repository.get_dead_letter(session, dl_id, lock=True)
        if dl is None or dl.status != "pending":
            continue
        outcomes.append(_replay_one(session, bus, dl, actor=actor, settings=settings))
    replayed = sum(1 for o in outcomes if o.status == "replayed")
    audit.record_for(
        session,
        actor,
        "alpr.deadletter.replay_all",
        target_type="dead_letter",
        details={"source": source, "replayed": replayed, "failed": len(outcomes) - replayed},
    )
    return ReplaySummary(replayed=replayed, failed=len(outcomes) - replayed, items=outcomes)
