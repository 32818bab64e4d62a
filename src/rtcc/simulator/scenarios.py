"""From what was fitted on history (``Fitted``) and a scenario to the model one run simulates (pure).

The baseline and every scenario go through ``build_model``, so a scenario differs from its baseline only by what it
says: another priority per call type (the call kinds' ``CallFacts`` are rebuilt with ``call_facts`` at the new
priority level, and draw the processing, turnout and travel samples of that priority), extra units (a catalogue unit
type on a catalogue shift), guards patrolling named zones, drone docks (a ``drone`` unit type, launch + flight time
from the dock to each zone's centroid, its own time on scene; the call types it answers accept the ``drone`` unit
type and drop the enforcement need: the drone is the first look, the ground follow-up is not simulated), and units
out of service (left out). Errors name the scenario field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from rtcc.analytics.kernels.arrivals import ArrivalProfile
from rtcc.core.geo import distances_m
from rtcc.dispatch.catalogue import Catalogue, ShiftTemplate
from rtcc.dispatch.recommend import Rules, call_facts, unit_facts
from rtcc.simulator.logic import Array, Kind, Model, Samples, SimUnit
from rtcc.simulator.schemas import DroneDock, Scenario, ScenarioPreset

DRONE = "drone"


@dataclass(frozen=True)
class UnitSpec:
    """A unit of the baseline: call sign, catalogue unit type, home zone index, weekly duty windows (hours)."""

    call_sign: str
    unit_type: str
    home_zone: int
    duty: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class Fitted:
    """What the fit found (``rtcc.simulator.fit``): catalogue, priority in force and share per call type, arrival
    profile, zones (names, shares, centroids or None), travel matrix (or None), samples, baseline units, rules."""

    catalogue: Catalogue
    priority: Mapping[str, str]
    mix: Mapping[str, float]
    profile: ArrivalProfile
    zones: tuple[str, ...]
    zone_weights: tuple[float, ...]
    centroids: tuple[tuple[float, float], ...] | None
    travel: Array | None
    samples: Samples
    units: tuple[UnitSpec, ...]
    rules: Rules = field(default_factory=Rules)


class ScenarioError(ValueError):
    """A scenario that cannot apply to the fitted city; ``field`` names the scenario field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def shift_windows(shift: ShiftTemplate) -> tuple[tuple[float, float], ...]:
    """A daily shift template as weekly windows in hours of the week (an overnight shift wraps around)."""
    hh, mm = shift.start.split(":")
    start = int(hh) + int(mm) / 60.0
    out: list[tuple[float, float]] = []
    for day in range(7):
        a = day * 24 + start
        b = a + shift.hours
        if b <= 168:
            out.append((a, b))
        else:
            out.extend([(a, 168.0), (0.0, b - 168.0)])
    return tuple(sorted(out))


def _zone(fitted: Fitted, name: str | None, field: str) -> int:
    if name is None:
        return int(np.argmax(fitted.zone_weights))
    if name not in fitted.zones:
        raise ScenarioError(field, f"unknown zone {name!r}; zones: {', '.join(fitted.zones[:20])}")
    return fitted.zones.index(name)


def build_model(fitted: Fitted, scenario: Scenario) -> Model:
    """The model of ``scenario`` on ``fitted`` (module docstring); the empty scenario gives the baseline."""
    cat = fitted.catalogue
    priority = dict(fitted.priority)
    for i, (code, p) in enumerate(scenario.priority_rules.items()):
        if code not in fitted.mix:
            raise ScenarioError(f"priority_rules[{i}]", f"call type {code!r} is not among the fitted calls")
        if cat.scheme.level(p) is None:
            raise ScenarioError(f"priority_rules[{i}]", f"{p!r} is not a priority of the {cat.scheme.name} scheme")
        priority[code] = p
    drone_types: set[str] = set()
    for i, dock in enumerate(scenario.drone_docks):
        if fitted.centroids is None:
            raise ScenarioError(f"drone_docks[{i}]", "this history has no call locations: a dock needs a map")
        for code in dock.call_types:
            if code not in fitted.mix:
                raise ScenarioError(f"drone_docks[{i}].call_types", f"call type {code!r} is not among the fitted calls")
        drone_types |= set(dock.call_types) or {
            c for c in fitted.mix if (lv := cat.scheme.level(priority[c])) is not None and lv.emergent
        }
    ranks = {lv.code: lv.rank for lv in cat.scheme.priorities}
    order = sorted(ranks, key=lambda c: ranks[c])
    kinds: list[Kind] = []
    for code, weight in sorted(fitted.mix.items()):
        ct = cat.call_type(code)
        level = cat.scheme.level(priority[code])
        if ct is None or level is None or weight <= 0:
            continue
        facts = call_facts(ct, level)
        if code in drone_types:
            facts = replace(
                facts,
                eligible_unit_types=facts.eligible_unit_types | {DRONE},
                needs=facts.needs - {"enforcement"},
            )
        kinds.append(Kind(code, level.code, order.index(level.code), facts, weight))
    units = _units(fitted, scenario)
    return Model(
        kinds=tuple(kinds),
        units=tuple(units),
        profile=fitted.profile,
        zones=fitted.zones,
        zone_weights=fitted.zone_weights,
        samples=fitted.samples,
        travel=fitted.travel,
        rules=fitted.rules,
    )


def _units(fitted: Fitted, scenario: Scenario) -> list[SimUnit]:
    cat = fitted.catalogue
    signs = {u.call_sign for u in fitted.units}
    for i, sign in enumerate(scenario.out_of_service):
        if sign not in signs:
            raise ScenarioError(f"out_of_service[{i}]", f"no unit {sign!r} in the baseline")
    out: list[SimUnit] = []

    def add(sign: str, unit_type: str, zone: int, duty: tuple[tuple[float, float], ...], field: str) -> None:
        ut = cat.unit_type(unit_type)
        if ut is None:
            raise ScenarioError(field, f"unknown unit type {unit_type!r}")
        facts = unit_facts(sign, sign, unit_type, ut, "available", home_area=fitted.zones[zone])
        out.append(SimUnit(facts, zone, duty))

    for u in fitted.units:
        if u.call_sign not in scenario.out_of_service:
            add(u.call_sign, u.unit_type, u.home_zone, u.duty, "units")
    for i, extra in enumerate(scenario.add_units):
        duty: tuple[tuple[float, float], ...] = ()
        if extra.shift is not None:
            shift = cat.shift(extra.shift)
            if shift is None:
                raise ScenarioError(f"add_units[{i}].shift", f"unknown shift {extra.shift!r}")
            duty = shift_windows(shift)
        zone = _zone(fitted, extra.zone, f"add_units[{i}].zone")
        for j in range(extra.count):
            add(f"SIM-{extra.unit_type.upper()}-{i + 1}-{j + 1}", extra.unit_type, zone, duty, f"add_units[{i}]")
    for i, name in enumerate(scenario.guards_in):
        add(f"SIM-GUARD-{i + 1}", "guard", _zone(fitted, name, f"guards_in[{i}]"), (), f"guards_in[{i}]")
    for i, dock in enumerate(scenario.drone_docks):
        out.extend(_drones(fitted, dock, i))
    if not out:
        raise ScenarioError("out_of_service", "no unit left to simulate")
    return out


def _drones(fitted: Fitted, dock: DroneDock, i: int) -> list[SimUnit]:
    assert fitted.centroids is not None
    zone = _zone(fitted, dock.zone, f"drone_docks[{i}].zone")
    lat, lon = (dock.lat, dock.lon) if dock.lat is not None and dock.lon is not None else fitted.centroids[zone]
    lats = np.asarray([c[0] for c in fitted.centroids])
    lons = np.asarray([c[1] for c in fitted.centroids])
    eta = tuple(float(dock.launch_s + d / dock.cruise_mps) for d in distances_m(lat, lon, lats, lons))
    out = []
    for j in range(dock.drones):
        sign = f"SIM-DRONE-{i + 1}-{j + 1}"
        facts = unit_facts(sign, sign, DRONE, None, "available", home_area=None)
        facts = replace(facts, capabilities=frozenset({"observe_and_report"}))
        out.append(SimUnit(facts, zone, (), eta, dock.on_scene_s))
    return out


def presets(fitted: Fitted) -> list[ScenarioPreset]:
    """Ready-made scenarios for this city (the screen's picker): the issue's five kinds where they apply."""
    cat = fitted.catalogue
    out: list[ScenarioPreset] = []
    routine = cat.scheme.priorities[-1].code
    ranked = sorted(fitted.mix, key=lambda c: -fitted.mix[c])
    top = next((c for c in ranked if fitted.priority[c] != routine), None)
    if top is not None:
        out.append(
            ScenarioPreset(
                key="priority_rule", scenario=Scenario(name=f"{top} as {routine}", priority_rules={top: routine})
            )
        )
    pm = cat.shift("pm")
    cso = cat.unit_type("cso")
    if pm is not None and cso is not None:
        out.append(
            ScenarioPreset(
                key="cso_pm",
                scenario=Scenario.model_validate(
                    {"name": "+1 CSO on the PM shift", "add_units": [{"unit_type": "cso", "shift": "pm"}]}
                ),
            )
        )
    if cat.unit_type("guard") is not None:
        busiest = [fitted.zones[i] for i in np.argsort(fitted.zone_weights)[::-1][:3]]
        out.append(
            ScenarioPreset(key="guards", scenario=Scenario(name=f"Guards in {', '.join(busiest)}", guards_in=busiest))
        )
    if fitted.centroids is not None:
        out.append(
            ScenarioPreset(
                key="drone_dock",
                scenario=Scenario.model_validate({"name": "A drone dock in the busiest zone", "drone_docks": [{}]}),
            )
        )
    if fitted.units:
        first = fitted.units[0].call_sign
        out.append(
            ScenarioPreset(
                key="out_of_service", scenario=Scenario(name=f"{first} out of service", out_of_service=[first])
            )
        )
    return out


def zone_names(names: Sequence[str]) -> tuple[str, ...]:
    """Zone names as the model stores them (unique, in order)."""
    return tuple(dict.fromkeys(names))
