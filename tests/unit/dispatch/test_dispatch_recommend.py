"""The recommendation is a pure function: eligibility (status, type, capabilities: a guard never on an enforcement
call), ranking by travel time with workload, coverage and differential-response penalties, and a reason per line."""

from __future__ import annotations

import pytest

from rtcc.dispatch.recommend import CallFacts, Rules, UnitFacts, recommend

DEPUTY = frozenset({"enforcement", "reports", "fingerprinting", "focused_patrol", "observe_and_report", "parking"})
CSO = frozenset({"reports", "fingerprinting", "focused_patrol", "observe_and_report", "parking"})
GUARD = frozenset({"observe_and_report"})


def unit(sign: str, kind: str = "deputy_car", **kw: object) -> UnitFacts:
    caps = {"deputy_car": DEPUTY, "cso": CSO, "guard": GUARD}[kind]
    args: dict[str, object] = {
        "unit_id": sign,
        "call_sign": sign,
        "unit_type": kind,
        "capabilities": caps,
        "sworn": kind == "deputy_car",
        "status": "available",
    }
    args.update(kw)
    return UnitFacts(**args)  # type: ignore[arg-type]


ALARM = CallFacts(
    call_type="ALARM_BURG_RES",
    priority="Priority",
    emergent=False,
    eligible_unit_types=frozenset({"deputy_car", "sergeant", "guard"}),  # even if a city lists guards, authority rules
    needs=frozenset({"enforcement"}),
)


def codes(line: object) -> set[str]:
    return {r.code for r in line.reasons}  # type: ignore[attr-defined]


def test_a_guard_is_never_recommended_for_a_call_that_needs_enforcement() -> None:
    result = recommend(ALARM, [unit("G1", "guard"), unit("41A")], [10.0, 600.0])
    assert [x.call_sign for x in result.ranked] == ["41A"]
    (guard,) = result.ineligible
    assert guard.call_sign == "G1" and "no_authority" in codes(guard)
    assert result.suggested == ("41A",)


def test_units_rank_by_travel_time_and_busy_units_are_ineligible_with_reasons() -> None:
    units = [unit("41A"), unit("41B"), unit("41C", status="on_scene"), unit("41D")]
    result = recommend(ALARM, units, [300.0, 120.0, 10.0, None])
    assert [x.call_sign for x in result.ranked] == ["41B", "41A", "41D"]
    assert [x.rank for x in result.ranked] == [1, 2, 3]
    assert result.ranked[0].eta_s == 120.0 and "travel" in codes(result.ranked[0])
    assert "no_position" in codes(result.ranked[2])  # unknown position ranks last, but stays eligible
    (busy,) = result.ineligible
    assert busy.call_sign == "41C" and "busy" in codes(busy)


def test_workload_and_coverage_shift_the_ranking_outside_emergencies() -> None:
    rules = Rules(workload_penalty_s=60, coverage_min_available=1, coverage_penalty_s=180)
    # 41A is 100 s closer but already had 3 calls and is the last unit of its area: 100 + 180 + 180 > 0
    units = [
        unit("41A", home_area="2316", calls_this_shift=3),
        unit("41B", home_area="2319"),
        unit("41C", home_area="2319"),
    ]
    result = recommend(ALARM, units, [200.0, 300.0, 400.0], rules)
    assert [x.call_sign for x in result.ranked] == ["41B", "41C", "41A"]
    a = next(x for x in result.ranked if x.call_sign == "41A")
    assert a.score_s == pytest.approx(200 + 3 * 60 + 180)
    assert {"workload", "coverage"} <= codes(a)
    emergent = CallFacts(**{**ALARM.__dict__, "emergent": True})
    fast = recommend(emergent, units, [200.0, 300.0, 400.0], rules)
    assert fast.ranked[0].call_sign == "41A"  # emergent: travel time dominates (penalties x 0.1)


def test_a_cso_ranks_first_for_a_call_a_cso_may_take() -> None:
    report = CallFacts(
        call_type="COLLISION_NONINJ",
        priority="Routine",
        emergent=False,
        eligible_unit_types=frozenset({"deputy_car", "cso"}),
        needs=frozenset({"reports"}),
        cso_may_take=True,
    )
    result = recommend(report, [unit("41A"), unit("C1", "cso"), unit("G1", "guard")], [60.0, 500.0, 30.0])
    assert [x.call_sign for x in result.ranked] == ["C1", "41A"]
    assert "differential_response" in codes(result.ranked[1])
    assert {"type_not_eligible", "missing_capability"} <= codes(result.ineligible[0])


def test_units_needed_off_duty_and_already_assigned() -> None:
    two = CallFacts(**{**ALARM.__dict__, "units_needed": 2, "already_assigned": frozenset({"41A"})})
    units = [unit("41A", status="dispatched"), unit("41B"), unit("41C", on_duty=False), unit("41D")]
    result = recommend(two, units, [1.0, 50.0, 2.0, 90.0])
    assert result.suggested == ("41B",)  # one more is needed
    off = next(x for x in result.ineligible if x.call_sign == "41C")
    assert "off_duty" in codes(off)
    assert "already_assigned" in codes(next(x for x in result.ineligible if x.call_sign == "41A"))
    with pytest.raises(ValueError):
        recommend(ALARM, units, [1.0])


def test_without_explanations_the_ranking_is_the_same_and_only_the_reasons_go() -> None:
    import random

    rng = random.Random(5)
    kinds = ("deputy_car", "cso", "guard")
    statuses = ("available", "available", "at_station", "on_scene")
    calls = [
        ALARM,
        CallFacts(**{**ALARM.__dict__, "emergent": True}),
        CallFacts(
            call_type="THEFT_RPT",
            priority="Routine",
            emergent=False,
            eligible_unit_types=frozenset({"deputy_car", "cso"}),
            needs=frozenset({"reports"}),
            cso_may_take=True,
            district="2316",
        ),
    ]
    rules = Rules(coverage_min_available=2, coverage_penalty_s=0.0)  # a zero penalty still says it is short
    for _ in range(300):
        units = [
            unit(
                f"U{i}",
                rng.choice(kinds),
                status=rng.choice(statuses),
                home_area=rng.choice(("2316", "2319", None)),
                calls_this_shift=rng.randrange(4),
                on_duty=rng.random() > 0.1,
            )
            for i in range(rng.randrange(1, 9))
        ]
        etas = [rng.choice((None, float("nan"), rng.uniform(0, 900))) for _ in units]
        for call in calls:
            for r in (rules, Rules()):
                full = recommend(call, units, etas, r)
                bare = recommend(call, units, etas, r, explain=False)
                assert [(x.unit_id, x.score_s, x.rank, x.eta_s) for x in full.ranked] == [
                    (x.unit_id, x.score_s, x.rank, x.eta_s) for x in bare.ranked
                ]
                assert bare.ineligible == full.ineligible and bare.suggested == full.suggested
                assert all(x.reasons == () for x in bare.ranked) and all(x.reasons for x in full.ranked)
