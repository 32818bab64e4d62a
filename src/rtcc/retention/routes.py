"""HTTP routes of the retention domain: the policy, purge passes on demand and their history, and legal holds.

``GET /api/v1/retention/policy`` and ``/runs`` need ``retention:read``; ``POST /api/v1/retention/run`` needs
``retention:run`` and runs a bounded pass (``RTCC_RETENTION_API_MAX_BATCHES`` batches per class at most). Holds are
requested and listed with ``holds:request`` and approved, denied or released with ``holds:approve`` (never by their
requester). Every action is audited.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from rtcc.core.pagination import Offset
from rtcc.deps import DbDep, SettingsDep
from rtcc.identity.deps import require
from rtcc.identity.logic import Perm, Principal
from rtcc.retention import service
from rtcc.retention.logic import HoldAction, HoldStatus
from rtcc.retention.schemas import (
    ClassOutcome,
    HoldCreate,
    HoldDecision,
    HoldRead,
    PolicyRead,
    RetentionClassRead,
    RunRead,
    RunRequest,
)

router = APIRouter(tags=["retention"])

Reader = Annotated[Principal, require(Perm.retention_read)]
Runner = Annotated[Principal, require(Perm.retention_run)]
Requester = Annotated[Principal, require(Perm.holds_request)]
Approver = Annotated[Principal, require(Perm.holds_approve)]


@router.get("/api/v1/retention/policy")
def get_policy(settings: SettingsDep, _p: Reader) -> PolicyRead:
    """The retention period of each data class and how purges run."""
    return PolicyRead(
        classes=[RetentionClassRead.model_validate(c) for c in service.policy(settings)],
        batch_size=settings.retention_batch_size,
        pause_ms=settings.retention_pause_ms,
        interval_s=settings.retention_interval_s,
    )


@router.post("/api/v1/retention/run")
def run_purge(db: DbDep, settings: SettingsDep, actor: Runner, body: RunRequest | None = None) -> list[ClassOutcome]:
    """Run one bounded purge pass now (or only count with ``dry_run``); answers the outcome per class."""
    body = body or RunRequest()
    outcome = service.run_purge(
        db,
        settings,
        actor=actor,
        trigger="api",
        classes=body.classes,
        dry_run=body.dry_run,
        max_batches=settings.retention_api_max_batches,
    )
    return outcome.classes


@router.get("/api/v1/retention/runs")
def list_runs(
    db: DbDep,
    _p: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> list[RunRead]:
    """Purge runs, newest first, with their per-class counts."""
    with db.read() as session:
        return service.list_runs(session, limit=limit, offset=offset)


@router.post("/api/v1/holds", status_code=201)
def request_hold(body: HoldCreate, db: DbDep, settings: SettingsDep, actor: Requester) -> HoldRead:
    """Request a legal hold for a case on record, with a bounded scope; it keeps data only once a supervisor (not
    the requester) approves it."""
    with db.uow() as session:
        hold = service.request_hold(
            session,
            body,
            actor=actor,
            max_window_days=settings.hold_max_window_days,
            max_review_days=settings.hold_max_review_days,
        )
        return service.hold_view(hold)


@router.get("/api/v1/holds")
def list_holds(
    db: DbDep,
    _p: Requester,
    status: HoldStatus | None = None,
    case_number: str | None = None,
    review_due: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[HoldRead]:
    """Holds, newest first; ``review_due=true`` lists active holds whose review date has come."""
    with db.read() as session:
        return service.list_holds(
            session,
            status=status.value if status else None,
            case_number=case_number,
            review_due=review_due,
            limit=limit,
            offset=offset,
        )


@router.get("/api/v1/holds/{hold_id}")
def get_hold(hold_id: uuid.UUID, db: DbDep, _p: Requester) -> HoldRead:
    """One hold."""
    with db.read() as session:
        return service.hold_view(service.get_hold(session, hold_id))


def _act(db: DbDep, hold_id: uuid.UUID, action: HoldAction, actor: Principal, body: HoldDecision | None) -> HoldRead:
    with db.uow() as session:
        hold = service.act_on_hold(session, hold_id, action, actor=actor, note=body.note if body else None)
        return service.hold_view(hold)


@router.post("/api/v1/holds/{hold_id}/approve")
def approve_hold(hold_id: uuid.UUID, db: DbDep, actor: Approver, body: HoldDecision | None = None) -> HoldRead:
    """Approve a requested hold (two-person rule: not by its requester); it keeps its data from now on."""
    return _act(db, hold_id, HoldAction.approve, actor, body)


@router.post("/api/v1/holds/{hold_id}/deny")
def deny_hold(hold_id: uuid.UUID, db: DbDep, actor: Approver, body: HoldDecision | None = None) -> HoldRead:
    """Deny a requested hold (not by its requester)."""
    return _act(db, hold_id, HoldAction.deny, actor, body)


@router.post("/api/v1/holds/{hold_id}/release")
def release_hold(hold_id: uuid.UUID, db: DbDep, actor: Approver, body: HoldDecision | None = None) -> HoldRead:
    """Release an active hold; its data is purged by the next pass once past retention."""
    return _act(db, hold_id, HoldAction.release, actor, body)
