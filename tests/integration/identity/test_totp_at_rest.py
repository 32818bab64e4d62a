"""TOTP secrets are encrypted at rest, with a key from a key file that can be rotated (issue 15, finding 4).

The old code stored each TOTP seed in clear in ``mfa_factors.secret``: a database dump (a backup, a read-only SQL
injection) gave every staff member's second factor. Now the column holds ``v1:<key id>:<Fernet token>``; the key
lives in ``RTCC_MFA_KEY_FILE`` (default ``<data_dir>/mfa-secret.keys``, mode 0600). ``rtcc users mfa-new-key`` and
``rtcc users mfa-reencrypt`` rotate it; migration 0029 seals rows stored in clear before.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from rtcc.core import clock
from rtcc.core.db import Database
from rtcc.identity import secretbox, service
from rtcc.identity.logic import SYSTEM, Role
from rtcc.identity.models import MfaFactor
from rtcc.identity.schemas import UserCreate
from rtcc.settings import Settings, get_settings

PASSWORD = "correct horse battery"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"mfa_required": True})


@pytest.fixture
def client(app_client: TestClient) -> Iterator[TestClient]:
    app_client.cookies.clear()
    yield app_client
    app_client.cookies.clear()


def _enrol(client: TestClient, db: Database, username: str) -> pyotp.TOTP:
    with db.uow() as s:
        service.create_user(
            s, UserCreate(username=username, display_name="X", password=PASSWORD, role=Role.analyst), actor=SYSTEM
        )
    first = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD}).json()
    setup = client.post("/api/v1/auth/mfa/totp/setup", json={"challenge": first["challenge"]}).json()
    totp = pyotp.TOTP(setup["secret"])
    done = client.post(
        "/api/v1/auth/mfa/totp/confirm", json={"challenge": setup["challenge"], "code": totp.at(clock.utcnow())}
    )
    assert done.status_code == 200, done.text
    client.cookies.clear()
    return totp


def _sign_in(client: TestClient, username: str, totp: pyotp.TOTP, *, later_s: int) -> int:
    """Sign in ``later_s`` seconds from now (a time step is accepted once, so each sign-in moves the clock on)."""
    real = clock.utcnow()
    clock.set_clock(lambda: real + timedelta(seconds=later_s))
    try:
        first = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD}).json()
        code = totp.at(clock.utcnow())
        resp = client.post(
            "/api/v1/auth/mfa/verify", json={"challenge": first["challenge"], "method": "totp", "code": code}
        )
    finally:
        clock.set_clock(None)
        client.cookies.clear()
    return int(resp.status_code)


def _stored(db: Database) -> str:
    with db.read() as s:
        value = s.scalars(select(MfaFactor.secret).where(MfaFactor.kind == "totp")).one()
    assert value is not None
    return value


def test_the_secret_is_sealed_in_the_database_and_the_key_is_a_private_file(
    client: TestClient, db: Database, settings: Settings
) -> None:
    totp = _enrol(client, db, "ana")
    stored = _stored(db)
    assert totp.secret not in stored and stored.startswith("v1:")
    key_file = settings.data_dir / secretbox.KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert secretbox.load(key_file).open(stored) == totp.secret
    assert _sign_in(client, "ana", totp, later_s=30) == 200
    assert _sign_in(client, "ana", pyotp.TOTP(pyotp.random_base32()), later_s=60) == 401


def _cli(settings: Settings, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    from rtcc import cli

    monkeypatch.setenv("RTCC_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("RTCC_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    try:
        cli._register_domains()
        out = CliRunner().invoke(cli.app, ["users", *args])
    finally:
        get_settings.cache_clear()
    assert out.exit_code == 0, out.output
    return out.output


def test_key_rotation_reseals_every_secret_and_the_old_key_can_go(
    client: TestClient, db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    totp = _enrol(client, db, "ben")
    key_file = settings.data_dir / secretbox.KEY_FILE_NAME
    old_id = _stored(db).split(":")[1]
    out = _cli(settings, monkeypatch, "mfa-new-key")
    assert "new key" in out and secretbox.load(key_file).keys[0] not in out.encode()  # ids only, never a key
    assert _sign_in(client, "ben", totp, later_s=30) == 200  # the old key still opens it
    assert "1 TOTP secret(s) sealed again" in _cli(settings, monkeypatch, "mfa-reencrypt")
    new_id = _stored(db).split(":")[1]
    assert new_id != old_id and new_id == secretbox.load(key_file).current_id
    lines = [ln for ln in key_file.read_text().splitlines() if ln and not ln.startswith("#")]
    key_file.write_text(lines[0] + "\n")  # the old key deleted
    assert _sign_in(client, "ben", totp, later_s=180) == 200
    assert "0 TOTP secret(s)" in _cli(settings, monkeypatch, "mfa-reencrypt")


def test_the_migration_seals_secrets_stored_in_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rtcc.core import migrate

    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0021")  # the schema before encryption
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO users (id, username, display_name, password_hash, role, is_active, created_at) "
                "VALUES ('0123456789abcdef0123456789abcdef', 'cy', 'Cy', 'x', 'analyst', 1, '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO mfa_factors (id, user_id, kind, name, secret, sign_count, created_at) VALUES "
                "('fedcba9876543210fedcba9876543210', '0123456789abcdef0123456789abcdef', 'totp', 'app', "
                "'JBSWY3DPEHPK3PXP', 0, '2026-01-01 00:00:00')"
            )
        )
    monkeypatch.setenv("RTCC_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        migrate.upgrade(url)
        with engine.connect() as conn:
            sealed = conn.execute(sa.text("SELECT secret FROM mfa_factors")).scalar_one()
        assert sealed.startswith("v1:") and "JBSWY3DPEHPK3PXP" not in sealed
        assert secretbox.load(tmp_path / secretbox.KEY_FILE_NAME).open(sealed) == "JBSWY3DPEHPK3PXP"
        command.downgrade(migrate.alembic_config(url), "0021")  # and back: opened again
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT secret FROM mfa_factors")).scalar_one() == "JBSWY3DPEHPK3PXP"
    finally:
        get_settings.cache_clear()
        engine.dispose()
