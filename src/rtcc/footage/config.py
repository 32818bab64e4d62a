"""Settings of the footage domain (requests to camera owners, uploads, evidence storage), mixed into
``rtcc.settings.Settings`` (env ``RTCC_<FIELD>``); every field is described."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, field_validator

#: Content types an upload may have by default; each is recognised by its magic bytes (``rtcc.footage.logic.sniff``).
DEFAULT_ALLOWED_TYPES: tuple[str, ...] = (
    "video/mp4",
    "video/quicktime",
    "video/x-matroska",
    "video/webm",
    "video/x-msvideo",
    "video/mp2t",
    "image/jpeg",
    "image/png",
)


class FootageSettings(BaseModel):
    """Footage settings."""

    footage_max_upload_mb: int = Field(
        default=500,
        ge=1,
        description="Largest clip a single upload may carry, in MiB; the upload is aborted when it passes this.",
    )
    footage_allowed_types: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ALLOWED_TYPES),
        description="Content types accepted for clips (JSON list in the env); the type is detected from the file's "
        "magic bytes, not taken from the declared content type. Known: " + ", ".join(DEFAULT_ALLOWED_TYPES) + ".",
    )
    footage_dir: Path | None = Field(
        default=None,
        description="Directory of the evidence store (content-addressed clip files); unset: <RTCC_DATA_DIR>/evidence.",
    )
    footage_request_ttl_days: int = Field(
        default=14,
        ge=1,
        description="A footage request the camera owner has not answered within this many days expires.",
    )
    footage_max_window_hours: int = Field(
        default=24,
        ge=1,
        description="Longest time window (end minus start) one footage request may ask for, in hours.",
    )
    footage_expire_interval_s: int = Field(
        default=3600,
        description="Interval of the job that marks overdue footage requests expired and removes abandoned partial "
        "uploads from the evidence store; 0 disables it.",
    )

    @property
    def footage_body_max_bytes(self) -> int:
        """The request body limit of the clip upload routes (``rtcc.core.bodylimit``): the clip plus 64 KiB of form."""
        return self.footage_max_upload_mb * 1024 * 1024 + 64 * 1024

    @field_validator("footage_allowed_types")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        unknown = [t for t in value if t not in DEFAULT_ALLOWED_TYPES]
        if unknown:
            raise ValueError(
                f"footage_allowed_types: {', '.join(unknown)} cannot be recognised by content; "
                f"choose from {', '.join(DEFAULT_ALLOWED_TYPES)}"
            )
        return value
