"""HTTP routes of the audit log: filtered listing for auditors, and chain verification."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from rtcc.audit import service
from rtcc.audit.schemas import AuditEntryRead, VerificationRead
from rtcc.deps import DbDep
from rtcc.identity.deps import require
from rtcc.identity.logic import Perm, Principal

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("/entries")
def list_entries(
    db: DbDep,
    _p: Annotated[Principal, require(Perm.audit_read)],
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_seq: int | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntryRead]:
    """Audit entries, newest first, filtered by actor, action prefix and time."""
    with db.read() as session:
        rows = service.search(
            session, actor=actor, action=action, since=since, until=until, before_seq=before_seq, limit=limit
        )
        return [AuditEntryRead.model_validate(r) for r in rows]


@router.post("/verify")
def verify(db: DbDep, actor: Annotated[Principal, require(Perm.audit_verify)]) -> VerificationRead:
    """Walk the whole chain; the outcome is itself recorded in the chain."""
    with db.uow() as session:
        result = service.verify(session)
        service.record_for(
            session,
            actor,
            "audit.verify",
            details={
                "ok": result.ok,
                "checked": result.checked,
                "first_bad_seq": result.first_bad_seq,
                "problem": result.problem,
            },
        )
    return VerificationRead(**asdict(result))
