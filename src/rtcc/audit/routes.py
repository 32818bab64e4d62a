"""HTTP routes of the audit log: filtered, keyset-paginated listing and CSV/JSONL export for auditors, and chain
verification.

Filters (all optional, combined with AND): actor, role, unit, action prefix, purpose, case_number, target_type,
target_id, since, until (see ``AuditFilters``). The listing pages newest first: pass the ``X-Next-Before-Seq``
response header back as ``before_seq`` for the next page. The export (``audit:export``) returns the filtered entries
in chain order and is itself recorded in the chain (``audit.export``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Response

from rtcc.audit import service
from rtcc.audit.schemas import AuditEntryRead, AuditFilters, ExportFormat, VerificationRead
from rtcc.core.pagination import DB_INT_MAX
from rtcc.deps import DbDep
from rtcc.governance import service as governance
from rtcc.identity.deps import require
from rtcc.identity.logic import Perm, Principal

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

_MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


@router.get("/entries")
def list_entries(
    db: DbDep,
    _p: Annotated[Principal, require(Perm.audit_read)],
    filters: Annotated[AuditFilters, Query()],
    response: Response,
    before_seq: Annotated[
        int | None, Query(ge=1, le=DB_INT_MAX, description="Entries older than this seq (next page).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntryRead]:
    """Audit entries, newest first, filtered; ``X-Next-Before-Seq`` names the next page when there is one."""
    with db.read() as session:
        rows = service.search(session, before_seq=before_seq, limit=limit, **filters.as_kwargs())
        items = [AuditEntryRead.model_validate(r) for r in rows]
    if len(items) == limit:
        response.headers["X-Next-Before-Seq"] = str(items[-1].seq)
    return items


@router.get("/export")
def export_entries(
    db: DbDep,
    actor: Annotated[Principal, require(Perm.audit_export)],
    filters: Annotated[AuditFilters, Query()],
    fmt: Annotated[ExportFormat, Query(alias="format", description="csv or jsonl.")] = "csv",
    limit: Annotated[int, Query(ge=1, le=governance.EXPORT_MAX)] = governance.EXPORT_MAX,
) -> Response:
    """The filtered entries in chain order as CSV or JSON Lines (at most ``limit``); the export is audited."""
    with db.uow() as session:
        body, count = governance.export_audit(session, actor=actor, filters=filters, fmt=fmt, limit=limit)
    return Response(
        content=body,
        media_type=_MEDIA[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="audit-export.{fmt}"',
            "X-Entry-Count": str(count),
        },
    )


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
