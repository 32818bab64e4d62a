"""The simulator's contracts: a scenario (what changes against the baseline), a run request, and what a stored run
reads like. Inbound models forbid unknown fields, so a misspelt scenario key is an error naming it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddUnits(_In):
    """Extra units of one type: on one shift of the catalogue (None: around the clock), based in one zone."""

    unit_type: str = Field(min_length=1, max_length=32, description="A unit type of the catalogue (cso, guard, ...).")
    count: int = Field(default=1, ge=1, le=50)
    shift: str | None = Field(default=None, description="A shift template code (day, pm, early_morning).")
    zone: str | None = Field(default=None, description="Home zone (reporting district); None: the busiest zone.")


class DroneDock(_In):
    """A drone dock: a unit-like resource that answers the named call types first (drone as first responder)."""

    zone: str | None = Field(default=None, description="The zone it stands in (None: the busiest zone).")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    launch_s: float = Field(default=60.0, ge=0, le=3600, description="Seconds from dispatch to airborne.")
    cruise_mps: float = Field(default=20.0, gt=0, le=100, description="Cruise speed in metres per second.")
    on_scene_s: float = Field(default=600.0, gt=0, le=7200, description="Seconds the drone stays over the call.")
    drones: int = Field(default=1, ge=1, le=10)
    call_types: list[str] = Field(
        default_factory=list, description="Call types it may answer (empty: every type whose priority is emergent)."
    )


class Scenario(_In):
    """What changes against the baseline; the empty scenario is the baseline itself."""

    name: str = Field(default="baseline", min_length=1, max_length=80)
    priority_rules: dict[str, str] = Field(
        default_factory=dict, description="Call type code -> priority code (another priority rule)."
    )
    add_units: list[AddUnits] = Field(default_factory=list)
    guards_in: list[str] = Field(default_factory=list, description="Zones (districts) a guard patrols, one guard each.")
    drone_docks: list[DroneDock] = Field(default_factory=list)
    out_of_service: list[str] = Field(default_factory=list, description="Call signs of units out of service.")


class RunCreate(_In):
    """A scenario run: the scenario and the baseline, both fitted on the same history window, same seeds."""

    scenario: Scenario
    origin: str | None = Field(
        default=None,
        max_length=48,
        description="cad:<layout> (an imported history), live (the city's closed calls), None: every imported history.",
    )
    since: datetime | None = Field(default=None, description="First received time fitted on (default: all).")
    until: datetime | None = Field(default=None, description="End of the fit window (exclusive).")
    hours: float = Field(default=168.0, gt=0, le=24 * 7 * 8, description="Simulated hours per replication.")
    replications: int = Field(default=10, ge=1, le=200)
    seed: int = Field(default=13, ge=0)


class BacktestCreate(_In):
    """Fit on ``[fit_from, fit_until)`` and predict ``[fit_until, predict_until)``."""

    origin: str | None = Field(default=None, max_length=48)
    fit_from: datetime | None = None
    fit_until: datetime
    predict_until: datetime
    replications: int = Field(default=10, ge=1, le=200)
    seed: int = Field(default=13, ge=0)


class RunRead(BaseModel):
    """A stored run: its kind, request, progress (0-100), state and results (JSON: baseline and scenario, or the
    backtest table)."""

    id: uuid.UUID
    kind: Literal["scenario", "backtest"]
    name: str
    status: Literal["queued", "running", "done", "failed"]
    progress: int
    request: dict[str, Any]
    results: dict[str, Any] | None
    error: str | None
    created_by: str
    created_at: datetime
    finished_at: datetime | None


class ScenarioPreset(BaseModel):
    """A ready-made scenario for the screen's picker."""

    key: str
    scenario: Scenario
