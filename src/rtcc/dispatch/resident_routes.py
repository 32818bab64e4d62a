"""HTTP routes of the calls and online reports a community account made, under ``/api/v1/community/reports``
(included by ``rtcc.dispatch.routes``): file an online report, list your own, follow one. ``community:self`` only;
another account's call answers 404. What is returned is the coarse view of ``rtcc.dispatch.resident_schemas``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from rtcc.deps import BusDep, DbDep, SettingsDep
from rtcc.dispatch import reports
from rtcc.dispatch.resident_schemas import OnlineReportCreate, ReportTypeRead, ResidentCallRead
from rtcc.identity.deps import require
from rtcc.identity.logic import Perm, Principal

router = APIRouter(prefix="/api/v1/community/reports", tags=["community"])

Resident = Annotated[Principal, require(Perm.community_self)]


@router.get("/types")
def report_types(_p: Resident) -> list[ReportTypeRead]:
    """The call types a resident may report online."""
    return reports.report_types()


@router.post("", status_code=201)
def file_report(
    body: OnlineReportCreate, db: DbDep, bus: BusDep, settings: SettingsDep, actor: Resident
) -> ResidentCallRead:
    """File an online report (a call type the catalogue lets an online report take, a point inside the city)."""
    with db.uow() as session:
        return reports.file_report(session, bus, settings, body, actor=actor)


@router.get("")
def my_reports(db: DbDep, actor: Resident, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[ResidentCallRead]:
    """Your calls and online reports, newest first, with their coarse status (received, assigned, visited, closed)."""
    with db.read() as session:
        return reports.my_reports(session, actor=actor, limit=limit)


@router.get("/{call_id}")
def my_report(call_id: uuid.UUID, db: DbDep, actor: Resident) -> ResidentCallRead:
    """One of your calls or online reports."""
    with db.read() as session:
        return reports.my_report(session, call_id, actor=actor)
