"""The events the hotlists domain publishes, declared once here by their owner.

``hotlists.changed`` (``HotlistsChanged``, version 1): a list or its entries changed (created, updated, entries added
or removed, imported, refreshed, expired). It is a hint, sent after the commit: matchers also compare the cheap
``snapshot_version`` before every batch, so a lost hint delays nothing beyond that batch.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict

from rtcc.bus.envelope import Envelope

#: The event type of a hotlist change.
CHANGED_EVENT = "hotlists.changed"
#: Its payload version.
CHANGED_VERSION = 1


class HotlistsChanged(BaseModel):
    """What changed: the kind of change and, for a change to one list, the list and its new version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    change: str
    hotlist_id: uuid.UUID | None = None
    version: int | None = None

    def envelope(self) -> Envelope:
        """This change as a versioned bus envelope."""
        return Envelope(
            type=CHANGED_EVENT,
            schema_version=CHANGED_VERSION,
            source="hotlists",
            payload=self.model_dump(mode="json", exclude_none=True),
        )

    @classmethod
    def of(cls, envelope: Envelope) -> HotlistsChanged:
        """The change an envelope carries (ValidationError when the payload is not one)."""
        return cls.model_validate(envelope.payload)
