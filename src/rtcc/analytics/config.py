"""Settings of the analytics domain, mixed into ``rtcc.settings.Settings`` (env ``RTCC_<FIELD>``): the forecast
grid and horizons, how often the forecast job runs, the backtest's size, the public crime map's window and the
placement models' coverage parameters."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AnalyticsSettings(BaseModel):
    """Analytics settings."""

    analytics_cell_ft: float = Field(
        default=600.0, ge=250.0, le=1000.0, description="Side of a forecast grid cell in feet (the issue's 500-600 ft)."
    )
    analytics_horizons_days: list[int] = Field(
        default=[7, 28], description="Forecast horizons in days (7 to 92: one week to three months) the job computes."
    )
    analytics_division_forecasts: bool = Field(
        default=True,
        description="With a city profile of several divisions, the forecast job also computes each division's forecasts"
        " (its events on its own grid), which its divisional analysts read instead of the city's.",
    )
    analytics_forecast_interval_s: float = Field(
        default=86_400.0, description="Seconds between two runs of the forecast job (0 or less: never scheduled)."
    )
    analytics_history_days: int = Field(
        default=730, ge=28, description="Days of incidents and calls before the origin that a forecast learns from."
    )
    analytics_backtest_origins: int = Field(
        default=8, ge=2, le=60, description="Rolling-origin backtest: origins (a week apart) scored per forecast."
    )
    analytics_min_events: int = Field(
        default=20, ge=1, description="A category with fewer events in its history is not forecast (said on screen)."
    )
    analytics_public_days: int = Field(
        default=28, ge=7, le=90, description="Days of incidents the public crime map shows."
    )
    analytics_alpr_radius_m: float = Field(
        default=250.0, gt=0, description="An ALPR camera covers the incidents within this distance (placement)."
    )
    analytics_entry_radius_m: float = Field(
        default=120.0, gt=0, description="An ALPR camera covers a road entering the city within this distance."
    )
    analytics_entry_weight: float = Field(
        default=5.0, ge=0, description="Weight of one entry road in ALPR placement, in incidents' units."
    )
    analytics_camera_radius_m: float = Field(
        default=100.0, gt=0, description="A registered camera covers the residents within this distance (rebates)."
    )
    analytics_drone_speed_mps: float = Field(
        default=20.0, gt=0, description="Drone cruise speed (m/s) for dock placement."
    )
    analytics_drone_seconds: float = Field(
        default=90.0, gt=0, description="A call is reachable when a dock is within this many seconds of flight."
    )
    analytics_drone_max_priority_rank: int = Field(
        default=2, ge=1, description="Calls of this priority rank or more urgent (1 = most) are eligible for a drone."
    )
