"""Contracts of the notify domain, used by the domains that send messages (community, footage, rebates) and by the
channels: the channels and row states of the outbox, the ``Recipient`` a message is enqueued for, a claimed row as the
channels see it (``Outbound``), and the read models of the inbox and the outbox status.

A ``Recipient`` is resolved by the domain that knows the account's contact data and preferences (community profiles,
``rtcc.community.accounts.recipient``); notify only turns it into outbox rows, one per channel.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Channel(StrEnum):
    """The channels of the outbox."""

    email = "email"
    sms = "sms"
    inbox = "inbox"  # the portal's own message list: delivered at enqueue


class OutboxStatus(StrEnum):
    """The states of an outbox row."""

    pending = "pending"
    sending = "sending"
    sent = "sent"
    dead = "dead"
    cancelled = "cancelled"


#: Why an SMS stays unsent when no gateway is configured (shown to staff in the outbox status and to residents).
NO_SMS_PROVIDER = "no SMS provider configured"


class Recipient(BaseModel):
    """Where a message to one account goes: its portal inbox (unless ``inbox`` is false), its e-mail address and its
    phone (None: not on that channel). A category in ``muted`` reaches the inbox only."""

    model_config = ConfigDict(frozen=True)
    user_id: uuid.UUID
    email: str | None = None
    phone: str | None = None
    inbox: bool = True
    muted: frozenset[str] = frozenset()


class MessageRef(BaseModel):
    """What an unsubscribe token points at: the message's account, category, and the subscription that caused it."""

    id: uuid.UUID
    user_id: uuid.UUID
    category: str
    subscription_id: uuid.UUID | None
    alert_id: uuid.UUID | None


@dataclass(frozen=True)
class Outbound:
    """A claimed outbox row, detached from the session, as the channels see it."""

    id: uuid.UUID
    channel: str
    recipient: str
    category: str
    subject: str
    body: str
    link: str | None
    unsubscribe_token: str
    attempts: int
    user_id: uuid.UUID
    #: when this worker's lease on the row ends unless renewed
    lease_until: datetime | None = None


class DeliveryRead(BaseModel):
    """How one e-mail or SMS copy of a message fared."""

    channel: str
    status: str = Field(description="pending, sending, sent, dead or cancelled.")
    reason: str | None = Field(
        default=None, description="Why it is not sent (yet), e.g. 'no SMS provider configured'; None once sent."
    )


class MessageRead(BaseModel):
    """A message in an account's portal inbox (a public alert carries its id and its CAP 1.2 link)."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    category: str
    subject: str
    body: str
    link: str | None
    created_at: datetime
    alert_id: uuid.UUID | None = Field(default=None, description="The public alert this message carries, if any.")
    cap_link: str | None = Field(default=None, description="The alert as CAP 1.2 XML (public alerts only).")
    deliveries: list[DeliveryRead] = Field(
        default_factory=list, description="The message's e-mail/SMS copies and how each fared (sent or not, and why)."
    )

    @model_validator(mode="after")
    def _cap(self) -> MessageRead:
        if self.alert_id is not None and self.cap_link is None:
            self.cap_link = f"/api/v1/community/alerts/{self.alert_id}/cap"
        return self


class OutboxStatusRead(BaseModel):
    counts: dict[str, int] = Field(description="Rows per status.")
    by_channel: dict[str, dict[str, int]] = Field(description="Rows per channel and status.")
    not_sent: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="Pending rows that carry the reason they are not sent, per channel and reason "
        "(e.g. sms: {'no SMS provider configured': 12}).",
    )
    oldest_pending_at: datetime | None
