"""Pure launch rules: whether a drone may be launched to a call, from which dock, and which rule of which policy
version decided it.

``decide`` takes plain facts (the call, the policy and program limits in force, the docks with their drones, the
geofence index, the pilots) and returns a ``Decision``: ``recommended`` (with the dock and drone of the earliest
arrival), ``refused`` (with the first rule that failed), or ``overridden`` (a supervisor waived an overridable rule).
Every check it ran is in ``checks`` and every dock's option (ETA, distance, the rule that ruled it out) in
``options``, so the record says why, and a replay with the same facts gives the same answer.

Rules, in the order they decide (``Code``):
1. a policy must be in force (``policy.none``);
2. the call type must not be excluded (``call_type.excluded``, the policy's rule id and text) and must be eligible
   (``call_type.not_eligible``);
3. the call must not lie in a no-fly zone (``zone.no_fly``);
4. at night (sun below -6°, the end of civil twilight as FAA Part 107 defines night) the program must authorise night
   operations (``daylight.program``) and the policy must allow them (``daylight.policy``);
5. a pilot must be on duty with a valid certificate (``pilot.none``);
6. per dock: the dock in service (``dock.status``), a drone ready in it (``drone.status``), the distance within the
   policy's range and, without BVLOS, the visual line of sight (``range``, ``range.vlos``), the battery above the
   policy's minimum (``battery``) and enough for the flight there and back plus the reserve (``battery.endurance``),
   the latest wind observation for the dock (its own station, a weather feed, or a pilot's entry:
   ``rtcc.drones.weather``) no older than the policy's ``weather_max_age_s`` (``wind.stale``; no observation at all is
   stale too) and within the wind and gust limits (``wind``), the straight path crossing no no-fly zone
   (``zone.no_fly_path``). A policy that sets no ``weather_max_age_s`` does not refuse for a missing reading (one
   older than 15 minutes counts as none); the pilot checks the wind at launch and the option says so. If no dock
   passes, the call is refused with the rule that ruled out the dock that would have arrived first.

Only the policy's own choices can be waived by a supervisor (``OVERRIDABLE``: the call type rules and the policy's
daylight-only rule); the airspace, the program's authorisation, the pilot and the aircraft's limits cannot.

ETA of a dock = its launch time + the great-circle distance at the drone's cruise speed.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

from rtcc.core.geo import distance_m
from rtcc.drones.geofence import ZoneLookup


class DroneStatus(StrEnum):
    docked = "docked"
    charging = "charging"
    in_flight = "in_flight"
    returning = "returning"
    maintenance = "maintenance"


class DockStatus(StrEnum):
    online = "online"
    offline = "offline"
    maintenance = "maintenance"


class Outcome(StrEnum):
    recommended = "recommended"
    refused = "refused"
    overridden = "overridden"


class RequestState(StrEnum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    cancelled = "cancelled"


class Code(StrEnum):
    """The kinds of rule a decision can rest on."""

    ok = "ok"
    policy_none = "policy.none"
    call_type_excluded = "call_type.excluded"
    call_type_not_eligible = "call_type.not_eligible"
    zone_no_fly = "zone.no_fly"
    daylight_program = "daylight.program"
    daylight_policy = "daylight.policy"
    pilot_none = "pilot.none"
    fleet_none = "fleet.none"
    dock_status = "dock.status"
    drone_status = "drone.status"
    range = "range"
    range_vlos = "range.vlos"
    battery = "battery"
    battery_endurance = "battery.endurance"
    wind = "wind"
    wind_stale = "wind.stale"
    zone_no_fly_path = "zone.no_fly_path"


#: Rules a supervisor may waive with an audited override: the policy's own choices, never airspace or airworthiness.
OVERRIDABLE: frozenset[Code] = frozenset({Code.call_type_excluded, Code.call_type_not_eligible, Code.daylight_policy})
#: Drone states from which a drone can launch at once (a drone charging on its dock launches on what it has).
LAUNCHABLE: frozenset[DroneStatus] = frozenset({DroneStatus.docked, DroneStatus.charging})
#: Without a policy ``weather_max_age_s``, a reading older than this is no reading (and no refusal).
UNSET_WEATHER_MAX_AGE_S = 900.0
#: The sun's elevation below which it is night (end of civil twilight).
NIGHT_SUN_ELEVATION_DEG = -6.0


@dataclass(frozen=True)
class Exclusion:
    """An excluded call type, the policy's id for the rule and its text."""

    call_type: str
    rule_id: str
    rule: str


@dataclass(frozen=True)
class PolicyFacts:
    """The launch policy version in force (``rtcc.drones.models.LaunchPolicy``)."""

    version: int
    eligible: frozenset[str]
    excluded: Mapping[str, Exclusion]
    max_wind_mps: float
    max_gust_mps: float | None
    daylight_only: bool
    min_battery_pct: float
    reserve_pct: float
    max_range_m: float
    weather_max_age_s: float | None = None  # None: a missing wind reading is a note, not a refusal


@dataclass(frozen=True)
class LimitsFacts:
    """The program's authorisation in force (``rtcc.drones.models.ProgramLimits``)."""

    version: int
    max_altitude_m: float
    bvlos_allowed: bool
    night_ops_allowed: bool
    vlos_m: float | None = None


@dataclass(frozen=True)
class DroneFacts:
    id: str
    code: str
    cruise_speed_mps: float
    endurance_s: float
    battery_pct: float
    status: str


@dataclass(frozen=True)
class DockFacts:
    id: str
    code: str
    lat: float
    lon: float
    status: str
    launch_time_s: float
    drones: tuple[DroneFacts, ...] = ()
    wind_mps: float | None = None  # None: no reading
    gust_mps: float | None = None
    weather_at: datetime | None = None  # when the latest observation was made
    weather_source: str | None = None  # dock | metar | nws | manual | ...


@dataclass(frozen=True)
class PilotFacts:
    id: str
    certificate_expires: date
    active: bool = True
    on_duty: bool = True


@dataclass(frozen=True)
class CallFacts:
    call_type: str
    lat: float
    lon: float
    at: datetime


@dataclass(frozen=True)
class Check:
    """One rule checked: its code, whether it passed, what the record says, the policy's rule id when it has one,
    and whether a supervisor waived it."""

    code: Code
    ok: bool
    text: str
    rule_id: str | None = None
    waived: bool = False


@dataclass(frozen=True)
class DockOption:
    """One dock's answer: its best drone, distance and ETA, and the rule that ruled it out (``Code.ok`` if none)."""

    dock_id: str
    dock_code: str
    drone_id: str | None
    drone_code: str | None
    distance_m: float
    eta_s: float | None
    code: Code
    text: str
    camera_restricted: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.code is Code.ok


@dataclass(frozen=True)
class Decision:
    """What ``decide`` returns (see the module docstring)."""

    outcome: Outcome
    code: Code
    rule_id: str
    rule: str
    policy_version: int | None
    limits_version: int | None
    option: DockOption | None
    options: tuple[DockOption, ...] = ()
    checks: tuple[Check, ...] = ()
    night: bool = False
    max_altitude_m: float | None = None
    patrol_eta_s: float | None = None
    camera_restricted_at_scene: tuple[str, ...] = field(default=())

    @property
    def lead_s(self) -> float | None:
        """Seconds the drone would arrive before the first patrol unit (negative: after)."""
        if self.option is None or self.option.eta_s is None or self.patrol_eta_s is None:
            return None
        return self.patrol_eta_s - self.option.eta_s


def sun_elevation_deg(lat: float, lon: float, at: datetime) -> float:
    """The sun's elevation above the horizon (degrees) at a place and time: the low-precision solar coordinates of
    the Astronomical Almanac (about 0.01° in declination; refraction ignored), enough to tell day from night."""
    d = (at.astimezone(UTC) - datetime(2000, 1, 1, 12, tzinfo=UTC)).total_seconds() / 86400.0
    g = math.radians((357.529 + 0.98560028 * d) % 360.0)
    q = (280.459 + 0.98564736 * d) % 360.0
    ecl = math.radians(q + 1.915 * math.sin(g) + 0.020 * math.sin(2 * g))
    eps = math.radians(23.439 - 0.00000036 * d)
    ra = math.atan2(math.cos(eps) * math.sin(ecl), math.cos(ecl))
    dec = math.asin(math.sin(eps) * math.sin(ecl))
    gmst_deg = (280.46061837 + 360.98564736629 * d) % 360.0
    ha = math.radians(gmst_deg + lon) - ra
    phi = math.radians(lat)
    s = math.sin(phi) * math.sin(dec) + math.cos(phi) * math.cos(dec) * math.cos(ha)
    return math.degrees(math.asin(max(-1.0, min(1.0, s))))


def is_night(lat: float, lon: float, at: datetime) -> bool:
    """True between the end of evening and the start of morning civil twilight."""
    return sun_elevation_deg(lat, lon, at) < NIGHT_SUN_ELEVATION_DEG


def pilot_certified(pilot: PilotFacts, on: date) -> bool:
    """An active pilot whose certificate is valid on ``on`` (it expires at the end of its expiry date)."""
    return pilot.active and pilot.certificate_expires >= on


def eta_s(launch_time_s: float, distance: float, cruise_speed_mps: float) -> float:
    """Seconds from "go" to over the call: the dock's launch time plus the flight at cruise speed."""
    return launch_time_s + distance / cruise_speed_mps


def _best_drone(dock: DockFacts) -> DroneFacts | None:
    ready = [d for d in dock.drones if d.status in LAUNCHABLE and d.cruise_speed_mps > 0]
    return max(ready, key=lambda d: (d.battery_pct, d.status == DroneStatus.docked, d.code), default=None)


def dock_option(
    dock: DockFacts, call: CallFacts, policy: PolicyFacts, limits: LimitsFacts, index: ZoneLookup
) -> DockOption:
    """One dock's option for the call: the checks of rule 6 (module docstring) in order, the first failure kept."""
    dist = distance_m(dock.lat, dock.lon, call.lat, call.lon)
    drone = _best_drone(dock)
    speed = drone.cruise_speed_mps if drone else max((d.cruise_speed_mps for d in dock.drones), default=0.0)
    eta = eta_s(dock.launch_time_s, dist, speed) if speed > 0 else None

    def out(code: Code, text: str, **kw: tuple[str, ...]) -> DockOption:
        return DockOption(
            dock.id, dock.code, drone.id if drone else None, drone.code if drone else None, dist, eta, code, text, **kw
        )

    if dock.status != DockStatus.online:
        return out(Code.dock_status, f"dock {dock.code} is {dock.status}")
    if drone is None:
        states = ", ".join(f"{d.code} {d.status}" for d in dock.drones) or "no drone"
        return out(Code.drone_status, f"no drone ready at dock {dock.code} ({states})")
    if dist > policy.max_range_m:
        return out(
            Code.range, f"{dist:.0f} m from dock {dock.code}, beyond the policy's range of {policy.max_range_m:.0f} m"
        )
    if not limits.bvlos_allowed and limits.vlos_m is not None and dist > limits.vlos_m:
        return out(
            Code.range_vlos,
            f"{dist:.0f} m from dock {dock.code}, beyond visual line of sight ({limits.vlos_m:.0f} m) and the program "
            "has no BVLOS authorisation",
        )
    if drone.battery_pct < policy.min_battery_pct:
        return out(
            Code.battery,
            f"{drone.code} battery {drone.battery_pct:.0f} % below the minimum {policy.min_battery_pct:.0f} %",
        )
    need = 100.0 * (2.0 * dist / drone.cruise_speed_mps) / drone.endurance_s + policy.reserve_pct
    if need > drone.battery_pct:
        return out(
            Code.battery_endurance,
            f"{drone.code} needs {need:.0f} % for the flight there and back with the "
            f"{policy.reserve_pct:.0f} % reserve, has {drone.battery_pct:.0f} %",
        )
    notes: list[str] = []
    age = None if dock.weather_at is None else (call.at - dock.weather_at).total_seconds()
    max_age = policy.weather_max_age_s
    if max_age is not None:
        if dock.wind_mps is None or age is None:
            return out(
                Code.wind_stale,
                f"no wind observation for dock {dock.code}: the policy needs one no older than {max_age / 60:.0f} min",
            )
        if age > max_age:
            return out(
                Code.wind_stale,
                f"the latest wind observation for dock {dock.code} ({dock.weather_source or 'unknown source'}) is "
                f"{age / 60:.0f} min old, older than the policy's {max_age / 60:.0f} min",
            )
    wind = dock.wind_mps if max_age is not None or age is None or age <= UNSET_WEATHER_MAX_AGE_S else None
    gust = dock.gust_mps if wind is not None else None
    if wind is None:
        notes.append("no current wind reading at the dock: the pilot checks the wind before launch")
    elif wind > policy.max_wind_mps:
        return out(
            Code.wind,
            f"wind {wind:.1f} m/s at dock {dock.code} ({dock.weather_source or 'reading'}) above "
            f"{policy.max_wind_mps:.1f} m/s",
        )
    if gust is not None and policy.max_gust_mps is not None and gust > policy.max_gust_mps:
        return out(Code.wind, f"gusts {gust:.1f} m/s at dock {dock.code} above {policy.max_gust_mps:.1f} m/s")
    crossed = index.zones_on_segment(dock.lon, dock.lat, call.lon, call.lat)
    no_fly = [z.name for z in crossed if z.kind == "no_fly"]
    if no_fly:
        return out(Code.zone_no_fly_path, f"the path from dock {dock.code} crosses the no-fly zone {', '.join(no_fly)}")
    camera = tuple(z.name for z in crossed if z.kind == "camera_restricted")
    if camera:
        notes.append(f"camera up over {', '.join(camera)}")
    return out(
        Code.ok, f"dock {dock.code}, {drone.code}: ETA {eta:.0f} s", camera_restricted=camera, notes=tuple(notes)
    )


def decide(
    call: CallFacts,
    policy: PolicyFacts | None,
    limits: LimitsFacts | None,
    docks: Sequence[DockFacts],
    index: ZoneLookup,
    pilots: Sequence[PilotFacts],
    *,
    patrol_eta_s: float | None = None,
    waive: Collection[Code] = frozenset(),
) -> Decision:
    """The launch decision for a call (module docstring). ``waive`` names rules a supervisor overrides; only codes
    in ``OVERRIDABLE`` can be waived (others are ignored), and a waived failure makes the outcome ``overridden``."""
    waivable = frozenset(waive) & OVERRIDABLE
    if policy is None or limits is None:
        what = "launch policy" if policy is None else "program authorisation (limits)"
        text = f"no {what} in force: nothing may be launched"
        return Decision(
            Outcome.refused, Code.policy_none, Code.policy_none.value, text, policy.version if policy else None,
            limits.version if limits else None, None, checks=(Check(Code.policy_none, False, text),),
            patrol_eta_s=patrol_eta_s,
        )  # fmt: skip
    checks: list[Check] = []
    ex = policy.excluded.get(call.call_type)
    if ex is not None:
        checks.append(Check(Code.call_type_excluded, False, f"{call.call_type}: {ex.rule}", ex.rule_id))
    elif call.call_type not in policy.eligible:
        checks.append(
            Check(Code.call_type_not_eligible, False, f"{call.call_type} is not a call type the policy makes eligible")
        )
    else:
        checks.append(Check(Code.call_type_not_eligible, True, f"{call.call_type} is eligible"))
    at_scene = index.zones_at(call.lon, call.lat)
    no_fly = [z.name for z in at_scene if z.kind == "no_fly"]
    checks.append(
        Check(Code.zone_no_fly, False, f"the call lies in the no-fly zone {', '.join(no_fly)}")
        if no_fly
        else Check(Code.zone_no_fly, True, "the call lies in no no-fly zone")
    )
    camera_at_scene = tuple(z.name for z in at_scene if z.kind == "camera_restricted")
    night = is_night(call.lat, call.lon, call.at)
    if night and not limits.night_ops_allowed:
        checks.append(Check(Code.daylight_program, False, "night, and the program is not authorised to fly at night"))
    elif night and policy.daylight_only:
        checks.append(Check(Code.daylight_policy, False, "night, and the policy allows launches in daylight only"))
    else:
        checks.append(Check(Code.daylight_policy, True, "night operations authorised" if night else "daylight"))
    on = call.at.astimezone(UTC).date()
    certified = [p for p in pilots if p.on_duty and pilot_certified(p, on)]
    checks.append(
        Check(Code.pilot_none, True, f"{len(certified)} certified pilot(s) on duty")
        if certified
        else Check(Code.pilot_none, False, "no pilot on duty with a valid remote pilot certificate")
    )
    checks = [replace_waived(c, waivable) for c in checks]
    options = tuple(sorted((dock_option(d, call, policy, limits, index) for d in docks), key=_option_order))
    failing = next((c for c in checks if not c.ok and not c.waived), None)
    waived_any = any(c.waived for c in checks)

    def made(outcome: Outcome, code: Code, rule_id: str, rule: str, option: DockOption | None = None) -> Decision:
        return Decision(
            outcome, code, rule_id, rule, policy.version, limits.version, option, options, tuple(checks), night,
            limits.max_altitude_m, patrol_eta_s, camera_at_scene,
        )  # fmt: skip

    if failing is not None:
        return made(Outcome.refused, failing.code, failing.rule_id or failing.code.value, failing.text)
    best = next((o for o in options if o.ok), None)
    if best is None:
        if not options:
            return made(Outcome.refused, Code.fleet_none, Code.fleet_none.value, "no dock in the fleet")
        first = options[0]
        return made(Outcome.refused, first.code, first.code.value, first.text)
    outcome = Outcome.overridden if waived_any else Outcome.recommended
    return made(outcome, Code.ok, Code.ok.value, best.text, best)


def replace_waived(check: Check, waivable: frozenset[Code]) -> Check:
    """The check marked waived when it failed and its rule is waived."""
    if not check.ok and check.code in waivable:
        return Check(check.code, check.ok, check.text, check.rule_id, waived=True)
    return check


def _option_order(o: DockOption) -> tuple[bool, float, str]:
    # passing docks first, then by ETA (a dock without one last), then by code for a stable order
    return (not o.ok, o.eta_s if o.eta_s is not None else math.inf, o.dock_code)
