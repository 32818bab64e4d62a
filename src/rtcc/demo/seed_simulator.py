"""Seed the demo's what-if simulator runs, in the background after start (``runner``), so /app/simulator opens on
results: a scenario ("+1 CSO on the PM shift" beside the baseline, fitted on the last weeks of the simulated CAD
history), a backtest of that history (its first 8 whole ISO weeks fitted, the 3 after predicted), and, where
``RTCC_DEMO_CAD_HISTORY`` names a CAD export (e.g. the Alexandria DECC extract), that export imported and backtested
the same way in its own time zone.

Every run goes through the simulator's own service (``start_run`` then ``execute``: stored, audited, with progress),
as a user's would. Idempotent: a kind of run that finished for an origin is not run again; an export already
imported is not stored twice (the import skips stored calls).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rtcc.core.db import Database
from rtcc.dispatch import history
from rtcc.dispatch.adapters.cad_history import CadFile
from rtcc.identity.logic import SYSTEM
from rtcc.simulator import service
from rtcc.simulator.fit import history_zone, load_history
from rtcc.simulator.schemas import BacktestCreate, RunCreate

logger = logging.getLogger(__name__)

#: Weeks a backtest fits on, and weeks it predicts.
FIT_WEEKS, PREDICT_WEEKS = 8, 3
#: Weeks the demo scenario is fitted on (the last ones of the history).
SCENARIO_WEEKS = 8
#: Replications of each demo run (enough for confidence intervals, short enough for a start-up thread).
REPLICATIONS = 5


def _done(db: Database, kind: str, origin: str) -> bool:
    with db.read() as session:
        return any(
            r.kind == kind and r.status == "done" and r.request.get("origin") == origin
            for r in service.list_runs(session, limit=200)
        )


def _run(db: Database, kind: str, request: RunCreate | BacktestCreate) -> str:
    with db.uow() as session:
        run = service.start_run(session, kind, request, actor=SYSTEM)
    service.execute(db, run.id)
    with db.read() as session:
        return service.get_run(session, run.id).status


def backtest_request(
    db: Database,
    origin: str,
    *,
    fit: timedelta = timedelta(weeks=FIT_WEEKS),
    predict: timedelta = timedelta(weeks=PREDICT_WEEKS),
    monday: bool = True,
) -> BacktestCreate | None:
    """From the first local midnight of ``origin``'s history (in its own zone; with ``monday``, the first Monday's:
    ISO weeks, e.g. DECC weeks 35-42 fitted, 43-45 predicted), ``fit`` fitted and the ``predict`` after it
    predicted; None when the history is shorter."""
    with db.read() as session:
        zone = history_zone(session, origin)
        h = load_history(session, origin=origin, since=None, until=None, required=False)
    if h.n == 0:
        return None
    fit_from = datetime.fromtimestamp(h.first, zone).replace(hour=0, minute=0, second=0, microsecond=0)
    if monday and fit_from.timestamp() < h.first - 3600:
        fit_from += timedelta(days=1)  # the first whole day
    if monday:
        fit_from += timedelta(days=(7 - fit_from.weekday()) % 7)
    fit_until = fit_from + fit  # local wall-clock arithmetic: midnight stays midnight across a DST change
    predict_until = fit_until + predict
    if predict_until.timestamp() > h.last + 2 * 86400:  # an export may stop a day or two short of its last week
        return None
    return BacktestCreate(
        origin=origin,
        fit_from=fit_from.astimezone(UTC),
        fit_until=fit_until.astimezone(UTC),
        predict_until=predict_until.astimezone(UTC),
        replications=REPLICATIONS,
    )


def scenario_request(db: Database, origin: str) -> RunCreate | None:
    """ "+1 CSO on the PM shift" (the simulator's own preset) fitted on the last ``SCENARIO_WEEKS`` of ``origin``."""
    with db.read() as session:
        h = load_history(session, origin=origin, since=None, until=None, required=False)
        if h.n == 0:
            return None
        since = datetime.fromtimestamp(h.last, UTC) - timedelta(weeks=SCENARIO_WEEKS)
        found = {p.key: p.scenario for p in service.scenario_presets(session, origin=origin)}
    if "cso_pm" not in found:
        return None
    return RunCreate(scenario=found["cso_pm"], origin=origin, since=since, replications=REPLICATIONS)


def seed(db: Database, *, origin: str, cad_history: Path | None = None) -> dict[str, str]:
    """Run what is not done yet (module docstring); the status of each run started, by name."""
    out: dict[str, str] = {}
    scen = None if _done(db, "scenario", origin) else scenario_request(db, origin)
    if scen is not None:
        out[f"scenario {origin}"] = _run(db, "scenario", scen)
    back = None if _done(db, "backtest", origin) else backtest_request(db, origin)
    if back is not None:
        out[f"backtest {origin}"] = _run(db, "backtest", back)
    if cad_history is not None:
        cad = CadFile(cad_history)
        with db.uow() as session:
            report = history.import_file(session, cad, actor=SYSTEM)
        imported = f"cad:{cad.layout}"
        logger.info("demo: %s call(s) of %s imported", report.imported, cad_history.name)
        back = None if _done(db, "backtest", imported) else backtest_request(db, imported)
        if back is not None:
            out[f"backtest {imported}"] = _run(db, "backtest", back)
    return out
