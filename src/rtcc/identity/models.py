"""Tables of the identity domain: users, login sessions, API keys, second factors and sign-in throttling."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime


class User(Base):
    """A staff account. ``role`` is one of ``identity.logic.Role``; ``unit``/``division`` scope what they see."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str | None] = mapped_column(String(64))
    division: Mapped[str | None] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: A self-service account (community sign-up) whose e-mail address is not confirmed yet: it cannot sign in, and
    #: its sign-in fails exactly like a wrong password, so that signing in after a sign-up does not tell whether the
    #: username was free (issue 15). Confirming the address clears it.
    awaiting_confirmation: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginSession(Base):
    """A browser/API login. The client holds a random token; we store only its SHA-256 (``id``)."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client: Mapped[str | None] = mapped_column(String(255))


class ApiKey(Base):
    """A sensor's key. ``camera_codes`` lists the cameras it may report for (``["*"]`` = any); secret stored hashed."""

    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(128))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    camera_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class MfaFactor(Base):
    """A second factor of a user: a TOTP secret (``kind="totp"``) or a WebAuthn credential (``kind="webauthn"``).

    A TOTP factor counts once ``confirmed_at`` is set (its first code was right); ``last_step`` is the last TOTP time
    step accepted, so a code is never accepted twice. A WebAuthn factor stores the credential id and COSE public key
    (base64url) and the authenticator's signature counter."""

    __tablename__ = "mfa_factors"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    secret: Mapped[str | None] = mapped_column(String(255))  # sealed (rtcc.identity.secretbox), never clear
    credential_id: Mapped[str | None] = mapped_column(String(1024), unique=True)
    public_key: Mapped[str | None] = mapped_column(Text)
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MfaRecoveryCode(Base):
    """A single-use recovery code, stored as its SHA-256 (the codes are random, 50 bits each)."""

    __tablename__ = "mfa_recovery_codes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MfaChallenge(Base):
    """A short-lived ticket between the password and the second factor (``purpose="login"``), or for adding a factor
    while signed in (``purpose="enrol"``). The client holds a random token; we store its SHA-256 (``id``).
    ``webauthn_challenge`` is the last challenge handed to the browser (base64url); ``failures`` counts wrong codes."""

    __tablename__ = "mfa_challenges"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    pending_secret: Mapped[str | None] = mapped_column(String(255))  # sealed, like MfaFactor.secret
    webauthn_challenge: Mapped[str | None] = mapped_column(String(128))
    client: Mapped[str | None] = mapped_column(String(255))


class LoginThrottle(Base):
    """Failed sign-ins counted per key (``u:<username>`` for an account, ``a:<address>`` for a client address) in a
    window that starts at the first failure. ``locked_until`` refuses every attempt on the key until then.
    ``audited`` failures of the window were written to the audit log one by one; ``suppressed`` were not (one summary
    row says how many when the window closes)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    audited: Mapped[int] = mapped_column(Integer, default=0)
    suppressed: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
