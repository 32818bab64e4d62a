"""Settings of the ALPR domain's vendor payloads, mixed into ``rtcc.settings.Settings`` (env ``RTCC_<FIELD>``); every
field is described."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AlprSettings(BaseModel):
    """ALPR settings."""

    alpr_image_max_bytes: int = Field(
        default=2 * 1024 * 1024,
        ge=1024,
        description="Largest image (decoded bytes) a sensor may send inside a document (OpenALPR plate_crop_jpeg, "
        "vehicle_crop_jpeg); a larger one is refused by its field name and dead-lettered, the read is kept.",
    )
