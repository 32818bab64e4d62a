"""Sign-in throttling and lockout (use cases): failed sign-ins are counted per username and per client address in a
window; past a limit the key is locked and every attempt on it — even with the right password — is refused with
``LoginThrottled`` (429 and ``Retry-After``) until the lock ends.

Failed sign-ins are audited one by one up to ``login_audit_failures`` per username and window; later ones are
counted, and one ``auth.login_failed_summary`` row says how many when the window closes (or the account signs in), so
a password-guessing run cannot flood the audit log. A lockout is audited once (``auth.lockout``). Everything is written
in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.core.clock import utcnow
from rtcc.core.errors import DomainError
from rtcc.identity.models import LoginThrottle


class LoginThrottled(DomainError):
    """Too many failed sign-ins for this username or address; ``retry_after`` says when to try again."""

    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)


@dataclass(frozen=True)
class Limits:
    """The throttling settings a sign-in is checked against."""

    max_account: int
    max_address: int
    window_s: int
    lockout_s: int
    audit_failures: int


def account_key(username: str) -> str:
    """The throttle key of a username (as typed, case-folded: unknown usernames are throttled alike)."""
    return "u:" + username.casefold()[:190]


def address_key(client: str | None) -> str | None:
    """The throttle key of a client address, or None without one."""
    return "a:" + client[:190] if client else None


def _row(session: Session, key: str, now: datetime) -> LoginThrottle:
    row = session.scalars(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()).first()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = LoginThrottle(key=key, window_start=now, failures=0, audited=0, suppressed=0, locked_until=None)
            session.add(row)
    except IntegrityError:  # another request created it first
        row = session.scalars(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()).one()
    return row


def check(session: Session, username: str, client: str | None) -> None:
    """Refuse (``LoginThrottled``) when the username or the address is locked now; reads only."""
    now = utcnow()
    keys = [k for k in (account_key(username), address_key(client)) if k]
    rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
    waits = [int((r.locked_until - now).total_seconds()) + 1 for r in rows if r.locked_until and r.locked_until > now]
    if waits:
        raise LoginThrottled("too many failed sign-ins; try again later", retry_after=max(waits))


def _close_window(session: Session, row: LoginThrottle, now: datetime, username: str) -> None:
    if row.suppressed:
        audit.record(
            session,
            actor=username[:64],
            actor_role=None,
            action="auth.login_failed_summary",
            details={"failures": row.failures, "not_audited_one_by_one": row.suppressed, "since": row.window_start},
        )
    row.window_start, row.failures, row.audited, row.suppressed, row.locked_until = now, 0, 0, 0, None


def record_failure(
    session: Session, username: str, client: str | None, limits: Limits, *, audit_it: bool = True
) -> None:
    """Count a failed sign-in on the username and the address, audit it (throttled; ``audit_it=False`` when the
    caller audited it already, e.g. a wrong second factor) and lock keys past their limit."""
    now = utcnow()
    window = timedelta(seconds=limits.window_s)
    acct = _row(session, account_key(username), now)
    if now - acct.window_start > window and not (acct.locked_until and acct.locked_until > now):
        _close_window(session, acct, now, username)
    acct.failures += 1
    if not audit_it:
        pass
    elif acct.audited < limits.audit_failures:
        acct.audited += 1
        audit.record(
            session, actor=username[:64], actor_role=None, action="auth.login_failed", details={"client": client}
        )
    else:
        acct.suppressed += 1
    _maybe_lock(session, acct, limits.max_account, limits, now, username, client)
    akey = address_key(client)
    if akey:
        addr = _row(session, akey, now)
        if now - addr.window_start > window and not (addr.locked_until and addr.locked_until > now):
            addr.window_start, addr.failures, addr.audited, addr.suppressed, addr.locked_until = now, 0, 0, 0, None
        addr.failures += 1
        _maybe_lock(session, addr, limits.max_address, limits, now, username, client)


def _maybe_lock(
    session: Session, row: LoginThrottle, limit: int, limits: Limits, now: datetime, username: str, client: str | None
) -> None:
    if row.failures < limit or (row.locked_until and row.locked_until > now):
        return
    row.locked_until = now + timedelta(seconds=limits.lockout_s)
    audit.record(
        session,
        actor=username[:64],
        actor_role=None,
        action="auth.lockout",
        details={
            "scope": "account" if row.key.startswith("u:") else "address",
            "client": client,
            "failures": row.failures,
            "until": row.locked_until,
        },
    )


def record_success(session: Session, username: str) -> None:
    """A successful sign-in closes the username's window (writing its summary row if failures went unaudited)."""
    row = session.scalars(select(LoginThrottle).where(LoginThrottle.key == account_key(username))).first()
    if row is not None and row.failures:
        _close_window(session, row, utcnow(), username)
