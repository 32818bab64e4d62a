"""Authentication and authorisation dependencies. Every route declares ``require(Perm.x)`` or ``public()``.

Credentials, in order: ``X-API-Key`` (sensors), ``Authorization: Bearer <session token or API key>``, the
``rtcc_session`` cookie. A test walks the route table and proves each route carries exactly one declaration.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from rtcc.core import divisions as division_scope
from rtcc.core.errors import NotAuthenticated, PermissionDenied
from rtcc.deps import get_runtime
from rtcc.identity import divisions, keycache, service
from rtcc.identity.keycache import ApiKeyCache
from rtcc.identity.logic import Perm, Principal
from rtcc.runtime import Runtime

SESSION_COOKIE = "rtcc_session"


def credentials(request: Request) -> tuple[str, str] | None:
    """The (kind, secret) a request presents, or None."""
    key = request.headers.get("x-api-key")
    if key:
        return ("apikey", key)
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        token = auth[7:].strip()
        return ("apikey", token) if token.startswith(service.API_KEY_PREFIX + "_") else ("session", token)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return ("session", cookie)
    return None


def key_cache(runtime: Runtime) -> ApiKeyCache:
    """The process's cache of resolved API keys (``rtcc.identity.keycache``), created on first use."""
    found = runtime.services.get(keycache.SERVICE_KEY)
    if not isinstance(found, ApiKeyCache):
        found = runtime.services.setdefault(keycache.SERVICE_KEY, ApiKeyCache(runtime.settings.api_key_cache_s))
    return found


def remembered(request: Request) -> Principal | None:
    """The request's principal when it is known without the database: already resolved for this request, or an API
    key this process resolved less than ``RTCC_API_KEY_CACHE_S`` ago. When that key's entry is near its end, a
    lookup that renews it starts in the background (on the event loop only; see ``rtcc.identity.keycache``)."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    creds = credentials(request)
    if creds is None or creds[0] != "apikey":
        return None
    runtime = get_runtime(request)
    cache = key_cache(runtime)
    principal, renew = cache.lookup(creds[1])
    if principal is not None:
        request.state.principal = principal
        if renew:
            _renew_ahead(runtime, creds[1])
    return principal


def _resolve_api_key(runtime: Runtime, secret: str) -> Principal:
    """Look a sensor key up in the database and remember it (a worker thread's work). It is checked in a read
    transaction: on SQLite a write one would queue every camera's request behind the ingest writer; its last use is
    written only when due (every 30 s at most)."""
    with runtime.db.read() as session:
        principal, due = service.resolve_api_key(session, secret)
    if due is not None:
        with runtime.db.uow() as session:
            service.touch_api_key(session, due)
    key_cache(runtime).put(secret, principal)
    return principal


def authenticate(request: Request) -> Principal:
    """Resolve the request's principal, or raise NotAuthenticated (may query the database: call it off the loop)."""
    cached = remembered(request)
    if cached is not None:
        return cached
    creds = credentials(request)
    if creds is None:
        raise NotAuthenticated("sign in, or send an API key")
    runtime = get_runtime(request)
    kind, secret = creds
    if kind == "apikey":
        principal = _resolve_api_key(runtime, secret)
        request.state.principal = principal
        return principal
    # Read first: only a due write (last seen, at most every 30 s; an expired session marked ended, even though the
    # request fails) takes a write transaction.
    with runtime.db.read() as session:
        check = service.check_session_token(session, secret, idle_minutes=runtime.settings.session_idle_minutes)
    if check.due is not None:
        with runtime.db.uow() as session:
            service.apply_session_check(session, check)
    if check.principal is None:
        raise NotAuthenticated(check.refusal or "sign in again")
    request.state.principal = check.principal
    return check.principal


def _shared_lookup(runtime: Runtime, secret: str) -> asyncio.Task[Principal]:
    """The lookup of a sensor key that the requests presenting it share (``ApiKeyCache.shared``), in a worker thread."""
    return key_cache(runtime).shared(secret, lambda: run_in_threadpool(_resolve_api_key, runtime, secret))


def _renew_ahead(runtime: Runtime, secret: str) -> None:
    """Start renewing a key's entry before it runs out, without waiting for it (nothing when not on an event loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # a worker thread resolving a request: the entry simply runs out
        return
    _shared_lookup(runtime, secret)


async def _authenticate_shared(request: Request) -> Principal:
    """``authenticate`` off the loop; requests presenting the same API key while its lookup runs share that one
    lookup. Sessions and other credentials are resolved per request in a worker thread."""
    creds = credentials(request)
    if creds is None or creds[0] != "apikey":
        return await run_in_threadpool(authenticate, request)
    principal: Principal = await asyncio.shield(_shared_lookup(get_runtime(request), creds[1]))
    request.state.principal = principal
    return principal


class Require:
    """Dependency that authenticates and checks one permission; its ``perm`` is what the route declares.

    It runs on the event loop: a principal known without the database (a recently resolved API key) costs no thread
    hand-over; any other is resolved in a worker thread."""

    def __init__(self, perm: Perm) -> None:
        self.perm = perm

    async def __call__(self, request: Request) -> Principal:
        principal = remembered(request)
        if principal is None:
            principal = await _authenticate_shared(request)
        if not principal.can(self.perm):
            raise PermissionDenied(f"your role ({principal.role}) lacks permission {self.perm.value}")
        reach = divisions.decide(principal, request.query_params.get("division"), request.query_params.get("purpose"))
        if reach.reached is not None:
            await run_in_threadpool(audit_reach, request, principal, reach)
        division_scope.set_scope(reach.codes)  # read by every repository for the rest of this request
        return principal


def audit_reach(request: Request, principal: Principal, reach: divisions.Reach) -> None:
    """Write a reach into another division to the audit log, before anything of that division is read."""
    from rtcc.audit import service as audit

    with get_runtime(request).db.uow() as session:
        audit.record_for(
            session,
            principal,
            "division.reach",
            target_type="division",
            target_id=reach.reached,
            details={"purpose": reach.purpose, "own": principal.division, "path": request.url.path},
        )


class Public:
    """Marker dependency for routes that are deliberately open (health checks, login, public pages)."""

    async def __call__(self) -> None:  # async: FastAPI would run a plain function in a worker thread
        return None


def require(perm: Perm) -> Any:
    """``Depends`` that requires ``perm``; use as a parameter default or in ``dependencies=[...]``."""
    return Depends(Require(perm))


def public() -> Any:
    """``Depends`` that marks a route as public."""
    return Depends(Public())


def declarations(dependant: Any) -> list[Require | Public]:
    """The access declarations (``require(...)``, ``public()``) among a route's dependencies, nested ones included."""
    found: list[Require | Public] = []
    for dep in dependant.dependencies:
        if isinstance(dep.call, Require | Public):
            found.append(dep.call)
        found.extend(declarations(dep))
    return found


def undeclared(routes: Iterable[APIRoute]) -> list[str]:
    """Routes that do not declare exactly one permission or ``public()`` ("METHODS /path: what it declares").

    Deny by default is enforced by the application itself: ``create_app`` refuses to build an app with any such route,
    so a route added without a declaration never serves a request."""
    out: list[str] = []
    for route in routes:
        found = declarations(route.dependant)
        perms = {d.perm for d in found if isinstance(d, Require)}
        publics = [d for d in found if isinstance(d, Public)]
        if not found or len(perms) > 1 or (publics and perms):
            out.append(f"{','.join(sorted(route.methods or ()))} {route.path}: {found or 'nothing'}")
    return out
