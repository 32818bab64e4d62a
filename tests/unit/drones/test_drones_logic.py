"""The pure launch rules: each rule decides with its code, rule id and policy version (an excluded call type names
the policy's rule; nothing but the policy's own rules can be waived), the dock of the earliest arrival wins, ETAs are
launch time plus great-circle flight, the nearest dock's rule explains a refusal, and day and night follow the sun
(reference: solar noon elevation 90° - latitude + declination at the June solstice)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from rtcc.core.geo import distance_m
from rtcc.drones import logic
from rtcc.drones.geofence import GeofenceIndex, Zone
from rtcc.drones.logic import Code, Outcome

NOON = datetime(2026, 6, 21, 19, 50, tzinfo=UTC)  # near solar noon in Cerritos
MIDNIGHT = datetime(2026, 6, 22, 7, 50, tzinfo=UTC)
CALL = (33.866, -118.051)

POLICY = logic.PolicyFacts(
    version=3,
    eligible=frozenset({"SHOTS", "MISSING"}),
    excluded={"FOCUSED_PATROL": logic.Exclusion("FOCUSED_PATROL", "DFR-EX-1", "no suspicionless surveillance")},
    max_wind_mps=10.0,
    max_gust_mps=12.0,
    daylight_only=False,
    min_battery_pct=40.0,
    reserve_pct=20.0,
    max_range_m=5000.0,
)
LIMITS = logic.LimitsFacts(version=2, max_altitude_m=120.0, bvlos_allowed=True, night_ops_allowed=True)
PILOTS = (logic.PilotFacts("p1", date(2027, 1, 1)),)


def drone(code: str = "D1", battery: float = 90.0, status: str = "docked", speed: float = 20.0) -> logic.DroneFacts:
    return logic.DroneFacts(code, code, speed, 1800.0, battery, status)


def dock(code: str, lat: float, lon: float, *drones: logic.DroneFacts, **kw: object) -> logic.DockFacts:
    return logic.DockFacts(code, code, lat, lon, str(kw.pop("status", "online")), 15.0, drones or (drone(),), **kw)  # type: ignore[arg-type]


NEAR = dock("NEAR", 33.870, -118.045)  # ~700 m
FAR = dock("FAR", 33.850, -118.085, drone("D2"))  # ~3.6 km


def decide(
    call_type: str = "SHOTS", at: datetime = NOON, docks: tuple[logic.DockFacts, ...] = (NEAR, FAR), **kw: object
) -> logic.Decision:
    index = kw.pop("index", GeofenceIndex([]))
    return logic.decide(
        logic.CallFacts(call_type, CALL[0], CALL[1], at),
        kw.pop("policy", POLICY),  # type: ignore[arg-type]
        kw.pop("limits", LIMITS),  # type: ignore[arg-type]
        docks,
        index,  # type: ignore[arg-type]
        kw.pop("pilots", PILOTS),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def square(lat: float, lon: float, h: float) -> dict[str, object]:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon - h, lat - h], [lon + h, lat - h], [lon + h, lat + h], [lon - h, lat + h], [lon - h, lat - h]]
        ],
    }


def test_eligible_call_recommends_the_earliest_dock_with_eta_and_lead() -> None:
    d = decide(patrol_eta_s=300.0)
    assert d.outcome is Outcome.recommended and d.code is Code.ok and d.policy_version == 3 and d.limits_version == 2
    assert d.option is not None and d.option.dock_code == "NEAR"
    want = 15.0 + distance_m(33.870, -118.045, *CALL) / 20.0
    assert d.option.eta_s == pytest.approx(want)
    assert d.lead_s == pytest.approx(300.0 - want)
    assert [o.dock_code for o in d.options] == ["NEAR", "FAR"] and all(o.ok for o in d.options)
    assert d.max_altitude_m == 120.0


def test_excluded_call_type_is_refused_naming_the_policys_rule() -> None:
    d = decide("FOCUSED_PATROL")
    assert d.outcome is Outcome.refused and d.code is Code.call_type_excluded
    assert d.rule_id == "DFR-EX-1" and "no suspicionless surveillance" in d.rule and d.policy_version == 3
    assert d.option is None


def test_override_waives_only_the_policys_own_rules() -> None:
    over = decide("FOCUSED_PATROL", waive={Code.call_type_excluded})
    assert over.outcome is Outcome.overridden and over.option is not None
    assert [c.code for c in over.checks if c.waived] == [Code.call_type_excluded]
    # A waiver of a rule nobody may waive is ignored: no pilot stays a refusal.
    still = decide(pilots=(), waive={Code.pilot_none, Code.call_type_excluded})
    assert still.outcome is Outcome.refused and still.code is Code.pilot_none


def test_not_eligible_call_type() -> None:
    d = decide("PARKING")
    assert (
        d.outcome is Outcome.refused and d.code is Code.call_type_not_eligible and d.rule_id == "call_type.not_eligible"
    )


def test_no_policy_refuses() -> None:
    d = decide(policy=None)
    assert d.outcome is Outcome.refused and d.code is Code.policy_none and d.policy_version is None


def test_no_fly_at_the_scene_and_on_the_path() -> None:
    at_scene = GeofenceIndex([Zone("z", "no_fly", "Stadium", square(CALL[0], CALL[1], 0.001))])
    d = decide(index=at_scene)
    assert d.code is Code.zone_no_fly and "Stadium" in d.rule
    mid = GeofenceIndex([Zone("z", "no_fly", "Helipad", square(33.868, -118.048, 0.0005))])
    d = decide(index=mid)
    near = next(o for o in d.options if o.dock_code == "NEAR")
    assert near.code is Code.zone_no_fly_path and d.option is not None and d.option.dock_code == "FAR"
    camera = GeofenceIndex([Zone("s", "camera_restricted", "School", square(33.868, -118.048, 0.0005))])
    d = decide(index=camera)
    assert d.outcome is Outcome.recommended and d.option is not None and d.option.camera_restricted == ("School",)


def test_night_needs_the_program_and_the_policy() -> None:
    assert decide(at=MIDNIGHT).outcome is Outcome.recommended
    no_auth = decide(at=MIDNIGHT, limits=logic.LimitsFacts(2, 120.0, True, False))
    assert no_auth.code is Code.daylight_program
    day_only = logic.PolicyFacts(**{**POLICY.__dict__, "daylight_only": True})
    d = decide(at=MIDNIGHT, policy=day_only)
    assert d.code is Code.daylight_policy and Code.daylight_policy in logic.OVERRIDABLE
    assert decide(at=NOON, policy=day_only).outcome is Outcome.recommended
    assert decide(at=MIDNIGHT, policy=day_only, waive={Code.daylight_policy}).outcome is Outcome.overridden


def test_dock_rules_and_the_nearest_docks_rule_explains_a_refusal() -> None:
    low = dock("NEAR", 33.870, -118.045, drone(battery=30.0))
    d = decide(docks=(low, FAR))
    assert d.option is not None and d.option.dock_code == "FAR"
    assert d.options[1].code is Code.battery
    d = decide(docks=(low,))
    assert d.outcome is Outcome.refused and d.code is Code.battery and "30 %" in d.rule
    busy = dock("NEAR", 33.870, -118.045, drone(status="in_flight"), drone("D3", status="maintenance"))
    assert decide(docks=(busy,)).code is Code.drone_status
    assert decide(docks=(dock("NEAR", 33.870, -118.045, status="offline"),)).code is Code.dock_status
    windy = dock("NEAR", 33.870, -118.045, wind_mps=11.0)
    assert decide(docks=(windy,)).code is Code.wind
    gusty = dock("NEAR", 33.870, -118.045, wind_mps=5.0, gust_mps=13.0)
    assert decide(docks=(gusty,)).code is Code.wind
    unknown = decide(docks=(NEAR,))
    assert unknown.option is not None and any("wind" in n for n in unknown.option.notes)
    tight = logic.PolicyFacts(**{**POLICY.__dict__, "max_range_m": 500.0})
    assert decide(policy=tight).code is Code.range
    vlos = logic.LimitsFacts(2, 120.0, False, True, vlos_m=400.0)
    assert decide(limits=vlos).code is Code.range_vlos
    # 3.6 km at 10 m/s there and back: 720 s of 1800 s = 40 %, plus the 20 % reserve = 60 % > 41 %.
    short = dock("FAR", 33.850, -118.085, drone(battery=41.0, speed=10.0))
    assert decide(docks=(short,)).code is Code.battery_endurance


def test_charging_drone_launches_and_best_battery_is_chosen() -> None:
    two = dock("NEAR", 33.870, -118.045, drone("A", 60.0, "charging"), drone("B", 80.0, "docked"))
    d = decide(docks=(two,))
    assert d.option is not None and d.option.drone_code == "B"


def test_expired_pilot_does_not_count() -> None:
    assert decide(pilots=(logic.PilotFacts("p", date(2026, 6, 20)),)).code is Code.pilot_none
    assert decide(pilots=(logic.PilotFacts("p", date(2026, 6, 21)),)).outcome is Outcome.recommended
    assert decide(pilots=(logic.PilotFacts("p", date(2027, 1, 1), on_duty=False),)).code is Code.pilot_none


def test_no_dock() -> None:
    d = decide(docks=())
    assert d.outcome is Outcome.refused and d.code is Code.fleet_none


def test_sun_elevation_reference_values() -> None:
    # June solstice, solar noon at 33.86° N: 90 - 33.86 + 23.44 = 79.58°.
    assert logic.sun_elevation_deg(33.86, -118.06, datetime(2026, 6, 21, 19, 52, tzinfo=UTC)) == pytest.approx(
        79.58, abs=0.3
    )
    # December solstice, solar noon: 90 - 33.86 - 23.44 = 32.70°.
    assert logic.sun_elevation_deg(33.86, -118.06, datetime(2026, 12, 21, 19, 45, tzinfo=UTC)) == pytest.approx(
        32.70, abs=0.3
    )
    assert logic.is_night(33.86, -118.06, MIDNIGHT) and not logic.is_night(33.86, -118.06, NOON)
