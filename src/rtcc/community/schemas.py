"""Pydantic contracts of the community API: sign-up and profile, neighborhoods, watch groups and notices,
subscriptions and the unsubscribe result, public alerts, and tips (reporter view and staff view). The inbox and
outbox contracts are the notify domain's (``rtcc.notify.schemas``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rtcc.community.logic import Category, Certainty, Severity, TipStatus, Urgency

_USERNAME = r"^[a-zA-Z0-9_.\-]+$"
_EMAIL = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
_PHONE = r"^\+?[0-9 ()\-]{7,20}$"


class SignupRequest(BaseModel):
    """A resident or business creates their own account; they then sign in through POST /api/v1/auth/login."""

    model_config = ConfigDict(extra="forbid")
    account_type: Literal["resident", "business"]
    username: str = Field(min_length=2, max_length=64, pattern=_USERNAME, description="The login name.")
    display_name: str = Field(min_length=1, max_length=128)
    email: str = Field(max_length=254, pattern=_EMAIL)
    password: str = Field(min_length=10, max_length=256)
    phone: str | None = Field(default=None, pattern=_PHONE)
    address: str | None = Field(default=None, max_length=255)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    website: str | None = Field(default=None, description="Leave empty (a field only robots fill in).")

    @model_validator(mode="after")
    def _both_or_neither(self) -> SignupRequest:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon go together")
        return self


class SignupAccepted(BaseModel):
    """The one answer to every well-formed sign-up: it says nothing about whether the username or the e-mail address
    already had an account (the owner of an existing address gets an e-mail notice instead)."""

    status: Literal["accepted"] = "accepted"
    detail: str = Field(
        description="What happens next: sign in with the new username and password; a confirmation e-mail follows."
    )


class ProfileRead(BaseModel):
    user_id: uuid.UUID
    username: str
    display_name: str
    account_type: str
    email: str
    phone: str | None
    address: str | None
    lat: float | None
    lon: float | None
    neighborhood_code: str | None
    email_verified: bool = Field(description="E-mail (other than the confirmation) goes only to a confirmed address.")
    email_opt_in: bool
    sms_opt_in: bool
    muted_categories: list[str]
    created_at: datetime


class ProfileUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: str | None = Field(default=None, min_length=1, max_length=128)
    email: str | None = Field(default=None, max_length=254, pattern=_EMAIL)
    phone: str | None = Field(default=None, pattern=_PHONE)
    address: str | None = Field(default=None, max_length=255)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    email_opt_in: bool | None = None
    sms_opt_in: bool | None = None
    muted_categories: list[str] | None = Field(default=None, max_length=20)


class NeighborhoodRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str
    description: str | None
    polygon: list[list[float]] = Field(description="One ring of [lon, lat] vertices (GeoJSON order), closed.")


class WatchGroupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=2, max_length=128)
    neighborhood_code: str = Field(min_length=1, max_length=32)
    description: str | None = Field(default=None, max_length=4000)
    captain_user_ids: list[uuid.UUID] = Field(default_factory=list, description="Community accounts to lead it.")


class WatchGroupRead(BaseModel):
    id: uuid.UUID
    name: str
    neighborhood_code: str
    description: str | None
    created_at: datetime
    members: int
    captains: list[str] = Field(description="Display names of the captains.")
    my_role: str | None = Field(default=None, description="The caller's role in the group (community accounts).")


class CaptainChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: uuid.UUID
    captain: bool = True


class NoticeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=2, max_length=200)
    body: str = Field(min_length=1, max_length=8000)
    meeting_at: datetime | None = None
    location: str | None = Field(default=None, max_length=255)


class NoticeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    group_id: uuid.UUID
    title: str
    body: str
    meeting_at: datetime | None
    location: str | None
    posted_at: datetime
    recipients: int


class SubscriptionCreate(BaseModel):
    """Either ``neighborhood_code`` or a point (``lat``, ``lon``) with ``radius_m``."""

    model_config = ConfigDict(extra="forbid")
    neighborhood_code: str | None = Field(default=None, max_length=32)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    radius_m: float | None = Field(default=None, gt=0, le=20000)
    categories: list[Category] = Field(min_length=1)
    channels: list[Literal["email", "sms"]] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_area(self) -> SubscriptionCreate:
        point = (self.lat, self.lon, self.radius_m)
        if self.neighborhood_code is None and any(v is None for v in point):
            raise ValueError("give neighborhood_code, or lat, lon and radius_m")
        if self.neighborhood_code is not None and any(v is not None for v in point):
            raise ValueError("give neighborhood_code or a point and radius, not both")
        return self


class SubscriptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    area_kind: str
    neighborhood_code: str | None
    lat: float | None
    lon: float | None
    radius_m: float | None
    categories: list[str]
    channels: list[str]
    active: bool
    created_at: datetime


class AlertArea(BaseModel):
    model_config = ConfigDict(extra="forbid")
    neighborhood_code: str | None = Field(default=None, max_length=32)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    radius_m: float | None = Field(default=None, gt=0, le=50000)
    description: str | None = Field(default=None, max_length=255, description="CAP areaDesc (derived when unset).")

    @model_validator(mode="after")
    def _one_area(self) -> AlertArea:
        point = (self.lat, self.lon, self.radius_m)
        if self.neighborhood_code is None and any(v is None for v in point):
            raise ValueError("give neighborhood_code, or lat, lon and radius_m")
        if self.neighborhood_code is not None and any(v is not None for v in point):
            raise ValueError("give neighborhood_code or a point and radius, not both")
        return self


class AlertCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: Category
    headline: str = Field(min_length=3, max_length=200)
    body: str = Field(min_length=1, max_length=4000)
    area: AlertArea
    severity: Severity = Severity.Moderate
    urgency: Urgency = Urgency.Expected
    certainty: Certainty = Certainty.Likely
    expires: datetime | None = None


class AlertRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    category: str
    headline: str
    body: str
    severity: str
    urgency: str
    certainty: str
    area_kind: str
    neighborhood_code: str | None
    lat: float | None
    lon: float | None
    radius_m: float | None
    area_desc: str
    sent_at: datetime
    expires_at: datetime | None
    recipients: int


class UnsubscribeResult(BaseModel):
    done: bool
    what: str = Field(description="What was switched off: a subscription or a message category.")


class TipCreate(BaseModel):
    """A suspicious-activity report. ``anonymous`` hides the reporter from staff (they can still follow it)."""

    model_config = ConfigDict(extra="forbid")
    category: Category = Category.public_safety
    description: str = Field(min_length=1, max_length=4000)
    occurred_at: datetime
    location_text: str | None = Field(default=None, max_length=255)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    anonymous: bool = False
    website: str | None = Field(default=None, description="Leave empty (a field only robots fill in).")

    @model_validator(mode="after")
    def _place(self) -> TipCreate:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon go together")
        if self.lat is None and not self.location_text:
            raise ValueError("give a place: location_text, or lat and lon")
        return self


class TipEventRead(BaseModel):
    at: datetime
    status: str
    note: str | None = Field(description="The note to the reporter.")


class TipRead(BaseModel):
    """The reporter's view of their tip: no internal notes, no staff names."""

    id: uuid.UUID
    reference: str
    category: str
    status: str
    description: str
    occurred_at: datetime
    location_text: str | None
    lat: float | None
    lon: float | None
    anonymous: bool
    has_photo: bool
    submitted_at: datetime
    updated_at: datetime
    timeline: list[TipEventRead]


class TipStaffEventRead(BaseModel):
    at: datetime
    status: str
    note_to_reporter: str | None
    internal_note: str | None
    actor: str


class TipStaffRead(BaseModel):
    """The triage view. An anonymous tip shows no reporter."""

    id: uuid.UUID
    reference: str
    category: str
    status: str
    description: str
    occurred_at: datetime
    location_text: str | None
    lat: float | None
    lon: float | None
    anonymous: bool
    reporter: str | None = Field(description="Reporter's display name; null for an anonymous tip.")
    reporter_contact: str | None = Field(description="Reporter's e-mail; null for an anonymous tip.")
    has_photo: bool
    submitted_at: datetime
    updated_at: datetime
    timeline: list[TipStaffEventRead]


class TipPage(BaseModel):
    items: list[TipStaffRead]
    total: int


class TriageRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: TipStatus
    note_to_reporter: str | None = Field(default=None, max_length=4000)
    internal_note: str | None = Field(default=None, max_length=4000)
