"""HTTP routes of the drones domain under ``/api/v1/drones``.

Who does what (``rtcc.identity.logic``): everyone with ``drones:read`` (dispatchers, supervisors, pilots, auditors)
sees the fleet, the policy in force and its zones, the decisions and the launch requests; dispatchers
(``drones:request``) record a launch decision for a call and request a launch; supervisors (``drones:override``)
override a refusal the policy allows to be overridden, with a reason; pilots (``drones:pilot``) accept or decline a
launch request and sign on or off duty; ``drones:admin`` changes docks and drones and lists the pilots. Policies and
the fleet are imported with ``rtcc drones`` (a file an administrator reviews), not over HTTP.

Routes are thin: parse, authorise, call one use case in one unit of work, return a schema.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from rtcc.core.errors import NotFound
from rtcc.deps import BusDep, DbDep
from rtcc.drones import launches, service, weather_feed
from rtcc.drones.schemas import (
    DecisionPage,
    DecisionRead,
    DockRead,
    DockUpdate,
    DroneRead,
    DroneUpdate,
    FleetRead,
    LaunchRequestCreate,
    LaunchRequestRead,
    LimitsRead,
    OverrideCreate,
    PilotAnswer,
    PilotRead,
    PolicyRead,
    WeatherEntry,
    WeatherRead,
)
from rtcc.identity.deps import require
from rtcc.identity.logic import Perm, Principal

api = APIRouter(prefix="/api/v1/drones", tags=["drones"])

Reader = Annotated[Principal, require(Perm.drones_read)]
Requester = Annotated[Principal, require(Perm.drones_request)]
Supervisor = Annotated[Principal, require(Perm.drones_override)]
PilotUser = Annotated[Principal, require(Perm.drones_pilot)]
Admin = Annotated[Principal, require(Perm.drones_admin)]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]


# --- fleet ------------------------------------------------------------------------------------------------------------


@api.get("/fleet")
def fleet(db: DbDep, _p: Reader) -> FleetRead:
    """Every dock (position, status, launch time, wind) and drone (status, battery, dock)."""
    with db.read() as session:
        return service.fleet(session)


@api.patch("/drones/{drone_id}")
def update_drone(drone_id: uuid.UUID, body: DroneUpdate, db: DbDep, actor: Admin) -> DroneRead:
    """Set a drone's status (e.g. maintenance) and/or battery; audited."""
    with db.uow() as session:
        return service.update_drone(session, drone_id, body, actor=actor)


@api.patch("/docks/{dock_id}")
def update_dock(dock_id: uuid.UUID, body: DockUpdate, db: DbDep, actor: Admin) -> DockRead:
    """Set a dock's status and/or its weather station's wind reading; audited."""
    with db.uow() as session:
        return service.update_dock(session, dock_id, body, actor=actor)


@api.post("/weather", status_code=201)
def enter_weather(body: WeatherEntry, db: DbDep, actor: PilotUser) -> WeatherRead:
    """A pilot enters a wind reading (at one dock, or for all; a supervisor sets a dock's with PATCH /docks/{id});
    the launch rules use each dock's latest observation and refuse when it is too old (``wind.stale``). Audited."""
    with db.uow() as session:
        return weather_feed.enter(session, body, actor=actor)


@api.get("/weather")
def list_weather(db: DbDep, _p: Reader, limit: Limit = 20) -> list[WeatherRead]:
    """The newest wind observations (feeds, docks' stations, manual entries), newest first."""
    with db.read() as session:
        return weather_feed.latest(session, limit=limit)


@api.get("/pilots")
def pilots(db: DbDep, actor: Admin) -> list[PilotRead]:
    """The registered remote pilots with their certificates (a read of staff records: audited)."""
    with db.uow() as session:
        return service.pilots_view(session, actor=actor)


@api.post("/pilots/me/duty")
def duty(
    on: Annotated[bool, Query(description="true: on duty; false: off duty")], db: DbDep, actor: PilotUser
) -> PilotRead:
    """A pilot signs on or off duty; only pilots on duty count for launch decisions."""
    with db.uow() as session:
        return service.set_on_duty(session, actor, on)


# --- policy -----------------------------------------------------------------------------------------------------------


@api.get("/policy")
def policy(db: DbDep, _p: Reader) -> PolicyRead:
    """The launch policy version in force (404 when none has been imported)."""
    with db.read() as session:
        found = service.active_policy(session)
    if found is None:
        raise NotFound("no launch policy has been imported (rtcc drones policy import)")
    return found


@api.get("/policies")
def policies(db: DbDep, _p: Reader) -> list[PolicyRead]:
    """Every launch policy version, newest first."""
    with db.read() as session:
        return service.list_policies(session)


@api.get("/policies/{version}/zones")
def zones(version: int, db: DbDep, _p: Reader) -> dict[str, Any]:
    """A policy version's no-fly and camera-restricted zones, as a GeoJSON FeatureCollection."""
    with db.read() as session:
        return service.zones_geojson(session, version)


@api.get("/limits")
def limits(db: DbDep, _p: Reader) -> LimitsRead:
    """The program's authorisation in force (maximum altitude, BVLOS, night operations)."""
    with db.read() as session:
        found = service.active_limits(session)
    if found is None:
        raise NotFound("no program limits have been imported (rtcc drones policy import)")
    return found


# --- decisions --------------------------------------------------------------------------------------------------------


@api.post("/calls/{call_id}/decisions", status_code=201)
def decide(call_id: uuid.UUID, db: DbDep, bus: BusDep, actor: Requester) -> DecisionRead:
    """Decide and record whether a drone may launch to the call: recommended (dock, drone, ETA, lead on the first
    unit) or refused (the rule and policy version that decided)."""
    with db.uow() as session:
        return launches.decide(session, bus, call_id, actor=actor)


@api.post("/calls/{call_id}/override", status_code=201)
def override(call_id: uuid.UUID, body: OverrideCreate, db: DbDep, bus: BusDep, actor: Supervisor) -> DecisionRead:
    """Override a refusal whose rule the policy lets a supervisor waive (an excluded or non-eligible call type, the
    daylight-only rule), with a reason; recorded and audited. 409 when the refusal cannot be overridden."""
    with db.uow() as session:
        return launches.override(session, bus, call_id, body, actor=actor)


@api.get("/decisions")
def decisions(
    db: DbDep,
    _p: Reader,
    call_id: uuid.UUID | None = None,
    outcome: Literal["recommended", "refused", "overridden"] | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> DecisionPage:
    """Recorded launch decisions, newest first."""
    with db.read() as session:
        return launches.list_decisions(session, call_id=call_id, outcome=outcome, limit=limit, offset=offset)


@api.get("/decisions/{decision_id}")
def decision(decision_id: uuid.UUID, db: DbDep, _p: Reader) -> DecisionRead:
    """One recorded decision with every check and every dock's option."""
    with db.read() as session:
        return launches.get_decision(session, decision_id)


# --- launch requests --------------------------------------------------------------------------------------------------


@api.post("/launch-requests", status_code=201)
def request_launch(body: LaunchRequestCreate, db: DbDep, bus: BusDep, actor: Requester) -> LaunchRequestRead:
    """Ask the pilots to launch on a recommended (or overridden) decision; 409 on a refused one."""
    with db.uow() as session:
        return launches.request_launch(session, bus, body, actor=actor)


@api.get("/launch-requests")
def launch_requests(
    db: DbDep,
    _p: Reader,
    state: Literal["pending", "accepted", "declined", "cancelled"] | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[LaunchRequestRead]:
    """Launch requests, newest first (the pilot's queue: ``state=pending``)."""
    with db.read() as session:
        return launches.list_requests(session, state=state, limit=limit, offset=offset)


@api.get("/launch-requests/{request_id}")
def launch_request(request_id: uuid.UUID, db: DbDep, _p: Reader) -> LaunchRequestRead:
    """One launch request."""
    with db.read() as session:
        return launches.get_request(session, request_id)


@api.post("/launch-requests/{request_id}/accept")
def accept(request_id: uuid.UUID, body: PilotAnswer, db: DbDep, bus: BusDep, actor: PilotUser) -> LaunchRequestRead:
    """The pilot accepts: the drone launches (its status becomes in_flight); logged and audited."""
    with db.uow() as session:
        return launches.answer(session, bus, request_id, True, body, actor=actor)


@api.post("/launch-requests/{request_id}/decline")
def decline(request_id: uuid.UUID, body: PilotAnswer, db: DbDep, bus: BusDep, actor: PilotUser) -> LaunchRequestRead:
    """The pilot declines, with a reason; logged and audited."""
    with db.uow() as session:
        return launches.answer(session, bus, request_id, False, body, actor=actor)


@api.post("/launch-requests/{request_id}/cancel")
def cancel(request_id: uuid.UUID, body: PilotAnswer, db: DbDep, bus: BusDep, actor: Requester) -> LaunchRequestRead:
    """A dispatcher withdraws a pending launch request; logged and audited."""
    with db.uow() as session:
        return launches.cancel(session, bus, request_id, body, actor=actor)


router = APIRouter()
router.include_router(api)

# Flights, telemetry, footage and the public flight log (rtcc.drones.flight_routes) are mounted with the fleet's.
from rtcc.drones.flight_routes import router as _flight_router  # noqa: E402

router.include_router(_flight_router)
