"""HTTP routes of the identity domain: login/logout/me, password change, user administration, sensor API keys.

The second-factor routes (``/auth/mfa/...``) live in ``mfa_routes`` and are included in this router."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from rtcc.core.clock import utcnow
from rtcc.core.errors import NotAuthenticated, PermissionDenied
from rtcc.deps import DbDep, RuntimeDep, SettingsDep
from rtcc.identity import mfa, service
from rtcc.identity.deps import SESSION_COOKIE, credentials, key_cache, public, require
from rtcc.identity.logic import Perm, Principal
from rtcc.identity.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    LoginRequest,
    LoginResponse,
    Me,
    MfaRequired,
    PasswordChange,
    PasswordChanged,
    UserCreate,
    UserRead,
    UserUpdate,
)
from rtcc.identity.signin import set_session_cookie, throttle_limits

api = APIRouter(prefix="/api/v1", tags=["identity"])


@api.post(
    "/auth/login",
    dependencies=[public()],
    responses={429: {"description": "Too many failed sign-ins for this username or address (Retry-After)."}},
)
async def login(
    body: LoginRequest, request: Request, response: Response, db: DbDep, settings: SettingsDep
) -> LoginResponse | MfaRequired:
    """Sign in with username and password: sets the session cookie, or, when the account needs a second factor,
    answers ``mfa_required`` with a short-lived challenge for ``POST /auth/mfa/verify`` (or enrolment)."""
    client = request.client.host if request.client else None

    def work() -> LoginResponse | MfaRequired:
        failure: NotAuthenticated | None = None
        with db.uow() as session:  # a failed attempt is audited: commit it, then refuse
            try:
                user = service.verify_password(
                    session, body.username, body.password, client=client, limits=throttle_limits(settings)
                )
            except NotAuthenticated as exc:
                failure = exc
            else:
                if mfa.needs_mfa(session, user, required=settings.mfa_required):
                    token = mfa.start(session, user, purpose="login", ttl_s=settings.mfa_challenge_s, client=client)
                    kinds = {f.kind for f in mfa.factors(session, user.id)}
                    methods: list[Literal["totp", "webauthn", "recovery"]] = [
                        m for m in ("totp", "webauthn") if m in kinds
                    ]
                    if mfa.recovery_codes_left(session, user.id):
                        methods.append("recovery")
                    return MfaRequired(
                        challenge=token,
                        expires_at=utcnow() + timedelta(seconds=settings.mfa_challenge_s),
                        methods=methods,
                        enrol=not kinds,
                    )
                result = service.open_session(session, user, max_hours=settings.session_max_hours, client=client)
                out = LoginResponse(
                    token=result.token, expires_at=result.login.expires_at, user=UserRead.model_validate(result.user)
                )
        if failure is not None:
            raise failure
        return out

    out = await run_in_threadpool(work)
    if isinstance(out, LoginResponse):
        set_session_cookie(response, out, settings)
    return out


@api.post("/auth/password")
def change_password(
    body: PasswordChange,
    request: Request,
    db: DbDep,
    principal: Annotated[Principal, require(Perm.self_read)],
) -> PasswordChanged:
    """Change my password (the current one is checked; common and guessable passwords are refused); my other
    sessions end."""
    if principal.kind != "user":
        raise PermissionDenied("only a signed-in user has a password")
    creds = credentials(request)
    keep = creds[1] if creds and creds[0] == "session" else None
    with db.uow() as session:
        ended = service.change_own_password(
            session, uuid.UUID(principal.id), body.current_password, body.new_password, keep_token=keep
        )
    return PasswordChanged(sessions_ended=ended)


@api.post("/auth/logout", status_code=204, dependencies=[public()])
def logout(request: Request, response: Response, db: DbDep) -> None:
    """End the current session (no-op without one)."""
    creds = credentials(request)
    if creds and creds[0] == "session":
        with db.uow() as session:
            service.logout(session, creds[1])
    response.delete_cookie(SESSION_COOKIE, path="/")


@api.get("/auth/me")
def me(principal: Annotated[Principal, require(Perm.self_read)]) -> Me:
    """Who I am and what I may do."""
    return Me(
        kind=principal.kind,
        name=principal.name,
        role=principal.role,
        unit=principal.unit,
        division=principal.division,
        permissions=sorted(p.value for p in principal.permissions),
    )


@api.get("/users")
def list_users(db: DbDep, _p: Annotated[Principal, require(Perm.users_admin)]) -> list[UserRead]:
    """All staff users."""
    with db.read() as session:
        return [UserRead.model_validate(u) for u in service.list_users(session)]


@api.post("/users", status_code=201)
def create_user(body: UserCreate, db: DbDep, actor: Annotated[Principal, require(Perm.users_admin)]) -> UserRead:
    """Create a staff user."""
    with db.uow() as session:
        return UserRead.model_validate(service.create_user(session, body, actor=actor))


@api.patch("/users/{user_id}")
def update_user(
    user_id: uuid.UUID, body: UserUpdate, db: DbDep, actor: Annotated[Principal, require(Perm.users_admin)]
) -> UserRead:
    """Change a user's role, unit, status or password."""
    with db.uow() as session:
        return UserRead.model_validate(service.update_user(session, user_id, body, actor=actor))


@api.get("/api-keys")
def list_api_keys(db: DbDep, _p: Annotated[Principal, require(Perm.apikeys_admin)]) -> list[ApiKeyRead]:
    """All sensor API keys (never their secrets)."""
    with db.read() as session:
        return [ApiKeyRead.model_validate(k) for k in service.list_api_keys(session)]


@api.post("/api-keys", status_code=201)
def create_api_key(
    body: ApiKeyCreate, db: DbDep, actor: Annotated[Principal, require(Perm.apikeys_admin)]
) -> ApiKeyCreated:
    """Create a sensor key for some cameras; the secret is returned once."""
    with db.uow() as session:
        key, secret = service.create_api_key(session, body, actor=actor)
        return ApiKeyCreated(**ApiKeyRead.model_validate(key).model_dump(), secret=secret)


@api.delete("/api-keys/{key_id}")
def revoke_api_key(
    key_id: uuid.UUID, runtime: RuntimeDep, actor: Annotated[Principal, require(Perm.apikeys_admin)]
) -> ApiKeyRead:
    """Revoke a sensor key at once (this process forgets it now; other processes within ``RTCC_API_KEY_CACHE_S``)."""
    with runtime.db.uow() as session:
        revoked = ApiKeyRead.model_validate(service.revoke_api_key(session, key_id, actor=actor))
    key_cache(runtime).forget_key(str(key_id))
    return revoked


@api.delete("/users/{user_id}/mfa")
def reset_user_mfa(
    user_id: uuid.UUID, db: DbDep, actor: Annotated[Principal, require(Perm.users_admin)]
) -> dict[str, int]:
    """Remove a user's second factors and recovery codes (a lost device); they enrol again at next sign-in."""
    with db.uow() as session:
        user = service.get_user(session, user_id)
        return {"factors_removed": mfa.reset(session, user, actor_name=actor.audit_name, actor_role=actor.role)}


from rtcc.identity import mfa_routes  # noqa: E402 - its routes live under this router

router = APIRouter()
router.include_router(api)
router.include_router(mfa_routes.router)
