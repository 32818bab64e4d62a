"""Pydantic contracts of the identity API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rtcc.identity.logic import Role


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class LoginResponse(BaseModel):
    status: Literal["ok"] = Field(default="ok", description="Signed in (the other answer is 'mfa_required').")
    token: str = Field(description="Session token; also set as the rtcc_session cookie. Send as 'Bearer <token>'.")
    expires_at: datetime
    user: UserRead


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=2, max_length=64, pattern=r"^[a-zA-Z0-9_.\-]+$")
    display_name: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=10, max_length=256)
    role: Role
    unit: str | None = Field(default=None, max_length=64)
    division: str | None = Field(default=None, max_length=64)


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: str | None = Field(default=None, max_length=128)
    role: Role | None = None
    unit: str | None = None
    division: str | None = None
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=256)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    username: str
    display_name: str
    role: str
    unit: str | None
    division: str | None
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None


class Me(BaseModel):
    kind: str
    name: str
    role: str
    unit: str | None
    division: str | None
    permissions: list[str]


class ApiKeyCreate(BaseModel):
    """A sensor key (``camera_codes``) or, with ``agency`` set, another agency's key for data-sharing requests."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=128)
    camera_codes: list[str] = Field(
        default_factory=list, description="Cameras a sensor key may report for; ['*'] for any."
    )
    agency: str | None = Field(
        default=None,
        max_length=64,
        description="Agency code from the sharing policy; makes this an agency key that may only request data.",
    )
    alarm_company: str | None = Field(
        default=None,
        max_length=32,
        description="Alarm company code (rtcc dispatch alarm-companies); makes this a key that may only send that "
        "company's alarm events and cancels.",
    )
    monitoring: bool = Field(
        default=False,
        description="True: a monitoring key (a Prometheus scraper) that may only read /metrics (ops:metrics).",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> ApiKeyCreate:
        if self.monitoring and (self.agency is not None or self.alarm_company is not None or self.camera_codes):
            raise ValueError("monitoring: a monitoring key is not also a sensor, agency or alarm company key")
        if self.monitoring:
            return self
        if self.agency is not None and self.alarm_company is not None:
            raise ValueError("alarm_company: a key is for an agency or for an alarm company, not both")
        if self.agency is None and self.alarm_company is None and not self.camera_codes:
            raise ValueError("camera_codes: a sensor key needs at least one camera (or set agency)")
        if (self.agency is not None or self.alarm_company is not None) and self.camera_codes:
            raise ValueError("camera_codes: an agency or alarm company key reports for no camera")
        return self


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    prefix: str
    camera_codes: list[str]
    scopes: list[str]
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    secret: str = Field(description="The full key. Shown once; store it in the sensor's configuration.")


class MfaRequired(BaseModel):
    """The password was right; a second factor is needed (or, with ``enrol``, must first be set up) to sign in."""

    status: Literal["mfa_required"] = "mfa_required"
    challenge: str = Field(description="Short-lived token for the second step (POST /api/v1/auth/mfa/...).")
    expires_at: datetime
    methods: list[Literal["totp", "webauthn", "recovery"]] = Field(description="Factors this account can answer with.")
    enrol: bool = Field(description="True: the account has no second factor yet and must enrol one to sign in.")


class MfaVerify(BaseModel):
    """The second step of a sign-in: a TOTP code, a recovery code or a WebAuthn assertion."""

    model_config = ConfigDict(extra="forbid")
    challenge: str = Field(min_length=10, max_length=128)
    method: Literal["totp", "recovery", "webauthn"]
    code: str | None = Field(default=None, max_length=32, description="The TOTP or recovery code.")
    credential: dict[str, Any] | None = Field(
        default=None, description="navigator.credentials.get() answer, JSON-encoded (base64url fields)."
    )


class MfaStart(BaseModel):
    """Start adding a factor: during sign-in with the challenge token, or signed in (no challenge)."""

    model_config = ConfigDict(extra="forbid")
    challenge: str | None = Field(default=None, max_length=128)


class TotpSetup(BaseModel):
    challenge: str = Field(description="Send it back with the first code (POST /api/v1/auth/mfa/totp/confirm).")
    secret: str = Field(description="The base32 secret, for typing into an authenticator app.")
    uri: str = Field(description="The otpauth:// URI (shown as a QR code).")


class TotpConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    challenge: str = Field(min_length=10, max_length=128)
    code: str = Field(min_length=6, max_length=16)
    name: str = Field(default="Authenticator app", min_length=1, max_length=64)


class WebauthnOptions(BaseModel):
    challenge: str = Field(description="Send it back with the browser's answer.")
    options: dict[str, Any] = Field(description="PublicKeyCredential options (base64url fields), for the browser.")


class WebauthnRegister(BaseModel):
    model_config = ConfigDict(extra="forbid")
    challenge: str = Field(min_length=10, max_length=128)
    credential: dict[str, Any] = Field(description="navigator.credentials.create() answer (base64url fields).")
    name: str = Field(default="Security key", min_length=1, max_length=64)


class MfaFactorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    kind: Literal["totp", "webauthn"]
    name: str
    created_at: datetime
    last_used_at: datetime | None


class MfaEnrolled(BaseModel):
    factor: MfaFactorRead
    recovery_codes: list[str] = Field(
        description="New single-use recovery codes (shown once; empty when the account already had some)."
    )
    session: LoginResponse | None = Field(default=None, description="Set when enrolling finished a sign-in.")


class MfaStatus(BaseModel):
    required: bool = Field(description="Whether this account must sign in with a second factor.")
    factors: list[MfaFactorRead]
    recovery_codes_left: int


class RecoveryCodes(BaseModel):
    codes: list[str] = Field(description="Ten new single-use codes; the old ones stop working. Shown once.")


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=10, max_length=256)


class PasswordChanged(BaseModel):
    sessions_ended: int = Field(description="How many of your other sessions were ended.")


LoginResponse.model_rebuild()
MfaEnrolled.model_rebuild()
