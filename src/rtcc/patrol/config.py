"""Settings of the patrol domain (near repeats, patrol plans, house checks), mixed into ``rtcc.settings.Settings``
(env ``RTCC_<FIELD>``); every field is described."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PatrolSettings(BaseModel):
    """Patrol settings."""

    patrol_burglary_apco_codes: list[str] = Field(
        default_factory=lambda: ["BURGLARY"],
        description="APCO codes of the call types that count as a burglary (JSON list): such a call makes a "
        "near-repeat alert, and the city's history of them feeds the Knox test and the patrol forecast.",
    )
    patrol_near_repeat_radius_m: float = Field(
        default=200.0,
        gt=0,
        description="Configured near-repeat radius in metres, used when the Knox test shows no raised risk next door "
        "or there is too little history to run it.",
    )
    patrol_near_repeat_days: float = Field(
        default=14.0,
        gt=0,
        description="Configured near-repeat duration in days (with patrol_near_repeat_radius_m).",
    )
    patrol_knox_min_events: int = Field(
        default=30,
        ge=2,
        description="Fewest burglaries in the last year for the near-repeat rule to come from a Knox test.",
    )
    patrol_dose_min: float = Field(
        default=15.0, gt=0, description="Minutes planned at each hotspot or near-repeat stop."
    )
    patrol_house_check_min: float = Field(default=5.0, gt=0, description="Minutes planned at each house check.")
    patrol_hotspots: int = Field(
        default=6, ge=1, description="Hotspot cells a plan is offered (before the shift fits)."
    )
    patrol_cell_m: float = Field(
        default=182.88, gt=10, description="Side of the patrol forecast's grid cells in metres (600 ft by default)."
    )
    patrol_interval_s: float = Field(
        default=60.0,
        description="Seconds between passes of the patrol job (near-repeat alerts of new burglaries, house-check "
        "visits from tracks); 0 or less disables it.",
    )
    patrol_visit_radius_m: float = Field(
        default=50.0,
        gt=0,
        description="A house check counts as visited when the unit's track comes this close (metres) to the house.",
    )
