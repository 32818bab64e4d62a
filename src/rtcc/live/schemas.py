"""Pydantic contracts of the live domain: ``LiveMessage``, one event for live screens as it travels on the bus
(``Envelope(type="live.<topic>")`` payload), is stored in ``live_events`` and is written as one SSE message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field


class LiveMessage(BaseModel):
    """One live event. ``id`` is the ``live_events`` row id and the SSE event id (``Last-Event-ID``)."""

    model_config = ConfigDict(frozen=True, extra="ignore", from_attributes=True)

    id: int = Field(ge=1)
    topic: str
    type: str
    at: datetime
    data: dict[str, Any] = Field(default_factory=dict)

    def to_sse(self, *, with_id: bool = True) -> str:
        """The message in text/event-stream framing: ``id``, ``event`` and one ``data`` line of JSON.

        ``with_id=False`` leaves the ``id`` line out (the id stays in the data), for an event delivered after later
        ones, so that the client's ``Last-Event-ID`` never moves backwards.
        """
        body = orjson.dumps(
            {"id": self.id, "topic": self.topic, "type": self.type, "at": self.at.isoformat(), "data": self.data}
        ).decode()
        head = f"id: {self.id}\n" if with_id else ""
        return f"{head}event: {self.type}\ndata: {body}\n\n"
