"""Pydantic contracts of the analytics API: stored forecasts with their backtests, placement proposals and the
public crime map."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class ModelScoreRead(BaseModel):
    """One model's rolling-origin backtest at one flagged area."""

    model: str
    area_sq_mi: float
    mean_pai: float | None
    mean_pei: float | None
    mean_hit_rate: float | None
    incidents: int
    hits: int


class FlaggedCell(BaseModel):
    """A flagged cell: its rank, expected count and square (lon, lat ring, closed)."""

    cell: int
    rank: int
    expected: float
    ring: list[tuple[float, float]]


class FlaggedArea(BaseModel):
    """The cells flagged within one area limit."""

    sq_mi: float
    cells: list[FlaggedCell]


class ForecastRead(BaseModel):
    """A stored forecast: which model (the backtest's winner), the flagged cells and the measured accuracy."""

    id: str
    category: str
    division: str | None = None  # the division it was computed for; None: the city
    horizon_days: int
    cell_ft: float
    origin: datetime
    computed_at: datetime
    computed_by: str
    status: str = Field(description="ok, or insufficient (too few events to forecast; see note).")
    model: str | None
    events: int = Field(description="Incidents and calls in the history the forecast learned from.")
    seconds: float
    note: str | None = None
    areas: list[FlaggedArea] = []
    backtest_origins: list[datetime] = []
    backtest_metric: str | None = None
    scores: list[ModelScoreRead] = []


class RefreshRequest(BaseModel):
    """An analyst's on-demand refresh."""

    model_config = ConfigDict(extra="forbid")

    categories: list[str] | None = Field(default=None, description="Only these categories (default: all).")
    horizon_days: int = Field(default=7, ge=7, le=92, description="Horizon: one week (7) to three months (92).")
    cell_ft: float | None = Field(default=None, ge=250, le=1000, description="Cell side in feet (default setting).")


class PlacementSite(BaseModel):
    """A proposed or existing site."""

    label: str
    lat: float
    lon: float
    gain: float = Field(description="Demand weight this site adds over the existing ones (in the order proposed).")


class PlacementRead(BaseModel):
    """A placement proposal: the next sites by maximal covering, and the set-covering count for full coverage."""

    kind: str
    demand_points: int
    demand_weight: float
    existing: list[PlacementSite]
    covered_before: float = Field(description="Share of the demand weight the existing sites cover.")
    covered_after: float = Field(description="Share covered with the proposed sites added.")
    proposed: list[PlacementSite]
    lscp_sites: int | None = Field(description="New sites set covering needs to cover every coverable point.")
    uncoverable: int
    status: str
    gap: float
    solver: str
    parameters: dict[str, float | str]
    note: str | None = None


class PublicIncident(BaseModel):
    """An incident as the public map shows it: masked place, the date only."""

    category: str
    day: date
    block: str | None
    lat: float
    lon: float
    neighborhood: str | None


class WeekCounts(BaseModel):
    """One neighborhood's counts per category in one week (Monday start)."""

    week: date
    counts: dict[str, int]


class NeighborhoodCounts(BaseModel):
    """Weekly counts of one neighborhood (or reporting district)."""

    code: str
    name: str
    weeks: list[WeekCounts]


class CrimeMapRead(BaseModel):
    """The public crime map: masked incidents, weekly counts per area, and the masking rule's parameters."""

    city: str
    since: date
    until: date
    categories: list[str]
    mask_cell_m: float
    area_kind: str = Field(description="neighborhood or district: what the weekly counts are per.")
    incidents: list[PublicIncident]
    areas: list[NeighborhoodCounts]


class ImportReport(BaseModel):
    """What an incident import stored."""

    records: int = Field(description="Data rows in the file (skipped ones included).")
    imported: int
    duplicates: int
    skipped: int
    problems: list[str]
