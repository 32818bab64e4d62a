"""Pydantic contracts of the audit API: entries, the filters auditors list and export by, and chain verification."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class AuditEntryRead(BaseModel):
    """One audit entry as stored (details as recorded, with the hashes that chain it)."""

    model_config = ConfigDict(from_attributes=True)
    seq: int
    at: datetime
    actor: str
    actor_role: str | None
    action: str
    target_type: str | None
    target_id: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


class AuditFilters(BaseModel):
    """What auditors filter the log by; every given filter must hold (AND). Used as a query-parameter model next to
    paging parameters, so other parameters are ignored here rather than refused."""

    model_config = ConfigDict(extra="ignore")

    actor: str | None = Field(default=None, max_length=128, description="Exact audit name (user name, apikey:...).")
    role: str | None = Field(default=None, max_length=32, description="Role of the actor at the time.")
    unit: str | None = Field(default=None, max_length=64, description="Unit recorded in the details.")
    action: str | None = Field(default=None, max_length=64, description="Action prefix, e.g. 'alpr.' or 'alpr.search'.")
    purpose: str | None = Field(default=None, max_length=48, description="Purpose code recorded in the details.")
    case_number: str | None = Field(default=None, max_length=64, description="Case number (case-insensitive).")
    target_type: str | None = Field(default=None, max_length=64, description="Type of the target.")
    target_id: str | None = Field(default=None, max_length=64, description="Id of the target.")
    since: datetime | None = Field(default=None, description="From this time (inclusive), with a timezone.")
    until: datetime | None = Field(default=None, description="Before this time (exclusive), with a timezone.")

    @field_validator("since", "until")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("give a timezone (e.g. 2026-11-01T00:00:00Z)")
        return value

    def as_kwargs(self) -> dict[str, Any]:
        """The filters that are set, as keyword arguments of ``audit.service.search``."""
        return self.model_dump(exclude_none=True)


#: Formats of an audit export.
ExportFormat = Literal["csv", "jsonl"]

#: Columns of the CSV export, in order (``details`` is one JSON column).
EXPORT_COLUMNS: tuple[str, ...] = (
    "seq",
    "at",
    "actor",
    "actor_role",
    "action",
    "target_type",
    "target_id",
    "unit",
    "purpose",
    "case_number",
    "result_count",
    "details",
    "hash",
)


class VerificationRead(BaseModel):
    """The outcome of walking the chain."""

    ok: bool
    checked: int
    first_bad_seq: int | None
    problem: str | None
    last_hash: str | None
    verified_at: datetime | None
