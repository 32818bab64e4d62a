"""Settings of the identity domain (sign-in, second factors, throttling), mixed into ``rtcc.settings.Settings``.

Production defaults are strict: staff need a second factor and the session cookie is ``Secure``. ``rtcc demo`` turns
both off unless ``RTCC_MFA_REQUIRED`` / ``RTCC_COOKIE_SECURE`` are set explicitly (the demo is served over plain
http on localhost; ``RTCC_MFA_REQUIRED=true rtcc demo`` is the demo's production mode, where each staff user enrols
a second factor at first sign-in).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class IdentitySettings(BaseModel):
    """Sign-in settings: multi-factor authentication, WebAuthn relying party, throttling and lockout."""

    mfa_required: bool = Field(
        default=True,
        description="Staff roles must sign in with a second factor (TOTP app, security key or recovery code); a staff "
        "user without one enrols one at sign-in. Community accounts are not affected. `rtcc demo` turns it off unless "
        "set explicitly.",
    )
    mfa_key_file: Path | None = Field(
        default=None,
        description="File of the keys that encrypt TOTP secrets in the database (one Fernet key a line: the first "
        "encrypts, all decrypt; `rtcc users mfa-new-key` adds one, `rtcc users mfa-reencrypt` re-seals every secret "
        "under it). Keep it outside the repository, readable by the service only. Unset: <data_dir>/mfa-secret.keys, "
        "created on first use.",
    )
    mfa_challenge_s: int = Field(
        default=300, ge=30, le=3600, description="Seconds between the password step and the second factor."
    )
    mfa_max_failures: int = Field(
        default=5, ge=1, description="Wrong second-factor codes allowed on one sign-in before it must start again."
    )
    webauthn_rp_id: str | None = Field(
        default=None,
        description="WebAuthn relying party id (the site's domain, e.g. rtcc.example.org); unset: the host name the "
        "request came to.",
    )
    webauthn_origins: list[str] = Field(
        default_factory=list,
        description="Origins a WebAuthn response may come from (e.g. https://rtcc.example.org); empty: the origin "
        "the request came to.",
    )
    login_max_failures_account: int = Field(
        default=5, ge=1, description="Failed sign-ins on one username within the window before it is locked."
    )
    login_max_failures_address: int = Field(
        default=20, ge=1, description="Failed sign-ins from one client address within the window before it is locked."
    )
    login_window_s: int = Field(default=900, ge=1, description="Window (seconds) in which failed sign-ins are counted.")
    login_lockout_s: int = Field(
        default=900, ge=1, description="Seconds a locked username or address is refused (429 with Retry-After)."
    )
    login_audit_failures: int = Field(
        default=3,
        ge=0,
        description="Failed sign-ins per username and window audited one by one; later ones are counted and written "
        "as one summary row when the window closes.",
    )
