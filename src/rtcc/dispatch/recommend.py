"""The unit recommendation for a call: a pure function of the call's facts, the candidate units' facts, their travel
times and the rules, so that live dispatch and the simulator run the same code (no database, no clock).

Each unit is first checked for eligibility (assignable status, a unit type the call type accepts, every capability
the call needs, which keeps guards off any call that needs enforcement); eligible units are ranked by a score in
seconds: the travel time, plus a penalty per call the unit already handled this shift (workload), plus a penalty when
its leaving would leave its home area with fewer available units than the rules want (coverage), plus a penalty for
sending a sworn unit to a call a CSO may take (differential response). Emergent calls scale the penalties down:
there the nearest capable unit wins. Every line, eligible or not, carries its reasons.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from rtcc.dispatch.catalogue import CallType, PriorityLevel, UnitType

#: Unit statuses a unit may be recommended from.
ASSIGNABLE_STATUSES = frozenset({"available", "at_station"})


@dataclass(frozen=True)
class CallFacts:
    """What the recommendation needs to know about the call."""

    call_type: str
    priority: str
    emergent: bool
    eligible_unit_types: frozenset[str]
    needs: frozenset[str]
    units_needed: int = 1
    cso_may_take: bool = False
    district: str | None = None
    division: str | None = None
    already_assigned: frozenset[str] = frozenset()  # unit ids on the call now


@dataclass(frozen=True)
class UnitFacts:
    """What the recommendation needs to know about one unit."""

    unit_id: str
    call_sign: str
    unit_type: str
    capabilities: frozenset[str]
    sworn: bool
    status: str
    home_area: str | None = None
    calls_this_shift: int = 0
    on_duty: bool = True


def call_facts(
    ct: CallType,
    level: PriorityLevel,
    *,
    units_needed: int | None = None,
    district: str | None = None,
    division: str | None = None,
    already_assigned: frozenset[str] = frozenset(),
) -> CallFacts:
    """The recommendation's view of a call of type ``ct`` at priority ``level`` (live dispatch and the simulator)."""
    return CallFacts(
        call_type=ct.code,
        priority=level.code,
        emergent=level.emergent,
        eligible_unit_types=frozenset(ct.eligible_unit_types),
        needs=frozenset(ct.needs),
        units_needed=ct.units_needed if units_needed is None else units_needed,
        cso_may_take=ct.cso_may_take,
        district=district,
        division=division,
        already_assigned=already_assigned,
    )


def unit_facts(
    unit_id: str,
    call_sign: str,
    unit_type: str,
    ut: UnitType | None,
    status: str,
    *,
    home_area: str | None = None,
    calls_this_shift: int = 0,
    on_duty: bool = True,
) -> UnitFacts:
    """The recommendation's view of a unit of catalogue type ``ut`` (None: a type the catalogue no longer has)."""
    return UnitFacts(
        unit_id=unit_id,
        call_sign=call_sign,
        unit_type=unit_type,
        capabilities=ut.capabilities if ut else frozenset(),
        sworn=ut.sworn if ut else False,
        status=status,
        home_area=home_area,
        calls_this_shift=calls_this_shift,
        on_duty=on_duty,
    )


@dataclass(frozen=True)
class Rules:
    """The knobs of the ranking, in seconds of travel time they are worth."""

    workload_penalty_s: float = 60.0  # per call already handled this shift
    coverage_min_available: int = 1  # available units an area should keep
    coverage_penalty_s: float = 180.0  # per unit short of that minimum once this one leaves
    sworn_on_cso_call_penalty_s: float = 600.0  # keeps deputies free when a CSO can take the call
    emergent_penalty_factor: float = 0.1  # emergent calls: travel time dominates
    require_on_duty: bool = True


@dataclass(frozen=True)
class Reason:
    """One reason on a line: a stable code for screens and tests, a sentence for people (English), and the values
    the sentence names (``args``), so that a screen in another language can say the same from ``code`` and ``args``."""

    code: str
    text: str
    args: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Line:
    """One unit's line of the recommendation."""

    unit_id: str
    call_sign: str
    unit_type: str
    eligible: bool
    eta_s: float | None
    score_s: float | None
    rank: int | None
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Recommendation:
    """Eligible units best first (``ranked``), the others with why not (``ineligible``), and how many to send."""

    ranked: tuple[Line, ...]
    ineligible: tuple[Line, ...]
    units_needed: int
    suggested: tuple[str, ...] = field(default_factory=tuple)  # unit ids: the top ``units_needed`` still to send


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def _ineligible_reasons(call: CallFacts, unit: UnitFacts, rules: Rules) -> list[Reason]:
    out: list[Reason] = []
    if (
        unit.status in ASSIGNABLE_STATUSES
        and unit.unit_type in call.eligible_unit_types
        and (unit.on_duty or not rules.require_on_duty)
        and unit.unit_id not in call.already_assigned
        and call.needs <= unit.capabilities
    ):
        return out  # the common case, decided without building a reason (the checks below, all passing)
    if unit.unit_id in call.already_assigned:
        out.append(Reason("already_assigned", "already on this call"))
    if unit.status not in ASSIGNABLE_STATUSES:
        out.append(Reason("busy", f"status is {unit.status}", (("status", unit.status),)))
    if rules.require_on_duty and not unit.on_duty:
        out.append(Reason("off_duty", "not on a rostered shift now"))
    if unit.unit_type not in call.eligible_unit_types:
        out.append(
            Reason(
                "type_not_eligible",
                f"a {unit.unit_type} unit does not take {call.call_type} calls",
                (("unit_type", unit.unit_type), ("call_type", call.call_type)),
            )
        )
    missing = sorted(call.needs - unit.capabilities)
    if missing:
        if "enforcement" in missing:
            out.append(Reason("no_authority", "no enforcement authority (observe and report only)"))
        others = [m for m in missing if m != "enforcement"]
        if others:
            out.append(
                Reason("missing_capability", f"cannot do {', '.join(others)}", (("capabilities", ",".join(others)),))
            )
    return out


def _available_by_area(units: Sequence[UnitFacts], rules: Rules) -> dict[str, int]:
    """How many units are available in each home area (counted once per recommendation, not once per unit)."""
    out: dict[str, int] = {}
    for u in units:
        if u.home_area is not None and u.status in ASSIGNABLE_STATUSES and (u.on_duty or not rules.require_on_duty):
            out[u.home_area] = out.get(u.home_area, 0) + 1
    return out


def _reasons(
    call: CallFacts,
    unit: UnitFacts,
    rules: Rules,
    eta: float | None,
    workload: float,
    left: int,
    short: int,
    coverage: float,
    differential: bool,
) -> tuple[Reason, ...]:
    """The reasons of an eligible unit's line, from the penalties ``recommend`` computed."""
    reasons: list[Reason] = []
    if call.needs:
        reasons.append(
            Reason(
                "capable",
                f"can do {', '.join(sorted(call.needs))}",
                (("capabilities", ",".join(sorted(call.needs))),),
            )
        )
    else:
        reasons.append(
            Reason(
                "capable",
                f"a {unit.unit_type} unit takes {call.call_type} calls",
                (("unit_type", unit.unit_type), ("call_type", call.call_type)),
            )
        )
    if eta is None:
        reasons.append(Reason("no_position", "position unknown: ranked after every unit with a travel time"))
    else:
        reasons.append(Reason("travel", f"travel {_minutes(eta)}", (("minutes", f"{eta / 60:.1f}"),)))
    if unit.calls_this_shift:
        reasons.append(
            Reason(
                "workload",
                f"{unit.calls_this_shift} call(s) this shift (+{workload:.0f} s)",
                (("calls", str(unit.calls_this_shift)), ("penalty_s", f"{workload:.0f}")),
            )
        )
    else:
        reasons.append(Reason("workload", "no calls yet this shift", (("calls", "0"),)))
    if unit.home_area is not None:
        if short:
            reasons.append(
                Reason(
                    "coverage",
                    f"leaves area {unit.home_area} with {left} available unit(s) (+{coverage:.0f} s)",
                    (("area", unit.home_area), ("left", str(left)), ("penalty_s", f"{coverage:.0f}")),
                )
            )
        else:
            reasons.append(
                Reason(
                    "coverage",
                    f"area {unit.home_area} keeps {left} available unit(s)",
                    (("area", unit.home_area), ("left", str(left))),
                )
            )
    if differential:
        reasons.append(
            Reason(
                "differential_response",
                f"a CSO may take this call: sworn units rank lower (+{rules.sworn_on_cso_call_penalty_s:.0f} s)",
                (("penalty_s", f"{rules.sworn_on_cso_call_penalty_s:.0f}"),),
            )
        )
    if call.district is not None and unit.home_area in (call.district, call.division):
        reasons.append(Reason("home_area", "the call is in its home area"))
    return tuple(reasons)


def recommend(
    call: CallFacts,
    units: Sequence[UnitFacts],
    etas_s: Sequence[float | None],
    rules: Rules | None = None,
    *,
    explain: bool = True,
) -> Recommendation:
    """Rank ``units`` for ``call``; ``etas_s[i]`` is unit i's travel time to the call in seconds (None: unknown).
    ``explain=False`` leaves the eligible lines' reasons empty (the simulator, which reads only the ranking): the
    eligibility, scores and ranks are the same computation either way."""
    if len(units) != len(etas_s):
        raise ValueError(f"{len(units)} units but {len(etas_s)} travel times")
    rules = rules or Rules()
    factor = rules.emergent_penalty_factor if call.emergent else 1.0
    available = _available_by_area(units, rules)
    eligible: list[tuple[float, UnitFacts, float | None, tuple[Reason, ...]]] = []
    ineligible: list[Line] = []
    for unit, eta in zip(units, etas_s, strict=True):
        eta = None if eta is None or math.isnan(eta) else float(eta)
        no = _ineligible_reasons(call, unit, rules)
        if no:
            ineligible.append(Line(unit.unit_id, unit.call_sign, unit.unit_type, False, eta, None, None, tuple(no)))
            continue
        score = math.inf if eta is None else eta
        workload = rules.workload_penalty_s * unit.calls_this_shift * factor if unit.calls_this_shift else 0.0
        score += workload
        left = short = 0
        coverage = 0.0
        if unit.home_area is not None:
            left = available.get(unit.home_area, 0) - 1
            short = max(0, rules.coverage_min_available - left)
            if short:
                coverage = rules.coverage_penalty_s * short * factor
                score += coverage
        differential = call.cso_may_take and unit.sworn and not call.emergent
        if differential:
            score += rules.sworn_on_cso_call_penalty_s
        reasons = _reasons(call, unit, rules, eta, workload, left, short, coverage, differential) if explain else ()
        eligible.append((score, unit, eta, reasons))
    eligible.sort(key=lambda x: (x[0], x[1].call_sign))
    ranked = tuple(
        Line(u.unit_id, u.call_sign, u.unit_type, True, eta, score, i + 1, reasons)
        for i, (score, u, eta, reasons) in enumerate(eligible)
    )
    still = max(0, call.units_needed - len(call.already_assigned))
    return Recommendation(
        ranked=ranked,
        ineligible=tuple(sorted(ineligible, key=lambda line: line.call_sign)),
        units_needed=call.units_needed,
        suggested=tuple(line.unit_id for line in ranked[:still]),
    )
