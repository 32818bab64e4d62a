"""Use cases of the drone fleet and the launch policy, and the launch-decision preview other domains show.

Fleet: docks and drones (imported from a fleet file by code, their status, battery and the dock's weather reading),
remote pilots (a staff user, a certificate number and its expiry). Policy: the version in force and its zones, served
as a ``GeofenceIndex`` built once per policy version and kept (versions are never edited). ``facts`` turns the rows
into the pure inputs of ``rtcc.drones.logic.decide``; ``option_for_call`` is the drone line of the dispatch
recommendation (a preview, nothing recorded). Recording decisions and launch requests is ``rtcc.drones.launches``.

Everything that changes the fleet is audited in the caller's transaction (``drones.dock.*``, ``drones.drone.*``,
``drones.pilot.*``).
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.core.clock import utcnow
from rtcc.core.errors import NotFound, invalid
from rtcc.drones import logic, repository
from rtcc.drones.geofence import GeofenceIndex, Zone
from rtcc.drones.models import Dock, Drone, LaunchPolicy, Pilot, ProgramLimits, WeatherObservation
from rtcc.drones.schemas import (
    DockRead,
    DockUpdate,
    DroneOptionRead,
    DroneRead,
    DroneUpdate,
    ExclusionRead,
    FleetIn,
    FleetRead,
    LimitsRead,
    PilotCreate,
    PilotRead,
    PolicyRead,
)
from rtcc.identity import service as identity
from rtcc.identity.logic import Principal, Role

#: Geofence indexes kept in memory (one per policy version in use).
_INDEX_CACHE_SIZE = 8

_index_lock = threading.Lock()
_entries: OrderedDict[tuple[int, int, datetime], _PolicyEntry] = OrderedDict()


# --- fleet ------------------------------------------------------------------------------------------------------------


def fleet(session: Session) -> FleetRead:
    """Every dock and drone."""
    return FleetRead(
        docks=[DockRead.model_validate(d) for d in repository.docks(session)],
        drones=[DroneRead.model_validate(d) for d in repository.drones(session)],
    )


def import_fleet(session: Session, data: FleetIn, *, actor: Principal) -> FleetRead:
    """Create or update docks and their drones by code (a drone moves to the dock that lists it); audited."""
    now = utcnow()
    seen: set[str] = set()
    for i, d in enumerate(data.docks):
        if d.code in seen:
            raise invalid(f"docks.{i}.code", f"dock {d.code} is listed twice")
        seen.add(d.code)
    drone_codes: set[str] = set()
    for i, d in enumerate(data.docks):
        for j, dr in enumerate(d.drones):
            if dr.code in drone_codes:
                raise invalid(f"docks.{i}.drones.{j}.code", f"drone {dr.code} is listed twice")
            drone_codes.add(dr.code)
    for d in data.docks:
        dock = repository.dock_by_code(session, d.code)
        if dock is None:
            dock = Dock(code=d.code, created_at=now)
            session.add(dock)
        dock.name, dock.lat, dock.lon, dock.elevation_m = d.name, d.lat, d.lon, d.elevation_m
        dock.launch_time_s, dock.status, dock.updated_at = d.launch_time_s, d.status, now
        session.flush()
        for dr in d.drones:
            drone = repository.drone_by_code(session, dr.code)
            if drone is None:
                drone = Drone(code=dr.code, created_at=now)
                session.add(drone)
            drone.model, drone.serial, drone.faa_registration = dr.model, dr.serial, dr.faa_registration
            drone.cruise_speed_mps, drone.endurance_s, drone.battery_pct = (
                dr.cruise_speed_mps,
                dr.endurance_s,
                dr.battery_pct,
            )
            if drone.status != dr.status or drone.status_at is None:
                drone.status, drone.status_at = dr.status, now
            drone.dock_id, drone.updated_at = dock.id, now
    session.flush()
    audit.record_for(
        session,
        actor,
        "drones.fleet.import",
        target_type="drone_fleet",
        details={"docks": sorted(seen), "drones": sorted(drone_codes)},
    )
    return fleet(session)


def _drone(session: Session, drone_id: uuid.UUID, *, lock: bool = False) -> Drone:
    found = repository.drone(session, drone_id, for_update=lock)
    if found is None:
        raise NotFound(f"no drone {drone_id}")
    return found


def get_drone(session: Session, drone_id: uuid.UUID) -> DroneRead:
    """One drone."""
    return DroneRead.model_validate(_drone(session, drone_id))


def set_drone_status(session: Session, drone_id: uuid.UUID, status: str, *, actor: Principal) -> DroneRead:
    """Put a drone in ``status`` (``logic.DroneStatus``); audited as ``drones.drone.status``."""
    return update_drone(session, drone_id, DroneUpdate.model_validate({"status": status}), actor=actor)


def update_drone(session: Session, drone_id: uuid.UUID, data: DroneUpdate, *, actor: Principal) -> DroneRead:
    """Change a drone's status and/or battery; audited as ``drones.drone.update``."""
    drone = _drone(session, drone_id, lock=True)
    now = utcnow()
    before = {"status": drone.status, "battery_pct": drone.battery_pct}
    if data.status is not None and data.status != drone.status:
        drone.status, drone.status_at = data.status, now
    if data.battery_pct is not None:
        drone.battery_pct = data.battery_pct
    drone.updated_at = now
    session.flush()
    audit.record_for(
        session,
        actor,
        "drones.drone.update",
        target_type="drone",
        target_id=str(drone.id),
        details={"code": drone.code, "before": before, "status": drone.status, "battery_pct": drone.battery_pct},
    )
    return DroneRead.model_validate(drone)


def update_dock(session: Session, dock_id: uuid.UUID, data: DockUpdate, *, actor: Principal) -> DockRead:
    """Change a dock's status and/or record its weather station's reading; audited as ``drones.dock.update``."""
    dock = repository.dock(session, dock_id, for_update=True)
    if dock is None:
        raise NotFound(f"no dock {dock_id}")
    now = utcnow()
    if data.status is not None:
        dock.status = data.status
    if data.wind_mps is not None or data.gust_mps is not None:  # a supervisor's reading at the dock: an observation
        dock.wind_mps, dock.gust_mps, dock.weather_at, dock.weather_source = data.wind_mps, data.gust_mps, now, "manual"
        session.add(
            WeatherObservation(
                dock_id=dock.id, station=dock.code, source="manual", observed_at=now, received_at=now,
                wind_mps=data.wind_mps if data.wind_mps is not None else 0.0, gust_mps=data.gust_mps,
                entered_by=actor.audit_name[:128],
            )
        )  # fmt: skip
    dock.updated_at = now
    session.flush()
    audit.record_for(
        session,
        actor,
        "drones.dock.update",
        target_type="drone_dock",
        target_id=str(dock.id),
        details={"code": dock.code, **data.model_dump(exclude_none=True)},
    )
    return DockRead.model_validate(dock)


def pilots(session: Session) -> list[PilotRead]:
    """Every registered remote pilot."""
    return [PilotRead.model_validate(p) for p in repository.pilots(session)]


def pilots_view(session: Session, *, actor: Principal) -> list[PilotRead]:
    """Every registered pilot, for a person (certificate numbers are staff records: audited ``drones.pilots.view``)."""
    rows = pilots(session)
    audit.record_for(session, actor, "drones.pilots.view", target_type="drone_pilot", details={"count": len(rows)})
    return rows


def register_pilot(session: Session, data: PilotCreate, *, actor: Principal) -> PilotRead:
    """Register (or update) a staff user with the ``pilot`` role as a remote pilot; audited."""
    user = next((u for u in identity.list_users(session) if u.username == data.username), None)
    if user is None:
        raise invalid("username", f"no user {data.username!r}")
    if user.role != Role.pilot.value:
        raise invalid("username", f"user {data.username!r} has the role {user.role!r}, not 'pilot'")
    now = utcnow()
    pilot = repository.pilot_of_user(session, user.id)
    if pilot is None:
        pilot = Pilot(user_id=user.id, created_at=now, active=True, on_duty=True)
        session.add(pilot)
    pilot.name = user.display_name
    pilot.certificate_number, pilot.certificate_expires = data.certificate_number, data.certificate_expires
    pilot.updated_at = now
    session.flush()
    audit.record_for(
        session,
        actor,
        "drones.pilot.register",
        target_type="drone_pilot",
        target_id=str(pilot.id),
        details={"username": data.username, "certificate_expires": data.certificate_expires.isoformat()},
    )
    return PilotRead.model_validate(pilot)


def pilot_of(session: Session, actor: Principal) -> Pilot | None:
    """The pilot record of a signed-in user (None when the user is not a registered pilot)."""
    uid = actor.user_uuid
    return None if uid is None else repository.pilot_of_user(session, uid)


def set_on_duty(session: Session, actor: Principal, on_duty: bool) -> PilotRead:
    """A pilot signs on or off duty (only pilots on duty count for launch decisions); audited."""
    pilot = pilot_of(session, actor)
    if pilot is None:
        raise NotFound("you are not a registered remote pilot")
    pilot.on_duty, pilot.updated_at = on_duty, utcnow()
    session.flush()
    audit.record_for(
        session, actor, "drones.pilot.duty", target_type="drone_pilot", target_id=str(pilot.id), details={"on": on_duty}
    )
    return PilotRead.model_validate(pilot)


# --- policy -----------------------------------------------------------------------------------------------------------


def policy_read(session: Session, policy: LaunchPolicy, zones: int | None = None) -> PolicyRead:
    """A policy row as its schema."""
    if zones is None:
        zones = repository.zone_counts(session, [policy.id]).get(policy.id, 0)
    base = PolicyRead.model_validate(policy)
    return base.model_copy(
        update={"excluded_call_types": [ExclusionRead(**e) for e in policy.excluded_call_types], "zone_count": zones}
    )


def active_policy(session: Session, at: datetime | None = None) -> PolicyRead | None:
    """The launch policy version in force (None: none imported yet)."""
    p = repository.policy_at(session, at or utcnow())
    return None if p is None else policy_read(session, p)


def list_policies(session: Session) -> list[PolicyRead]:
    """Every policy version, newest first."""
    rows = repository.policies(session)
    counts = repository.zone_counts(session, [p.id for p in rows])
    return [policy_read(session, p, counts.get(p.id, 0)) for p in rows]


def active_limits(session: Session, at: datetime | None = None) -> LimitsRead | None:
    """The program's authorisation in force (None: none imported yet)."""
    lim = repository.limits_at(session, at or utcnow())
    return None if lim is None else LimitsRead.model_validate(lim)


def zones_geojson(session: Session, version: int) -> dict[str, object]:
    """A policy version's zones as a GeoJSON FeatureCollection."""
    p = repository.policy_version(session, version)
    if p is None:
        raise NotFound(f"no launch policy version {version}")
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": str(z.id),
                "properties": {"kind": z.kind, "name": z.name, "policy_version": z.policy_version},
                "geometry": z.geometry,
            }
            for z in repository.geofences(session, p.id)
        ],
    }


@dataclass(frozen=True)
class _PolicyEntry:
    """A policy version's decision facts and zone index (versions are never edited, so they are cached)."""

    policy_id: int
    facts: logic.PolicyFacts
    index: GeofenceIndex


def _policy_entry(session: Session, key: tuple[int, int, datetime]) -> _PolicyEntry:
    """The cached entry of the policy with ``key`` = (id, version, created_at), built on first use."""
    with _index_lock:
        found = _entries.get(key)
        if found is not None:
            _entries.move_to_end(key)
            return found
    policy = repository.policy_version(session, key[1])
    if policy is None or policy.id != key[0]:
        raise NotFound(f"no launch policy version {key[1]}")
    index = GeofenceIndex(Zone(str(z.id), z.kind, z.name, z.geometry) for z in repository.geofences(session, policy.id))
    entry = _PolicyEntry(policy.id, policy_facts(policy), index)
    with _index_lock:
        _entries[key] = entry
        while len(_entries) > _INDEX_CACHE_SIZE:
            _entries.popitem(last=False)
    return entry


def geofence_index(session: Session, policy: LaunchPolicy | None = None) -> GeofenceIndex:
    """The zones of ``policy`` (default: the version in force) as an index, built once per version and cached.
    Zone keys are the geofence ids (str)."""
    if policy is None:
        key = repository.policy_key_at(session, utcnow())
        return GeofenceIndex([]) if key is None else _policy_entry(session, key).index
    return _policy_entry(session, (policy.id, policy.version, policy.created_at)).index


# --- the facts of a decision ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """Everything ``logic.decide`` needs besides the call, and the policy's id (None: no policy in force)."""

    policy: logic.PolicyFacts | None
    policy_id: int | None
    limits: logic.LimitsFacts | None
    docks: tuple[logic.DockFacts, ...]
    index: GeofenceIndex
    pilots: tuple[logic.PilotFacts, ...]


def policy_facts(p: LaunchPolicy) -> logic.PolicyFacts:
    return logic.PolicyFacts(
        version=p.version,
        eligible=frozenset(p.eligible_call_types),
        excluded={
            e["call_type"]: logic.Exclusion(e["call_type"], e["rule_id"], e["rule"]) for e in p.excluded_call_types
        },
        max_wind_mps=p.max_wind_mps,
        max_gust_mps=p.max_gust_mps,
        daylight_only=p.daylight_only,
        min_battery_pct=p.min_battery_pct,
        reserve_pct=p.reserve_pct,
        max_range_m=p.max_range_m,
        weather_max_age_s=float(p.weather_max_age_s) if p.weather_max_age_s else None,
    )


def limits_facts(lim: ProgramLimits) -> logic.LimitsFacts:
    return logic.LimitsFacts(
        lim.version, lim.max_altitude_m, lim.bvlos_allowed, lim.night_ops_allowed, lim.visual_line_of_sight_m
    )


def dock_facts(docks: Sequence[Any], drones: Sequence[Any], now: datetime) -> tuple[logic.DockFacts, ...]:
    """Docks with their drones (rows or objects with the columns of ``repository.decision_rows``), each with its
    latest wind observation and when it was made (the rules judge its age: ``rtcc.drones.logic``)."""
    by_dock: dict[uuid.UUID, list[logic.DroneFacts]] = {}
    for d in drones:
        if d.dock_id is not None:
            by_dock.setdefault(d.dock_id, []).append(
                logic.DroneFacts(str(d.id), d.code, d.cruise_speed_mps, d.endurance_s, d.battery_pct, d.status)
            )
    out = []
    for k in docks:
        at = k.weather_at
        if at is not None and at.tzinfo is None:  # plain rows from SQLite carry naive UTC
            at = at.replace(tzinfo=UTC)
        out.append(
            logic.DockFacts(
                str(k.id), k.code, k.lat, k.lon, k.status, k.launch_time_s, tuple(by_dock.get(k.id, ())),
                k.wind_mps, k.gust_mps, at, k.weather_source,
            )
        )  # fmt: skip
    return tuple(out)


def facts(session: Session, at: datetime | None = None) -> Facts:
    """The policy, limits, docks with drones, zones and pilots in force at ``at`` (default now). Runs on every
    decision: plain rows, and the policy version's facts and zone index from the cache."""
    now = at or utcnow()
    key = repository.policy_key_at(session, now)
    entry = _policy_entry(session, key) if key is not None else None
    lim = repository.limits_row_at(session, now)
    docks, drones, pilots = repository.decision_rows(session)
    return Facts(
        policy=entry.facts if entry else None,
        policy_id=entry.policy_id if entry else None,
        limits=logic.LimitsFacts(*lim) if lim is not None else None,
        docks=dock_facts(docks, drones, now),
        index=entry.index if entry else GeofenceIndex([]),
        pilots=tuple(logic.PilotFacts(str(x.id), x.certificate_expires, x.active, x.on_duty) for x in pilots),
    )


def option_read(decision: logic.Decision) -> DroneOptionRead:
    """The dispatch line of a decision."""
    o = decision.option
    return DroneOptionRead(
        outcome=decision.outcome.value,
        code=decision.code.value,
        rule_id=decision.rule_id,
        rule=decision.rule,
        policy_version=decision.policy_version,
        dock_code=o.dock_code if o else None,
        drone_code=o.drone_code if o else None,
        eta_s=None if o is None or o.eta_s is None else round(o.eta_s, 1),
        patrol_eta_s=None if decision.patrol_eta_s is None else round(decision.patrol_eta_s, 1),
        lead_s=None if decision.lead_s is None else round(decision.lead_s, 1),
        overridable=decision.outcome is logic.Outcome.refused and decision.code in logic.OVERRIDABLE,
    )


def option_for_call(
    session: Session, *, call_type: str, lat: float, lon: float, patrol_eta_s: float | None, at: datetime | None = None
) -> DroneOptionRead | None:
    """The drone line of a dispatch recommendation (nothing recorded): None when the agency has no drone program
    (no dock and no policy), else the decision the policy in force would take now."""
    f = facts(session, at)
    if not f.docks and f.policy is None:
        return None
    call = logic.CallFacts(call_type, lat, lon, at or utcnow())
    decision = logic.decide(call, f.policy, f.limits, f.docks, f.index, f.pilots, patrol_eta_s=patrol_eta_s)
    return option_read(decision)
