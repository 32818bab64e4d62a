"""HTTP routes of the simulator (``/api/v1/simulator``): ready-made scenarios, start a scenario run or a backtest
(``simulator:run``; the run executes in a background thread and the answer is its queued row), and read runs with
their progress and results (``simulator:read``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from rtcc.deps import DbDep
from rtcc.identity.deps import require
from rtcc.identity.logic import Perm, Principal
from rtcc.simulator import service
from rtcc.simulator.schemas import BacktestCreate, RunCreate, RunRead, ScenarioPreset

router = APIRouter(prefix="/api/v1/simulator", tags=["simulator"])

Reader = Annotated[Principal, require(Perm.simulator_read)]
Runner = Annotated[Principal, require(Perm.simulator_run)]


@router.get("/presets")
def get_presets(
    db: DbDep, _p: Reader, origin: Annotated[str | None, Query(max_length=48)] = None
) -> list[ScenarioPreset]:
    """Ready-made scenarios for the city fitted on its imported history."""
    with db.read() as session:
        return service.scenario_presets(session, origin=origin)


@router.get("/runs")
def get_runs(db: DbDep, _p: Reader, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[RunRead]:
    """The latest runs, newest first."""
    with db.read() as session:
        return service.list_runs(session, limit=limit)


@router.get("/runs/{run_id}")
def get_run(run_id: uuid.UUID, db: DbDep, _p: Reader) -> RunRead:
    """One run with its progress and, once done, its results."""
    with db.read() as session:
        return service.get_run(session, run_id)


@router.post("/runs", status_code=status.HTTP_202_ACCEPTED)
def post_run(body: RunCreate, db: DbDep, p: Runner) -> RunRead:
    """Start a scenario run beside its baseline in the background; poll the run for progress."""
    with db.uow() as session:
        run = service.start_run(session, "scenario", body, actor=p)
    service.execute_in_background(db, run.id)
    return run


@router.post("/backtests", status_code=status.HTTP_202_ACCEPTED)
def post_backtest(body: BacktestCreate, db: DbDep, p: Runner) -> RunRead:
    """Start a backtest (fit, predict the unseen window, compare) in the background."""
    with db.uow() as session:
        run = service.start_run(session, "backtest", body, actor=p)
    service.execute_in_background(db, run.id)
    return run
