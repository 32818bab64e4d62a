"""Contracts of the rebates domain: the API's pydantic models for applicants (create, read with timeline), staff
(queue, decisions, payment), the program budget, the council report and the registration-commitment list.

Money is integer cents everywhere. The applicant gives the household location as the portal's map pin
(``lat``/``lon``): no geocoding service is reachable offline, so the address text is kept for people and for the
household key, and the pin decides the city-boundary check and the neighbourhood.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ApplicationCreate(BaseModel):
    """A new application (saved as a draft; upload proof, then submit)."""

    model_config = ConfigDict(extra="forbid")

    address: str = Field(min_length=5, max_length=255, description="Street address of the household.")
    lat: float = Field(ge=-90, le=90, description="WGS84 latitude of the household (the portal's map pin).")
    lon: float = Field(ge=-180, le=180, description="WGS84 longitude of the household (the portal's map pin).")
    purchase_date: date = Field(description="Date on the receipt (YYYY-MM-DD).")
    amount_cents: int = Field(ge=0, le=10_000_000, description="Amount paid for the camera, in cents.")
    camera_id: uuid.UUID = Field(description="One of your cameras in the city's camera registry.")
    retailer: str = Field(min_length=1, max_length=128, description="Where the camera was bought.")

    @field_validator("address", "retailer")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("must not be blank")
        return value


class CheckRead(BaseModel):
    """One automatic eligibility check."""

    code: str = Field(description="Stable reason code, e.g. inside_city, one_per_household, camera_shared.")
    ok: bool
    message: str


class EventRead(BaseModel):
    """One step of the application's timeline."""

    model_config = ConfigDict(from_attributes=True)

    at: datetime
    status: str
    actor: str
    note: str | None


class ApplicationRead(BaseModel):
    """An application as its applicant (and staff) see it; ``timeline`` only on single reads."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    applicant_id: uuid.UUID
    status: str
    address: str
    address_key: str
    lat: float
    lon: float
    neighborhood: str | None
    camera_id: uuid.UUID
    retailer: str
    purchase_date: date
    amount_cents: int
    rebate_cents: int
    proof_uploaded: bool = False
    proof_sha256: str | None
    proof_content_type: str | None
    proof_size: int | None
    proof_filename: str | None
    checks: list[CheckRead]
    decision_reason: str | None
    payment_reference: str | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    waitlisted_at: datetime | None
    approved_at: datetime | None
    decided_at: datetime | None
    paid_at: datetime | None
    withdrawn_at: datetime | None
    waitlist_position: int | None = Field(default=None, description="1 = next in line (waitlisted only).")
    timeline: list[EventRead] = Field(default_factory=list)


class ApplicationPage(BaseModel):
    """A page of applications."""

    items: list[ApplicationRead]
    total: int


class DenyRequest(BaseModel):
    """A staff denial; the reason is sent to the applicant."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=2000)


class PaidRequest(BaseModel):
    """Payment made: the payment (check or transfer) reference."""

    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=64)


class ProgramUpdate(BaseModel):
    """A new program budget (e.g. as adopted by the council); it may not fall below committed + paid."""

    model_config = ConfigDict(extra="forbid")

    total_cents: int = Field(ge=0, le=10**12)


class ProgramRead(BaseModel):
    """The program budget in cents."""

    total_cents: int
    committed_cents: int = Field(description="Approved but not yet paid.")
    paid_cents: int
    available_cents: int = Field(description="total - committed - paid.")
    waitlisted: int = Field(description="Applications waiting for funds.")
    waitlisted_cents: int
    max_rebate_cents: int
    updated_at: datetime | None


class NeighborhoodRow(BaseModel):
    """Cameras added (approved or paid rebates) in one neighbourhood."""

    neighborhood: str
    cameras: int
    rebate_cents: int


class ReportRead(BaseModel):
    """Council report for [from, to): counts by the event's own date; money in cents."""

    period_from: date | None
    period_to: date | None
    applications: int = Field(description="Applications submitted in the period.")
    approvals: int
    denials: int
    ineligible: int
    waitlisted_now: int
    committed_cents: int = Field(description="Rebates approved in the period.")
    paid_cents: int = Field(description="Rebates paid in the period.")
    cameras_added: int
    by_neighborhood: list[NeighborhoodRow]
    neighborhood_source: str = Field(
        description="'profile' (the city profile's neighbourhoods) or 'sector' (city quadrant)."
    )


class ComplianceRow(BaseModel):
    """An approved or paid rebate whose camera left the registry before the commitment ended (recapture)."""

    application_id: uuid.UUID
    applicant_id: uuid.UUID
    camera_id: uuid.UUID
    status: str
    approved_at: datetime
    commitment_ends: datetime
    withdrawn_at: datetime | None
    problem: str = Field(description="camera_withdrawn or camera_deleted.")
    rebate_cents: int


def application_read(app: Any, *, timeline: list[Any] | None = None, position: int | None = None) -> ApplicationRead:
    """The API model of a stored application."""
    read = ApplicationRead.model_validate(app)
    read.proof_uploaded = app.proof_path is not None
    read.waitlist_position = position
    if timeline is not None:
        read.timeline = [EventRead.model_validate(e) for e in timeline]
    return read
