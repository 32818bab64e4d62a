"""Pydantic contracts of the dispatch interchange: what an EIDO import answers (``rtcc.dispatch.interchange``) and
what a historic CAD import reports (``rtcc.dispatch.history``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class EidoReceipt(BaseModel):
    """What an imported EIDO did."""

    record_id: uuid.UUID = Field(description="The EIDO record; also a call id for GET .../calls/{id}/eido.")
    incident_id: str = Field(description="The EIDO's Incident Tracking Identifier (its $id).")
    action: Literal["created", "updated"]
    call_id: uuid.UUID | None = Field(description="The live call it created or updates, if any.")
    call_number: str | None
    held_reason: str | None = Field(description="Why it is held as a record and is no live call.")
    dialect: Literal["1.0", "draft"]
    schema_issues: list[str] = Field(description="Schema problems tolerated (strict=false only).")


class HistoryReportRead(BaseModel):
    """What a historic CAD import did (or, for a dry run, would do)."""

    file: str
    layout: str
    origin: str
    dry_run: bool
    batch_id: uuid.UUID | None
    records: int
    imported: int
    duplicates: int
    skipped: int
    problem_count: int
    problems: list[str] = Field(description="file:line: column: message, the first ones.")


class EidoRecordRead(BaseModel):
    """An EIDO received: its incident, the live call it made or updates, or why it is held."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    incident_id: str
    call_id: uuid.UUID | None
    agency: str | None
    external_id: str
    status: str | None
    received_at: datetime | None
    held_reason: str | None
    updates: int
    updated_at: datetime
