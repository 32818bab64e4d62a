"""HTTP routes of the alerts domain: the role-filtered alert list and detail (an audited access), and the
lifecycle actions verify, reject, dispatch and close. Illegal or stale transitions answer 409 problem+json."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from rtcc.alerts import lifecycle, queue
from rtcc.alerts.logic import Action, AlertKind, AlertState
from rtcc.alerts.schemas import (
    AlertFilters,
    AlertPage,
    AlertRead,
    CloseRequest,
    DispatchRequest,
    PageParams,
    RejectRequest,
    VerifyRequest,
)
from rtcc.core.pagination import Offset
from rtcc.deps import BusDep, DbDep
from rtcc.identity.deps import require
from rtcc.identity.logic import Perm, Principal

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])

PurposeQ = Annotated[
    str | None, Query(max_length=64, description="Purpose code the plates are shown for (e.g. hit_verification).")
]
CaseQ = Annotated[str | None, Query(max_length=64, description="Case or incident number, where the purpose needs one.")]


@router.get("")
def list_alerts(
    db: DbDep,
    principal: Annotated[Principal, require(Perm.alerts_read_verified)],
    state: AlertState | None = None,
    kind: AlertKind | None = None,
    since: Annotated[
        AwareDatetime | None, Query(description="Only alerts created at or after this time (with a timezone).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
    purpose: PurposeQ = None,
    case_number: CaseQ = None,
) -> AlertPage:
    """Alerts newest first; field units see only verified hits. The screen names the ``purpose`` it shows plates
    for (and a ``case_number`` where the code demands one); each page showing plates is one ``alpr.access`` record."""
    with db.uow() as session:
        return queue.list_alerts(
            session,
            principal,
            AlertFilters(state=state, kind=kind, since=since),
            PageParams(limit=limit, offset=offset),
            purpose=purpose,
            case_number=case_number,
        )


@router.get("/{alert_id}")
def get_alert(
    alert_id: uuid.UUID, db: DbDep, principal: Annotated[Principal, require(Perm.alerts_read_verified)]
) -> AlertRead:
    """One alert: the read and the hotlist entry side by side, and its history (the access is audited)."""
    with db.uow() as session:
        return queue.get_alert(session, principal, alert_id)


@router.post("/{alert_id}/verify")
def verify(
    alert_id: uuid.UUID,
    body: VerifyRequest,
    db: DbDep,
    bus: BusDep,
    actor: Annotated[Principal, require(Perm.alerts_verify)],
) -> AlertRead:
    """Verify a new hit: every checklist item must be confirmed."""
    with db.uow() as session:
        return lifecycle.transition(
            session, bus, alert_id, Action.verify, actor=actor, checklist=body.checklist.to_logic(), note=body.note
        )


@router.post("/{alert_id}/reject")
def reject(
    alert_id: uuid.UUID,
    body: RejectRequest,
    db: DbDep,
    bus: BusDep,
    actor: Annotated[Principal, require(Perm.alerts_verify)],
) -> AlertRead:
    """Reject a new hit (misread, wrong state, entry no longer current, ...); 'other' needs a note."""
    with db.uow() as session:
        return lifecycle.transition(
            session, bus, alert_id, Action.reject, actor=actor, reason=body.reason.value, note=body.note
        )


@router.post("/{alert_id}/dispatch")
def dispatch(
    alert_id: uuid.UUID,
    body: DispatchRequest,
    db: DbDep,
    bus: BusDep,
    actor: Annotated[Principal, require(Perm.alerts_dispatch)],
) -> AlertRead:
    """Send a unit to a verified hit."""
    with db.uow() as session:
        return lifecycle.transition(
            session, bus, alert_id, Action.dispatch, actor=actor, unit=body.unit, note=body.note
        )


@router.post("/{alert_id}/close")
def close(
    alert_id: uuid.UUID,
    body: CloseRequest,
    db: DbDep,
    bus: BusDep,
    actor: Annotated[Principal, require(Perm.alerts_close)],
) -> AlertRead:
    """Close a verified or dispatched hit, or a camera-offline alert."""
    with db.uow() as session:
        return lifecycle.transition(session, bus, alert_id, Action.close, actor=actor, note=body.note)
