"""HTTP routes of the patrol domain under ``/api/v1/patrol``: near-repeat alerts (staff: list, refresh, publish to
the neighborhood), patrol plans (staff: make, list, read, report; field users: their own unit's plan and their note
on a house check), and residents' house checks (their own only)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import AwareDatetime

from rtcc.core import etag
from rtcc.deps import DbDep, SettingsDep
from rtcc.dispatch import queries as dispatch
from rtcc.identity.deps import require
from rtcc.identity.logic import Perm, Principal
from rtcc.patrol import housechecks, nearrepeats, plans
from rtcc.patrol.schemas import (
    DoseReport,
    HouseCheckCreate,
    HouseCheckRead,
    NearRepeatRead,
    PlanCreate,
    PlanRead,
    VisitNote,
    VisitRead,
)

router = APIRouter(prefix="/api/v1/patrol", tags=["patrol"])

Reader = Annotated[Principal, require(Perm.patrol_read)]
Planner = Annotated[Principal, require(Perm.patrol_plan)]
Publisher = Annotated[Principal, require(Perm.community_admin)]
Field = Annotated[Principal, require(Perm.dispatch_self)]
Resident = Annotated[Principal, require(Perm.community_self)]


@router.get("/near-repeats")
def list_near_repeats(
    db: DbDep,
    _p: Reader,
    active: Annotated[bool, Query(description="Only alerts whose window holds now.")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[NearRepeatRead]:
    """Near-repeat alerts, newest first."""
    with db.read() as session:
        return nearrepeats.list_alerts(session, active_only=active, limit=limit)


@router.post("/near-repeats/sync")
def sync_near_repeats(db: DbDep, settings: SettingsDep, _p: Reader) -> dict[str, int]:
    """Make the alerts of recent burglary calls that have none yet (the patrol job does it every minute too)."""
    with db.uow() as session:
        return {"created": nearrepeats.sync(session, settings)}


@router.post("/near-repeats/{alert_id}/publish")
def publish_near_repeat(alert_id: uuid.UUID, db: DbDep, settings: SettingsDep, actor: Publisher) -> NearRepeatRead:
    """Publish the alert to its neighborhood's community alerts (audited; the neighborhood only, never the address)."""
    with db.uow() as session:
        return nearrepeats.publish(session, settings, alert_id, actor=actor)


@router.post("/plans", status_code=201)
def create_plan(body: PlanCreate, db: DbDep, settings: SettingsDep, actor: Planner) -> PlanRead:
    """Make a unit's patrol plan for a shift window."""
    with db.uow() as session:
        return plans.create(session, settings, body, actor=actor)


@router.get("/plans")
def list_plans(
    db: DbDep,
    _p: Reader,
    call_sign: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[PlanRead]:
    """Plans newest first, with dose planned and delivered (house checks without their addresses)."""
    with db.read() as session:
        return plans.list_plans(session, call_sign=call_sign, limit=limit)


@router.get("/plans/mine", response_model=PlanRead | None, responses=etag.NOT_MODIFIED_RESPONSE)
def my_plan(request: Request, response: Response, db: DbDep, actor: Field) -> PlanRead | Response | None:
    """The field user's current plan (their unit's), with dose planned and delivered. The field view polls it with
    ``If-None-Match``: an unchanged plan answers 304, and only a plan actually sent (residents' addresses disclosed)
    is audited."""
    with db.uow() as session:
        plan = plans.mine(session, actor=actor)
        tag = etag.of(plan)
        if etag.matches(request, tag):
            return etag.not_modified(tag)
        if plan is not None:
            plans.audit_read(session, plan, actor)
    response.headers["ETag"] = tag
    response.headers["Cache-Control"] = "private, no-cache"
    return plan


@router.get("/plans/{plan_id}")
def get_plan(plan_id: uuid.UUID, db: DbDep, actor: Reader) -> PlanRead:
    """One plan with its stops (house-check addresses: the read is audited)."""
    with db.uow() as session:
        return plans.get(session, plan_id, actor=actor, own_only=False)


@router.post("/plans/{plan_id}/measure")
def measure_plan(plan_id: uuid.UUID, db: DbDep, settings: SettingsDep, _p: Reader) -> dict[str, int]:
    """Log the house-check visits the unit's track shows now (the patrol job does it every minute too)."""
    with db.uow() as session:
        return {"visits_logged": plans.measure(session, settings, plan_id)}


@router.get("/report")
def dose_report(
    db: DbDep,
    settings: SettingsDep,
    _p: Reader,
    since: Annotated[AwareDatetime, Query()],
    until: Annotated[AwareDatetime, Query()],
) -> DoseReport:
    """Dose delivered against burglaries in patrolled and comparable unpatrolled cells (the rule is in the answer)."""
    with db.read() as session:
        return plans.report(session, settings, since=since, until=until)


@router.get("/house-checks")
def house_checks_due(
    db: DbDep, actor: Reader, day: Annotated[date, Query(description="The day (city time).")]
) -> list[HouseCheckRead]:
    """The house checks due on a day, with addresses and keyholders (audited)."""
    with db.uow() as session:
        return housechecks.staff_list(session, day, actor=actor)


@router.post("/house-checks/{check_id}/visits", status_code=201)
def note_visit(check_id: uuid.UUID, body: VisitNote, db: DbDep, actor: Field) -> VisitRead:
    """The unit's note on a house check of its plan: all secure, or something found (the resident is told at once)."""
    with db.uow() as session:
        sign = dispatch.my_call_sign(session, actor)
        ids = plans.plan_ids_with_check(session, sign, check_id) if sign else []
        return housechecks.note_visit(session, check_id, body, actor=actor, call_sign=sign, plan_ids=ids)


@router.get("/me/house-checks")
def my_house_checks(db: DbDep, actor: Resident) -> list[HouseCheckRead]:
    """The resident's own house-check requests with every check made."""
    with db.read() as session:
        return housechecks.mine(session, actor=actor)


@router.post("/me/house-checks", status_code=201)
def request_house_check(body: HouseCheckCreate, db: DbDep, actor: Resident) -> HouseCheckRead:
    """Ask for checks of your house while you are away."""
    with db.uow() as session:
        return housechecks.create(session, body, actor=actor)


@router.post("/me/house-checks/{check_id}/cancel")
def cancel_house_check(check_id: uuid.UUID, db: DbDep, actor: Resident) -> HouseCheckRead:
    """Cancel your request (no more checks)."""
    with db.uow() as session:
        return housechecks.cancel(session, check_id, actor=actor)
