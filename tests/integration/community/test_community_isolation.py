"""Community accounts reach no internal data. The test walks the whole route table (the same declaration inspection
as tests/integration/app/test_route_permissions.py): a resident and a business account get 403 on every route whose
declared permission is not ``community:self``; and every ``community:self`` route answers with the caller's own data
only: another account's tips, subscriptions, messages and profile never appear, and its ids answer 404."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from rtcc.app import api_routes
from rtcc.core.db import Database
from rtcc.identity.deps import Public, Require
from rtcc.identity.logic import Perm
from rtcc.live.routes import STREAMING_PATHS
from rtcc_testing import confirm_signup

P = "/api/v1/community"
PASSWORD = "correct horse battery"
ZERO = "00000000-0000-0000-0000-000000000000"


def _declarations(dependant: Any) -> list[object]:
    found: list[object] = []
    for dep in dependant.dependencies:
        if isinstance(dep.call, Require | Public):
            found.append(dep.call)
        found.extend(_declarations(dep))
    return found


def _perm(route: APIRoute) -> Perm | None:
    perms = [d.perm for d in _declarations(route.dependant) if isinstance(d, Require)]
    return perms[0] if perms else None


def _call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> Any:
    if path in STREAMING_PATHS:
        with client.stream(method, path, headers=headers) as resp:
            return resp
    return client.request(method, path, headers=headers, json={})


def _signup(client: TestClient, db: Database, name: str, kind: str) -> dict[str, str]:
    body = {
        "account_type": kind,
        "username": name,
        "display_name": f"Name-{name}",
        "email": f"{name}@example.org",
        "password": PASSWORD,
        "phone": "+15625550123",
        "lat": 33.88,
        "lon": -118.10,
    }
    assert client.post(f"{P}/signup", json=body).status_code == 202
    confirm_signup(client, db, name)  # a new account signs in once its address is confirmed
    resp = client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    return {"Authorization": f"Bearer {resp.json()['token']}"}


def test_community_accounts_are_refused_every_internal_route(app_client: TestClient, db: Database) -> None:
    accounts = {
        "resident": _signup(app_client, db, "res1", "resident"),
        "business": _signup(app_client, db, "biz1", "business"),
    }
    checked = 0
    for route in api_routes(app_client.app):  # type: ignore[arg-type]
        perm = _perm(route)
        if perm is None or perm is Perm.community_self:
            continue
        path = re.sub(r"\{[^}]+\}", ZERO, route.path)
        for kind, headers in accounts.items():
            for method in route.methods:
                resp = _call(app_client, method, path, headers)
                assert resp.status_code == 403, f"{kind} got {resp.status_code} on {method} {route.path} ({perm})"
                checked += 1
    assert checked >= 40


def test_community_self_routes_return_only_the_callers_own_data(
    app_client: TestClient, db: Database, login: Any
) -> None:
    a = _signup(app_client, db, "alice", "resident")
    b = _signup(app_client, db, "bizzy", "business")
    staff = login("program_staff")
    when = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    tip_b = app_client.post(
        f"{P}/tips",
        json={
            "description": "Secret-B report: someone tried the back door.",
            "occurred_at": when,
            "location_text": "B",
        },
        headers=b,
    ).json()
    sub_b = app_client.post(
        f"{P}/subscriptions",
        json={"neighborhood_code": "nw", "categories": ["burglary"], "channels": ["email"]},
        headers=b,
    ).json()
    app_client.post(
        f"{P}/subscriptions",
        json={"neighborhood_code": "nw", "categories": ["traffic"], "channels": ["email"]},
        headers=a,
    )
    app_client.post(
        f"{P}/alerts",
        json={"category": "burglary", "headline": "Burglary alert", "body": "b", "area": {"neighborhood_code": "nw"}},
        headers=staff,
    )
    app_client.post(
        f"/api/v1/tips/{tip_b['id']}/triage",
        json={"status": "reviewing", "note_to_reporter": "Note-for-B"},
        headers=staff,
    )
    b_markers = ["bizzy@example.org", "Name-bizzy", tip_b["reference"], sub_b["id"], "Secret-B", "Note-for-B"]
    b_ids = {"tip_id": tip_b["id"], "subscription_id": sub_b["id"]}

    walked = 0
    for route in api_routes(app_client.app):  # type: ignore[arg-type]
        if _perm(route) is not Perm.community_self:
            continue
        params = re.findall(r"\{([^}]+)\}", route.path)
        for method in route.methods:
            if not params:
                if method != "GET":
                    continue
                resp = app_client.get(route.path, headers=a)
                assert resp.status_code in (200, 404), f"GET {route.path}: {resp.status_code} {resp.text}"
                for marker in b_markers:
                    assert marker not in resp.text, f"GET {route.path} leaks another account's {marker!r}"
                walked += 1
            elif all(p in b_ids for p in params):
                path = route.path
                for p in params:
                    path = path.replace("{" + p + "}", b_ids[p])
                resp = app_client.request(method, path, headers=a, json={})
                assert resp.status_code == 404, f"{method} {path} as another account -> {resp.status_code}"
                walked += 1
    assert walked >= 6
    # B's data is intact and visible to B
    assert app_client.get(f"{P}/subscriptions", headers=b).json()[0]["active"] is True
    assert app_client.get(f"{P}/tips/{tip_b['id']}", headers=b).status_code == 200
    assert "Note-for-B" in app_client.get(f"{P}/messages", headers=b).text
