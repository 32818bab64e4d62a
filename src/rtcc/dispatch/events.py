"""The events the dispatch domain publishes after commit, declared once here by their owner: type, schema version
and payload shape (``DispatchEvent``, version 1).

- ``dispatch.call.created``: a call was taken (its number, type, priority, queue, where).
- ``dispatch.call.updated``: a call's status, priority, links or disposition changed (``change`` says which).
- ``dispatch.assignment.changed``: a unit was put on a call or its assignment moved a step.
- ``dispatch.unit.changed``: a unit's status changed, or a unit was created.
- ``dispatch.unit.position``: a unit reported where it is.
- ``dispatch.priority_rule.added``: a supervisor added a priority rule version.

Payloads carry ids and codes, never callers' names or numbers. Screens get the same facts through the live stream
(``live`` topics ``dispatch`` and ``unit-<call sign>``), which is what field devices listen to.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from rtcc.bus.envelope import Envelope

CALL_CREATED = "dispatch.call.created"
CALL_UPDATED = "dispatch.call.updated"
ASSIGNMENT_CHANGED = "dispatch.assignment.changed"
UNIT_CHANGED = "dispatch.unit.changed"
UNIT_POSITION = "dispatch.unit.position"
RULE_ADDED = "dispatch.priority_rule.added"
#: The payload version of every dispatch event.
VERSION = 1

EventType = Literal[
    "dispatch.call.created",
    "dispatch.call.updated",
    "dispatch.assignment.changed",
    "dispatch.unit.changed",
    "dispatch.unit.position",
    "dispatch.priority_rule.added",
]


class DispatchEvent(BaseModel):
    """One dispatch event: what changed (``change``), on which call and/or unit, and the facts a consumer needs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: EventType
    change: str
    call_id: uuid.UUID | None = None
    call_number: str | None = None
    unit_id: uuid.UUID | None = None
    call_sign: str | None = None
    at: datetime
    data: dict[str, Any] = {}

    def envelope(self) -> Envelope:
        """This event as a versioned bus envelope."""
        return Envelope(
            type=self.type,
            schema_version=VERSION,
            source="dispatch",
            observed_at=self.at,
            payload=self.model_dump(mode="json", exclude={"type"}, exclude_none=True),
        )

    @classmethod
    def of(cls, envelope: Envelope) -> DispatchEvent:
        """The event an envelope carries (ValidationError when the payload is not one)."""
        return cls.model_validate({**envelope.payload, "type": envelope.type})
