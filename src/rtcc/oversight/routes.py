"""HTTP API of the oversight domain under ``/api/v1/oversight``: the KPI table, priority-rule changes with their
before/after, contract versions, and the council reports (list, generate, download). Reading needs
``oversight:read`` (supervisors, analysts, auditors, the ``contract_viewer`` role of the station and city staff);
importing a contract and generating a report need ``oversight:admin``.

The KPI table and a rule change's before/after count the calls of the request's divisions only (a divisional user's
own; an RTCC-wide role sees the city and narrows it with ``?division=``; reaching into another division needs a
purpose and is audited: ``rtcc.identity.divisions``). The interval table they read is brought up to date first in a
transaction of its own, unscoped: it is derived machinery holding every division's calls, and on PostgreSQL the
scoped request's row-level security would otherwise hide the other divisions' calls from the refresh (and move its
marks past them). The council reports are filed city-wide documents (the contract is the city's) and stay so."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from rtcc.core import divisions
from rtcc.core.db import Database
from rtcc.deps import DbDep
from rtcc.dispatch.schemas import RuleRead
from rtcc.identity.deps import require
from rtcc.identity.logic import Perm, Principal
from rtcc.oversight import changes, contracts, intervals, kpis, reports
from rtcc.oversight.reports import Form
from rtcc.oversight.schemas import (
    ContractRead,
    ContractTerms,
    Dimension,
    Interval,
    KpiTable,
    ReportRead,
    ReportRequest,
    RuleChangeRead,
)

router = APIRouter(prefix="/api/v1/oversight", tags=["oversight"])

Reader = Annotated[Principal, require(Perm.oversight_read)]
Admin = Annotated[Principal, require(Perm.oversight_admin)]


def _refresh(db: Database) -> None:
    """Bring the interval table up to date, unscoped (see the module docstring)."""
    with divisions.scope(None), db.uow() as session:
        intervals.refresh(session)


@router.get("/kpis")
def kpi_table(
    db: DbDep,
    _p: Reader,
    interval: Interval = "response",
    group_by: Dimension = "priority",
    since: date | None = None,
    until: date | None = None,
    priority: str | None = None,
    call_type: str | None = None,
    shift: str | None = None,
    district: str | None = None,
    unit_type: str | None = None,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
    level: Annotated[float, Query(ge=0.5, lt=1)] = 0.95,
    n_boot: Annotated[int, Query(ge=10, le=10_000)] = kpis.N_BOOT,
) -> KpiTable:
    """One interval's median, p90 and mean with bootstrap intervals per group, and each group's data quality."""
    given = {
        "priority": priority,
        "call_type": call_type,
        "shift": shift,
        "district": district,
        "unit_type": unit_type,
        "month": month,
    }
    q = kpis.KpiQuery(
        interval=interval,
        group_by=group_by,
        since=since,
        until=until,
        filters={k: v for k, v in given.items() if v},
        level=level,
        n_boot=n_boot,
    )
    _refresh(db)
    with db.read() as session:
        return kpis.compute(session, q, refresh=False)


@router.get("/rules")
def rule_list(db: DbDep, _p: Reader) -> list[RuleRead]:
    """Priority rule versions, newest first (the changes one can compare before and after)."""
    with db.read() as session:
        return changes.rules(session)


@router.get("/rules/{rule_id}/change")
def rule_change(
    rule_id: int,
    db: DbDep,
    _p: Reader,
    interval: Interval = "response",
    window_days: Annotated[int, Query(ge=7, le=3650)] = 120,
) -> RuleChangeRead:
    """The calls a rule change affected, before and after its effective time, and the difference with its CI."""
    _refresh(db)
    with db.read() as session:
        return changes.rule_change(session, rule_id, interval=interval, window_days=window_days, refresh=False)


@router.get("/contracts")
def contract_list(db: DbDep, _p: Reader) -> list[ContractRead]:
    """Contract versions, newest first."""
    with db.read() as session:
        return contracts.versions(session)


@router.post("/contracts", status_code=201)
def contract_add(body: ContractTerms, db: DbDep, actor: Admin) -> ContractRead:
    """Add a contract version (one per effective date)."""
    with db.uow() as session:
        return contracts.add(session, body, actor=actor, source="api")


@router.get("/reports")
def report_list(db: DbDep, _p: Reader) -> list[ReportRead]:
    """Filed council reports, newest month first."""
    with db.read() as session:
        return reports.listing(session)


@router.post("/reports", status_code=201)
def report_generate(body: ReportRequest, db: DbDep, actor: Admin) -> ReportRead:
    """Generate (or regenerate) a month's council report and file it."""
    with db.uow() as session:
        return reports.generate(session, body.month, actor=actor)


@router.get(
    "/reports/{month}.{form}",
    response_class=Response,
    responses={
        200: {
            "description": "The report as HTML, PDF or CSV",
            "content": {"text/html": {}, "application/pdf": {}, "text/csv": {}},
        }
    },
)
def report_download(
    month: Annotated[str, Path(pattern=r"^\d{4}-\d{2}$")], form: Form, db: DbDep, actor: Reader
) -> Response:
    """A filed report as HTML, PDF or CSV (audited)."""
    with db.uow() as session:
        content = reports.download(session, month, form, actor=actor)
    headers = {"Content-Disposition": f'inline; filename="council-report-{month}.{form}"'}
    return Response(content=content, media_type=reports.MEDIA[form], headers=headers)
