"""Community sign-up does not tell who has an account (issue 15, security test finding 3).

The old sign-up answered 409 "an account with this e-mail address exists" and 409 "username ... is taken", so
anyone could list residents' addresses and usernames. Now every well-formed sign-up gets the same 202 answer, does
the same expensive work (one argon2 hash), and the owner of an existing address gets an e-mail notice instead.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from rtcc.community.accounts import SIGNUP_NOTICE_CATEGORY
from rtcc.community.models import CommunityProfile
from rtcc.core.db import Database
from rtcc.identity import service as identity_service
from rtcc.notify.models import OutboxMessage

P = "/api/v1/community"
PASSWORD = "correct horse battery"


def _body(username: str, email: str) -> dict[str, Any]:
    return {"account_type": "resident", "username": username, "display_name": "R", "email": email, "password": PASSWORD}


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the argon2 hashes computed (the expensive step that would otherwise make a taken name answer faster)."""
    seen: list[str] = []
    real = identity_service._hasher

    class Counting:
        def hash(self, password: str, **kw: Any) -> str:
            seen.append(password)
            return real.hash(password, **kw)

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    monkeypatch.setattr(identity_service, "_hasher", Counting())
    return seen


def test_taken_and_free_names_and_addresses_get_the_same_answer(
    app_client: TestClient, db: Database, hashes: list[str]
) -> None:
    first = app_client.post(f"{P}/signup", json=_body("ann", "ann@example.org"))
    assert first.status_code == 202, first.text
    assert len(hashes) == 1
    answers = {}
    for case, body in {
        "taken username": _body("ann", "other@example.org"),
        "taken address": _body("ann2", "ANN@example.org"),
        "both free": _body("bob", "bob@example.org"),
    }.items():
        hashes.clear()
        resp = app_client.post(f"{P}/signup", json=body)
        answers[case] = (resp.status_code, resp.json(), resp.headers["content-type"])
        assert len(hashes) == 1, f"{case}: {len(hashes)} password hashes (the timing would tell)"
    assert len(set(map(repr, answers.values()))) == 1, answers
    with db.read() as s:
        emails = set(s.scalars(select(CommunityProfile.email)))
    assert emails == {"ann@example.org", "bob@example.org"}  # nothing was created for the taken ones


def test_the_owner_of_an_existing_address_gets_a_notice_once_a_day(app_client: TestClient, db: Database) -> None:
    assert app_client.post(f"{P}/signup", json=_body("cleo", "cleo@example.org")).status_code == 202
    for name in ("cleo2", "cleo3"):
        assert app_client.post(f"{P}/signup", json=_body(name, "cleo@example.org")).status_code == 202
    with db.read() as s:
        notices = [
            (m.channel, m.recipient, m.body)
            for m in s.scalars(select(OutboxMessage).where(OutboxMessage.category == SIGNUP_NOTICE_CATEGORY))
        ]
    assert [(channel, to) for channel, to, _ in notices] == [("email", "cleo@example.org")]
    assert "already has one" in notices[0][2]


def test_checks_that_do_not_depend_on_other_accounts_still_answer(app_client: TestClient) -> None:
    weak = app_client.post(f"{P}/signup", json={**_body("dora", "dora@example.org"), "password": "password12"})
    assert weak.status_code == 422 and "password" in weak.json()["detail"]
    assert app_client.post(f"{P}/signup", json=_body("dora", "dora@example.org")).status_code == 202
    # the weak password is refused the same way for a taken name: the policy check comes first
    weak_taken = app_client.post(f"{P}/signup", json={**_body("dora", "x@example.org"), "password": "password12"})
    assert weak_taken.status_code == 422 and weak_taken.json()["detail"] == weak.json()["detail"]
