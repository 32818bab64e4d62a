"""Passwords people choose are checked against the shipped common-password list and patterns (issue 15:
``password12`` and ``cerritos-demo`` were accepted), and a password change ends the user's other sessions (they
survived before)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from rtcc.core.db import Database
from rtcc.core.errors import ValidationFailed
from rtcc.identity import service
from rtcc.identity.logic import SYSTEM, Role
from rtcc.identity.schemas import UserCreate

RIGHT = "correct horse battery"


@pytest.mark.parametrize("weak", ["password12", "cerritos-demo", "Cerritos2026!", "1234567890", "qwertyuiop123"])
def test_admin_cannot_create_a_user_with_a_guessable_password(app_client: TestClient, login: Any, weak: str) -> None:
    admin = login("admin")
    resp = app_client.post(
        "/api/v1/users",
        json={"username": "newbie", "display_name": "New", "password": weak, "role": "analyst"},
        headers=admin,
    )
    assert resp.status_code == 422, resp.text
    assert resp.json()["errors"][0]["field"] == "password"


def test_username_in_password_is_refused(db: Database) -> None:
    with db.uow() as s, pytest.raises(ValidationFailed, match="password"):
        service.create_user(
            s,
            UserCreate(username="jsmith", display_name="J", password="JSmith-2026!", role=Role.analyst),
            actor=SYSTEM,
        )


def test_community_sign_up_refuses_a_common_password(app_client: TestClient) -> None:
    resp = app_client.post(
        "/api/v1/community/signup",
        json={
            "account_type": "resident",
            "username": "weakling",
            "display_name": "W",
            "email": "weakling@example.org",
            "password": "password12",
        },
    )
    assert resp.status_code == 422, resp.text
    assert "password" in resp.json()["detail"]


def test_password_change_ends_the_other_sessions(app_client: TestClient, login: Any) -> None:
    laptop = login("analyst", username="ana")
    phone = app_client.post("/api/v1/auth/login", json={"username": "ana", "password": RIGHT}).json()["token"]
    phone_h = {"Authorization": f"Bearer {phone}"}
    assert app_client.get("/api/v1/auth/me", headers=phone_h).status_code == 200
    weak = app_client.post(
        "/api/v1/auth/password", json={"current_password": RIGHT, "new_password": "password12"}, headers=laptop
    )
    assert weak.status_code == 422
    wrong = app_client.post(
        "/api/v1/auth/password", json={"current_password": "not it at all", "new_password": "a brand new phrase"},
        headers=laptop,
    )  # fmt: skip
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "current_password"
    ok = app_client.post(
        "/api/v1/auth/password", json={"current_password": RIGHT, "new_password": "a brand new phrase"}, headers=laptop
    )
    assert ok.status_code == 200 and ok.json() == {"sessions_ended": 1}
    assert app_client.get("/api/v1/auth/me", headers=laptop).status_code == 200  # this one stays
    assert app_client.get("/api/v1/auth/me", headers=phone_h).status_code == 401  # the other one ended
    new = app_client.post("/api/v1/auth/login", json={"username": "ana", "password": "a brand new phrase"})
    assert new.status_code == 200


def test_admin_password_reset_ends_all_the_users_sessions(app_client: TestClient, login: Any, db: Database) -> None:
    admin = login("admin")
    ofc = login("officer", username="ofc")
    with db.read() as s:
        user_id = next(u.id for u in service.list_users(s) if u.username == "ofc")
    resp = app_client.patch(f"/api/v1/users/{user_id}", json={"password": "another fine phrase"}, headers=admin)
    assert resp.status_code == 200, resp.text
    assert app_client.get("/api/v1/auth/me", headers=ofc).status_code == 401
