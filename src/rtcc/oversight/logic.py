"""Pure rules of the oversight domain: which shift a local time falls in, the month a call counts in, what a KPI
group's data-quality score is, and what "a target met" means. No database, no framework (import-linter's pure
modules contract)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

#: The dimensions the KPI screen groups by (columns of ``oversight_call_intervals``).
DIMENSIONS = ("priority", "call_type", "shift", "district", "unit_type", "month", "division")
#: Label for a call whose key is unknown (no district, no unit sent, ...).
UNKNOWN = "unknown"


@dataclass(frozen=True)
class ShiftWindow:
    """A regular shift: its code, local start in minutes after midnight, and length in minutes."""

    code: str
    start_min: int
    length_min: int


def shift_windows(templates: Sequence[tuple[str, str, float]]) -> list[ShiftWindow]:
    """Shift windows from ``(code, "HH:MM", hours)`` templates (the dispatch catalogue's)."""
    out = []
    for code, start, hours in templates:
        hh, mm = start.split(":")
        out.append(ShiftWindow(code, int(hh) * 60 + int(mm), round(hours * 60)))
    return out


def shift_of(local: datetime, windows: Sequence[ShiftWindow]) -> str:
    """The shift whose window holds the local time (windows may wrap past midnight); the latest-starting one wins
    where windows overlap, ``UNKNOWN`` where none does."""
    minute = local.hour * 60 + local.minute
    best: ShiftWindow | None = None
    for w in windows:
        if (minute - w.start_min) % 1440 < w.length_min and (best is None or w.start_min > best.start_min):
            best = w
    return best.code if best is not None else UNKNOWN


def month_of(at: datetime, zone: ZoneInfo) -> str:
    """``YYYY-MM`` of an aware time in the city's time zone."""
    return at.astimezone(zone).strftime("%Y-%m")


def month_bounds(month: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The first instant of ``YYYY-MM`` and of the month after, city time (aware)."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError as exc:
        raise ValueError(f"month {month!r} is not YYYY-MM") from exc
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (
        datetime(first.year, first.month, 1, tzinfo=zone),
        datetime(nxt.year, nxt.month, 1, tzinfo=zone),
    )


def previous_month(today: date) -> str:
    """``YYYY-MM`` of the month before ``today``'s."""
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def quality_score(calls: int, missing: int, out_of_order: int, bad: int) -> float:
    """Share of calls with every required step stamped, in order (``bad``: calls with either flag)."""
    del missing, out_of_order  # counted separately for the screen; a call with both flags counts once in ``bad``
    return (calls - bad) / calls if calls else 0.0


def share_met(values_s: Sequence[float], target_s: float) -> tuple[int, int]:
    """(calls within ``target_s``, calls with a response time) of one priority."""
    met = sum(1 for v in values_s if v <= target_s)
    return met, len(values_s)
