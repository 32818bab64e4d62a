"""Pydantic contracts of the patrol domain: near-repeat alerts, patrol plans with their stops (dose planned and
delivered), house-check requests and visits, and the dose-against-crime report."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

PlanKind = Literal["cso", "guard", "holiday", "special"]


class NearRepeatRead(BaseModel):
    """A near-repeat alert: the burglary, the circle and days at raised risk, the rule, and its publication."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    call_id: uuid.UUID
    call_number: str
    call_type: str
    lat: float
    lon: float
    neighborhood: str | None
    radius_m: float
    starts_at: datetime
    ends_at: datetime
    rule_source: str
    rule_detail: str
    community_alert_id: uuid.UUID | None
    published_at: datetime | None
    active: bool = False


class PlanCreate(BaseModel):
    """Ask for a plan for a unit over a shift window (the unit's area unless ``area`` names a district, division or
    neighborhood)."""

    model_config = ConfigDict(extra="forbid")
    call_sign: str = Field(min_length=1, max_length=16)
    kind: PlanKind
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    area: str | None = Field(default=None, max_length=32)

    @model_validator(mode="after")
    def _window(self) -> PlanCreate:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if (self.ends_at - self.starts_at).total_seconds() > 16 * 3600:
            raise ValueError("a plan covers one shift: at most 16 hours")
        return self


class StopRead(BaseModel):
    """One stop in route order: where, its dose planned and (measured from the unit's track) delivered."""

    seq: int
    kind: str
    key: str
    label: str
    lat: float
    lon: float
    box: list[float] | None
    radius_m: float | None
    risk: float
    dose_min: float
    delivered_min: float
    travel_s: float | None
    near_repeat_id: uuid.UUID | None
    house_check_id: uuid.UUID | None
    visited_at: datetime | None = None


class PlanRead(BaseModel):
    """A patrol plan with its stops and totals."""

    id: uuid.UUID
    call_sign: str
    kind: str
    area: str | None
    starts_at: datetime
    ends_at: datetime
    routing_method: str
    routing_note: str
    forecast_model: str
    created_at: datetime
    stops: list[StopRead]
    dose_planned_min: float
    dose_delivered_min: float
    track_fixes: int


class HouseCheckCreate(BaseModel):
    """A resident's request for checks of their house while away."""

    model_config = ConfigDict(extra="forbid")
    address: str = Field(min_length=3, max_length=255)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    starts_on: date
    ends_on: date
    keyholder_name: str | None = Field(default=None, max_length=128)
    keyholder_phone: str | None = Field(default=None, max_length=32)
    notes: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _dates(self) -> HouseCheckCreate:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on must not be before starts_on")
        if (self.ends_on - self.starts_on).days > 60:
            raise ValueError("a house check lasts at most 60 days")
        return self


class VisitRead(BaseModel):
    """One check of a house."""

    model_config = ConfigDict(from_attributes=True)
    at: datetime
    call_sign: str
    source: str
    outcome: str
    note: str | None


class HouseCheckRead(BaseModel):
    """A house-check request with its visits, newest first."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    address: str
    lat: float
    lon: float
    starts_on: date
    ends_on: date
    keyholder_name: str | None
    keyholder_phone: str | None
    notes: str | None
    status: str
    created_at: datetime
    visits: list[VisitRead] = []


class VisitNote(BaseModel):
    """The unit's note on a house check: all secure, or something found (the resident is told at once)."""

    model_config = ConfigDict(extra="forbid")
    outcome: Literal["secure", "found"]
    note: str | None = Field(default=None, max_length=2000)
    at: AwareDatetime | None = None


class GroupRead(BaseModel):
    """One side of the comparison."""

    cells: int
    dose_min: float
    crimes_during: int
    crimes_before: int
    change: float | None


class DoseReport(BaseModel):
    """Dose delivered against crime: patrolled cells and comparable unpatrolled cells over the plans' windows."""

    since: datetime
    until: datetime
    plans: int
    rule: str
    patrolled: GroupRead
    comparison: GroupRead
