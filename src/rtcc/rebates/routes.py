"""HTTP routes of the rebates domain: the applicant's own applications under ``/api/v1/me/rebates``
(``community:self``; someone else's application answers 404) and the program's staff routes under
``/api/v1/rebates``: the review queue, decisions and payments (``rebates:review``), the budget (read with
``rebates:report``, changed with ``rebates:review``: program staff enter the total the council adopted), the council
report (``rebates:report``) and the registration-commitment list (``rebates:review``).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from rtcc.core import bodylimit
from rtcc.core.errors import ValidationFailed, field_error
from rtcc.core.pagination import Offset
from rtcc.deps import DbDep, SettingsDep
from rtcc.identity.deps import require
from rtcc.identity.logic import Perm, Principal
from rtcc.rebates import budget, proofs, reports, review, service
from rtcc.rebates.schemas import (
    ApplicationCreate,
    ApplicationPage,
    ApplicationRead,
    ComplianceRow,
    DenyRequest,
    PaidRequest,
    ProgramRead,
    ProgramUpdate,
    ReportRead,
)

router = APIRouter(tags=["rebates"])

Applicant = Annotated[Principal, require(Perm.community_self)]
Reviewer = Annotated[Principal, require(Perm.rebates_review)]
Reporter = Annotated[Principal, require(Perm.rebates_report)]
FromQ = Annotated[date | None, Query(alias="from", description="First day (UTC), inclusive.")]
ToQ = Annotated[date | None, Query(alias="to", description="Last day (UTC), inclusive.")]

#: Bytes of multipart framing allowed on top of the file size limit before a request is refused unread.
_FORM_OVERHEAD = 64 * 1024

_PROOF_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "Proof of purchase: a PDF, JPEG or PNG (checked by content), at most RTCC_REBATE_MAX_UPLOAD_MB.",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}

# --- applicant -------------------------------------------------------------------------------------------------------


@router.post("/api/v1/me/rebates", status_code=201)
def create_application(body: ApplicationCreate, db: DbDep, settings: SettingsDep, actor: Applicant) -> ApplicationRead:
    """Start an application (a draft) for one of your registered cameras; then upload proof and submit."""
    with db.uow() as session:
        return service.create_application(session, settings, body, actor=actor)


@router.get("/api/v1/me/rebates")
def my_applications(db: DbDep, actor: Applicant) -> list[ApplicationRead]:
    """Your rebate applications, newest first."""
    with db.read() as session:
        return service.my_applications(session, actor=actor)


@router.get("/api/v1/me/rebates/{application_id}")
def my_application(application_id: uuid.UUID, db: DbDep, actor: Applicant) -> ApplicationRead:
    """One of your applications with its status timeline."""
    with db.read() as session:
        return service.my_application(session, application_id, actor=actor)


@router.post("/api/v1/me/rebates/{application_id}/proof", openapi_extra=_PROOF_BODY)
async def upload_proof(
    application_id: uuid.UUID, request: Request, db: DbDep, settings: SettingsDep, actor: Applicant
) -> ApplicationRead:
    """Upload (or replace) the proof of purchase of a draft or ineligible application; atomic."""
    limit = settings.rebate_max_upload_mb * 1024 * 1024
    # refused by Content-Length before reading, or cut while streaming: the form is never spooled past the limit
    too_large = f"the file is larger than {settings.rebate_max_upload_mb} MB"
    bodylimit.narrow(request, limit + _FORM_OVERHEAD, field="file", message=too_large)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ValidationFailed(
            "file: send a multipart form with a 'file' part", errors=[field_error("file", "not a multipart form")]
        )
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ValidationFailed("file: the form has no 'file' part", errors=[field_error("file", "required")])
    data = await upload.read(limit + 1)
    filename = upload.filename

    def work() -> ApplicationRead:
        with proofs.stage_proof(settings, data, filename=filename) as staged, db.uow() as session:
            return service.attach_proof(session, application_id, staged, actor=actor)

    return await run_in_threadpool(work)


@router.post("/api/v1/me/rebates/{application_id}/submit")
def submit(application_id: uuid.UUID, db: DbDep, settings: SettingsDep, actor: Applicant) -> ApplicationRead:
    """Submit: the automatic checks run at once (eligible, or ineligible with reasons you can fix and resubmit)."""
    with db.uow() as session:
        return service.submit(session, settings, application_id, actor=actor)


@router.post("/api/v1/me/rebates/{application_id}/withdraw")
def withdraw(application_id: uuid.UUID, db: DbDep, settings: SettingsDep, actor: Applicant) -> ApplicationRead:
    """Withdraw your application (not once paid)."""
    with db.uow() as session:
        return service.withdraw(session, settings, application_id, actor=actor)


# --- staff (static paths before /{application_id}) -------------------------------------------------------------------


@router.get("/api/v1/rebates/queue")
def review_queue(
    db: DbDep,
    actor: Reviewer,
    status: Annotated[list[str] | None, Query(description="Default: eligible, ineligible, waitlisted.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> ApplicationPage:
    """The review queue, oldest submission first (waitlisted ones carry their place in line); the view is audited."""
    with db.uow() as session:
        return review.queue(session, statuses=status, limit=limit, offset=offset, actor=actor)


@router.get("/api/v1/rebates/program")
def get_program(db: DbDep, settings: SettingsDep, _p: Reporter) -> ProgramRead:
    """The budget: total, committed (approved, unpaid), paid, available, and the waitlist."""
    with db.read() as session:
        return budget.program(session, settings)


@router.post("/api/v1/rebates/program")
def set_program(body: ProgramUpdate, db: DbDep, settings: SettingsDep, actor: Reviewer) -> ProgramRead:
    """Set the budget total (not below committed + paid); a raise approves waitlisted applications in order."""
    with db.uow() as session:
        return budget.set_budget(session, settings, body.total_cents, actor=actor)


@router.get("/api/v1/rebates/report")
def council_report(db: DbDep, _p: Reporter, start: FromQ = None, end: ToQ = None) -> ReportRead:
    """Council report: applications, approvals, denials, dollars committed and paid, cameras by neighbourhood."""
    with db.read() as session:
        return reports.report(session, start=start, end=end)


@router.get("/api/v1/rebates/report.csv", response_class=Response)
def council_report_csv(db: DbDep, _p: Reporter, start: FromQ = None, end: ToQ = None) -> Response:
    """The council report as CSV (kind,name,count,cents)."""
    with db.read() as session:
        rep = reports.report(session, start=start, end=end)
    return Response(
        reports.report_csv(rep),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="rebates-report.csv"'},
    )


@router.get("/api/v1/rebates/compliance")
def compliance(db: DbDep, settings: SettingsDep, _p: Reviewer) -> list[ComplianceRow]:
    """Rebated cameras withdrawn before the registration commitment ended (flag for recapture)."""
    with db.read() as session:
        return reports.compliance(session, settings)


@router.get("/api/v1/rebates/{application_id}")
def get_application(application_id: uuid.UUID, db: DbDep, actor: Reviewer) -> ApplicationRead:
    """One application with its timeline (the view is audited)."""
    with db.uow() as session:
        return review.staff_view(session, application_id, actor=actor)


@router.get("/api/v1/rebates/{application_id}/proof", response_class=FileResponse)
def get_proof(application_id: uuid.UUID, db: DbDep, settings: SettingsDep, actor: Reviewer) -> FileResponse:
    """Download the proof of purchase (the view is audited)."""
    with db.uow() as session:
        path, content_type, name = review.open_proof(session, settings, application_id, actor=actor)
    return FileResponse(path, media_type=content_type, filename=name)


@router.post("/api/v1/rebates/{application_id}/approve")
def approve(application_id: uuid.UUID, db: DbDep, settings: SettingsDep, actor: Reviewer) -> ApplicationRead:
    """Approve an eligible application: its rebate is committed, or it joins the waitlist when funds are short."""
    with db.uow() as session:
        return review.approve(session, settings, application_id, actor=actor)


@router.post("/api/v1/rebates/{application_id}/deny")
def deny(
    application_id: uuid.UUID, body: DenyRequest, db: DbDep, settings: SettingsDep, actor: Reviewer
) -> ApplicationRead:
    """Deny with a reason (sent to the applicant); committed funds go to the next one waiting."""
    with db.uow() as session:
        return review.deny(session, settings, application_id, body.reason, actor=actor)


@router.post("/api/v1/rebates/{application_id}/mark-paid")
def mark_paid(
    application_id: uuid.UUID, body: PaidRequest, db: DbDep, settings: SettingsDep, actor: Reviewer
) -> ApplicationRead:
    """Record the payment of an approved rebate with its payment reference."""
    with db.uow() as session:
        return review.mark_paid(session, settings, application_id, body.reference, actor=actor)
