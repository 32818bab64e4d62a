"""Pydantic contracts of the oversight domain: KPI tables, the before/after of a priority rule, the contract
document (what ``rtcc oversight contract import`` and ``POST /api/v1/oversight/contracts`` take) and the reports."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Interval = Literal["processing", "queue", "turnout", "travel", "response", "on_scene"]
Dimension = Literal["priority", "call_type", "shift", "district", "unit_type", "month", "division"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EstimateRead(BaseModel):
    """A statistic in seconds and its bootstrap interval (null where there are no calls)."""

    value: float | None
    low: float | None
    high: float | None


class QualityRead(BaseModel):
    """Data quality of a group: calls with a required step missing or with steps out of order, and the share of
    calls with neither (``score``)."""

    calls: int
    missing: int
    out_of_order: int
    score: float


class KpiRow(BaseModel):
    """One group's summary of one interval: ``n`` calls with a value of ``calls`` in the group."""

    key: str
    calls: int
    n: int
    median: EstimateRead
    p90: EstimateRead
    mean: EstimateRead
    quality: QualityRead
    target_s: int | None = None
    met: int | None = None  # calls within the target (response, grouped by priority)


class KpiTable(BaseModel):
    """A KPI screen: one row per group and a row for all calls, with the filters that made it."""

    interval: Interval
    group_by: Dimension
    level: float
    n_boot: int
    since: date | None
    until: date | None
    filters: dict[str, str]
    total: KpiRow
    rows: list[KpiRow]
    computed_ms: float


class ChangeSide(BaseModel):
    """One side of a before/after: its calls and the median, p90 and mean of their response times."""

    calls: int
    median: EstimateRead
    p90: EstimateRead
    mean: EstimateRead


class RuleChangeRead(BaseModel):
    """A priority rule and what its change did: the affected calls (its call type, within ``window_days`` either
    side of its effective date), before and after, and after-minus-before with bootstrap intervals."""

    rule_id: int
    call_type: str
    priority: str
    previous_priority: str | None
    effective_from: datetime
    reason: str
    interval: Interval
    window_days: int
    before: ChangeSide
    after: ChangeSide
    median_diff: EstimateRead
    mean_diff: EstimateRead
    median_ratio: EstimateRead
    monthly: list[KpiRow]


class ServiceUnits(_In):
    """Deputy-minutes bought per day on one shift of the catalogue (``day``, ``pm``, ``early_morning``...)."""

    shift: str = Field(min_length=1, max_length=32)
    deputy_minutes: int = Field(ge=0, le=100_000)


class Target(_In):
    """A response-time target of one priority: ``share`` of calls on scene within ``target_s``."""

    priority: str = Field(min_length=1, max_length=32)
    target_s: int = Field(ge=1, le=86_400)
    share: float = Field(default=0.9, gt=0, le=1)


class ContractTerms(_In):
    """The City-Sheriff contract as data (a YAML or JSON file; every field described in docs/oversight)."""

    name: str = Field(min_length=1, max_length=200)
    effective_from: date
    demo: bool = Field(default=False, description="Demo values, labelled as such wherever shown.")
    service_units: list[ServiceUnits] = Field(min_length=1)
    targets: list[Target] = Field(min_length=1)
    cso_hours_per_week: float = Field(default=0, ge=0, le=10_000)
    guard_hours_per_week: float = Field(default=0, ge=0, le=10_000)
    overtime_budget_cents: int = Field(ge=0, description="Overtime budget of the contract year, in cents.")
    sworn_unit_types: list[str] = Field(
        default_factory=lambda: ["deputy_car", "sergeant", "special_team"],
        description="Unit types whose on-duty time counts as deputy-minutes delivered.",
    )
    notes: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        shifts = [s.shift for s in self.service_units]
        if len(set(shifts)) != len(shifts):
            raise ValueError("service_units: a shift appears twice")
        prios = [t.priority for t in self.targets]
        if len(set(prios)) != len(prios):
            raise ValueError("targets: a priority appears twice")
        return self


class ContractRead(BaseModel):
    """A stored contract version."""

    id: int
    name: str
    effective_from: date
    demo: bool
    terms: ContractTerms
    source: str | None
    created_by: str
    created_at: datetime


class ReportRequest(_In):
    """Generate (or regenerate) the council report of a month."""

    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


class ReportRead(BaseModel):
    """A filed council report (its HTML, PDF and CSV are downloaded separately)."""

    id: uuid.UUID
    month: str
    generated_by: str
    generated_at: datetime
    figures: dict[str, object]
