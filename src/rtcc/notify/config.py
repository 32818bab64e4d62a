"""Settings of the notify domain, mixed into ``rtcc.settings.Settings`` (env ``RTCC_<FIELD>``): the webhooks that
receive alert notifications; the outbox's channels (the SMTP relay and the SMS provider), the delivery loop's batch,
lease and retry policy (named ``community_outbox_*``, as they were when the outbox was the community domain's, so that
existing configurations keep working); and the public base URL used in unsubscribe and follow-up links."""

from __future__ import annotations

from pydantic import BaseModel, Field


class NotifySettings(BaseModel):
    """Notify settings."""

    notify_webhook_urls: list[str] = Field(
        default_factory=list, description="Webhook URLs that receive alert notifications (JSON list in the env)."
    )
    notify_max_priority: int = Field(
        default=2, description="New hits of this priority or more urgent (1 = most) are notified before verification."
    )
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
