"""Pydantic contracts of the identity API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rtcc.identity.logic import Role


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class LoginResponse(BaseModel):
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

    @model_validator(mode="after")
    def _one_kind(self) -> ApiKeyCreate:
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


LoginResponse.model_rebuild()
