"""Pure rules of alarm calls: which call type of the catalogue an alarm event becomes, what the permit check says
about a permit number, whether a permit requires a verified response, what an alarm company's cancel does to its
call, and the window of the alarm context (reads and cameras around a burglary alarm).

Nothing here touches the database or the clock: ``rtcc.dispatch.alarms`` and ``rtcc.dispatch.permits`` pass the
facts and act on the decisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final

#: ASAP-style event category -> the APCO alarm event category code the catalogue's call types carry
#: (``apco:AlarmEventCategoryCode``: BURG, Holdup, FIRE, Medical).
APCO_CATEGORY: Final[dict[str, str]] = {
    "burglary": "burg",
    "holdup": "holdup",
    "panic": "panic",
    "fire": "fire",
    "medical": "medical",
}
#: Categories a verified-response requirement applies to: a hold-up or panic alarm always gets its full response.
VERIFIED_RESPONSE_CATEGORIES: Final = frozenset({"burglary"})
#: Permit statuses a registry entry may hold (an expired permit is an active one past ``expires_on``).
PERMIT_STATUSES: Final = ("active", "suspended", "revoked")
#: How far back false alarms count against a permit.
FALSE_ALARM_WINDOW: Final = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class CatalogueAlarmType:
    """What an alarm needs to know of a call type: its code and its APCO alarm facts (None when not an alarm)."""

    code: str
    alarm_category: str | None
    alarm_location: str | None


def call_type_for(
    category: str, premise_type: str, adapter_code: str, types: Sequence[CatalogueAlarmType]
) -> str | None:
    """The catalogue call type of an alarm event: the adapter's code when the catalogue has it, else the call type
    whose APCO alarm category matches (one for the premise type first, then one for any premise); None when the
    catalogue has none."""
    if any(t.code == adapter_code for t in types):
        return adapter_code
    wanted = APCO_CATEGORY.get(category)
    if wanted is None:
        return None
    matching = [t for t in types if (t.alarm_category or "").lower() == wanted]
    for t in matching:
        if t.alarm_location == premise_type:
            return t.code
    for t in matching:
        if t.alarm_location is None:
            return t.code
    return None


class PermitFlag(StrEnum):
    """What the permit check found wrong with an alarm's permit (flagged on the call, never a refusal)."""

    missing = "missing"  # the message named no permit
    unknown = "unknown"  # no permit with that number in the registry
    expired = "expired"
    suspended = "suspended"
    revoked = "revoked"


def permit_flag(
    number: str | None, *, found: bool, status: str | None, expires_on: date | None, today: date
) -> PermitFlag | None:
    """The flag of an alarm's permit, or None when the permit is in good standing."""
    if not number:
        return PermitFlag.missing
    if not found:
        return PermitFlag.unknown
    if status == "revoked":
        return PermitFlag.revoked
    if status == "suspended":
        return PermitFlag.suspended
    if expires_on is not None and expires_on < today:
        return PermitFlag.expired
    return None


def verified_response_required(false_alarms_12m: int, limit: int) -> bool:
    """True once a permit has ``limit`` or more false alarms in the last 12 months."""
    return false_alarms_12m >= limit


def needs_verification(category: str, false_alarms_12m: int | None, limit: int) -> bool:
    """Whether a new alarm is created as "verification required": a burglary alarm whose permit is over the limit."""
    return (
        category in VERIFIED_RESPONSE_CATEGORIES
        and false_alarms_12m is not None
        and verified_response_required(false_alarms_12m, limit)
    )


class CancelOutcome(StrEnum):
    """What an alarm company's cancel did."""

    closed = "closed"  # before dispatch: the call is closed as cancelled
    noted = "noted"  # after dispatch: a note, flagged to the dispatcher, who decides
    already_closed = "already_closed"  # the call was closed before the cancel came


def cancel_outcome(*, closed: bool, dispatched: bool) -> CancelOutcome:
    """What a company's cancel does to its call: close it before dispatch, note it after."""
    if closed:
        return CancelOutcome.already_closed
    return CancelOutcome.noted if dispatched else CancelOutcome.closed


def context_window(
    received_at: datetime, now: datetime, *, minutes: float, max_hours: float
) -> tuple[datetime, datetime]:
    """The window of an alarm's context: from ``minutes`` before the alarm until now (at least one second after
    the alarm), never longer than ``max_hours``."""
    start = received_at - timedelta(minutes=minutes)
    end = max(now, received_at + timedelta(seconds=1))
    return start, min(end, start + timedelta(hours=max_hours))
