"""Settings of the places domain, mixed into ``rtcc.settings.Settings`` (env ``RTCC_<FIELD>``): which city profile
this deployment serves."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PlacesSettings(BaseModel):
    """Places settings."""

    city_profile: str = Field(
        default="cerritos",
        description="City profile: a packaged one ('cerritos', 'los_angeles') or the path of a profile folder "
        "(profile.json, boundary/divisions/districts/neighborhoods .geojson, intersections.csv, places.csv).",
    )
