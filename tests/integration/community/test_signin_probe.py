"""Sign-up then sign-in does not tell whether a username was taken (issue 15, follow-up of finding 3).

Sign-up answers the same 202 for taken and free names, but the portal then signed the new account in: an attacker
signed up with a username and a password of their own and tried to sign in with them. A free name had become their
account (200); a taken one answered 401. Now a new account signs in only once its e-mail address is confirmed, and
until then its sign-in fails exactly like a wrong password and like an unknown name: same status, body and headers,
the same one argon2 verification, the same throttling and lockout. The sign-up rate limit counts every attempt from
an address, not the accounts made: else a quietly refused (taken) name left room for one more sign-up, and the 429
told which names were taken.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from rtcc.community.models import CommunityProfile
from rtcc.core.db import Database
from rtcc.identity import service as identity_service
from rtcc.settings import Settings
from rtcc_testing import confirm_signup

P = "/api/v1/community"
LOGIN = "/api/v1/auth/login"
OWNER_PASSWORD = "correct horse battery"
PROBE_PASSWORD = "attacker's own long phrase"
#: Headers that legitimately differ between two answers (time and the request's own id).
VOLATILE = {"date", "x-request-id", "server-timing"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Sign-in throttling with a small per-username limit and no per-address lock (all requests come from one
    test client); the default sign-up limit (5 an hour per address)."""
    return settings.model_copy(update={"login_max_failures_account": 3, "login_max_failures_address": 1000})


def _signup(client: TestClient, username: str, email: str, password: str) -> Response:
    body = {"account_type": "resident", "username": username, "display_name": "R", "email": email, "password": password}
    return client.post(f"{P}/signup", json=body)


def _answer(resp: Response) -> tuple[int, Any, dict[str, str]]:
    headers = {k.lower(): v for k, v in resp.headers.items() if k.lower() not in VOLATILE}
    return resp.status_code, resp.json(), headers


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the argon2 verifications a sign-in computes (the expensive step timing would show)."""
    seen: list[str] = []
    real = identity_service._hasher

    class Counting:
        def verify(self, hash: str, password: str) -> bool:
            seen.append(password)
            return real.verify(hash, password)

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    monkeypatch.setattr(identity_service, "_hasher", Counting())
    return seen


@pytest.fixture
def owner(app_client: TestClient, db: Database) -> str:
    """A resident who signed up, confirmed the address and signs in: the username an attacker probes."""
    assert _signup(app_client, "ana", "ana@example.org", OWNER_PASSWORD).status_code == 202
    confirm_signup(app_client, db, "ana")
    assert app_client.post(LOGIN, json={"username": "ana", "password": OWNER_PASSWORD}).status_code == 200
    app_client.cookies.clear()
    return "ana"


def test_signing_in_after_a_sign_up_does_not_tell_whether_the_name_was_taken(
    app_client: TestClient, db: Database, owner: str, verifications: list[str]
) -> None:
    # the probe: sign up with the name and a password of one's own, then sign in with them
    assert _signup(app_client, owner, "probe1@example.org", PROBE_PASSWORD).status_code == 202
    assert _signup(app_client, "newbie", "probe2@example.org", PROBE_PASSWORD).status_code == 202
    answers = {}
    for case, name in {"taken": owner, "free (new, unconfirmed)": "newbie", "unknown": "nobody"}.items():
        verifications.clear()
        resp = app_client.post(LOGIN, json={"username": name, "password": PROBE_PASSWORD})
        answers[case] = _answer(resp)
        assert len(verifications) == 1, f"{case}: {len(verifications)} password verifications (timing would tell)"
        assert "set-cookie" not in answers[case][2], case
    assert answers["taken"][0] == 401, answers
    assert len({repr(a) for a in answers.values()}) == 1, answers

    # the owner of the address confirms it: from then on the account signs in
    confirm_signup(app_client, db, "newbie")
    assert app_client.post(LOGIN, json={"username": "newbie", "password": PROBE_PASSWORD}).status_code == 200


def test_lockout_treats_taken_unconfirmed_and_unknown_names_alike(
    app_client: TestClient, db: Database, owner: str
) -> None:
    assert _signup(app_client, "newbie", "probe2@example.org", PROBE_PASSWORD).status_code == 202
    runs: dict[str, list[tuple[int, Any, dict[str, str]]]] = {}
    for case, name in {"taken": owner, "free (new, unconfirmed)": "newbie", "unknown": "nobody"}.items():
        runs[case] = [
            _answer(app_client.post(LOGIN, json={"username": name, "password": PROBE_PASSWORD})) for _ in range(5)
        ]
    statuses = {case: [status for status, _, _ in run] for case, run in runs.items()}
    assert statuses["taken"] == [401, 401, 401, 429, 429], statuses
    assert len({repr(s) for s in statuses.values()}) == 1, statuses
    for i in range(5):  # the same answers, attempt by attempt (Retry-After may tick by a second between runs)
        shapes = {
            case: (run[i][0], run[i][1], sorted(run[i][2]), abs(int(run[i][2].get("retry-after", "900")) - 900) <= 2)
            for case, run in runs.items()
        }
        assert len({repr(s) for s in shapes.values()}) == 1, (i, shapes)


def test_the_sign_up_limit_counts_attempts_not_accounts(app_client: TestClient, db: Database, owner: str) -> None:
    # the owner's own sign-up was the first from this address; four more with the taken name fill the hour's five
    for i in range(4):
        assert _signup(app_client, owner, f"probe{i}@example.org", PROBE_PASSWORD).status_code == 202
    refused = _signup(app_client, "zed", "zed@example.org", PROBE_PASSWORD)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "3600", refused.text
    with db.read() as s:
        assert set(s.scalars(select(CommunityProfile.username))) == {owner}
