"""Pydantic contracts of the audit API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEntryRead(BaseModel):
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


class VerificationRead(BaseModel):
    ok: bool
    checked: int
    first_bad_seq: int | None
    problem: str | None
    last_hash: str | None
    verified_at: datetime | None
