"""What both sign-in steps share (``identity.routes`` for the password, ``identity.mfa_routes`` for the second
factor): the session cookie handed to the browser and the throttling limits read from the settings."""

from __future__ import annotations

from fastapi import Response

from rtcc.identity import throttle
from rtcc.identity.deps import SESSION_COOKIE
from rtcc.identity.schemas import LoginResponse
from rtcc.settings import Settings


def throttle_limits(settings: Settings) -> throttle.Limits:
    """The sign-in throttling settings."""
    return throttle.Limits(
        max_account=settings.login_max_failures_account,
        max_address=settings.login_max_failures_address,
        window_s=settings.login_window_s,
        lockout_s=settings.login_lockout_s,
        audit_failures=settings.login_audit_failures,
    )


def set_session_cookie(response: Response, out: LoginResponse, settings: Settings) -> None:
    """Hand the browser its session cookie (HttpOnly, SameSite=Strict, Secure unless turned off)."""
    response.set_cookie(
        SESSION_COOKIE,
        out.token,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        max_age=settings.session_max_hours * 3600,
        path="/",
    )
