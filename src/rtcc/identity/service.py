"""Identity use cases: users, password login with idle-timeout sessions, sensor API keys, principal resolution.

Sign-in is throttled (``throttle``) and may need a second factor (``mfa``); passwords people choose are checked
against the common-password list and patterns (``passwords``); a password change ends the user's other sessions.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotAuthenticated, NotFound, invalid
from rtcc.identity import repository, throttle
from rtcc.identity.logic import (
    AGENCY_PERMISSIONS,
    ALARM_COMPANY_PERMISSIONS,
    MONITORING_PERMISSIONS,
    SENSOR_PERMISSIONS,
    Principal,
    permissions_for,
)
from rtcc.identity.models import ApiKey, LoginSession, User
from rtcc.identity.passwords import password_problem
from rtcc.identity.schemas import ApiKeyCreate, UserCreate, UserUpdate
from rtcc.places import service as places

logger = logging.getLogger(__name__)

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password-used-for-timing")
API_KEY_PREFIX = "rtcck"
_TOUCH_EVERY = timedelta(seconds=30)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def principal_of(user: User) -> Principal:
    """The principal a signed-in user acts as."""
    return Principal(
        kind="user",
        id=str(user.id),
        name=user.username,
        role=user.role,
        permissions=permissions_for(user.role),
        unit=user.unit,
        division=user.division,
    )


def check_division(code: str | None) -> str | None:
    """A user's division as an administrator sets it: empty for none, else a division code of the city profile."""
    if not code:
        return None
    if code not in places.division_codes():
        raise invalid("division", f"no division {code!r} in the city profile (GET /api/v1/places/profile lists them)")
    return code


def create_user(
    session: Session,
    data: UserCreate,
    *,
    actor: Principal,
    password_hash: str | None = None,
    awaiting_confirmation: bool = False,
) -> User:
    """Create a user with an argon2-hashed password (audited). ``password_hash``, when given, must be the argon2
    hash of ``data.password`` (bootstrap reuses one hash for many demo accounts). ``awaiting_confirmation``: a
    self-service account that cannot sign in until ``confirm_account``."""
    if repository.user_by_username(session, data.username):
        raise Conflict(f"username {data.username!r} is taken")
    if password_hash is None:
        check_password_policy(data.password, username=data.username)
    user = User(
        username=data.username,
        display_name=data.display_name,
        password_hash=password_hash or _hasher.hash(data.password),
        role=data.role.value,
        unit=data.unit,
        division=check_division(data.division),
        is_active=True,
        awaiting_confirmation=awaiting_confirmation,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    audit.record_for(
        session,
        actor,
        "user.create",
        target_type="user",
        target_id=str(user.id),
        details={"username": user.username, "role": user.role, "division": user.division},
    )
    return user


def confirm_account(session: Session, user_id: uuid.UUID) -> None:
    """Let a self-service account sign in (its owner confirmed the e-mail address the sign-up named)."""
    user = session.get(User, user_id)
    if user is not None and user.awaiting_confirmation:
        user.awaiting_confirmation = False
        audit.record(
            session,
            actor=user.username,
            actor_role=user.role,
            action="user.confirm",
            target_type="user",
            target_id=str(user.id),
        )


def update_user(session: Session, user_id: uuid.UUID, data: UserUpdate, *, actor: Principal) -> User:
    """Change a user's role, unit, status or password (audited; a new password or a deactivation ends their
    sessions)."""
    user = repository.user_by_id(session, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    changes = data.model_dump(exclude_unset=True)
    if "division" in changes:
        changes["division"] = check_division(changes["division"])
    if changes.get("password") is not None:
        check_password_policy(changes["password"], username=user.username)
        user.password_hash = _hasher.hash(changes.pop("password"))
        changes["password"] = "changed"  # noqa: S105 - audit marker, not a secret
        changes["sessions_ended"] = end_sessions(session, user.id)
    elif changes.get("is_active") is False:
        changes["sessions_ended"] = end_sessions(session, user.id)
    for key, value in changes.items():
        if key not in ("password", "sessions_ended"):
            setattr(user, key, value.value if hasattr(value, "value") else value)
    audit.record_for(
        session,
        actor,
        "user.update",
        target_type="user",
        target_id=str(user.id),
        details=changes,
    )
    return user


def get_user(session: Session, user_id: uuid.UUID) -> User:
    """One user by id, or NotFound."""
    user = repository.user_by_id(session, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def list_users(session: Session) -> list[User]:
    """All users."""
    return repository.list_users(session)


@dataclass(frozen=True)
class LoginResult:
    token: str
    login: LoginSession
    user: User


def username_taken(session: Session, username: str) -> bool:
    """True when a user has this username (for sign-up flows that must not tell the caller)."""
    return repository.user_by_username(session, username) is not None


def spend_password_hash(password: str) -> None:
    """Compute and discard an argon2 hash: a sign-up that creates nothing costs the same time as one that does, so
    the answer's timing does not tell whether a username or address exists."""
    _hasher.hash(password)


def check_password_policy(password: str, *, username: str) -> None:
    """Refuse (ValidationFailed on ``password``) a common or guessable password (``passwords.password_problem``),
    with the city's name and the username as the words an attacker tries first."""
    from rtcc.places import service as places

    try:
        context: tuple[str, ...] = (places.city_name(),)
    except Exception:  # no usable city profile (a bare tool run): the other rules still apply
        context = ()
    problem = password_problem(password, username=username, context=context)
    if problem:
        raise invalid("password", problem)


def verify_password(
    session: Session, username: str, password: str, *, client: str | None, limits: throttle.Limits | None = None
) -> User:
    """Check a password (throttled: a locked username or address is refused with ``LoginThrottled`` before the
    password is looked at); failures are counted and audited (throttled) and say nothing about which part was
    wrong. Returns the user.

    An unknown, disabled or unconfirmed (``awaiting_confirmation``) account fails exactly like a wrong password:
    the same one argon2 verification, the same throttle count and lockout, the same error (issue 15: else signing
    in right after a sign-up told whether the username was free)."""
    if limits is not None:
        throttle.check(session, username, client)
    user = repository.user_by_username(session, username)
    ok = False
    if user is not None and user.is_active:
        try:
            ok = _hasher.verify(user.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
    else:
        # same work for unknown users, so timing does not reveal which usernames exist
        with contextlib.suppress(VerifyMismatchError, VerificationError, InvalidHashError):
            _hasher.verify(_DUMMY_HASH, password)
    if not ok or user is None or user.awaiting_confirmation:
        if limits is not None:
            throttle.record_failure(session, username, client, limits)
        else:
            audit.record(
                session, actor=username[:64], actor_role=None, action="auth.login_failed", details={"client": client}
            )
        raise NotAuthenticated("invalid username or password")
    if limits is not None:
        throttle.record_success(session, username)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def open_session(
    session: Session, user: User, *, max_hours: int, client: str | None = None, mfa: str | None = None
) -> LoginResult:
    """Open a login session for a user whose credentials were checked (audited ``auth.login``, with the second
    factor used, if any)."""
    now = utcnow()
    token = secrets.token_urlsafe(32)
    ls = LoginSession(
        id=_sha256(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=max_hours),
        client=(client or "")[:255] or None,
    )
    session.add(ls)
    user.last_login_at = now
    details: dict[str, str | None] = {"client": client}
    if mfa:
        details["mfa"] = mfa
    audit.record(
        session,
        actor=user.username,
        actor_role=user.role,
        action="auth.login",
        target_type="user",
        target_id=str(user.id),
        details=details,
    )
    return LoginResult(token=token, login=ls, user=user)


def login(
    session: Session,
    username: str,
    password: str,
    *,
    idle_minutes: int,
    max_hours: int,
    client: str | None = None,
    limits: throttle.Limits | None = None,
) -> LoginResult:
    """Check a password and open a login session (no second factor; the route asks ``mfa.needs_mfa`` first)."""
    user = verify_password(session, username, password, client=client, limits=limits)
    return open_session(session, user, max_hours=max_hours, client=client)


def end_sessions(session: Session, user_id: uuid.UUID, *, keep: str | None = None) -> int:
    """End every open login session of a user except the one of token ``keep``; how many ended."""
    now = utcnow()
    keep_hash = _sha256(keep) if keep else None
    ended = 0
    for ls in repository.open_sessions(session, user_id):
        if ls.id != keep_hash:
            ls.ended_at = now
            ended += 1
    return ended


def change_own_password(session: Session, user_id: uuid.UUID, current: str, new: str, *, keep_token: str | None) -> int:
    """A user changes their own password (the current one is checked; the new one must pass the policy); every other
    session of theirs ends (audited). Returns how many sessions ended."""
    user = repository.user_by_id(session, user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated("account disabled")
    ok: bool
    try:
        ok = _hasher.verify(user.password_hash, current)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok:
        raise invalid("current_password", "is not your current password")
    if new == current:
        raise invalid("new_password", "must differ from the current password")
    check_password_policy(new, username=user.username)
    user.password_hash = _hasher.hash(new)
    ended = end_sessions(session, user.id, keep=keep_token)
    audit.record(
        session,
        actor=user.username,
        actor_role=user.role,
        action="auth.password_change",
        target_type="user",
        target_id=str(user.id),
        details={"sessions_ended": ended},
    )
    return ended


def logout(session: Session, token: str) -> None:
    """End the login session of this token (idempotent)."""
    ls = repository.login_session(session, _sha256(token))
    if ls is not None and ls.ended_at is None:
        ls.ended_at = utcnow()
        user = repository.user_by_id(session, ls.user_id)
        audit.record(
            session,
            actor=user.username if user else "unknown",
            actor_role=user.role if user else None,
            action="auth.logout",
            target_type="user",
            target_id=str(ls.user_id),
        )


@dataclass(frozen=True)
class SessionCheck:
    """What resolving a session token found: the principal (None: refused, ``refusal`` says why) and the write it is
    due, if any: ``"touch"`` (move ``last_seen_at``, at most every 30 s) or ``"end"`` (mark an expired session ended).
    Resolving reads only; the caller writes what is due in a write transaction (``apply_session_check``), so a signed-in
    user's every request is not a write (on SQLite every write waits for the one writer)."""

    principal: Principal | None
    token_hash: str
    due: Literal["touch", "end"] | None = None
    refusal: str | None = None


def check_session_token(session: Session, token: str, *, idle_minutes: int) -> SessionCheck:
    """Resolve a session token, enforcing the idle timeout and the absolute expiry (reads only)."""
    token_hash = _sha256(token)
    ls = repository.login_session(session, token_hash)
    now = utcnow()
    if ls is None or ls.ended_at is not None:
        return SessionCheck(None, token_hash, refusal="session not found or ended; sign in again")
    if now >= ls.expires_at or now - ls.last_seen_at > timedelta(minutes=idle_minutes):
        return SessionCheck(None, token_hash, due="end", refusal="session expired; sign in again")
    user = repository.user_by_id(session, ls.user_id)
    if user is None or not user.is_active:
        return SessionCheck(None, token_hash, refusal="account disabled")
    return SessionCheck(principal_of(user), token_hash, due="touch" if now - ls.last_seen_at > _TOUCH_EVERY else None)


def apply_session_check(session: Session, check: SessionCheck) -> None:
    """Write what a check found due (in the caller's write transaction)."""
    if check.due is None:
        return
    ls = repository.login_session(session, check.token_hash)
    if ls is None or ls.ended_at is not None:
        return
    now = utcnow()
    if check.due == "end":
        ls.ended_at = now
    else:
        ls.last_seen_at = max(ls.last_seen_at, now)


def principal_from_session_token(session: Session, token: str, *, idle_minutes: int) -> Principal:
    """Resolve a session token in one write transaction (checks and the due write); raise NotAuthenticated."""
    check = check_session_token(session, token, idle_minutes=idle_minutes)
    apply_session_check(session, check)
    if check.principal is None:
        raise NotAuthenticated(check.refusal or "sign in again")
    return check.principal


def create_api_key(session: Session, data: ApiKeyCreate, *, actor: Principal) -> tuple[ApiKey, str]:
    """Create a sensor key (limited to some cameras), an agency key or an alarm company's key; returns the row and the
    secret (shown once)."""
    prefix = secrets.token_hex(6)
    secret = f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    if data.monitoring:
        scopes, meta = ["monitoring"], {}
    elif data.agency:
        scopes, meta = ["agency"], {"agency": data.agency}
    elif data.alarm_company:
        scopes, meta = ["alarm_company"], {"alarm_company": data.alarm_company}
    else:
        scopes, meta = sorted(p.value for p in SENSOR_PERMISSIONS), {}
    key = ApiKey(
        name=data.name,
        prefix=prefix,
        key_hash=_sha256(secret),
        scopes=scopes,
        camera_codes=sorted(set(data.camera_codes)),
        created_by=actor.audit_name,
        created_at=utcnow(),
        meta=meta,
    )
    session.add(key)
    session.flush()
    audit.record_for(
        session,
        actor,
        "apikey.create",
        target_type="apikey",
        target_id=str(key.id),
        details={
            "name": key.name,
            "camera_codes": key.camera_codes,
            "agency": data.agency,
            "alarm_company": data.alarm_company,
        },
    )
    return key, secret


def revoke_api_key(session: Session, key_id: uuid.UUID, *, actor: Principal) -> ApiKey:
    """Revoke a key at once (audited)."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"api key {key_id} not found")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record_for(
            session,
            actor,
            "apikey.revoke",
            target_type="apikey",
            target_id=str(key.id),
            details={"name": key.name},
        )
    return key


def list_api_keys(session: Session) -> list[ApiKey]:
    """All API keys (without secrets)."""
    return repository.list_api_keys(session)


def principal_from_api_key(session: Session, secret: str) -> Principal:
    """Resolve a sensor API key (constant-time comparison of its hash) and record its use."""
    principal, due = resolve_api_key(session, secret)
    if due is not None:
        touch_api_key(session, due)
    return principal


def touch_api_key(session: Session, key_id: uuid.UUID) -> None:
    """Record that an API key was used now (``last_used_at``)."""
    key = session.get(ApiKey, key_id)
    if key is not None:
        key.last_used_at = utcnow()


def resolve_api_key(session: Session, secret: str) -> tuple[Principal, uuid.UUID | None]:
    """Resolve a sensor API key without writing (a read session will do, so a sensor's request takes no write lock):
    its principal, and its id when its ``last_used_at`` is due to be moved (every 30 s at most), else None."""
    parts = secret.split("_")
    if len(parts) < 3 or parts[0] != API_KEY_PREFIX:
        raise NotAuthenticated("malformed API key")
    key = repository.api_key_by_prefix(session, parts[1])
    if key is None or key.revoked_at is not None or not hmac.compare_digest(key.key_hash, _sha256(secret)):
        raise NotAuthenticated("unknown or revoked API key")
    now = utcnow()
    due = key.id if key.last_used_at is None or now - key.last_used_at > _TOUCH_EVERY else None
    if "agency" in (key.scopes or []):
        return Principal(
            kind="apikey",
            id=str(key.id),
            name=key.name,
            role="agency",
            permissions=AGENCY_PERMISSIONS,
            unit=str((key.meta or {}).get("agency") or key.name),
        ), due
    if "monitoring" in (key.scopes or []):
        return Principal(
            kind="apikey", id=str(key.id), name=key.name, role="monitoring", permissions=MONITORING_PERMISSIONS
        ), due
    if "alarm_company" in (key.scopes or []):
        return Principal(
            kind="apikey",
            id=str(key.id),
            name=key.name,
            role="alarm_company",
            permissions=ALARM_COMPANY_PERMISSIONS,
            unit=str((key.meta or {}).get("alarm_company") or key.name),
        ), due
    return Principal(
        kind="apikey",
        id=str(key.id),
        name=key.name,
        role="sensor",
        permissions=SENSOR_PERMISSIONS,
        camera_codes=frozenset(key.camera_codes),
    ), due


def ensure_user(
    session: Session, *, username: str, password: str, role: str, display_name: str, unit: str | None = None
) -> User:
    """Create a user if missing (demo and first-run bootstrap); returns the existing one otherwise.

    Bootstrap accounts that share a password (the demo's) share one argon2 hash, computed once per process: hashing
    is deliberately slow (~0.1-0.6 s), and the demo creates dozens of accounts at startup.
    """
    existing = repository.user_by_username(session, username)
    if existing is not None:
        return existing
    from rtcc.identity.logic import SYSTEM, Role

    pw_hash = _bootstrap_hashes.get(password)
    if pw_hash is None:
        pw_hash = _bootstrap_hashes[password] = _hasher.hash(password)
    return create_user(
        session,
        UserCreate(username=username, display_name=display_name, password=password, role=Role(role), unit=unit),
        actor=SYSTEM,
        password_hash=pw_hash,
    )


_bootstrap_hashes: dict[str, str] = {}
