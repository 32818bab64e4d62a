"""Second factors (issue 15): staff sign in in two steps when MFA is required; TOTP (codes made here with pyotp) and
WebAuthn (answers made here by a software authenticator: an ECDSA P-256 key from ``cryptography``, "none"
attestation) enrol and sign in; recovery codes are single use; every MFA event is audited."""

from __future__ import annotations

import hashlib
import json
import os
import struct
from base64 import urlsafe_b64encode
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import cbor2
import pyotp
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from sqlalchemy import select

from rtcc.audit.models import AuditEntry
from rtcc.core import clock
from rtcc.core.db import Database
from rtcc.identity import service
from rtcc.identity.logic import SYSTEM, Role
from rtcc.identity.schemas import UserCreate
from rtcc.settings import Settings

PASSWORD = "correct horse battery"
ORIGIN = "http://testserver"  # the test client's origin; the relying party id is its host name
RP_ID = "testserver"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings with MFA required for staff (the production default)."""
    return settings.model_copy(update={"mfa_required": True})


@pytest.fixture
def client(app_client: TestClient) -> Iterator[TestClient]:
    app_client.cookies.clear()
    yield app_client
    app_client.cookies.clear()


def _user(db: Database, username: str, role: str = "analyst") -> None:
    with db.uow() as s:
        service.create_user(
            s,
            UserCreate(username=username, display_name=username.title(), password=PASSWORD, role=Role(role)),
            actor=SYSTEM,
        )


def _actions(db: Database, action_prefix: str = "mfa.") -> list[tuple[str, dict[str, Any]]]:
    with db.read() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action.like(f"{action_prefix}%")).order_by(AuditEntry.seq))
        return [(e.action, dict(e.details or {})) for e in rows]


def _b64(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    from base64 import urlsafe_b64decode

    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SoftKey:
    """A software WebAuthn authenticator: one P-256 credential, "none" attestation, a signature counter."""

    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    credential_id: bytes = field(default_factory=lambda: os.urandom(32))
    counter: int = 0

    def _cose(self) -> bytes:
        nums = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: nums.x.to_bytes(32, "big"), -3: nums.y.to_bytes(32, "big")})

    def _client_data(self, kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()

    def create(self, options: dict[str, Any], origin: str = ORIGIN) -> dict[str, Any]:
        """The answer of navigator.credentials.create() to ``options``."""
        rp_hash = hashlib.sha256(options["rp"]["id"].encode()).digest()
        attested = bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id + self._cose()
        auth_data = rp_hash + bytes([0x45]) + struct.pack(">I", self.counter) + attested  # UP | UV | AT
        att = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        cdata = self._client_data("webauthn.create", options["challenge"], origin)
        return {
            "id": _b64(self.credential_id),
            "rawId": _b64(self.credential_id),
            "type": "public-key",
            "response": {"clientDataJSON": _b64(cdata), "attestationObject": _b64(att)},
        }

    def get(self, options: dict[str, Any], origin: str = ORIGIN) -> dict[str, Any]:
        """The answer of navigator.credentials.get() to ``options`` (the counter moves on)."""
        self.counter += 1
        rp_hash = hashlib.sha256(options["rpId"].encode()).digest()
        auth_data = rp_hash + bytes([0x05]) + struct.pack(">I", self.counter)  # UP | UV
        cdata = self._client_data("webauthn.get", options["challenge"], origin)
        signature = self.key.sign(auth_data + hashlib.sha256(cdata).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": _b64(self.credential_id),
            "rawId": _b64(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": _b64(cdata),
                "authenticatorData": _b64(auth_data),
                "signature": _b64(signature),
            },
        }


def _password_step(client: TestClient, username: str) -> dict[str, Any]:
    resp = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def _enrol_totp(client: TestClient, username: str) -> tuple[pyotp.TOTP, list[str]]:
    first = _password_step(client, username)
    assert first["status"] == "mfa_required" and first["enrol"] is True and first["methods"] == []
    assert "token" not in first and "rtcc_session" not in client.cookies
    setup = client.post("/api/v1/auth/mfa/totp/setup", json={"challenge": first["challenge"]}).json()
    assert setup["uri"].startswith("otpauth://totp/") and f"secret={setup['secret']}" in setup["uri"]
    totp = pyotp.TOTP(setup["secret"])
    done = client.post(
        "/api/v1/auth/mfa/totp/confirm", json={"challenge": setup["challenge"], "code": totp.at(clock.utcnow())}
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["session"]["status"] == "ok" and body["session"]["user"]["username"] == username
    assert len(body["recovery_codes"]) == 10
    client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {body['session']['token']}"})
    client.cookies.clear()
    return totp, body["recovery_codes"]


def test_staff_password_alone_no_longer_signs_in(client: TestClient, db: Database) -> None:
    _user(db, "ana")
    first = _password_step(client, "ana")
    assert first["status"] == "mfa_required"
    # the challenge is not a session
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {first['challenge']}"}).status_code == 401


def test_community_accounts_sign_in_with_a_password(client: TestClient, db: Database) -> None:
    _user(db, "household", role="resident")
    body = _password_step(client, "household")
    assert body["status"] == "ok" and body["token"]


def test_totp_enrol_then_sign_in_and_no_replay(client: TestClient, db: Database) -> None:
    _user(db, "ana")
    totp, _codes = _enrol_totp(client, "ana")
    real = clock.utcnow()
    try:
        clock.set_clock(lambda: real + timedelta(seconds=90))  # a later time step than the enrolment's code
        first = _password_step(client, "ana")
        assert first["enrol"] is False and first["methods"] == ["totp", "recovery"]
        wrong = client.post(
            "/api/v1/auth/mfa/verify", json={"challenge": first["challenge"], "method": "totp", "code": "000000"}
        )
        assert wrong.status_code == 401
        code = totp.at(clock.utcnow())
        ok = client.post(
            "/api/v1/auth/mfa/verify", json={"challenge": first["challenge"], "method": "totp", "code": code}
        )
        assert ok.status_code == 200, ok.text
        assert ok.json()["user"]["username"] == "ana" and "rtcc_session" in ok.cookies
        me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {ok.json()['token']}"})
        assert me.status_code == 200
        # the challenge is spent, and the same code is not accepted twice
        again = client.post(
            "/api/v1/auth/mfa/verify", json={"challenge": first["challenge"], "method": "totp", "code": code}
        )
        assert again.status_code == 401
        second = _password_step(client, "ana")
        replay = client.post(
            "/api/v1/auth/mfa/verify", json={"challenge": second["challenge"], "method": "totp", "code": code}
        )
        assert replay.status_code == 401
    finally:
        clock.set_clock(None)
    actions = [a for a, _ in _actions(db)]
    assert actions.count("mfa.enrol") == 1 and "mfa.recovery_codes" in actions
    assert actions.count("mfa.failed") == 2 and actions.count("mfa.verified") == 2  # enrolment + sign-in
    with db.read() as s:
        login = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "auth.login").order_by(AuditEntry.seq.desc())
        ).first()
        assert login is not None and login.details["mfa"] == "totp"


def test_recovery_codes_are_single_use_and_stored_hashed(client: TestClient, db: Database) -> None:
    from rtcc.identity.models import MfaRecoveryCode

    _user(db, "sup", role="supervisor")
    _totp, codes = _enrol_totp(client, "sup")
    with db.read() as s:
        stored = {r.code_hash for r in s.scalars(select(MfaRecoveryCode))}
    assert not set(codes) & stored and hashlib.sha256(codes[0].encode()).hexdigest() in stored
    first = _password_step(client, "sup")
    ok = client.post(
        "/api/v1/auth/mfa/verify",
        json={"challenge": first["challenge"], "method": "recovery", "code": codes[0].upper().replace("-", " ")},
    )
    assert ok.status_code == 200, ok.text
    second = _password_step(client, "sup")
    reused = client.post(
        "/api/v1/auth/mfa/verify", json={"challenge": second["challenge"], "method": "recovery", "code": codes[0]}
    )
    assert reused.status_code == 401
    status = client.get("/api/v1/auth/mfa", headers={"Authorization": f"Bearer {ok.json()['token']}"}).json()
    assert status["required"] is True and status["recovery_codes_left"] == 9 and len(status["factors"]) == 1


def test_wrong_codes_end_the_challenge(client: TestClient, db: Database, settings: Settings) -> None:
    _user(db, "disp", role="dispatcher")
    totp, _ = _enrol_totp(client, "disp")
    first = _password_step(client, "disp")
    for _ in range(settings.mfa_max_failures):
        bad = client.post(
            "/api/v1/auth/mfa/verify", json={"challenge": first["challenge"], "method": "totp", "code": "123456"}
        )
        assert bad.status_code in (401, 429)
    late = client.post(
        "/api/v1/auth/mfa/verify",
        json={
            "challenge": first["challenge"],
            "method": "totp",
            "code": totp.at(clock.utcnow() + timedelta(seconds=30)),
        },
    )
    assert late.status_code in (401, 429)  # the challenge is dead (and the account throttled): password again


def test_a_login_challenge_cannot_add_a_factor_to_an_enrolled_account(client: TestClient, db: Database) -> None:
    _user(db, "ofc", role="officer")
    _enrol_totp(client, "ofc")
    first = _password_step(client, "ofc")  # a thief with the password only
    resp = client.post("/api/v1/auth/mfa/totp/setup", json={"challenge": first["challenge"]})
    assert resp.status_code == 403
    resp = client.post("/api/v1/auth/mfa/webauthn/register/options", json={"challenge": first["challenge"]})
    assert resp.status_code == 403


def test_webauthn_enrol_and_sign_in_with_a_software_authenticator(client: TestClient, db: Database) -> None:
    _user(db, "adm", role="admin")
    key = SoftKey()
    first = _password_step(client, "adm")
    opts = client.post("/api/v1/auth/mfa/webauthn/register/options", json={"challenge": first["challenge"]}).json()
    assert opts["options"]["rp"]["id"] == RP_ID
    # an answer for another site is refused
    evil = client.post(
        "/api/v1/auth/mfa/webauthn/register",
        json={"challenge": opts["challenge"], "credential": key.create(opts["options"], origin="https://evil.example")},
    )
    assert evil.status_code == 401
    opts = client.post("/api/v1/auth/mfa/webauthn/register/options", json={"challenge": first["challenge"]}).json()
    reg = client.post(
        "/api/v1/auth/mfa/webauthn/register",
        json={"challenge": opts["challenge"], "credential": key.create(opts["options"]), "name": "Blue key"},
    )
    assert reg.status_code == 200, reg.text
    assert reg.json()["factor"]["kind"] == "webauthn" and reg.json()["session"]["status"] == "ok"
    client.cookies.clear()

    second = _password_step(client, "adm")
    assert second["methods"] == ["webauthn", "recovery"]
    auth = client.post("/api/v1/auth/mfa/webauthn/options", json={"challenge": second["challenge"]}).json()
    assert [c["id"] for c in auth["options"]["allowCredentials"]] == [_b64(key.credential_id)]
    answer = key.get(auth["options"])
    ok = client.post(
        "/api/v1/auth/mfa/verify", json={"challenge": second["challenge"], "method": "webauthn", "credential": answer}
    )
    assert ok.status_code == 200, ok.text
    # a replayed assertion (same challenge, same counter) is refused
    third = _password_step(client, "adm")
    client.post("/api/v1/auth/mfa/webauthn/options", json={"challenge": third["challenge"]})
    replay = client.post(
        "/api/v1/auth/mfa/verify", json={"challenge": third["challenge"], "method": "webauthn", "credential": answer}
    )
    assert replay.status_code == 401
    # a signature by another key is refused
    auth = client.post("/api/v1/auth/mfa/webauthn/options", json={"challenge": third["challenge"]}).json()
    forged = SoftKey(credential_id=key.credential_id, counter=key.counter).get(auth["options"])
    bad = client.post(
        "/api/v1/auth/mfa/verify", json={"challenge": third["challenge"], "method": "webauthn", "credential": forged}
    )
    assert bad.status_code == 401
    actions = _actions(db)
    assert ("mfa.enrol", {"method": "webauthn"}) in [(a, {"method": d.get("method")}) for a, d in actions]
    assert [d.get("method") for a, d in actions if a == "mfa.verified"][-1] == "webauthn"
    assert sum(1 for a, _ in actions if a == "mfa.failed") == 3


def test_signed_in_user_adds_a_second_factor_and_removes_one(client: TestClient, db: Database) -> None:
    _user(db, "aud", role="auditor")
    totp, _codes = _enrol_totp(client, "aud")
    first = _password_step(client, "aud")
    code = totp.at(clock.utcnow() + timedelta(seconds=30))  # the next step: the enrolment spent this one
    ok = client.post("/api/v1/auth/mfa/verify", json={"challenge": first["challenge"], "method": "totp", "code": code})
    assert ok.status_code == 200, ok.text
    headers = {"Authorization": f"Bearer {ok.json()['token']}"}
    key = SoftKey()
    real = clock.utcnow()
    clock.set_clock(lambda: real + timedelta(seconds=60))  # the session's last-seen write is due on this request
    try:
        opts = client.post("/api/v1/auth/mfa/webauthn/register/options", json={}, headers=headers).json()
    finally:
        clock.set_clock(None)
    reg = client.post(
        "/api/v1/auth/mfa/webauthn/register",
        json={"challenge": opts["challenge"], "credential": key.create(opts["options"])},
        headers=headers,
    )
    assert reg.status_code == 200, reg.text
    assert reg.json()["session"] is None and reg.json()["recovery_codes"] == []  # already had codes
    factors = client.get("/api/v1/auth/mfa", headers=headers).json()["factors"]
    assert sorted(f["kind"] for f in factors) == ["totp", "webauthn"]
    totp_id = next(f["id"] for f in factors if f["kind"] == "totp")
    assert client.delete(f"/api/v1/auth/mfa/factors/{totp_id}", headers=headers).status_code == 204
    last = client.get("/api/v1/auth/mfa", headers=headers).json()["factors"][0]["id"]
    assert client.delete(f"/api/v1/auth/mfa/factors/{last}", headers=headers).status_code == 409
    # without a session or a challenge, adding a factor is refused
    client.cookies.clear()
    assert client.post("/api/v1/auth/mfa/totp/setup", json={}).status_code == 401


def test_admin_resets_a_lost_device(client: TestClient, db: Database) -> None:
    _user(db, "lost", role="officer")
    _enrol_totp(client, "lost")
    with db.read() as s:
        user_id = next(u.id for u in service.list_users(s) if u.username == "lost")
    with db.uow() as s:  # the admin's own two-step sign-in is covered above: open their session directly
        admin = service.create_user(
            s, UserCreate(username="boss", display_name="Boss", password=PASSWORD, role=Role.admin), actor=SYSTEM
        )
        token = service.open_session(s, admin, max_hours=1).token
    resp = client.delete(f"/api/v1/users/{user_id}/mfa", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200 and resp.json() == {"factors_removed": 1}
    assert _password_step(client, "lost")["enrol"] is True
    assert [a for a, _ in _actions(db) if a == "mfa.reset"] == ["mfa.reset"]


def test_cli_mfa_reset(client: TestClient, db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from rtcc import cli
    from rtcc.settings import get_settings

    _user(db, "boss", role="admin")
    _enrol_totp(client, "boss")
    monkeypatch.setenv("RTCC_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        cli._register_domains()
        out = CliRunner().invoke(cli.app, ["users", "mfa-reset", "boss"])
        assert out.exit_code == 0, out.output
        assert "removed 1 second factor(s) of boss" in out.output
        missing = CliRunner().invoke(cli.app, ["users", "mfa-reset", "nobody"])
        assert missing.exit_code != 0
    finally:
        get_settings.cache_clear()
    assert _password_step(client, "boss")["enrol"] is True
