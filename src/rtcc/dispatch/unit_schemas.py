"""Pydantic contracts of units, positions, shifts, rosters and overtime budgets (the calls' contracts are in
``rtcc.dispatch.schemas``). Inbound models forbid unknown fields; money is integer cents."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from rtcc.dispatch.logic import UnitStatus


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UnitCreate(_In):
    """A new unit."""

    call_sign: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{0,15}$")
    unit_type: str = Field(min_length=1, max_length=32)
    home_area: str | None = Field(default=None, max_length=32, description="A division or district code.")
    division: str | None = Field(
        default=None, max_length=32, description="The division it belongs to; by default its home area's."
    )


class UnitUpdate(_In):
    """Fields of a unit to change."""

    unit_type: str | None = Field(default=None, max_length=32)
    home_area: str | None = Field(default=None, max_length=32)
    division: str | None = Field(default=None, max_length=32, description="Null: its home area's division again.")
    active: bool | None = None


class PositionIn(_In):
    """A position report (AVL)."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    at: AwareDatetime | None = Field(default=None, description="When the fix was taken (default: now).")
    heading: float | None = Field(default=None, ge=0, lt=360)
    speed_mps: float | None = Field(default=None, ge=0, le=120)
    accuracy_m: float | None = Field(default=None, ge=0)


class PositionRead(BaseModel):
    """One point of a unit's track."""

    model_config = ConfigDict(from_attributes=True)

    at: datetime
    lat: float
    lon: float
    heading: float | None
    speed_mps: float | None
    accuracy_m: float | None
    source: str


class UnitRead(BaseModel):
    """A unit, its type's facts, status, last position and current call."""

    id: uuid.UUID
    call_sign: str
    unit_type: str
    unit_type_name: str
    unit_type_names: dict[str, str] = Field(default_factory=dict, description="The name in other languages.")
    sworn: bool
    capabilities: list[str]
    home_area: str | None
    division: str | None = Field(default=None, description="The city profile's division the unit belongs to.")
    active: bool
    status: str
    status_at: datetime
    current_user_id: uuid.UUID | None
    lat: float | None
    lon: float | None
    position_at: datetime | None
    current_call_id: uuid.UUID | None = None
    current_call_number: str | None = None


class UnitStatusSet(_In):
    """A status a unit sets by hand."""

    status: UnitStatus


class BudgetCreate(_In):
    """An overtime budget."""

    name: str = Field(min_length=1, max_length=128)
    total_cents: int = Field(ge=0)
    starts_on: date
    ends_on: date

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class BudgetRead(BaseModel):
    """An overtime budget with what was drawn against it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    total_cents: int
    used_cents: int
    used_minutes: int
    available_cents: int
    starts_on: date
    ends_on: date


class ShiftCreate(_In):
    """A shift: a regular watch from a template on a local date, a holiday patrol or an overtime shift (from a
    budget, at an hourly rate per unit on it)."""

    kind: Literal["regular", "holiday", "overtime"] = "regular"
    template: str | None = Field(default=None, max_length=32, description="A shift template of the catalogue.")
    on: date | None = Field(default=None, description="Local date, with a template.")
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    name: str | None = Field(default=None, max_length=128)
    budget_id: uuid.UUID | None = None
    hourly_rate_cents: int | None = Field(default=None, ge=0)


class RosterEntryRead(BaseModel):
    """A unit on a shift."""

    unit_id: uuid.UUID
    call_sign: str
    user_id: uuid.UUID | None


class ShiftRead(BaseModel):
    """A shift and its roster."""

    id: uuid.UUID
    kind: str
    template: str | None
    name: str
    starts_at: datetime
    ends_at: datetime
    budget_id: uuid.UUID | None
    hourly_rate_cents: int | None
    cost_cents: int
    roster: list[RosterEntryRead]


class RosterAdd(_In):
    """Put a unit (and the user staffing it) on a shift."""

    unit: str = Field(min_length=1, max_length=16, description="Call sign.")
    user_id: uuid.UUID | None = None
