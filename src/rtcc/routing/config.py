"""Settings of the routing domain (travel speeds by road class, the Emergent speed-up, snapping and the straight-line
fallback), mixed into ``rtcc.settings.Settings`` (env ``RTCC_<FIELD>``); describe every field.

The speed tables are data: ``RTCC_ROUTING_SPEEDS_KPH='{"primary": 60, "residential": 30}'`` replaces the entries it
names and keeps the defaults (``rtcc.routing.logic.DEFAULT_SPEEDS_KPH``) for the others.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class RoutingSettings(BaseModel):
    """Routing settings."""

    routing_speeds_kph: dict[str, float] = Field(
        default_factory=dict,
        description="Travel speed in km/h by OSM highway class for a routine (non-Emergent) response, as JSON; the "
        "classes it names replace the defaults (motorway 95, trunk 75, primary 55, secondary 50, tertiary 45, "
        "residential and unclassified 35, service 20, living_street 15, links slower than their road; any other "
        "class: the 'road' entry, 30).",
    )
    routing_emergent_factor: float = Field(
        default=1.25,
        gt=0,
        le=3,
        description="Emergent responses (lights and siren) travel this many times the routine speed of a road class, "
        "unless routing_emergent_speeds_kph names the class.",
    )
    routing_emergent_speeds_kph: dict[str, float] = Field(
        default_factory=dict,
        description="Emergent speed in km/h by road class, as JSON; a class named here overrides routine speed x "
        "routing_emergent_factor.",
    )
    routing_access_speed_kph: float = Field(
        default=15.0,
        gt=0,
        description="Speed of the leg between a point (a unit, a call) and the nearest network node: slow, since it "
        "stands for driveways, parking lots and the part of a block the network does not model.",
    )
    routing_max_snap_m: float = Field(
        default=400.0,
        gt=0,
        description="A point farther than this from the road network is not routed on it: its travel time is the "
        "straight-line estimate (method straight_line).",
    )
    routing_circuity: float = Field(
        default=1.35,
        ge=1.0,
        le=3.0,
        description="Straight-line fallback: road distance is taken as the great-circle distance times this factor "
        "(about 1.2 to 1.4 in US cities).",
    )
    routing_fallback_speed_kph: float = Field(
        default=40.0,
        gt=0,
        description="Straight-line fallback: the routine speed over the circuity-scaled distance (Emergent: times "
        "routing_emergent_factor).",
    )
