"""Second factors (use cases): sign-in challenges, TOTP enrolment and checks, single-use recovery codes.

A staff user who needs a second factor gets, after the right password, a short-lived challenge token instead of a
session; the session opens only once a TOTP code, a WebAuthn assertion (``mfa_webauthn``) or a recovery code is
right. A user without a factor enrols one with that same token (first sign-in) and receives recovery codes. Every
enrolment, success, failure and removal is audited in the caller's transaction. Wrong codes count against the
challenge (it dies after ``mfa_max_failures``) and against the account's sign-in throttle.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotAuthenticated, NotFound, invalid
from rtcc.identity.logic import STAFF_ROLES, Role
from rtcc.identity.models import MfaChallenge, MfaFactor, MfaRecoveryCode, User
from rtcc.identity.secretbox import SecretBox

RECOVERY_CODE_COUNT = 10
ISSUER = "OpenRTCC"
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed from paper


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def audit_event(session: Session, user: User, action: str, **details: object) -> None:
    """Audit an MFA event of a user (as that user), in the caller's transaction."""
    audit.record(
        session,
        actor=user.username,
        actor_role=user.role,
        action=action,
        target_type="user",
        target_id=str(user.id),
        details=details or None,
    )


def factors(session: Session, user_id: uuid.UUID) -> list[MfaFactor]:
    """A user's confirmed second factors, oldest first."""
    stmt = (
        select(MfaFactor)
        .where(MfaFactor.user_id == user_id, MfaFactor.confirmed_at.is_not(None))
        .order_by(MfaFactor.created_at)
    )
    return list(session.scalars(stmt))


def recovery_codes_left(session: Session, user_id: uuid.UUID) -> int:
    """How many unused recovery codes a user holds."""
    stmt = select(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user_id, MfaRecoveryCode.used_at.is_(None))
    return len(list(session.scalars(stmt)))


def needs_mfa(session: Session, user: User, *, required: bool) -> bool:
    """Whether signing in takes a second factor: a staff role where MFA is required, or any user who enrolled one."""
    if required and Role(user.role) in STAFF_ROLES:
        return True
    return bool(factors(session, user.id))


def start(session: Session, user: User, *, purpose: str, ttl_s: int, client: str | None) -> str:
    """Open a challenge (``login`` after the password, ``enrol`` for a signed-in user adding a factor); its token."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        MfaChallenge(
            id=_sha256(token),
            user_id=user.id,
            purpose=purpose,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_s),
            failures=0,
            client=(client or "")[:255] or None,
        )
    )
    session.flush()
    if purpose == "login":
        audit_event(session, user, "mfa.challenge", client=client)
    return token


def challenge(session: Session, token: str) -> tuple[MfaChallenge, User]:
    """The open challenge of a token and its user, or NotAuthenticated (unknown, used, expired)."""
    ch = session.get(MfaChallenge, _sha256(token), with_for_update=True)
    now = utcnow()
    if ch is None or ch.used_at is not None or ch.expires_at <= now:
        raise NotAuthenticated("sign-in step expired or unknown; enter your password again")
    user = session.get(User, ch.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated("account disabled")
    return ch, user


def fail(session: Session, ch: MfaChallenge, user: User, method: str, *, max_failures: int) -> NotAuthenticated:
    """Count a wrong second factor (audited); the challenge dies at ``max_failures``. Returns the error to raise."""
    ch.failures += 1
    audit_event(session, user, "mfa.failed", method=method, failures=ch.failures)
    if ch.failures >= max_failures:
        ch.used_at = utcnow()
        return NotAuthenticated("too many wrong codes; enter your password again")
    return NotAuthenticated("the code is not right")


def succeed(session: Session, ch: MfaChallenge, user: User, method: str, factor: MfaFactor | None = None) -> None:
    """Close a challenge after a right second factor (audited)."""
    now = utcnow()
    ch.used_at = now
    if factor is not None:
        factor.last_used_at = now
    audit_event(session, user, "mfa.verified", method=method, factor=str(factor.id) if factor else None)


# --- TOTP --------------------------------------------------------------------------------------------------------


def totp_begin(session: Session, ch: MfaChallenge, user: User, *, box: SecretBox) -> tuple[str, str]:
    """A new TOTP secret for the user to scan (kept on the challenge, sealed by ``box``, until a first code confirms
    it): the base32 secret and its ``otpauth://`` URI."""
    secret = pyotp.random_base32()
    ch.pending_secret = box.seal(secret)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return secret, uri


def _totp_step(secret: str, code: str, last_step: int | None, now: datetime) -> int | None:
    """The time step a code matches (this step or one either side, for clock drift), or None; a step at or before
    ``last_step`` never matches again (no replay)."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    for offset in (0, -1, 1):
        at = now + timedelta(seconds=offset * totp.interval)
        step = totp.timecode(at)
        if (last_step is None or step > last_step) and secrets.compare_digest(totp.at(at), code):
            return step
    return None


def totp_confirm(
    session: Session, ch: MfaChallenge, user: User, code: str, *, name: str, max_failures: int, box: SecretBox
) -> tuple[MfaFactor, list[str]]:
    """Store the challenge's pending TOTP secret as a factor once a code from it is right (audited ``mfa.enrol``);
    returns the factor and new recovery codes when the user had none (else an empty list)."""
    if not ch.pending_secret:
        raise invalid("code", "start TOTP enrolment first")
    step = _totp_step(box.open(ch.pending_secret), code, None, utcnow())
    if step is None:
        raise fail(session, ch, user, "totp_enrol", max_failures=max_failures)
    now = utcnow()
    factor = MfaFactor(
        user_id=user.id,
        kind="totp",
        name=name,
        secret=box.seal(box.open(ch.pending_secret)),
        sign_count=0,
        last_step=step,
        created_at=now,
        confirmed_at=now,
    )
    session.add(factor)
    ch.pending_secret = None
    session.flush()
    audit_event(session, user, "mfa.enrol", method="totp", factor=str(factor.id), name=name)
    return factor, _codes_if_none(session, user)


def totp_verify(session: Session, user: User, code: str, *, box: SecretBox) -> MfaFactor | None:
    """The user's TOTP factor a code is right for (its step recorded against replay), or None."""
    now = utcnow()
    for factor in factors(session, user.id):
        if factor.kind != "totp" or not factor.secret:
            continue
        step = _totp_step(box.open(factor.secret), code, factor.last_step, now)
        if step is not None:
            factor.last_step = step
            return factor
    return None


def reseal_all(session: Session, box: SecretBox) -> int:
    """Seal every stored TOTP secret (factors and pending enrolments) under ``box``'s current key: clear legacy
    values and values sealed by an older key. Returns how many were rewritten (key rotation, ``rtcc users
    mfa-reencrypt``)."""
    changed = 0
    for factor in session.scalars(select(MfaFactor).where(MfaFactor.secret.is_not(None))):
        if factor.secret and box.needs_reseal(factor.secret):
            factor.secret = box.seal(box.open(factor.secret))
            changed += 1
    for ch in session.scalars(select(MfaChallenge).where(MfaChallenge.pending_secret.is_not(None))):
        if ch.pending_secret and box.needs_reseal(ch.pending_secret):
            ch.pending_secret = box.seal(box.open(ch.pending_secret))
            changed += 1
    session.flush()
    return changed


# --- recovery codes ----------------------------------------------------------------------------------------------


def _new_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _normalise_code(code: str) -> str:
    raw = "".join(c for c in code.casefold() if c.isalnum())
    return f"{raw[:5]}-{raw[5:]}"


def new_recovery_codes(session: Session, user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones (stored hashed; audited). Returns them, to show once."""
    now = utcnow()
    for old in session.scalars(
        select(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id, MfaRecoveryCode.used_at.is_(None))
    ):
        old.used_at = now
    codes = [_new_code() for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(MfaRecoveryCode(user_id=user.id, code_hash=_sha256(c), created_at=now) for c in codes)
    audit_event(session, user, "mfa.recovery_codes", count=len(codes))
    return codes


def _codes_if_none(session: Session, user: User) -> list[str]:
    return [] if recovery_codes_left(session, user.id) else new_recovery_codes(session, user)


def recovery_use(session: Session, user: User, code: str) -> bool:
    """Spend a recovery code (single use); True when it was one of the user's unused codes."""
    digest = _sha256(_normalise_code(code))
    row = session.scalars(
        select(MfaRecoveryCode).where(
            MfaRecoveryCode.user_id == user.id,
            MfaRecoveryCode.code_hash == digest,
            MfaRecoveryCode.used_at.is_(None),
        )
    ).first()
    if row is None:
        return False
    row.used_at = utcnow()
    return True


# --- management ------------------------------------------------------------------------------------------------


def remove_factor(session: Session, user: User, factor_id: uuid.UUID, *, required: bool) -> None:
    """Remove one of the user's own factors (audited); the last one stays while MFA is required for them."""
    factor = session.get(MfaFactor, factor_id)
    if factor is None or factor.user_id != user.id:
        raise NotFound(f"factor {factor_id} not found")
    if required and Role(user.role) in STAFF_ROLES and len(factors(session, user.id)) <= 1:
        raise Conflict("this is your last second factor and your role requires one; add another first")
    session.delete(factor)
    audit_event(session, user, "mfa.remove", method=factor.kind, factor=str(factor.id))


def reset(session: Session, user: User, *, actor_name: str, actor_role: str | None) -> int:
    """An administrator removes all of a user's factors and recovery codes (lost device); audited. The user enrols
    again at next sign-in. Returns how many factors were removed."""
    removed = 0
    for factor in session.scalars(select(MfaFactor).where(MfaFactor.user_id == user.id)):
        session.delete(factor)
        removed += 1
    for code in session.scalars(select(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id)):
        session.delete(code)
    audit.record(
        session,
        actor=actor_name,
        actor_role=actor_role,
        action="mfa.reset",
        target_type="user",
        target_id=str(user.id),
        details={"factors_removed": removed},
    )
    return removed
