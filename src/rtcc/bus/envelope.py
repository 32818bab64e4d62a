"""The envelope every bus message travels in: id, type, schema version, source, times and a JSON payload."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError


def _now() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel):
    """One event. ``type`` is dotted (``alpr.reads.stored``); the NATS subject is ``rtcc.<type>``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, description="Unique id; consumers use it to drop repeats.")
    type: str = Field(description="Dotted event type, e.g. 'alpr.reads.stored'.")
    schema_version: int = Field(default=1, description="Version of the payload's shape for this type.")
    source: str = Field(default="rtcc", description="Who emitted it (process or adapter name).")
    observed_at: datetime | None = Field(default=None, description="When the underlying thing happened.")
    received_at: datetime = Field(default_factory=_now, description="When we created the envelope (UTC).")
    payload: dict[str, Any] = Field(default_factory=dict)

    def to_bytes(self) -> bytes:
        """Serialise to compact JSON bytes."""
        return orjson.dumps(self.model_dump(mode="json"))

    @classmethod
    def from_bytes(cls, data: bytes) -> Envelope:
        """Parse bytes produced by ``to_bytes``; raises ``pydantic.ValidationError`` on a malformed message."""
        return cls.model_validate_json(data)


def malformed_reason(exc: Exception) -> str:
    """Why bytes are not an envelope, naming fields but never their values (they may hold plates)."""
    if isinstance(exc, ValidationError):
        errs = exc.errors(include_url=False, include_input=False)
        shown = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in errs[:3])
        more = f" (+{len(errs) - 3} more)" if len(errs) > 3 else ""
        return f"not an envelope: {shown}{more}"
    return f"not an envelope: {type(exc).__name__}"


def subject_matches(pattern: str, event_type: str) -> bool:
    """NATS-style match of a dotted type: ``*`` matches one token, a trailing ``>`` one or more tokens."""
    p_tokens = pattern.split(".")
    t_tokens = event_type.split(".")
    for i, tok in enumerate(p_tokens):
        if tok == ">":
            return len(t_tokens) > i
        if i >= len(t_tokens):
            return False
        if tok != "*" and tok != t_tokens[i]:
            return False
    return len(p_tokens) == len(t_tokens)
