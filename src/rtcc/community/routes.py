"""HTTP routes of the community domain.

- Public (``public()``): sign-up, neighborhoods, the public alerts and their CAP 1.2 XML, the unsubscribe link
  (GET shows a confirmation page that link scanners cannot trigger; POST, the RFC 8058 one-click target, acts).
- Community accounts (``community:self``): own profile, inbox, subscriptions, watch groups (join, leave, notices;
  captains post), own tips (submit with optional photo, follow the timeline).
- Staff: ``community:admin`` sends public alerts, manages watch groups and sees the outbox; ``tips:triage`` works
  the tip queue under ``/api/v1/tips``.

A rate-limited submission answers 429 problem+json with a ``Retry-After`` header.
"""

from __future__ import annotations

import html
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from rtcc.community import accounts, notices, public_alerts, tips
from rtcc.community import groups as watch_groups
from rtcc.community import neighborhoods as hoods
from rtcc.community import subscriptions as subs
from rtcc.community.schemas import (
    AlertCreate,
    AlertRead,
    CaptainChange,
    NeighborhoodRead,
    NoticeCreate,
    NoticeRead,
    ProfileRead,
    ProfileUpdate,
    SignupAccepted,
    SignupRequest,
    SubscriptionCreate,
    SubscriptionRead,
    TipCreate,
    TipPage,
    TipRead,
    TipStaffRead,
    TriageRequest,
    UnsubscribeResult,
    WatchGroupCreate,
    WatchGroupRead,
)
from rtcc.core import bodylimit
from rtcc.core.errors import ValidationFailed, field_error
from rtcc.core.pagination import Offset
from rtcc.core.problems import problem
from rtcc.deps import DbDep, SettingsDep
from rtcc.identity.deps import public, require
from rtcc.identity.logic import Perm, Principal
from rtcc.notify import service as notify
from rtcc.notify.schemas import MessageRead, OutboxStatusRead
from rtcc.settings import Settings

router = APIRouter(tags=["community"])

Self = Annotated[Principal, require(Perm.community_self)]
Admin = Annotated[Principal, require(Perm.community_admin)]
Triage = Annotated[Principal, require(Perm.tips_triage)]
P = "/api/v1/community"

_TIP_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A tip as JSON, or a multipart form with a 'tip' part (the same JSON) and an optional 'photo'.",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/TipCreate"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["tip"],
                    "properties": {"tip": {"type": "string"}, "photo": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}


def _client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _limited(request: Request, exc: accounts.RateLimited) -> Response:
    resp = problem(exc.status, exc.title, exc.detail, request)
    resp.headers["Retry-After"] = str(exc.retry_after_s)
    return resp


# --- public ----------------------------------------------------------------------------------------------------------


SIGNUP_ACCEPTED = SignupAccepted(
    detail="We sent a message to the e-mail address. If the username and the address were free, follow its link to "
    "confirm the address, then sign in; if the address already has an account, the message says so. If no "
    "confirmation comes, the username may be taken: sign up again with another."
)


@router.post(f"{P}/signup", status_code=202, dependencies=[public()], response_model=SignupAccepted)
def signup(body: SignupRequest, request: Request, db: DbDep, settings: SettingsDep) -> Any:
    """Create a resident or business account; once the e-mail address is confirmed (the link sent to it), sign in
    through POST /api/v1/auth/login. The answer is the same whether or not the username or e-mail address already
    had an account (the address's owner is told), and until the confirmation the new account's sign-in fails like a
    wrong password."""
    try:
        with db.uow() as session:
            accounts.signup(
                session,
                body,
                client_ip=_client_ip(request),
                per_ip_hour=settings.community_signups_per_ip_hour,
            )
        return SIGNUP_ACCEPTED
    except accounts.RateLimited as exc:
        return _limited(request, exc)


@router.get(f"{P}/neighborhoods", dependencies=[public()])
def neighborhoods(db: DbDep) -> list[NeighborhoodRead]:
    """The neighborhoods alerts and watch groups refer to."""
    with db.read() as session:
        return [NeighborhoodRead.model_validate(n) for n in hoods.list_neighborhoods(session)]


@router.get(f"{P}/alerts", dependencies=[public()])
def list_alerts(db: DbDep, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[AlertRead]:
    """The latest public alerts."""
    with db.read() as session:
        return [AlertRead.model_validate(a) for a in public_alerts.list_alerts(session, limit=limit)]


@router.get(f"{P}/alerts/{{alert_id}}", dependencies=[public()])
def get_alert(alert_id: uuid.UUID, db: DbDep) -> AlertRead:
    """One public alert."""
    with db.read() as session:
        return AlertRead.model_validate(public_alerts.get_alert(session, alert_id))


@router.get(
    f"{P}/alerts/{{alert_id}}/cap",
    dependencies=[public()],
    response_class=Response,
    responses={200: {"content": {"application/cap+xml": {}}, "description": "CAP 1.2 alert document."}},
)
def alert_cap(alert_id: uuid.UUID, db: DbDep, settings: SettingsDep) -> Response:
    """The alert as CAP 1.2 XML."""
    with db.read() as session:
        xml = public_alerts.alert_cap(session, alert_id, base_url=settings.public_base_url)
    return Response(content=xml, media_type="application/cap+xml")


#: Headers of the public confirmation pages (reached from an e-mail link that carries a secret token): no script at
#: all, the form may post only here, no framing (clickjacking the one button), the token never leaves in a Referer,
#: and no cache keeps the page. HSTS is added app-wide to answers served over TLS (``rtcc.core.transport``).
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _confirm_page(title: str, question: str, action: str) -> HTMLResponse:
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<h1>{title}</h1><p>{question}</p>"
        f"<form method='post' action='{html.escape(action, quote=True)}'><button type='submit'>{title}</button></form>"
        "</body></html>"
    )
    return HTMLResponse(page, headers=PAGE_HEADERS)


@router.get(f"{P}/unsubscribe/{{token}}", dependencies=[public()], response_class=HTMLResponse)
def unsubscribe_page(token: str) -> HTMLResponse:
    """A confirmation page with one button (a GET never unsubscribes: mail scanners follow links)."""
    return _confirm_page("Unsubscribe", "Stop receiving these messages?", f"{P}/unsubscribe/{token[:64]}")


@router.post(f"{P}/unsubscribe/{{token}}", dependencies=[public()])
def unsubscribe(token: str, db: DbDep) -> UnsubscribeResult:
    """One-click unsubscribe (RFC 8058 ``List-Unsubscribe-Post`` target)."""
    with db.uow() as session:
        return subs.unsubscribe_by_token(session, token[:64])


@router.get(f"{P}/verify/{{token}}", dependencies=[public()], response_class=HTMLResponse)
def verify_page(token: str) -> HTMLResponse:
    """A page with one button that confirms the e-mail address (a GET changes nothing)."""
    return _confirm_page("Confirm", "Confirm this e-mail address for community alerts?", f"{P}/verify/{token[:64]}")


@router.post(f"{P}/verify/{{token}}", dependencies=[public()])
def verify_email(token: str, db: DbDep) -> ProfileRead:
    """Confirm the e-mail address the token was sent to."""
    with db.uow() as session:
        return accounts.verify_email(session, token[:64])


# --- community accounts ----------------------------------------------------------------------------------------------


@router.get(f"{P}/me")
def me(db: DbDep, principal: Self) -> ProfileRead:
    """The caller's profile."""
    with db.read() as session:
        return accounts.get_profile(session, principal)


@router.patch(f"{P}/me")
def update_me(body: ProfileUpdate, db: DbDep, principal: Self) -> ProfileRead:
    """Change the caller's contact data and preferences."""
    with db.uow() as session:
        return accounts.update_profile(session, principal, body)


@router.get(f"{P}/messages")
def messages(db: DbDep, principal: Self, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[MessageRead]:
    """The caller's portal inbox."""
    with db.read() as session:
        return notify.inbox(session, principal, limit=limit)


@router.get(f"{P}/subscriptions")
def subscriptions(db: DbDep, principal: Self) -> list[SubscriptionRead]:
    """The caller's subscriptions."""
    with db.read() as session:
        return [SubscriptionRead.model_validate(s) for s in subs.list_subscriptions(session, principal)]


@router.post(f"{P}/subscriptions", status_code=201)
def subscribe(body: SubscriptionCreate, db: DbDep, principal: Self) -> SubscriptionRead:
    """Subscribe to alerts in a neighborhood or around a point."""
    with db.uow() as session:
        return SubscriptionRead.model_validate(subs.subscribe(session, principal, body))


@router.delete(f"{P}/subscriptions/{{subscription_id}}", status_code=204)
def end_subscription(subscription_id: uuid.UUID, db: DbDep, principal: Self) -> Response:
    """End one of the caller's subscriptions."""
    with db.uow() as session:
        subs.end_subscription(session, principal, subscription_id)
    return Response(status_code=204)


@router.get(f"{P}/groups")
def groups(db: DbDep, principal: Self) -> list[WatchGroupRead]:
    """Neighborhood Watch groups, with the caller's role in each."""
    with db.read() as session:
        return watch_groups.list_groups(session, viewer=principal)


@router.post(f"{P}/groups/{{group_id}}/join")
def join_group(group_id: uuid.UUID, db: DbDep, principal: Self) -> WatchGroupRead:
    """Sign up to a watch group."""
    with db.uow() as session:
        return watch_groups.join_group(session, group_id, principal)


@router.post(f"{P}/groups/{{group_id}}/leave", status_code=204)
def leave_group(group_id: uuid.UUID, db: DbDep, principal: Self) -> Response:
    """Leave a watch group."""
    with db.uow() as session:
        watch_groups.leave_group(session, group_id, principal)
    return Response(status_code=204)


@router.get(f"{P}/groups/{{group_id}}/notices")
def group_notices(group_id: uuid.UUID, db: DbDep, principal: Self) -> list[NoticeRead]:
    """A group's notices (members only)."""
    with db.read() as session:
        return [NoticeRead.model_validate(n) for n in notices.list_notices(session, group_id, principal)]


@router.post(f"{P}/groups/{{group_id}}/notices", status_code=201)
def captain_notice(group_id: uuid.UUID, body: NoticeCreate, db: DbDep, principal: Self) -> NoticeRead:
    """A captain posts a meeting notice; every member gets it through the outbox."""
    with db.uow() as session:
        return NoticeRead.model_validate(notices.post_notice(session, group_id, body, actor=principal))


#: Room for the tip's JSON part and the form's headers and boundaries next to the photo.
_FORM_OVERHEAD = 64 * 1024


async def _tip_input(request: Request, max_bytes: int) -> tuple[TipCreate, bytes | None]:
    photo: bytes | None = None
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        # cut while streaming: the form is never spooled past the photo's limit (plus the tip's JSON)
        bodylimit.narrow(
            request, max_bytes + _FORM_OVERHEAD, field="photo", message=f"the photo is larger than {max_bytes} bytes"
        )
        form = await request.form(max_files=1, max_fields=20)
        raw = form.get("tip")
        if not isinstance(raw, str):
            raise ValidationFailed("the form has no 'tip' part", errors=[field_error("tip", "required")])
        upload = form.get("photo")
        if isinstance(upload, UploadFile):
            photo = await upload.read(max_bytes + 1)
        payload: Any = raw
    else:
        payload = await request.body()
    try:
        return TipCreate.model_validate_json(payload), photo
    except ValidationError as exc:
        errors = [field_error(".".join(str(p) for p in e["loc"]) or "body", e["msg"]) for e in exc.errors()]
        fields = ", ".join(sorted({".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()}))
        raise ValidationFailed(f"invalid tip: {fields}", errors=errors) from exc
    except ValueError as exc:
        raise ValidationFailed("tip body is not JSON", errors=[field_error("body", str(exc))]) from exc


def _limits(settings: Settings) -> tips.TipLimits:
    return tips.TipLimits(
        per_hour=settings.community_tips_per_hour,
        per_ip_hour=settings.community_tips_per_ip_hour,
        min_chars=settings.community_tip_min_chars,
        max_links=settings.community_tip_max_links,
        photo_max_bytes=settings.community_tip_photo_max_bytes,
        duplicate_days=settings.community_tip_duplicate_days,
    )


@router.post(f"{P}/tips", status_code=201, openapi_extra=_TIP_BODY, response_model=TipRead)
async def submit_tip(request: Request, db: DbDep, settings: SettingsDep, principal: Self) -> Any:
    """Report suspicious activity (place, time, description, optional photo, optional anonymity)."""
    data, photo = await _tip_input(request, settings.community_tip_photo_max_bytes)

    def work() -> TipRead:
        with db.uow() as session:
            return tips.submit_tip(
                session, principal, data, photo=photo, client_ip=_client_ip(request), limits=_limits(settings)
            )

    try:
        return await run_in_threadpool(work)
    except accounts.RateLimited as exc:
        return _limited(request, exc)


@router.get(f"{P}/tips")
def my_tips(db: DbDep, principal: Self) -> list[TipRead]:
    """The caller's tips with their status."""
    with db.read() as session:
        return tips.my_tips(session, principal)


@router.get(f"{P}/tips/{{tip_id}}")
def my_tip(tip_id: uuid.UUID, db: DbDep, principal: Self) -> TipRead:
    """One of the caller's tips with its timeline."""
    with db.read() as session:
        return tips.my_tip(session, principal, tip_id)


@router.get(f"{P}/tips/{{tip_id}}/photo", response_class=Response)
def my_tip_photo(tip_id: uuid.UUID, db: DbDep, principal: Self) -> Response:
    """The photo of one of the caller's tips."""
    with db.read() as session:
        photo = tips.tip_photo(session, tip_id, principal=principal)
        return Response(content=photo.data, media_type=photo.content_type)


# --- staff: alerts, watch groups, outbox ------------------------------------------------------------------------------


@router.post(f"{P}/alerts", status_code=201)
def send_alert(body: AlertCreate, db: DbDep, settings: SettingsDep, actor: Admin) -> AlertRead:
    """Send a public alert to every matching subscriber (outbox) and publish it as CAP 1.2."""
    with db.uow() as session:
        alert = public_alerts.send_alert(session, body, actor=actor, sender=public_alerts.cap_sender(settings))
        return AlertRead.model_validate(alert)


@router.get(f"{P}/admin/groups")
def admin_groups(db: DbDep, _a: Admin) -> list[WatchGroupRead]:
    """Every watch group."""
    with db.read() as session:
        return watch_groups.list_groups(session)


@router.post(f"{P}/admin/groups", status_code=201)
def create_group(body: WatchGroupCreate, db: DbDep, actor: Admin) -> WatchGroupRead:
    """Create a watch group with its captains."""
    with db.uow() as session:
        return watch_groups.create_group(session, body, actor=actor)


@router.post(f"{P}/admin/groups/{{group_id}}/captains", status_code=204)
def set_captain(group_id: uuid.UUID, body: CaptainChange, db: DbDep, actor: Admin) -> Response:
    """Make a member captain, or step a captain down."""
    with db.uow() as session:
        watch_groups.set_captain(session, group_id, body.user_id, body.captain, actor=actor)
    return Response(status_code=204)


@router.get(f"{P}/admin/groups/{{group_id}}/notices")
def admin_notices(group_id: uuid.UUID, db: DbDep, actor: Admin) -> list[NoticeRead]:
    """A group's notices."""
    with db.read() as session:
        return [NoticeRead.model_validate(n) for n in notices.list_notices(session, group_id, actor)]


@router.post(f"{P}/admin/groups/{{group_id}}/notices", status_code=201)
def staff_notice(group_id: uuid.UUID, body: NoticeCreate, db: DbDep, actor: Admin) -> NoticeRead:
    """Staff post a notice to a group; every member gets it through the outbox."""
    with db.uow() as session:
        return NoticeRead.model_validate(notices.post_notice(session, group_id, body, actor=actor))


@router.get(f"{P}/admin/outbox")
def outbox_status(db: DbDep, _a: Admin) -> OutboxStatusRead:
    """Outbox rows per status and channel."""
    with db.read() as session:
        return notify.outbox_status(session)


# --- staff: tip triage -----------------------------------------------------------------------------------------------


@router.get("/api/v1/tips")
def triage_queue(
    db: DbDep,
    _t: Triage,
    status: Annotated[str | None, Query(pattern="^(received|reviewing|referred|closed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> TipPage:
    """The tip queue, newest first; anonymous tips show no reporter."""
    with db.read() as session:
        items, total = tips.triage_queue(session, status=status, limit=limit, offset=offset)
        return TipPage(items=items, total=total)


@router.get("/api/v1/tips/{tip_id}")
def staff_tip(tip_id: uuid.UUID, db: DbDep, _t: Triage) -> TipStaffRead:
    """One tip with its full timeline."""
    with db.read() as session:
        return tips.staff_tip(session, tip_id)


@router.get("/api/v1/tips/{tip_id}/photo", response_class=Response)
def staff_tip_photo(tip_id: uuid.UUID, db: DbDep, actor: Triage) -> Response:
    """A tip's photo."""
    with db.read() as session:
        photo = tips.tip_photo(session, tip_id, principal=actor)
        return Response(content=photo.data, media_type=photo.content_type)


@router.post("/api/v1/tips/{tip_id}/triage")
def triage(tip_id: uuid.UUID, body: TriageRequest, db: DbDep, actor: Triage) -> TipStaffRead:
    """Move a tip on (received, reviewing, referred, closed) with notes; the reporter sees only theirs."""
    with db.uow() as session:
        return tips.triage(session, tip_id, body, actor=actor)
