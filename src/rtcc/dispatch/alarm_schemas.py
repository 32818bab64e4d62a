"""Pydantic contracts of alarm companies, their alarm events, alarm permits and the alarm context of a call.

Inbound models forbid unknown fields. A keyholder's name and phone are personal data: they are only in
``AlarmDetail`` (one audited read each), never in what the company or the call list reads.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rtcc.cameras.schemas import CanvassResult
from rtcc.investigations.schemas import StakeoutResult


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- companies --------------------------------------------------------------------------------------------------------


class AlarmCompanyCreate(_In):
    """A monitoring company to register as a partner."""

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,31}$", description="Short code its API keys carry.")
    name: str = Field(min_length=1, max_length=128)
    phone: str | None = Field(default=None, max_length=40, description="The central station's line.")


class AlarmCompanyUpdate(_In):
    """Fields of a company to change (``active=false`` refuses its keys' messages)."""

    name: str | None = Field(default=None, min_length=1, max_length=128)
    phone: str | None = Field(default=None, max_length=40)
    active: bool | None = None


class AlarmCompanyRead(BaseModel):
    """A registered alarm company."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    phone: str | None
    active: bool
    created_by: str
    created_at: datetime


class AlarmKeyCreate(_In):
    """An API key for a company (shown once)."""

    name: str = Field(min_length=1, max_length=128, description="What the key is for, e.g. 'central station A'.")


# --- alarm events -----------------------------------------------------------------------------------------------------


class AlarmRead(BaseModel):
    """An alarm event and its call, as its company and the dispatcher see it."""

    event_id: str
    company: str
    call_id: uuid.UUID
    call_number: str
    call_status: str
    call_priority: str
    disposition: str | None
    category: str
    premise_type: str
    received_at: datetime
    permit_number: str | None
    permit_flag: str | None = Field(description="missing, unknown, expired, suspended or revoked; None: in order.")
    verification_required: bool
    verified_at: datetime | None
    verification_method: str | None
    cancel_requested_at: datetime | None
    cancel_outcome: str | None


class AlarmReceipt(BaseModel):
    """What a message did: ``created`` a call, was a ``duplicate`` of an event already received, or a cancel that
    ``closed`` the call, was ``noted`` for the dispatcher (after dispatch) or came ``already_closed``."""

    outcome: Literal["created", "duplicate", "closed", "noted", "already_closed"]
    alarm: AlarmRead


class AlarmDetail(AlarmRead):
    """An alarm with its keyholders and the central station's call-back (personal data: the read is audited)."""

    contacts: list[dict[str, Any]]
    call_back: dict[str, Any]
    zone: str | None
    cancel_reason: str | None
    verified_by: str | None


class VerifyRequest(_In):
    """A dispatcher's record that an alarm needing verification was verified, and by what."""

    method: Literal["keyholder", "guard", "camera", "other"]
    note: str = Field(
        min_length=3, max_length=2000, description="Who verified what, e.g. 'keyholder saw a broken door'."
    )


# --- permits ----------------------------------------------------------------------------------------------------------


class PermitCreate(_In):
    """An alarm permit of a registered premise."""

    number: str = Field(min_length=1, max_length=40)
    premise_id: uuid.UUID
    holder: str = Field(min_length=1, max_length=128)
    company: str | None = Field(default=None, max_length=32, description="The monitoring company's code.")
    status: Literal["active", "suspended", "revoked"] = "active"
    expires_on: date | None = None
    notes: str | None = Field(default=None, max_length=4000)


class PermitUpdate(_In):
    """Fields of a permit to change."""

    holder: str | None = Field(default=None, min_length=1, max_length=128)
    company: str | None = Field(default=None, max_length=32)
    status: Literal["active", "suspended", "revoked"] | None = None
    expires_on: date | None = None
    notes: str | None = Field(default=None, max_length=4000)


class PermitRead(BaseModel):
    """A permit with its false alarms in the last 12 months and whether it requires a verified response."""

    id: uuid.UUID
    number: str
    premise_id: uuid.UUID
    premise_address: str
    holder: str
    company: str | None
    status: str
    expires_on: date | None
    expired: bool
    notes: str | None
    false_alarms_12m: int
    false_alarm_limit: int
    verified_response_required: bool
    updated_by: str
    updated_at: datetime


# --- alarm context ----------------------------------------------------------------------------------------------------


class AlarmContext(BaseModel):
    """The ALPR reads near a burglary alarm's premise from shortly before the alarm until now, and the registered
    cameras that may have seen it; both found under purpose ``alarm_response`` and audited like any search."""

    call_id: uuid.UUID
    call_number: str
    purpose: str
    lat: float
    lon: float
    radius_m: float
    start: datetime
    end: datetime
    reads: StakeoutResult
    cameras: CanvassResult
