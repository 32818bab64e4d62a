"""Login sessions (idle timeout, logout, disabled accounts), API keys, and audit of authentication."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from rtcc.audit.models import AuditEntry
from rtcc.core import clock
from rtcc.core.db import Database


def test_login_me_logout(app_client: TestClient, login: Any) -> None:
    headers = login("analyst", username="ana")
    me = app_client.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["role"] == "analyst"
    assert "alerts:verify" in me.json()["permissions"]
    assert app_client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert app_client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_wrong_password_is_refused_and_audited(app_client: TestClient, login: Any, db: Database) -> None:
    login("officer", username="ofc")
    resp = app_client.post("/api/v1/auth/login", json={"username": "ofc", "password": "wrong password!"})
    assert resp.status_code == 401
    assert resp.json()["detail"] == "invalid username or password"
    unknown = app_client.post("/api/v1/auth/login", json={"username": "nobody", "password": "wrong password!"})
    assert unknown.json()["detail"] == resp.json()["detail"]
    with db.read() as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert actions.count("auth.login_failed") == 2


def test_session_cookie_works(app_client: TestClient, login: Any) -> None:
    login("dispatcher", username="disp")
    app_client.cookies.clear()
    resp = app_client.post("/api/v1/auth/login", json={"username": "disp", "password": "correct horse battery"})
    assert "rtcc_session" in resp.cookies
    assert app_client.get("/api/v1/auth/me").status_code == 200
    app_client.cookies.clear()


def test_idle_timeout_ends_session(app_client: TestClient, login: Any) -> None:
    headers = login("analyst")
    real = clock.utcnow()
    try:
        clock.set_clock(lambda: real + timedelta(minutes=31))
        resp = app_client.get("/api/v1/auth/me", headers=headers)
        assert resp.status_code == 401
        assert "expired" in resp.json()["detail"]
    finally:
        clock.set_clock(None)
    assert app_client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_activity_keeps_session_alive(app_client: TestClient, login: Any) -> None:
    headers = login("analyst")
    real = clock.utcnow()
    try:
        for minutes in (20, 40, 60):
            clock.set_clock(lambda m=minutes: real + timedelta(minutes=m))  # type: ignore[misc]
            assert app_client.get("/api/v1/auth/me", headers=headers).status_code == 200
    finally:
        clock.set_clock(None)


def test_disabled_user_loses_access(app_client: TestClient, login: Any) -> None:
    admin = login("admin")
    user_headers = login("analyst", username="leaver")
    users = app_client.get("/api/v1/users", headers=admin).json()
    uid = next(u["id"] for u in users if u["username"] == "leaver")
    assert app_client.patch(f"/api/v1/users/{uid}", json={"is_active": False}, headers=admin).status_code == 200
    assert app_client.get("/api/v1/auth/me", headers=user_headers).status_code == 401


def test_user_create_validation_names_field(app_client: TestClient, login: Any) -> None:
    admin = login("admin")
    resp = app_client.post(
        "/api/v1/users",
        headers=admin,
        json={"username": "x y", "display_name": "X", "password": "short", "role": "chief"},
    )
    assert resp.status_code == 422
    body = resp.json()
    assert resp.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in body["errors"]}
    assert {"username", "password", "role"} <= fields


def test_api_key_lifecycle(app_client: TestClient, login: Any) -> None:
    admin = login("admin")
    created = app_client.post("/api/v1/api-keys", headers=admin, json={"name": "cam-1", "camera_codes": ["CAM-1"]})
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith("rtcck_")
    listed = app_client.get("/api/v1/api-keys", headers=admin).json()
    assert all("secret" not in k for k in listed)
    # a sensor key cannot read alerts or users
    assert app_client.get("/api/v1/users", headers={"X-API-Key": secret}).status_code == 403
    assert app_client.get("/api/v1/auth/me", headers={"X-API-Key": secret}).status_code == 403
    revoked = app_client.delete(f"/api/v1/api-keys/{created.json()['id']}", headers=admin)
    assert revoked.json()["revoked_at"] is not None
    assert app_client.get("/api/v1/users", headers={"X-API-Key": secret}).status_code == 401
    bad = secret[:-2] + ("AA" if not secret.endswith("AA") else "BB")
    assert app_client.get("/api/v1/users", headers={"X-API-Key": bad}).status_code == 401
