"""The events the drones domain publishes after commit, declared once here by their owner (``DroneEvent``, version 1).

- ``drones.decision.recorded``: a launch decision was recorded for a call (outcome, rule, policy version).
- ``drones.launch.requested``: a launch was requested from the pilots.
- ``drones.launch.answered``: a pilot accepted (the drone is launching: a flight starts here) or declined.

Payloads carry ids, codes and the call's number and type, never personal data.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from rtcc.bus.envelope import Envelope

EventType = Literal["drones.decision.recorded", "drones.launch.requested", "drones.launch.answered"]
DECISION_RECORDED: EventType = "drones.decision.recorded"
LAUNCH_REQUESTED: EventType = "drones.launch.requested"
LAUNCH_ANSWERED: EventType = "drones.launch.answered"
VERSION = 1


class DroneEvent(BaseModel):
    """One drones event: what happened (``change``), for which call, drone and request."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: EventType
    change: str
    call_id: uuid.UUID
    call_number: str | None = None
    call_type: str
    decision_id: uuid.UUID | None = None
    request_id: uuid.UUID | None = None
    drone_id: uuid.UUID | None = None
    dock_id: uuid.UUID | None = None
    at: datetime
    data: dict[str, Any] = {}

    def envelope(self) -> Envelope:
        """This event as a versioned bus envelope."""
        return Envelope(
            type=self.type,
            schema_version=VERSION,
            source="drones",
            observed_at=self.at,
            payload=self.model_dump(mode="json", exclude={"type"}, exclude_none=True),
        )

    @classmethod
    def of(cls, envelope: Envelope) -> DroneEvent:
        """The event an envelope carries (ValidationError when the payload is not one)."""
        return cls.model_validate({**envelope.payload, "type": envelope.type})
