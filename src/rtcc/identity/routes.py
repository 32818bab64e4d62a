"""HTTP routes of the identity domain: login/logout/me, user administration, sensor API keys."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from rtcc.core.errors import NotAuthenticated
from rtcc.deps import DbDep, RuntimeDep, SettingsDep
from rtcc.identity import service
from rtcc.identity.deps import SESSION_COOKIE, credentials, key_cache, public, require
from rtcc.identity.logic import Perm, Principal
from rtcc.identity.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    LoginRequest,
    LoginResponse,
    Me,
    UserCreate,
    UserRead,
    UserUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["identity"])


@router.post("/auth/login", dependencies=[public()])
async def login(
    body: LoginRequest, request: Request, response: Response, db: DbDep, settings: SettingsDep
) -> LoginResponse:
    """Sign in with username and password; sets the session cookie."""
    client = request.client.host if request.client else None

    def work() -> LoginResponse:
        failure: NotAuthenticated | None = None
        with db.uow() as session:  # a failed attempt is audited: commit it, then refuse
            try:
                result = service.login(
                    session,
                    body.username,
                    body.password,
                    idle_minutes=settings.session_idle_minutes,
                    max_hours=settings.session_max_hours,
                    client=client,
                )
                out = LoginResponse(
                    token=result.token,
                    expires_at=result.login.expires_at,
                    user=UserRead.model_validate(result.user),
                )
            except NotAuthenticated as exc:
                failure = exc
        if failure is not None:
            raise failure
        return out

    out = await run_in_threadpool(work)
    response.set_cookie(
        SESSION_COOKIE,
        out.token,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        max_age=settings.session_max_hours * 3600,
        path="/",
    )
    return out


@router.post("/auth/logout", status_code=204, dependencies=[public()])
def logout(request: Request, response: Response, db: DbDep) -> None:
    """End the current session (no-op without one)."""
    creds = credentials(request)
    if creds and creds[0] == "session":
        with db.uow() as session:
            service.logout(session, creds[1])
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/auth/me")
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


@router.get("/users")
def list_users(db: DbDep, _p: Annotated[Principal, require(Perm.users_admin)]) -> list[UserRead]:
    """All staff users."""
    with db.read() as session:
        return [UserRead.model_validate(u) for u in service.list_users(session)]


@router.post("/users", status_code=201)
def create_user(body: UserCreate, db: DbDep, actor: Annotated[Principal, require(Perm.users_admin)]) -> UserRead:
    """Create a staff user."""
    with db.uow() as session:
        return UserRead.model_validate(service.create_user(session, body, actor=actor))


@router.patch("/users/{user_id}")
def update_user(
    user_id: uuid.UUID, body: UserUpdate, db: DbDep, actor: Annotated[Principal, require(Perm.users_admin)]
) -> UserRead:
    """Change a user's role, unit, status or password."""
    with db.uow() as session:
        return UserRead.model_validate(service.update_user(session, user_id, body, actor=actor))


@router.get("/api-keys")
def list_api_keys(db: DbDep, _p: Annotated[Principal, require(Perm.apikeys_admin)]) -> list[ApiKeyRead]:
    """All sensor API keys (never their secrets)."""
    with db.read() as session:
        return [ApiKeyRead.model_validate(k) for k in service.list_api_keys(session)]


@router.post("/api-keys", status_code=201)
def create_api_key(
    body: ApiKeyCreate, db: DbDep, actor: Annotated[Principal, require(Perm.apikeys_admin)]
) -> ApiKeyCreated:
    """Create a sensor key for some cameras; the secret is returned once."""
    with db.uow() as session:
        key, secret = service.create_api_key(session, body, actor=actor)
        return ApiKeyCreated(**ApiKeyRead.model_validate(key).model_dump(), secret=secret)


@router.delete("/api-keys/{key_id}")
def revoke_api_key(
    key_id: uuid.UUID, runtime: RuntimeDep, actor: Annotated[Principal, require(Perm.apikeys_admin)]
) -> ApiKeyRead:
    """Revoke a sensor key at once (this process forgets it now; other processes within ``RTCC_API_KEY_CACHE_S``)."""
    with runtime.db.uow() as session:
        revoked = ApiKeyRead.model_validate(service.revoke_api_key(session, key_id, actor=actor))
    key_cache(runtime).forget_key(str(key_id))
    return revoked
