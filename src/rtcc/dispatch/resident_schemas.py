"""Pydantic contracts of what a community account sees of the calls and online reports it made (the Strategic Plan's
objective 7.1): coarse statuses only (received, assigned, visited, closed), never unit call signs, notes, callers or
anything about other people."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ResidentStatus = Literal["received", "assigned", "visited", "closed"]


class ResidentStep(BaseModel):
    """One coarse step a call reached, and when it first did."""

    status: ResidentStatus
    at: datetime


class ResidentCallRead(BaseModel):
    """A call or online report as the resident who made it follows it."""

    id: uuid.UUID
    number: str
    call_type_name: str
    call_type_names: dict[str, str] = Field(default_factory=dict, description="The name in other languages.")
    online_report: bool = Field(description="True for an online report (no one is sent: it is reviewed and closed).")
    status: ResidentStatus
    received_at: datetime
    steps: list[ResidentStep]


class ReportTypeRead(BaseModel):
    """A call type a resident may report online."""

    code: str
    name: str
    names: dict[str, str] = Field(default_factory=dict, description="The name in other languages.")


class OnlineReportCreate(BaseModel):
    """An online report from the community portal: what happened and where (a point inside the city)."""

    model_config = ConfigDict(extra="forbid")

    call_type: str = Field(min_length=1, max_length=32)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    narrative: str = Field(min_length=3, max_length=8000)
