"""Shared helpers of the drones tests: a policy document built in the test, a two-dock fleet in Cerritos, a
registered pilot, dispatch units and calls made through the real services."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.dispatch import calls, positions, units
from rtcc.dispatch.schemas import CallCreate, IntakeResult
from rtcc.dispatch.unit_schemas import PositionIn, UnitCreate
from rtcc.drones import policies, policyfile, service
from rtcc.drones.schemas import FleetIn, PilotCreate
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM, Principal, Role, permissions_for
from rtcc.identity.schemas import UserCreate
from rtcc.settings import Settings

#: Two dock sites (Cerritos), a park between them, a street corner in the north-east, and a point far outside.
DOCK_WEST = (33.8600, -118.0850)
DOCK_EAST = (33.8700, -118.0450)
PARK = (33.866126, -118.051176)
CORNER = (33.887, -118.046)


def person(role: Role, name: str | None = None, user_id: uuid.UUID | None = None) -> Principal:
    """A principal of ``role`` (service tests)."""
    return Principal(
        kind="user",
        id=str(user_id or uuid.uuid4()),
        name=name or f"{role.value}_{uuid.uuid4().hex[:4]}",
        role=role.value,
        permissions=permissions_for(role.value),
    )


DISPATCHER = person(Role.dispatcher, "dana_dispatch")
SUPERVISOR = person(Role.supervisor, "sam_supervisor")


def square(lat: float, lon: float, half_deg: float) -> dict[str, Any]:
    """A GeoJSON square polygon around a point."""
    ring = [
        [lon - half_deg, lat - half_deg],
        [lon + half_deg, lat - half_deg],
        [lon + half_deg, lat + half_deg],
        [lon - half_deg, lat + half_deg],
        [lon - half_deg, lat - half_deg],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def policy_doc(zones: list[tuple[str, str, dict[str, Any]]] = (), **terms: Any) -> dict[str, Any]:  # type: ignore[assignment]
    """A policy document: eligible alarms/shots/missing, FOCUSED_PATROL excluded by rule T-1, ``zones`` as
    (kind, name, geometry), ``terms`` overriding any policy member."""
    return {
        "type": "FeatureCollection",
        "policy": {
            "name": "test policy",
            "eligible_call_types": ["ALARM_BURG_RES", "SHOTS", "MISSING", "BURGLARY_IP"],
            "excluded_call_types": [
                {"call_type": "FOCUSED_PATROL", "rule_id": "T-1", "rule": "no suspicionless surveillance"}
            ],
            "max_wind_mps": 10.0,
            "max_gust_mps": 12.0,
            "daylight_only": False,
            "min_battery_pct": 40,
            "reserve_pct": 20,
            "max_range_m": 6000,
            **terms,
        },
        "program_limits": {
            "authorization_ref": "TEST-COA",
            "max_altitude_m": 120,
            "bvlos_allowed": True,
            "night_ops_allowed": True,
        },
        "features": [
            {"type": "Feature", "properties": {"kind": kind, "name": name}, "geometry": geom}
            for kind, name, geom in zones
        ],
    }


FLEET = {
    "docks": [
        {
            "code": "DK-W",
            "name": "West dock",
            "lat": DOCK_WEST[0],
            "lon": DOCK_WEST[1],
            "launch_time_s": 20,
            "drones": [{"code": "D-W1", "model": "Test X", "cruise_speed_mps": 20, "endurance_s": 2400}],
        },
        {
            "code": "DK-E",
            "name": "East dock",
            "lat": DOCK_EAST[0],
            "lon": DOCK_EAST[1],
            "launch_time_s": 20,
            "drones": [{"code": "D-E1", "model": "Test X", "cruise_speed_mps": 20, "endurance_s": 2400}],
        },
    ]
}


def make_pilot(db: Database, *, expires: date | None = None, username: str | None = None) -> Principal:
    """A user with the pilot role registered as a remote pilot; returns the principal."""
    username = username or f"pilot_{uuid.uuid4().hex[:6]}"
    with db.uow() as s:
        user = identity.create_user(
            s,
            UserCreate(username=username, display_name="Pia Pilot", password="correct horse battery", role=Role.pilot),
            actor=SYSTEM,
        )
        service.register_pilot(
            s,
            PilotCreate(
                username=username,
                certificate_number="4412345",
                certificate_expires=expires or utcnow().date() + timedelta(days=365),
            ),
            actor=SUPERVISOR,
        )
        return person(Role.pilot, username, user.id)


def setup_program(
    db: Database, doc: dict[str, Any] | None = None, *, pilot: bool = True, fleet: dict[str, Any] | None = None
) -> Principal | None:
    """Import a policy and the two-dock fleet (and a pilot); returns the pilot."""
    with db.uow() as s:
        policies.import_document(s, policyfile.parse(doc or policy_doc()), source="test", actor=SUPERVISOR)
        service.import_fleet(s, FleetIn.model_validate(fleet or FLEET), actor=SUPERVISOR)
    return make_pilot(db) if pilot else None


def make_unit(db: Database, call_sign: str, at: tuple[float, float]) -> None:
    """A deputy car with a position."""
    with db.uow() as s:
        units.create(s, None, UnitCreate(call_sign=call_sign, unit_type="deputy_car"), actor=SUPERVISOR)
        positions.record(s, None, units.load(s, call_sign), PositionIn(lat=at[0], lon=at[1]), source="test")


def new_call(
    db: Database, settings: Settings, call_type: str = "ALARM_BURG_RES", *, at: tuple[float, float] = PARK
) -> IntakeResult:
    """A call taken through intake."""
    body = {"call_type": call_type, "location": {"kind": "coordinates", "lat": at[0], "lon": at[1]}, "source": "911"}
    with db.uow() as s:
        return calls.intake(s, None, settings, CallCreate.model_validate(body), actor=DISPATCHER)
