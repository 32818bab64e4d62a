"""Deny by default: every route declares a permission (or is explicitly public), and the declaration holds.

The test walks the whole route table: an unauthenticated call to any protected route gets 401 problem+json; a user
of each role gets 403 exactly when the role lacks the declared permission.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from rtcc.app import api_routes
from rtcc.identity.deps import Public, Require, declarations, undeclared
from rtcc.identity.logic import ROLE_PERMISSIONS, Role
from rtcc.live.routes import STREAMING_PATHS
from rtcc.settings import Settings

DOCS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def _api_routes(client: TestClient) -> list[APIRoute]:
    routes = api_routes(client.app)  # type: ignore[arg-type]
    assert len(routes) >= 10
    return routes


def _call(client: TestClient, method: str, path: str, headers: dict[str, str] | None = None) -> Any:
    """Call a route; streaming routes (SSE) are opened and closed at once so the walk does not hang."""
    if path in STREAMING_PATHS:
        with client.stream(method, path, headers=headers or {}) as resp:
            return resp
    return client.request(method, path, headers=headers or {}, json={})


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", path)


def test_every_route_declares_exactly_one_permission_or_public(app_client: TestClient) -> None:
    missing = undeclared(_api_routes(app_client))
    assert not missing, "routes without exactly one declaration:\n" + "\n".join(missing)


def test_the_app_itself_refuses_a_route_without_a_declaration(settings: Settings) -> None:
    """Deny by default at runtime: an app with an undeclared route is never built, so the route never serves."""
    from rtcc.app import create_app

    stray = APIRouter()

    @stray.get("/api/v1/stray")
    def stray_route() -> dict[str, str]:
        return {"open": "to anyone"}

    with pytest.raises(RuntimeError, match=r"GET /api/v1/stray"):
        create_app(settings, extra_routers=[stray])


def test_unauthenticated_requests_to_protected_routes_get_401(app_client: TestClient) -> None:
    checked = 0
    for route in _api_routes(app_client):
        if any(isinstance(d, Public) for d in declarations(route.dependant)):
            continue
        for method in route.methods:
            resp = _call(app_client, method, _concrete(route.path))
            assert resp.status_code == 401, f"{method} {route.path} -> {resp.status_code}"
            assert resp.headers["content-type"].startswith("application/problem+json")
            checked += 1
    assert checked >= 5


def test_each_role_is_refused_exactly_the_routes_it_lacks(app_client: TestClient, login: Any) -> None:
    routes = _api_routes(app_client)
    route_perms = {d.perm for r in routes for d in declarations(r.dependant) if isinstance(d, Require)}
    # Roles that differ only in scope permissions no route declares (the RTCC-wide rtcc_analyst is the analyst plus
    # divisions:all) reach the same routes: one of each is walked.
    distinct: dict[frozenset[Any], Role] = {}
    for role in Role:
        distinct.setdefault(ROLE_PERMISSIONS[role] & route_perms, role)
    headers = {role: login(role.value) for role in distinct.values()}
    for route in routes:
        perms = [d.perm for d in declarations(route.dependant) if isinstance(d, Require)]
        if not perms:
            continue
        for role in headers:
            allowed = perms[0] in ROLE_PERMISSIONS[role]
            for method in route.methods:
                resp = _call(app_client, method, _concrete(route.path), headers[role])
                if allowed:
                    assert resp.status_code != 403, f"{role} refused {method} {route.path}: {resp.text}"
                else:
                    assert resp.status_code == 403, f"{role} got {resp.status_code} on {method} {route.path}"


def test_sensor_keys_reach_only_sensor_routes(app_client: TestClient, sensor_key: Any) -> None:
    headers = sensor_key(["*"])
    for route in _api_routes(app_client):
        perms = [d.perm for d in declarations(route.dependant) if isinstance(d, Require)]
        if not perms or perms[0].value in ("reads:write", "cameras:heartbeat"):
            continue
        for method in route.methods:
            resp = _call(app_client, method, _concrete(route.path), headers)
            assert resp.status_code == 403, f"sensor key got {resp.status_code} on {method} {route.path}"


def test_agency_keys_reach_only_sharing_requests(app_client: TestClient, db: Any) -> None:
    from rtcc.identity import service
    from rtcc.identity.logic import SYSTEM
    from rtcc.identity.schemas import ApiKeyCreate

    with db.uow() as session:
        _k, secret = service.create_api_key(session, ApiKeyCreate(name="lbpd", agency="LBPD"), actor=SYSTEM)
    headers = {"X-API-Key": secret}
    for route in _api_routes(app_client):
        perms = [d.perm for d in declarations(route.dependant) if isinstance(d, Require)]
        if not perms or perms[0].value == "sharing:request":
            continue
        for method in route.methods:
            resp = _call(app_client, method, _concrete(route.path), headers)
            assert resp.status_code == 403, f"agency key got {resp.status_code} on {method} {route.path}"


def test_community_roles_hold_only_their_own_permission() -> None:
    from rtcc.identity.logic import COMMUNITY_ROLES, Perm

    for role in COMMUNITY_ROLES:
        assert ROLE_PERMISSIONS[role] == frozenset({Perm.community_self})
    for role in set(Role) - COMMUNITY_ROLES:
        assert Perm.community_self not in ROLE_PERMISSIONS[role]
