"""Settings of the cameras domain (the camera registry, linked-camera health probes),
mixed into ``rtcc.settings.Settings`` (env ``RTCC_<FIELD>``); describe every field."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CamerasSettings(BaseModel):
    """Cameras settings."""

    registry_probe_interval_s: float = Field(
        default=60.0,
        description="Seconds between snapshot probes of live-linked cameras (0 or less disables the probe job).",
    )
    registry_probe_timeout_s: float = Field(
        default=3.0, gt=0, description="Timeout of one snapshot probe (HTTP GET of a camera's snapshot URL)."
    )
    registry_probe_concurrency: int = Field(default=8, ge=1, le=256, description="Snapshot probes in flight at once.")
    registry_probe_allow_private: bool = Field(
        default=False,
        description="Let the probe fetch snapshot URLs on loopback, private, link-local or reserved addresses "
        "(off by default: owners supply the URLs, and the server must not be made to reach internal services).",
    )
    registry_coarse_decimals: int = Field(
        default=3,
        ge=0,
        le=5,
        description="Decimal places of latitude/longitude kept when a resident's or business's camera is shown to a "
        "role without registry:contact (3 = about 110 m: enough to place a footage request, not to find a home).",
    )
    registry_stale_after_s: int = Field(
        default=300,
        ge=1,
        description="A live-linked camera not seen (heartbeat or successful probe) for this long is reported stale.",
    )
