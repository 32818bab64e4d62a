"""HTTP routes of the dispatch domain under ``/api/v1/dispatch``: the catalogue (priority scheme, call types, unit
types) and the effective-dated priority rules; calls (intake, list, detail, the audited caller read, notes, the
duplicate decision, the recommendation, assignment, status steps, close, reopen, taking a CSO-queue call); the CSO
queue; a field user's own unit and calls; the premise registry. Units, positions, shifts and budgets are in
``rtcc.dispatch.unit_routes``, alarm companies, permits and the alarm context in ``rtcc.dispatch.alarm_routes``,
both included here.

Every route declares one permission; field users are further scoped in the services (``rtcc.dispatch.access``).
Routes are thin: parse, authorise, call one service in one unit of work, return a schema.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from rtcc.core.pagination import Offset
from rtcc.deps import BusDep, DbDep, SettingsDep
from rtcc.dispatch import assignment, calls, calltypes, chain, from_alert, premises, units
from rtcc.dispatch.alarm_routes import router as alarm_router
from rtcc.dispatch.interop_routes import router as interop_router
from rtcc.dispatch.resident_routes import router as resident_router
from rtcc.dispatch.schemas import (
    AssignRequest,
    CallCreate,
    CallDetail,
    CallerRead,
    CallPage,
    CallRead,
    CallTypeRead,
    CloseRequest,
    DuplicateDecision,
    IntakeResult,
    MyDispatch,
    NoteCreate,
    NoteRead,
    PremiseCreate,
    PremiseHistory,
    PremiseRead,
    PremiseUpdate,
    RecommendationRead,
    ReopenRequest,
    RuleCreate,
    RuleRead,
    SchemeRead,
    StepRequest,
    UnitTypeRead,
)
from rtcc.dispatch.unit_routes import router as unit_router
from rtcc.identity.deps import require
from rtcc.identity.logic import Perm, Principal

api = APIRouter(prefix="/api/v1/dispatch", tags=["dispatch"])

Reader = Annotated[Principal, require(Perm.calls_read)]
Taker = Annotated[Principal, require(Perm.calls_create)]
Updater = Annotated[Principal, require(Perm.calls_update)]
Dispatcher = Annotated[Principal, require(Perm.calls_dispatch)]
CallerReader = Annotated[Principal, require(Perm.callers_read)]
RuleWriter = Annotated[Principal, require(Perm.priorities_write)]
PremiseReader = Annotated[Principal, require(Perm.premises_read)]
PremiseWriter = Annotated[Principal, require(Perm.premises_write)]
Field = Annotated[Principal, require(Perm.dispatch_self)]
Limit = Annotated[int, Query(ge=1, le=500)]

# --- catalogue and priority rules -------------------------------------------------------------------------------------


@api.get("/scheme")
def scheme(_p: Reader) -> SchemeRead:
    """The catalogue in use and its priority scheme (names, ranks, response-time targets)."""
    return calltypes.scheme_read()


@api.get("/call-types")
def call_types(db: DbDep, _p: Reader) -> list[CallTypeRead]:
    """Call types with their APCO codes, handling, and the priority in force now."""
    with db.read() as session:
        return calltypes.call_types(session)


@api.get("/unit-types")
def unit_types(_p: Reader) -> list[UnitTypeRead]:
    """Unit types and what each may do."""
    return calltypes.unit_types()


@api.get("/priority-rules")
def priority_rules(
    db: DbDep, _p: Reader, call_type: Annotated[str | None, Query(max_length=32)] = None
) -> list[RuleRead]:
    """Priority rule versions (of one call type), oldest first."""
    with db.read() as session:
        return calltypes.list_rules(session, call_type)


@api.post("/priority-rules", status_code=201)
def add_priority_rule(body: RuleCreate, db: DbDep, bus: BusDep, actor: RuleWriter) -> RuleRead:
    """Add a priority rule version, effective from a date; calls already received keep their priority (audited)."""
    with db.uow() as session:
        return calltypes.add_rule(session, bus, body, actor=actor)


# --- calls ------------------------------------------------------------------------------------------------------------


@api.post("/calls", status_code=201)
def take_call(body: CallCreate, db: DbDep, bus: BusDep, settings: SettingsDep, actor: Taker) -> IntakeResult:
    """Take a call: number, district, priority (the rule in force when received), queue; with the recent calls at
    the location, a proposed duplicate and the premise's history."""
    with db.uow() as session:
        return calls.intake(session, bus, settings, body, actor=actor)


@api.post("/calls/from-alert/{alert_id}", status_code=201)
def call_from_alert(alert_id: uuid.UUID, db: DbDep, bus: BusDep, settings: SettingsDep, actor: Taker) -> IntakeResult:
    """Take a call for a VERIFIED ALPR hit (RTCC-initiated): at the camera that read it, the catalogue's "attempt to
    locate" type, the alert as its source; asking again returns the same call. Opening the alert is audited."""
    with db.uow() as session:
        return from_alert.call_from_alert(session, bus, settings, alert_id, actor=actor)


@api.get("/calls")
def list_calls(
    db: DbDep,
    actor: Reader,
    status: Annotated[list[str] | None, Query(description="Call statuses (default: any).")] = None,
    queue: Annotated[str | None, Query(description="dispatch, cso or online_report.")] = None,
    open_only: Annotated[bool, Query(alias="open", description="Only calls that are not closed.")] = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> CallPage:
    """The calls you may see, most urgent and oldest first."""
    with db.read() as session:
        return calls.list_calls(
            session, actor=actor, statuses=status, queue=queue, open_only=open_only, limit=limit, offset=offset
        )


@api.get("/calls/by-number/{number}")
def call_by_number(number: str, db: DbDep, actor: Reader) -> CallDetail:
    """One call by its number (YY-NNNNNN)."""
    with db.read() as session:
        return calls.get_by_number(session, number, actor=actor)


@api.get("/calls/{call_id}")
def get_call(call_id: uuid.UUID, db: DbDep, actor: Reader) -> CallDetail:
    """One call with its units, timeline and notes."""
    with db.read() as session:
        return calls.get_call(session, call_id, actor=actor)


@api.get("/calls/{call_id}/caller")
def get_caller(call_id: uuid.UUID, db: DbDep, actor: CallerReader) -> CallerRead:
    """The caller's name and callback number (personal data: the read is audited)."""
    with db.uow() as session:
        return calls.caller(session, call_id, actor=actor)


@api.post("/calls/{call_id}/notes", status_code=201)
def add_note(call_id: uuid.UUID, body: NoteCreate, db: DbDep, bus: BusDep, actor: Updater) -> NoteRead:
    """Append a note (notes are never edited or deleted)."""
    with db.uow() as session:
        return calls.add_note(session, bus, call_id, body, actor=actor)


@api.post("/calls/{call_id}/duplicate")
def decide_duplicate(
    call_id: uuid.UUID, body: DuplicateDecision, db: DbDep, bus: BusDep, actor: Dispatcher
) -> CallRead:
    """Link the call to the call it duplicates, or keep it separate."""
    with db.uow() as session:
        return calls.decide_duplicate(session, bus, call_id, body, actor=actor)


@api.get("/calls/{call_id}/recommendation")
def recommendation(call_id: uuid.UUID, db: DbDep, actor: Dispatcher) -> RecommendationRead:
    """Eligible units ranked by travel time, capability, workload and coverage; every line says why."""
    with db.read() as session:
        return assignment.recommendation(session, call_id, actor=actor)


@api.post("/calls/{call_id}/assign")
def assign(call_id: uuid.UUID, body: AssignRequest, db: DbDep, bus: BusDep, actor: Dispatcher) -> CallRead:
    """Assign one or more units in one action; each is told at once. A unit already taken answers 409."""
    with db.uow() as session:
        return assignment.assign(session, bus, call_id, body, actor=actor)


@api.post("/calls/{call_id}/step")
def step(call_id: uuid.UUID, body: StepRequest, db: DbDep, bus: BusDep, actor: Updater) -> CallRead:
    """Move a unit's assignment a step (acknowledged, en route, on scene, cleared, cancelled)."""
    with db.uow() as session:
        return chain.step(session, bus, call_id, body, actor=actor)


@api.post("/calls/{call_id}/close")
def close(call_id: uuid.UUID, body: CloseRequest, db: DbDep, bus: BusDep, actor: Updater) -> CallRead:
    """Close the call with its disposition (every unit cleared first)."""
    with db.uow() as session:
        return chain.close(session, bus, call_id, body, actor=actor)


@api.post("/calls/{call_id}/reopen")
def reopen(call_id: uuid.UUID, body: ReopenRequest, db: DbDep, bus: BusDep, actor: Dispatcher) -> CallRead:
    """Reopen a closed call, saying why."""
    with db.uow() as session:
        return chain.reopen(session, bus, call_id, body, actor=actor)


@api.post("/calls/{call_id}/take")
def take(call_id: uuid.UUID, db: DbDep, bus: BusDep, actor: Updater) -> CallRead:
    """Take a call waiting in the CSO queue for your own unit."""
    with db.uow() as session:
        return assignment.take(session, bus, call_id, actor=actor)


@api.get("/queues/cso")
def cso_queue(db: DbDep, actor: Reader, limit: Limit = 100, offset: Offset = 0) -> CallPage:
    """Calls waiting for a CSO (differential response), most urgent and oldest first."""
    with db.read() as session:
        return assignment.cso_queue(session, actor=actor, limit=limit, offset=offset)


@api.get("/me")
def my_dispatch(db: DbDep, actor: Field) -> MyDispatch:
    """Your unit and its open calls (your current call first)."""
    with db.read() as session:
        return units.my_dispatch(session, actor=actor)


# --- premises ---------------------------------------------------------------------------------------------------------


@api.get("/premises")
def list_premises(
    db: DbDep,
    response: Response,
    _p: PremiseReader,
    q: Annotated[str | None, Query(max_length=128, description="Address or name contains this.")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[PremiseRead]:
    """Premises of the registry (X-Total-Count: how many match)."""
    with db.read() as session:
        rows, total = premises.search(session, q=q, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return rows


@api.post("/premises", status_code=201)
def create_premise(body: PremiseCreate, db: DbDep, actor: PremiseWriter) -> PremiseRead:
    """Register a premise (inside the city)."""
    with db.uow() as session:
        return premises.create(session, body, actor=actor)


@api.get("/premises/{premise_id}")
def get_premise(premise_id: uuid.UUID, db: DbDep, _p: PremiseReader) -> PremiseRead:
    """One premise."""
    with db.read() as session:
        return premises.get(session, premise_id)


@api.patch("/premises/{premise_id}")
def update_premise(premise_id: uuid.UUID, body: PremiseUpdate, db: DbDep, actor: PremiseWriter) -> PremiseRead:
    """Change a premise."""
    with db.uow() as session:
        return premises.update(session, premise_id, body, actor=actor)


@api.delete("/premises/{premise_id}", status_code=204)
def delete_premise(premise_id: uuid.UUID, db: DbDep, actor: PremiseWriter) -> Response:
    """Remove a premise no call refers to."""
    with db.uow() as session:
        premises.delete(session, premise_id, actor=actor)
    return Response(status_code=204)


@api.get("/premises/{premise_id}/history")
def premise_history(premise_id: uuid.UUID, db: DbDep, _p: PremiseReader) -> PremiseHistory:
    """A premise's calls, false alarms in the last 12 months, and hazards."""
    with db.read() as session:
        return premises.history_of(session, premise_id)


router = APIRouter()
router.include_router(api)
router.include_router(unit_router)
router.include_router(alarm_router)
router.include_router(interop_router)
router.include_router(resident_router)
