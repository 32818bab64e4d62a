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
    dead_letter_payload_max_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        description="Bytes of a refused payload a dead letter keeps (a prefix, cut on a character boundary); the "
        "letter also records the whole payload's size and SHA-256 and says it was truncated (such a letter cannot "
        "be replayed: the sender must send it again). Bounds what a sender can make the database store.",
    )
    ingest_writer_process: bool = Field(
        default=True,
        description="Store camera-sized ingest requests (REST, OpenALPR webhook) in a child process of the API "
        "process (rtcc.alpr.writerproc): HTTP and storing run on two cores. Off: in a thread of the API process.",
    )
