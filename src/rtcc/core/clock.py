"""The time source. Always timezone-aware UTC; tests may freeze it through ``set_clock``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return _now()


def set_clock(fn: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests); ``None`` restores the system clock."""
    global _now
    _now = fn if fn is not None else (lambda: datetime.now(UTC))


def ensure_utc(value: datetime) -> datetime:
    """Convert an aware datetime to UTC; naive datetimes are rejected (a read needs its timezone)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp has no timezone")
    return value.astimezone(UTC)
