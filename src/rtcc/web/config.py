"""Settings of the web front end, mixed into ``rtcc.settings.Settings`` (env ``RTCC_<FIELD>``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class WebSettings(BaseModel):
    """Web front-end settings: the optional raster base map (the offline vector base map is always drawn)."""

    web_tile_url: str | None = Field(
        default=None,
        description=(
            "Raster tile URL template for the map's base layer, e.g. https://tile.example.org/{z}/{x}/{y}.png; "
            "unset (the default) draws only the bundled offline vector map of the demo city."
        ),
    )
    web_tile_attribution: str = Field(
        default="", description="Attribution text shown on the map for the raster tiles of web_tile_url."
    )
    web_tile_max_zoom: int = Field(default=19, ge=1, le=22, description="Highest zoom level the tile server offers.")
