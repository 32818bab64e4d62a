"""Settings of the community domain, mixed into ``rtcc.settings.Settings`` (env ``RTCC_<FIELD>``): the SMTP relay
and SMS provider of the notification outbox, the delivery loop's batch and retry policy, the public base URL used in
unsubscribe and follow-up links, and the abuse limits of sign-up and tips."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CommunitySettings(BaseModel):
    """Community settings."""

    smtp_host: str | None = Field(
        default=None,
        description="SMTP relay for community e-mail (e.g. 127.0.0.1); unset leaves e-mail messages queued, unsent.",
    )
    smtp_port: int = Field(default=25, description="Port of the SMTP relay.")
    smtp_from: str | None = Field(
        default=None,
        description="From address of community e-mail; unset uses the city profile's (alerts.email_from).",
    )
    smtp_starttls: bool = Field(default=False, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_username: str | None = Field(default=None, description="SMTP login name (unset: no authentication).")
    smtp_password: str | None = Field(default=None, description="SMTP password (used with smtp_username).")
    smtp_timeout_s: float = Field(default=10.0, description="Timeout of one SMTP conversation, in seconds.")
    sms_provider: str = Field(
        default="none",
        description=(
            "SMS provider of the outbox. No gateway ships yet: 'none' (and its old alias 'log') sends nothing, and SMS "
            "messages stay unsent with the reason 'no SMS provider configured', shown to staff and residents."
        ),
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public URL of this server, used in unsubscribe and follow-up links sent to residents.",
    )
    community_cap_sender: str | None = Field(
        default=None,
        description="CAP 1.2 <sender> of public alerts (an address identifying the originator); unset uses the city "
        "profile's (alerts.cap_sender).",
    )
    community_outbox_batch: int = Field(default=200, description="Outbox rows one delivery worker claims at a time.")
    community_outbox_interval_s: float = Field(
        default=2.0, description="Seconds the delivery loop sleeps when the outbox has nothing due."
    )
    community_outbox_lease_s: int = Field(
        default=300, description="A claimed outbox row is left to its worker this long before another may retry it."
    )
    community_outbox_max_attempts: int = Field(
        default=8, description="Send attempts before an outbox row is given up ('dead')."
    )
    community_outbox_backoff_s: float = Field(
        default=30.0, description="First retry delay of a failed send; doubled per attempt (capped at one hour)."
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
