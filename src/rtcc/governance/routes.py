"""HTTP routes of the governance domain: purpose codes, duty schedules, the misuse-flag queue, the sharing policy
and other agencies' requests, and the public transparency report (JSON and a server-rendered page).

Reading purposes needs only a staff sign-in (``self:read``); editing them ``purposes:admin``. The auditor queue
needs ``misuse:read`` and resolving ``misuse:resolve``. Agencies are listed with ``sharing:read`` and edited with
``sharing:admin``; ``POST /api/v1/sharing/requests`` is for agency API keys (``sharing:request``). The transparency
report is public.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from rtcc.core.localtime import pick_lang
from rtcc.core.pagination import Offset
from rtcc.deps import DbDep, SettingsDep
from rtcc.governance import misuse, service, sharing, transparency
from rtcc.governance.schemas import (
    AgencyCreate,
    AgencyRead,
    AgencyUpdate,
    DutyScheduleIn,
    DutyScheduleRead,
    FlagResolve,
    MisuseFlagPage,
    MisuseFlagRead,
    PurposeRead,
    PurposeUpsert,
    ScanResult,
    SharingDecisionRead,
    SharingRequestIn,
    SharingRequestRead,
    TransparencyReport,
)
from rtcc.identity.deps import public, require
from rtcc.identity.logic import Perm, Principal
from rtcc.places import service as places

router = APIRouter(tags=["governance"])

#: The portal page runs no script and loads nothing from elsewhere: a strict policy says so to the browser.
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

_GOV = "/api/v1/governance"
_SHARING = "/api/v1/sharing"


# --- purposes ---------------------------------------------------------------------------------------------------------


@router.get(f"{_GOV}/purposes")
def list_purposes(db: DbDep, _p: Annotated[Principal, require(Perm.self_read)]) -> list[PurposeRead]:
    """The purpose codes in force (forbidden ones are listed with ``allowed: false``)."""
    with db.read() as session:
        return service.purpose_reads(session)


@router.put(f"{_GOV}/purposes/{{code}}")
def upsert_purpose(
    code: str, body: PurposeUpsert, db: DbDep, actor: Annotated[Principal, require(Perm.purposes_admin)]
) -> PurposeRead:
    """Add or change a purpose code; ``active: false`` retires it."""
    with db.uow() as session:
        return service.upsert_purpose(session, code, body, actor=actor)


# --- duty schedules ---------------------------------------------------------------------------------------------------


@router.get(f"{_GOV}/duty-schedules")
def list_duty_schedules(db: DbDep, _p: Annotated[Principal, require(Perm.misuse_read)]) -> list[DutyScheduleRead]:
    """Per-user duty hours (users without one are measured against the default window)."""
    with db.read() as session:
        return service.list_duty_schedules(session)


@router.put(f"{_GOV}/duty-schedules/{{user}}")
def set_duty_schedule(
    user: str, body: DutyScheduleIn, db: DbDep, actor: Annotated[Principal, require(Perm.users_admin)]
) -> DutyScheduleRead:
    """Set a user's duty hours (``user`` is the name the audit log records)."""
    with db.uow() as session:
        return service.set_duty_schedule(session, user, body, actor=actor)


@router.delete(f"{_GOV}/duty-schedules/{{user}}", status_code=204)
def delete_duty_schedule(user: str, db: DbDep, actor: Annotated[Principal, require(Perm.users_admin)]) -> Response:
    """Remove a user's duty hours (the default window applies again)."""
    with db.uow() as session:
        service.delete_duty_schedule(session, user, actor=actor)
    return Response(status_code=204)


# --- misuse flags -----------------------------------------------------------------------------------------------------


@router.get(f"{_GOV}/misuse-flags")
def list_flags(
    db: DbDep,
    _p: Annotated[Principal, require(Perm.misuse_read)],
    status: Literal["open", "resolved"] | None = None,
    detector: Annotated[str | None, Query(max_length=32)] = None,
    subject: Annotated[str | None, Query(max_length=160, description="Subject prefix (user name).")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> MisuseFlagPage:
    """The auditor queue, newest first."""
    with db.read() as session:
        return misuse.list_flags(session, status=status, detector=detector, subject=subject, limit=limit, offset=offset)


@router.get(f"{_GOV}/misuse-flags/{{flag_id}}")
def get_flag(flag_id: uuid.UUID, db: DbDep, actor: Annotated[Principal, require(Perm.misuse_read)]) -> MisuseFlagRead:
    """One flag with its evidence (the view is audited)."""
    with db.uow() as session:
        return misuse.get_flag(session, flag_id, actor=actor)


@router.post(f"{_GOV}/misuse-flags/{{flag_id}}/resolve")
def resolve_flag(
    flag_id: uuid.UUID, body: FlagResolve, db: DbDep, actor: Annotated[Principal, require(Perm.misuse_resolve)]
) -> MisuseFlagRead:
    """Close a flag with a disposition and a note (audited)."""
    with db.uow() as session:
        return misuse.resolve_flag(session, flag_id, body, actor=actor)


@router.post(f"{_GOV}/misuse-scans")
async def run_scan(
    db: DbDep, settings: SettingsDep, actor: Annotated[Principal, require(Perm.misuse_resolve)]
) -> ScanResult:
    """Run the misuse detectors over the recent audit log now (the scheduled scan does this every hour)."""

    def work() -> ScanResult:
        with db.uow() as session:
            return misuse.scan(session, settings=settings, actor=actor)

    return await run_in_threadpool(work)


# --- sharing ----------------------------------------------------------------------------------------------------------


@router.get(f"{_SHARING}/agencies")
def list_agencies(
    db: DbDep, _p: Annotated[Principal, require(Perm.sharing_read)], active: bool | None = None
) -> list[AgencyRead]:
    """Agencies on the sharing list with the data classes and purposes each may receive."""
    with db.read() as session:
        return sharing.list_agencies(session, active=active)


@router.post(f"{_SHARING}/agencies", status_code=201)
def create_agency(
    body: AgencyCreate, db: DbDep, actor: Annotated[Principal, require(Perm.sharing_admin)]
) -> AgencyRead:
    """Put an agency on the sharing list."""
    with db.uow() as session:
        return sharing.create_agency(session, body, actor=actor)


@router.get(f"{_SHARING}/agencies/{{code}}")
def get_agency(code: str, db: DbDep, _p: Annotated[Principal, require(Perm.sharing_read)]) -> AgencyRead:
    """One agency."""
    with db.read() as session:
        return sharing.get_agency(session, code)


@router.patch(f"{_SHARING}/agencies/{{code}}")
def update_agency(
    code: str, body: AgencyUpdate, db: DbDep, actor: Annotated[Principal, require(Perm.sharing_admin)]
) -> AgencyRead:
    """Change what an agency may receive, or suspend sharing with it (``active: false``)."""
    with db.uow() as session:
        return sharing.update_agency(session, code, body, actor=actor)


@router.post(f"{_SHARING}/requests")
def sharing_request(
    body: SharingRequestIn,
    db: DbDep,
    settings: SettingsDep,
    principal: Annotated[Principal, require(Perm.sharing_request)],
) -> SharingDecisionRead:
    """Another agency asks for data; the policy decides (deny by default) and the request is logged either way."""
    with db.uow() as session:
        return sharing.handle_request(session, body, principal=principal, settings=settings)


@router.get(f"{_SHARING}/requests")
def list_sharing_requests(
    db: DbDep,
    actor: Annotated[Principal, require(Perm.sharing_read)],
    agency: Annotated[str | None, Query(max_length=64)] = None,
    decision: Literal["allow", "deny"] | None = None,
    before: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    purpose: Annotated[
        str | None, Query(max_length=64, description="Purpose code the log is read for (e.g. audit_review).")
    ] = None,
    case_number: Annotated[
        str | None, Query(max_length=64, description="Case number, where the purpose needs one.")
    ] = None,
) -> list[SharingRequestRead]:
    """Logged sharing requests, newest first (page with ``before`` = the last ``at`` seen). Read under a
    ``purpose``: the plates the page shows are one ``alpr.access`` record."""
    with db.uow() as session:
        return sharing.list_requests(
            session,
            actor=actor,
            purpose=purpose,
            case_number=case_number,
            agency_code=agency,
            decision=decision,
            before=before,
            limit=limit,
        )


# --- transparency (public) --------------------------------------------------------------------------------------------


@router.get("/api/v1/transparency", dependencies=[public()], tags=["transparency"])
def transparency_report(db: DbDep, settings: SettingsDep) -> TransparencyReport:
    """The public transparency report: computed from the data and the audit log; no personal data."""
    with db.read() as session:
        return transparency.report(session, settings=settings)


@router.get("/transparency", dependencies=[public()], response_class=HTMLResponse, tags=["transparency"])
def transparency_page(
    db: DbDep,
    settings: SettingsDep,
    lang: Annotated[str | None, Query(max_length=8, description="en or es (default: the browser's language).")] = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> HTMLResponse:
    """The transparency report as a server-rendered page (English or Spanish, times in the city's time zone)."""
    with db.read() as session:
        data = transparency.report(session, settings=settings)
    page = transparency.render_html(data, lang=pick_lang(lang, accept_language), zone=places.city_zone())
    return HTMLResponse(page, headers={**_PAGE_HEADERS, "Vary": "Accept-Language"})
