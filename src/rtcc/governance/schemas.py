"""Contracts of the governance API: purpose codes, duty schedules, sharing agencies and requests, misuse flags and
scans, and the public transparency report.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rtcc.governance.logic import DATA_CLASSES

_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
_AGENCY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{1,63}$")
_HHMM_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

#: How an auditor closes a flag.
Disposition = Literal["no_issue", "training", "referred", "policy_violation"]


# --- purposes ---------------------------------------------------------------------------------------------------------


class PurposeRead(BaseModel):
    """A purpose code in force. ``allowed=false`` marks a purpose the policy forbids (listed so refusals show)."""

    code: str
    label: str
    requires_case: bool
    allowed: bool
    description: str
    case_free_radius_m: float | None = Field(
        default=None, description="How far (m) an area search may reach without a case on record (null: never)."
    )
    case_free_window_h: float | None = Field(
        default=None, description="How long (h) an area search may span without a case on record (null: never)."
    )


class PurposeUpsert(BaseModel):
    """A purpose code to add or change; ``active=false`` retires it (searches can no longer name it)."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=128)
    requires_case: bool = Field(description="A case or incident number must accompany a search under it.")
    allowed: bool = Field(default=True, description="False: the policy forbids it; requests naming it are refused.")
    description: str = Field(default="", max_length=2000)
    position: int | None = Field(default=None, ge=0, le=10_000, description="Display order (default: last).")
    active: bool = True
    case_free_radius_m: float | None = Field(
        default=None,
        gt=0,
        le=50_000,
        description="Area searches (stakeout, common plates) under this purpose may reach this far (m) from their "
        "centre without a case on record; null: never without a case. Omitted: unchanged.",
    )
    case_free_window_h: float | None = Field(
        default=None,
        gt=0,
        le=24 * 31,
        description="... and span at most this many hours. Omitted: unchanged.",
    )


def check_purpose_code(code: str) -> str:
    """A purpose code: lower case letters, digits and '_', 2-48 characters."""
    if not _CODE_RE.match(code):
        raise ValueError("purpose code: 2-48 lower-case letters, digits or '_', starting with a letter")
    return code


# --- duty schedules ---------------------------------------------------------------------------------------------------


class DutyScheduleIn(BaseModel):
    """A user's duty hours (local time): weekdays 0 = Monday; ``end`` before ``start`` = an overnight shift."""

    model_config = ConfigDict(extra="forbid")

    weekdays: list[int] = Field(min_length=1, max_length=7, description="Weekdays on duty, 0 = Monday ... 6 = Sunday.")
    start: str = Field(description="Shift start, HH:MM local time.")
    end: str = Field(description="Shift end, HH:MM local time (before start = overnight).")
    timezone: str | None = Field(default=None, max_length=64, description="IANA zone; default the city's.")

    @field_validator("weekdays")
    @classmethod
    def _days(cls, value: list[int]) -> list[int]:
        if any(d < 0 or d > 6 for d in value):
            raise ValueError("weekdays: each day is 0 (Monday) to 6 (Sunday)")
        return sorted(set(value))

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM_RE.match(value):
            raise ValueError("time must be HH:MM (00:00 to 23:59)")
        return value


class DutyScheduleRead(BaseModel):
    """A stored duty schedule."""

    actor: str
    weekdays: list[int]
    start: str
    end: str
    timezone: str | None
    updated_at: datetime
    updated_by: str


# --- sharing ----------------------------------------------------------------------------------------------------------


def _check_classes(value: list[str]) -> list[str]:
    unknown = [c for c in value if c not in DATA_CLASSES]
    if unknown:
        raise ValueError(f"data_classes: unknown {', '.join(unknown)}; choose from {', '.join(DATA_CLASSES)}")
    return sorted(set(value))


class AgencyCreate(BaseModel):
    """An agency we share with. It can only ever receive the data classes and purposes listed here."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="Short code; an agency API key names it (ApiKeyCreate.agency).")
    name: str = Field(min_length=1, max_length=128)
    data_classes: list[str] = Field(default_factory=list, description=f"Some of: {', '.join(DATA_CLASSES)}.")
    purposes: list[str] = Field(default_factory=list, description="Purpose codes it may request data for.")
    active: bool = True
    contact: str | None = Field(default=None, max_length=255)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not _AGENCY_RE.match(value):
            raise ValueError("code: 2-64 letters, digits, '_', '-' or '.'")
        return value.upper()

    @field_validator("data_classes")
    @classmethod
    def _classes(cls, value: list[str]) -> list[str]:
        return _check_classes(value)


class AgencyUpdate(BaseModel):
    """Changes to an agency; omitted fields stay. ``active=false`` suspends sharing with it."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=128)
    data_classes: list[str] | None = None
    purposes: list[str] | None = None
    active: bool | None = None
    contact: str | None = Field(default=None, max_length=255)

    @field_validator("data_classes")
    @classmethod
    def _classes(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _check_classes(value)


class AgencyRead(BaseModel):
    """An agency on the sharing list."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    data_classes: list[str]
    purposes: list[str]
    active: bool
    contact: str | None
    created_at: datetime
    updated_at: datetime


class SharingRequestIn(BaseModel):
    """A request from another agency (sent with its agency API key)."""

    model_config = ConfigDict(extra="forbid")

    data_class: str = Field(min_length=1, max_length=32, description=f"One of: {', '.join(DATA_CLASSES)}.")
    purpose: str = Field(min_length=1, max_length=48, description="A purpose code (see GET /api/v1/transparency).")
    case_number: str | None = Field(default=None, max_length=64)
    query: dict[str, Any] = Field(
        default_factory=dict,
        description="What is asked for, e.g. {'plate': '7ABC123', 'since': ..., 'until': ...}.",
    )


class SharingDecisionRead(BaseModel):
    """The policy's decision on a request, and (when allowed) what was shared."""

    request_id: uuid.UUID
    agency: str
    decision: Literal["allow", "deny"]
    reason_code: str
    reason: str
    data_class: str
    purpose: str
    case_number: str | None
    result_count: int | None = None
    results: list[dict[str, Any]] | None = Field(
        default=None, description="The records shared (only when the decision is allow and data could be served)."
    )
    note: str | None = None


class SharingRequestRead(BaseModel):
    """One logged sharing request."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    at: datetime
    agency_code: str
    requested_by: str
    data_class: str
    purpose: str
    case_number: str | None
    query: dict[str, Any]
    decision: str
    reason: str
    result_count: int | None


# --- misuse -----------------------------------------------------------------------------------------------------------


class MisuseFlagRead(BaseModel):
    """A flag in the auditor queue with its evidence (audit seqs and figures)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    detector: str
    subject: str
    window_start: datetime
    window_end: datetime
    severity: str
    summary: str
    evidence: dict[str, Any]
    status: str
    disposition: str | None
    note: str | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None


class MisuseFlagPage(BaseModel):
    """One page of flags."""

    items: list[MisuseFlagRead]
    total: int
    limit: int
    offset: int


class FlagResolve(BaseModel):
    """How an auditor closes a flag: a disposition and a note saying why."""

    model_config = ConfigDict(extra="forbid")

    disposition: Disposition
    note: str = Field(min_length=3, max_length=4000)


class ScanResult(BaseModel):
    """What one misuse scan did."""

    since: datetime
    until: datetime
    entries_examined: int
    flags_raised: int
    flags_created: int
    flags_updated: int
    by_detector: dict[str, int]


# --- transparency -----------------------------------------------------------------------------------------------------


class CameraPoint(BaseModel):
    """A fixed ALPR camera's public description."""

    code: str
    name: str
    lat: float | None
    lon: float | None
    location: str | None
    heading_deg: float | None
    status: str
    division: str | None = Field(default=None, description="The city profile's division (station) of the camera.")
    neighborhood: str | None = Field(default=None, description="The city profile's neighborhood of the camera.")


class AlertFigures(BaseModel):
    """Hit alerts in the window: verified versus rejected, and the misread rate among those reviewed."""

    total: int
    verified: int
    rejected: int
    rejected_misread: int
    pending: int
    misread_rate: float | None = Field(description="Rejected as misread / reviewed (verified + rejected).")
    rejection_rate: float | None = Field(description="Rejected / reviewed (verified + rejected).")


class PurposeCount(BaseModel):
    """Searches under one purpose code in the window."""

    code: str
    label: str
    searches: int
    refused: int


class RetentionItem(BaseModel):
    """One data class and how long it is kept."""

    name: str
    label: str
    days: int
    description: str


class AgencyPublic(BaseModel):
    """An agency we share with, as published."""

    code: str
    name: str
    data_classes: list[str]
    purposes: list[str]


class AuditCheck(BaseModel):
    """The last verification of the audit chain."""

    at: datetime
    ok: bool
    checked: int
    first_bad_seq: int | None
    problem: str | None


class PublishedHead(BaseModel):
    """One signed tree head as the portal lists it (the full head, with its signature: ``.../audit-log/heads``)."""

    id: int
    tree_size: int
    at: datetime
    root_hash: str
    key_id: str
    previous_size: int | None = Field(
        description="Tree size of the head before it, when smaller: the consistency proof between the two."
    )


class PublishedKey(BaseModel):
    """A key that signed tree heads, and when (key rotation: every key stays listed)."""

    key_id: str
    valid_from: datetime
    valid_until: datetime | None = Field(description="When the next key took over; null: the current key.")


class AuditLogHeads(BaseModel):
    """The audit log's signed tree heads (checkable by anyone: ``/api/v1/transparency/audit-log``)."""

    recent: list[PublishedHead] = Field(default_factory=list, description="The newest heads, newest first.")
    keys: list[PublishedKey] = Field(default_factory=list, description="Every key that signed heads.")

    count: int = Field(description="Signed tree heads published so far (all kept).")
    latest_tree_size: int | None = Field(description="Entries covered by the newest head.")
    latest_at: datetime | None = Field(description="When the newest head was signed.")
    latest_root_hash: str | None = Field(description="Merkle root of the newest head (hex).")
    key_id: str | None = Field(description="SHA-256 of the public key that signed the newest head (hex).")


class TransparencyReport(BaseModel):
    """Everything the public portal shows, computed from the data and the audit log."""

    generated_at: datetime
    city: str = Field(default="", description="The city profile's name.")
    window_days: int
    window_start: datetime
    camera_count: int
    cameras: list[CameraPoint]
    reads: int
    hit_reads: int
    hit_alerts: AlertFigures
    searches_total: int
    searches_refused: int
    searches_by_purpose: list[PurposeCount]
    sharing_requests: dict[str, int]
    retention: list[RetentionItem]
    agencies: list[AgencyPublic]
    purposes: list[PurposeRead]
    policy_text: str
    last_audit_verification: AuditCheck | None
    audit_log_heads: AuditLogHeads | None = None
