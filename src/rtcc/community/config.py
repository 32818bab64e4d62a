"""Settings of the community domain, mixed into ``rtcc.settings.Settings`` (env ``RTCC_<FIELD>``): the CAP sender of
public alerts and the abuse limits of sign-up and tips. The outbox's channels and delivery policy are the notify
domain's (``rtcc.notify.config``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CommunitySettings(BaseModel):
    """Community settings."""

    community_cap_sender: str | None = Field(
        default=None,
        description="CAP 1.2 <sender> of public alerts (an address identifying the originator); unset uses the city "
        "profile's (alerts.cap_sender).",
    )
    community_signups_per_ip_hour: int = Field(
        default=5, description="Community sign-ups accepted from one client address per hour."
    )
    community_tips_per_hour: int = Field(default=5, description="Tips one community account may submit per hour.")
    community_tips_per_ip_hour: int = Field(
        default=20, description="Tips accepted from one client address per hour (all accounts together)."
    )
    community_tip_min_chars: int = Field(default=20, description="Shortest tip description accepted, in characters.")
    community_tip_max_links: int = Field(default=2, description="Most links (http/www) a tip description may contain.")
    community_tip_photo_max_bytes: int = Field(
        default=5 * 1024 * 1024, description="Largest tip photo accepted, in bytes (JPEG, PNG or WebP)."
    )
    community_tip_duplicate_days: int = Field(
        default=7, description="A tip repeating the same text as one submitted within this many days is refused."
    )
