"""Pure dispatch rules: the call's status chain and the transitions a call, an assignment and a unit may take, how a
call's status follows its units, dispositions, which priority rule is in force, call numbers, duplicate proposals,
and who may see a call or a live dispatch event.

Nothing here touches the database or the clock: services pass the facts and act on the decisions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rtcc.core.geo import distance_m


class CallStatus(StrEnum):
    """The status chain of a call, in order; ``closed`` calls may be reopened (back to ``queued``)."""

    received = "received"
    queued = "queued"
    dispatched = "dispatched"
    acknowledged = "acknowledged"
    en_route = "en_route"
    on_scene = "on_scene"
    cleared = "cleared"
    closed = "closed"


#: The chain's order: a call's status follows its most advanced active unit.
CHAIN: tuple[CallStatus, ...] = tuple(CallStatus)
OPEN_STATUSES = frozenset(CHAIN) - {CallStatus.closed}


class AssignmentStatus(StrEnum):
    """A unit's part in one call."""

    dispatched = "dispatched"
    acknowledged = "acknowledged"
    en_route = "en_route"
    on_scene = "on_scene"
    cleared = "cleared"
    cancelled = "cancelled"  # taken off the call before arriving (another unit went, or the call was cancelled)


ACTIVE_ASSIGNMENT = frozenset(
    {AssignmentStatus.dispatched, AssignmentStatus.acknowledged, AssignmentStatus.en_route, AssignmentStatus.on_scene}
)

#: Which steps an assignment may take from each status (forward only; a step may be skipped, e.g. on scene directly).
ASSIGNMENT_STEPS: dict[AssignmentStatus, frozenset[AssignmentStatus]] = {
    AssignmentStatus.dispatched: frozenset(
        {
            AssignmentStatus.acknowledged,
            AssignmentStatus.en_route,
            AssignmentStatus.on_scene,
            AssignmentStatus.cleared,
            AssignmentStatus.cancelled,
        }
    ),
    AssignmentStatus.acknowledged: frozenset(
        {AssignmentStatus.en_route, AssignmentStatus.on_scene, AssignmentStatus.cleared, AssignmentStatus.cancelled}
    ),
    AssignmentStatus.en_route: frozenset(
        {AssignmentStatus.on_scene, AssignmentStatus.cleared, AssignmentStatus.cancelled}
    ),
    AssignmentStatus.on_scene: frozenset({AssignmentStatus.cleared}),
    AssignmentStatus.cleared: frozenset(),
    AssignmentStatus.cancelled: frozenset(),
}


class UnitStatus(StrEnum):
    """A unit's own status."""

    available = "available"
    dispatched = "dispatched"
    en_route = "en_route"
    on_scene = "on_scene"
    transporting = "transporting"
    at_station = "at_station"
    out_of_service = "out_of_service"


#: Statuses in which a unit may be given a call.
ASSIGNABLE = frozenset({UnitStatus.available, UnitStatus.at_station})
#: Statuses a unit (or a dispatcher) may set by hand; the others follow the unit's assignment.
MANUAL_UNIT_STATUSES = frozenset(
    {UnitStatus.available, UnitStatus.at_station, UnitStatus.out_of_service, UnitStatus.transporting}
)


class Disposition(StrEnum):
    """How a call ended; required to close it."""

    report_taken = "report_taken"
    no_report = "no_report"
    false_alarm = "false_alarm"
    cited = "cited"
    arrest = "arrest"
    gone_on_arrival = "gone_on_arrival"
    referred = "referred"
    cancelled = "cancelled"  # withdrawn by its source before dispatch (an alarm company's cancel)


class Source(StrEnum):
    """Where a call came from."""

    e911 = "911"
    phone = "phone"
    alarm_company = "alarm_company"
    officer_initiated = "officer_initiated"
    online_report = "online_report"
    rtcc_alpr = "rtcc_alpr"  # RTCC-initiated from an ALPR hit (source_ref: the alert id)
    rtcc_tip = "rtcc_tip"  # RTCC-initiated from a tip (source_ref: the tip id)


class Queue(StrEnum):
    """Where an open call waits: the dispatch queue, the CSO queue, or offered to the caller as an online report."""

    dispatch = "dispatch"
    cso = "cso"
    online_report = "online_report"


class TransitionError(ValueError):
    """A step the state machine does not allow; the message says which and why."""


def assignment_step(current: AssignmentStatus, target: AssignmentStatus) -> AssignmentStatus:
    """The new status of an assignment asked to move to ``target``; TransitionError when not allowed."""
    if target not in ASSIGNMENT_STEPS[current]:
        allowed = ", ".join(sorted(s.value for s in ASSIGNMENT_STEPS[current])) or "none"
        raise TransitionError(
            f"an assignment that is {current.value} cannot become {target.value} (allowed: {allowed})"
        )
    return target


def unit_status_for(assignment: AssignmentStatus) -> UnitStatus:
    """The unit status an assignment step puts its unit in."""
    return {
        AssignmentStatus.dispatched: UnitStatus.dispatched,
        AssignmentStatus.acknowledged: UnitStatus.dispatched,
        AssignmentStatus.en_route: UnitStatus.en_route,
        AssignmentStatus.on_scene: UnitStatus.on_scene,
        AssignmentStatus.cleared: UnitStatus.available,
        AssignmentStatus.cancelled: UnitStatus.available,
    }[assignment]


def manual_unit_status(current: UnitStatus, target: UnitStatus, *, on_call: bool) -> UnitStatus:
    """A status a unit sets by hand: ``transporting`` only while on a call, the others only when not on one
    (clearing the call is how a unit becomes available again)."""
    if target not in MANUAL_UNIT_STATUSES:
        raise TransitionError(f"{target.value} follows the unit's assignment; it cannot be set by hand")
    if target == UnitStatus.transporting:
        if not on_call or current not in (UnitStatus.on_scene, UnitStatus.transporting):
            raise TransitionError("a unit can be transporting only from on scene of a call")
        return target
    if on_call:
        raise TransitionError(f"the unit is on a call: clear its assignment before it becomes {target.value}")
    return target


def call_status_from(assignments: Iterable[AssignmentStatus], *, had_units: bool) -> CallStatus:
    """An open call's status as its units make it: the most advanced active assignment; when every unit is done,
    ``cleared`` if one of them cleared, else back to ``queued`` (all cancelled, or none yet)."""
    statuses = list(assignments)
    active = [s for s in statuses if s in ACTIVE_ASSIGNMENT]
    if active:
        return max((CallStatus(s.value) for s in active), key=CHAIN.index)
    if had_units and AssignmentStatus.cleared in statuses:
        return CallStatus.cleared
    return CallStatus.queued


def can_close(status: CallStatus, disposition: str | None, *, active_units: int) -> None:
    """Raise TransitionError unless a call may be closed now with ``disposition``."""
    if status == CallStatus.closed:
        raise TransitionError("the call is closed already")
    if disposition is None or disposition not in Disposition.__members__:
        raise TransitionError(f"a disposition is required to close a call ({', '.join(Disposition)})")
    if active_units:
        raise TransitionError(f"{active_units} unit(s) are still on the call: clear or cancel them first")


def can_reopen(status: CallStatus) -> None:
    """Raise TransitionError unless the call is closed (only a closed call reopens)."""
    if status != CallStatus.closed:
        raise TransitionError(f"only a closed call can be reopened; this one is {status.value}")


# --- priority rules -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleVersion:
    """One effective-dated priority rule of a call type."""

    id: int
    call_type: str
    priority: str
    effective_from: datetime
    version: int


def rule_in_force(rules: Sequence[RuleVersion], call_type: str, at: datetime) -> RuleVersion | None:
    """The rule of ``call_type`` in force at ``at``: the latest effective date not after it (the highest version
    among rules with the same date); None when none applies (the catalogue's default priority decides)."""
    candidates = [r for r in rules if r.call_type == call_type and r.effective_from <= at]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (r.effective_from, r.version))


# --- numbers, duplicates, scoping -----------------------------------------------------------------------------------

CALL_NUMBER = re.compile(r"^\d{2}-\d{6}$")


def call_number(year: int, seq: int) -> str:
    """``YY-NNNNNN`` for the ``seq``-th call of ``year``."""
    if not 1 <= seq <= 999_999:
        raise ValueError(f"call sequence {seq} out of range for {year}")
    return f"{year % 100:02d}-{seq:06d}"


def is_proposed_duplicate(
    *,
    lat: float,
    lon: float,
    call_type: str,
    other_lat: float,
    other_lon: float,
    other_type: str,
    related: bool,
    radius_m: float,
) -> bool:
    """Whether an open call may be the same incident as a new one: within ``radius_m`` and of the same call type or
    of a related one (``related``: e.g. both APCO-coded the same)."""
    if call_type != other_type and not related:
        return False
    return distance_m(lat, lon, other_lat, other_lon) <= radius_m


def in_area(area: str | None, *, division: str | None, district: str | None) -> bool:
    """Whether a call in ``division``/``district`` lies in a unit's or user's area (a division or district code)."""
    return area is not None and area in {division, district}


def may_see_call(
    *,
    sees_all: bool,
    my_unit: str | None,
    my_area: str | None,
    area_calls: bool,
    assigned_units: Iterable[str],
    status: str,
    division: str | None,
    district: str | None,
) -> bool:
    """Deny by default: everyone with ``sees_all``; a field user the calls their unit is on (now or before) and,
    when ``area_calls`` (deputies), the open calls of their area."""
    if sees_all:
        return True
    if my_unit is not None and my_unit in set(assigned_units):
        return True
    return area_calls and status != CallStatus.closed.value and in_area(my_area, division=division, district=district)


def unit_topic(call_sign: str) -> str:
    """The live (SSE) topic of one unit."""
    return f"unit-{call_sign}"


def live_visible(
    *,
    topic: str,
    data: dict[str, object],
    sees_all: bool,
    sees_units: bool,
    my_unit: str | None,
    my_area: str | None,
    area_calls: bool,
) -> bool:
    """Who receives a live dispatch event: the ``dispatch`` board as ``may_see_call`` decides from the event's call
    facts; the ``units`` board (status, positions) those who may read units; a unit's own topic only that unit's
    user (and those who see all). Any other topic: no one (deny by default)."""
    if topic.startswith("unit-"):
        return sees_all or (my_unit is not None and topic == unit_topic(my_unit))
    if topic == "units":
        return sees_units
    if topic != "dispatch":
        return False
    units = data.get("units")
    return may_see_call(
        sees_all=sees_all,
        my_unit=my_unit,
        my_area=my_area,
        area_calls=area_calls,
        assigned_units=[str(u) for u in units] if isinstance(units, list) else [],
        status=str(data.get("status", "")),
        division=str(data["division"]) if data.get("division") else None,
        district=str(data["district"]) if data.get("district") else None,
    )


#: Live topics the dispatch domain writes (besides one ``unit-<call sign>`` per unit).
LIVE_TOPICS = ("dispatch", "units")


def is_dispatch_topic(topic: str) -> bool:
    """Whether a live topic is one of the dispatch domain's."""
    return topic in LIVE_TOPICS or topic.startswith("unit-")


def route_queue(*, cso_may_take: bool, online_report_ok: bool, emergent: bool, source: str) -> Queue:
    """Differential response: a call a CSO may take goes to the CSO queue (so deputies stay free), one only an
    online report needs is offered as one; emergent calls and officer-initiated ones always go to dispatch."""
    if emergent or source == Source.officer_initiated.value:
        return Queue.dispatch
    if online_report_ok and not cso_may_take:
        return Queue.online_report
    if cso_may_take:
        return Queue.cso
    return Queue.dispatch
