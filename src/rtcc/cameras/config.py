"""Settings of the cameras domain (the camera registry, linked-camera health probes),
mixed into ``rtcc.settings.Settings`` (env ``RTCC_<FIELD>``); describe every field."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, Field, field_validator


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
        description="Let the probe fetch snapshot URLs on private addresses (RFC 1918, unique-local IPv6, "
        "carrier-grade NAT): cameras on a city LAN. Off by default: owners supply the URLs, and the server must "
        "not be made to reach internal services. Loopback, link-local (cloud metadata), multicast and reserved "
        "addresses stay refused whatever this says; the host is resolved once and the probe connects to the "
        "address it checked.",
    )
    registry_probe_allowed_networks: list[str] = Field(
        default_factory=list,
        description='Networks (CIDR, JSON list in the env, e.g. ["10.20.0.0/16"]) the probe may reach whatever '
        "kind of address they are: the narrow alternative to registry_probe_allow_private (a camera VLAN), or a camera "
        "proxy on this host (127.0.0.1/32). Empty by default.",
    )

    @field_validator("registry_probe_allowed_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for net in value:
            try:
                ipaddress.ip_network(net, strict=False)
            except ValueError as exc:
                raise ValueError(f"registry_probe_allowed_networks: {net!r} is not a network (CIDR)") from exc
        return value

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
