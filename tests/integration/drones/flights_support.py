"""Shared helpers of the drone flight tests: a dock, a drone, a policy with one no-fly and one camera-restricted zone
near a Cerritos call, and an accepted launch request (the fleet's tables written directly: the launch decision
itself is drones-core's and tested there)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.dispatch import calls
from rtcc.dispatch.schemas import CallCreate, IntakeResult
from rtcc.drones.ingest import clear_zone_cache
from rtcc.drones.models import Dock, Drone, Geofence, LaunchDecision, LaunchPolicy, LaunchRequest
from rtcc.identity.logic import Principal, Role, permissions_for
from rtcc.settings import Settings

DOCK_AT = (33.8650, -118.0800)
CALL_AT = (33.866126, -118.051176)  # a park in Cerritos (reporting district 2316)


def person(role: Role, name: str) -> Principal:
    """A principal of ``role`` (a service-test actor)."""
    return Principal(
        kind="user", id=str(uuid.uuid4()), name=name, role=role.value, permissions=permissions_for(role.value)
    )


DISPATCHER = person(Role.dispatcher, "dana_dispatch")
PILOT = person(Role.admin, "pat_pilot")


def new_call(db: Database, settings: Settings, call_type: str, at: tuple[float, float] = CALL_AT) -> IntakeResult:
    """A call taken through dispatch intake."""
    body = {"call_type": call_type, "location": {"kind": "coordinates", "lat": at[0], "lon": at[1]}, "source": "911"}
    with db.uow() as s:
        return calls.intake(s, None, settings, CallCreate.model_validate(body), actor=DISPATCHER)


def square(lat: float, lon: float, half: float) -> dict[str, object]:
    """A GeoJSON square polygon around a point (half side in degrees)."""
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


#: On the straight line dock -> call, at 1/3 and 2/3 of the way.
NO_FLY_AT = (33.8654, -118.0704)
RESTRICTED_AT = (33.8658, -118.0608)


@dataclass
class Fleet:
    """What ``make_fleet`` made."""

    drone_id: uuid.UUID
    drone_code: str
    dock_id: uuid.UUID
    request_id: uuid.UUID
    call_id: uuid.UUID
    call_number: str
    policy_version: int
    no_fly_id: uuid.UUID
    restricted_id: uuid.UUID


def make_fleet(
    db: Database, settings: Settings, *, code: str = "CER-D1", version: int = 1, call_type: str = "ALARM_BURG_RES"
) -> Fleet:
    """A dock, a drone, a policy version with two zones, a call, and an accepted launch request for it."""
    clear_zone_cache()
    intake = new_call(db, settings, call_type)
    call = intake.call
    now = utcnow()
    with db.uow() as s:
        dock = Dock(
            id=uuid.uuid4(),
            code=f"DOCK-{code}",
            name="Civic Center roof",
            lat=DOCK_AT[0],
            lon=DOCK_AT[1],
            status="online",
            launch_time_s=20.0,
            created_at=now,
            updated_at=now,
        )
        drone = Drone(
            id=uuid.uuid4(),
            code=code,
            model="Test X10",
            cruise_speed_mps=15.0,
            endurance_s=2400,
            battery_pct=100.0,
            status="docked",
            status_at=now,
            dock_id=dock.id,
            created_at=now,
            updated_at=now,
        )
        s.add_all([dock, drone])
        s.flush()
        policy = s.query(LaunchPolicy).filter_by(version=version).one_or_none()
        if policy is None:
            policy = LaunchPolicy(
                version=version,
                name=f"test v{version}",
                eligible_call_types=[call_type],
                excluded_call_types=[],
                max_wind_mps=12.0,
                max_gust_mps=None,
                daylight_only=False,
                min_battery_pct=30.0,
                max_range_m=5000.0,
                reserve_pct=20.0,
                effective_from=now - timedelta(days=1),
                created_at=now,
                created_by="test",
            )
            s.add(policy)
            s.flush()
            for kind, at in (("no_fly", NO_FLY_AT), ("camera_restricted", RESTRICTED_AT)):
                geo = square(at[0], at[1], 0.0015)
                ring = geo["coordinates"][0]  # type: ignore[index]
                s.add(
                    Geofence(
                        id=uuid.uuid4(),
                        policy_id=policy.id,
                        policy_version=version,
                        kind=kind,
                        name=f"test {kind}",
                        geometry=geo,
                        min_lon=ring[0][0],
                        min_lat=ring[0][1],
                        max_lon=ring[2][0],
                        max_lat=ring[2][1],
                    )
                )
            s.flush()
        zones = {g.kind: g.id for g in s.query(Geofence).filter_by(policy_version=version)}
        decision = LaunchDecision(
            id=uuid.uuid4(),
            call_id=call.id,
            call_number=call.number,
            call_type=call.call_type,
            lat=CALL_AT[0],
            lon=CALL_AT[1],
            outcome="recommended",
            code="ok",
            rule_id="eligible",
            rule="eligible call type",
            policy_id=policy.id,
            policy_version=version,
            limits_version=None,
            dock_id=dock.id,
            drone_id=drone.id,
            eta_s=150.0,
            patrol_eta_s=300.0,
            lead_s=150.0,
            distance_m=2700.0,
            checks=[],
            decided_at=now,
            decided_by="system",
        )
        s.add(decision)
        s.flush()
        req = LaunchRequest(
            id=uuid.uuid4(),
            decision_id=decision.id,
            call_id=call.id,
            call_number=call.number,
            call_type=call.call_type,
            lat=CALL_AT[0],
            lon=CALL_AT[1],
            drone_id=drone.id,
            dock_id=dock.id,
            state="accepted",
            eta_s=150.0,
            requested_at=now,
            requested_by="dana_dispatch",
            responded_at=now,
            responded_by="pat_pilot",
        )
        s.add(req)
        s.flush()
        return Fleet(
            drone.id, code, dock.id, req.id, call.id, call.number, version, zones["no_fly"], zones["camera_restricted"]
        )


def line(a: tuple[float, float], b: tuple[float, float], n: int) -> list[tuple[float, float]]:
    """``n`` points from a to b inclusive."""
    return [(a[0] + (b[0] - a[0]) * i / (n - 1), a[1] + (b[1] - a[1]) * i / (n - 1)) for i in range(n)]
