"""Sign-in throttling and lockout (issue 15, security finding: 50 wrong passwords in 6.5 s, then the right one,
succeeded). Per username and per client address, 429 problem+json with Retry-After, failed-login audit rows
throttled to a few per window plus one summary row."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from rtcc.audit.models import AuditEntry
from rtcc.core import clock
from rtcc.core.db import Database
from rtcc.settings import Settings

RIGHT = "correct horse battery"
LOGIN = "/api/v1/auth/login"


class _Row:
    def __init__(self, e: AuditEntry) -> None:
        self.action, self.details = e.action, dict(e.details or {})


def _actions(db: Database) -> list[_Row]:
    with db.read() as s:
        return [_Row(e) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]


def test_fifty_wrong_passwords_then_the_right_one_is_refused(
    app_client: TestClient, login: Any, db: Database, settings: Settings
) -> None:
    login("officer", username="ofc")
    statuses = [
        app_client.post(LOGIN, json={"username": "ofc", "password": f"wrong guess {i}"}).status_code for i in range(50)
    ]
    limit = settings.login_max_failures_account
    assert statuses[:limit] == [401] * limit
    assert set(statuses[limit:]) == {429}
    right = app_client.post(LOGIN, json={"username": "ofc", "password": RIGHT})
    assert right.status_code == 429, right.text
    assert right.headers["content-type"].startswith("application/problem+json")
    retry = int(right.headers["Retry-After"])
    assert 0 < retry <= settings.login_lockout_s + 1
    assert "token" not in right.json()
    # the audit log got a few rows one by one and one lockout row, not fifty
    rows = _actions(db)
    failed = [e for e in rows if e.action == "auth.login_failed"]
    assert len(failed) == settings.login_audit_failures
    assert [e.details["scope"] for e in rows if e.action == "auth.lockout"] == ["account"]
    assert not [e for e in rows if e.action == "auth.login"][1:]  # only the fixture's own sign-in

    # once the lockout is over the right password works, and the window's unaudited failures are summarised
    real = clock.utcnow()
    try:
        clock.set_clock(lambda: real + timedelta(seconds=settings.login_lockout_s + 2))
        ok = app_client.post(LOGIN, json={"username": "ofc", "password": RIGHT})
        assert ok.status_code == 200, ok.text
    finally:
        clock.set_clock(None)
    summary = [e for e in _actions(db) if e.action == "auth.login_failed_summary"]
    assert len(summary) == 1
    assert summary[0].details["failures"] == limit
    assert summary[0].details["not_audited_one_by_one"] == limit - settings.login_audit_failures


def test_unknown_usernames_are_locked_alike(app_client: TestClient, settings: Settings) -> None:
    for i in range(settings.login_max_failures_account):
        assert app_client.post(LOGIN, json={"username": "Nobody", "password": f"guess number {i}"}).status_code == 401
    locked = app_client.post(LOGIN, json={"username": "nobody", "password": "guess again!"})
    assert locked.status_code == 429  # case-folded: the same key
    assert "Retry-After" in locked.headers


def test_one_address_trying_many_usernames_is_locked(
    app_client: TestClient, login: Any, settings: Settings, db: Database
) -> None:
    login("analyst", username="ana")
    for i in range(settings.login_max_failures_address):
        user = f"spray{i}"  # a different username each time: no account lock
        assert app_client.post(LOGIN, json={"username": user, "password": "Summer2026!"}).status_code == 401
    # the address is locked now: even a good account's right password from here waits
    resp = app_client.post(LOGIN, json={"username": "ana", "password": RIGHT})
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) > 0
    assert "address" in [e.details.get("scope") for e in _actions(db) if e.action == "auth.lockout"]


def test_failures_outside_the_window_do_not_add_up(app_client: TestClient, login: Any, settings: Settings) -> None:
    login("dispatcher", username="disp")
    real = clock.utcnow()
    try:
        for round_ in range(3):  # 3 rounds of (limit - 1) failures, each in a new window: never locked
            clock.set_clock(lambda r=round_: real + timedelta(seconds=r * (settings.login_window_s + 5)))
            for i in range(settings.login_max_failures_account - 1):
                resp = app_client.post(LOGIN, json={"username": "disp", "password": f"wrong {round_}{i}"})
                assert resp.status_code == 401
            assert app_client.post(LOGIN, json={"username": "disp", "password": RIGHT}).status_code == 200
    finally:
        clock.set_clock(None)
