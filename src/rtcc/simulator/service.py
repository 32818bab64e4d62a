"""Use cases of the what-if simulator: a scenario beside its baseline, the backtest against unseen weeks, and the stored
runs (a row with progress and results) that the API starts in the background.

``compare`` fits once, builds the baseline and the scenario from the same fit (``rtcc.simulator.scenarios``) and runs
both with the same seeds (common random numbers: the same calls arrive in both, so the difference is the scenario's).
``backtest`` fits on ``[fit_from, fit_until)``, simulates ``[fit_until, predict_until)`` from its local hour of the
week, and sets the predicted median and 90th percentile response per priority beside what the history observed.
``start_run`` stores a queued row (audited) and ``execute`` runs it in a worker thread, one transaction per progress
update, so a screen polling the row sees the per cent move.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.errors import NotFound, invalid
from rtcc.identity.logic import Principal
from rtcc.simulator import repository
from rtcc.simulator.fit import as_utc, fit, history_zone, load_history
from rtcc.simulator.models import SimulationRun
from rtcc.simulator.runs import run_model
from rtcc.simulator.scenarios import ScenarioError, build_model, presets
from rtcc.simulator.schemas import BacktestCreate, RunCreate, RunRead, Scenario, ScenarioPreset

logger = logging.getLogger(__name__)
Progress = Callable[[float], None]


def as_utc_(moment: datetime) -> datetime:
    """``as_utc`` of a time that is there."""
    found = as_utc(moment)
    assert found is not None
    return found


def _tz(name: str | None) -> ZoneInfo | None:
    return ZoneInfo(name) if name else None


def _start_how(moment: datetime | None, tz: ZoneInfo) -> float:
    if moment is None:
        return 0.0
    local = as_utc_(moment).astimezone(tz)
    return local.weekday() * 24 + local.hour + local.minute / 60.0


def compare(
    session: Session,
    req: RunCreate,
    *,
    tz: str | None = None,
    mode: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The scenario and its baseline side by side (module docstring)."""
    zone = _tz(tz) or history_zone(session, req.origin)
    fitted, notes = fit(session, origin=req.origin, since=req.since, until=req.until, tz=zone, mode=mode)
    try:
        base_model = build_model(fitted, Scenario())
        scen_model = build_model(fitted, req.scenario)
    except ScenarioError as exc:
        raise invalid(f"scenario.{exc.field}", str(exc)) from None
    reps = req.replications
    start = _start_how(req.until, zone)

    def step(offset: int) -> Callable[[int], None]:
        return lambda done: progress((offset + done) / (2 * reps)) if progress else None

    common = {"hours": req.hours, "replications": reps, "seed": req.seed, "start_hour_of_week": start}
    baseline = run_model(base_model, progress=step(0), **common)  # type: ignore[arg-type]
    scenario = run_model(scen_model, progress=step(reps), **common)  # type: ignore[arg-type]
    return {
        "scenario_name": req.scenario.name,
        "notes": notes,
        "zones": list(fitted.zones),
        "baseline": baseline,
        "scenario": scenario,
    }


def backtest(
    session: Session,
    req: BacktestCreate,
    *,
    tz: str | None = None,
    mode: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Predicted against observed median and p90 response by priority on the unseen window (module docstring)."""
    if req.predict_until <= req.fit_until:
        raise invalid("predict_until", "must be after fit_until")
    zone = _tz(tz) or history_zone(session, req.origin)
    fitted, notes = fit(session, origin=req.origin, since=req.fit_from, until=req.fit_until, tz=zone, mode=mode)
    model = build_model(fitted, Scenario())
    observed = load_history(session, origin=req.origin, since=req.fit_until, until=req.predict_until, required=False)
    hours = (as_utc_(req.predict_until) - as_utc_(req.fit_until)).total_seconds() / 3600.0
    start = _start_how(req.fit_until, zone)
    sim = run_model(
        model,
        hours=hours,
        replications=req.replications,
        seed=req.seed,
        start_hour_of_week=start,
        progress=(lambda done: progress(done / req.replications)) if progress else None,
    )
    response = observed.interval("received", "on_scene")
    prio = np.asarray(observed.priority)
    rows = []
    for p in sim["priorities"]:
        x = response[(prio == p["priority"]) & np.isfinite(response)]
        obs_med = float(np.median(x)) if x.size else None
        obs_p90 = float(np.quantile(x, 0.9)) if x.size else None
        pred_med, pred_p90 = p["median_s"]["value"], p["p90_s"]["value"]
        rows.append(
            {
                "priority": p["priority"],
                "observed_calls": int(x.size),
                "predicted_calls": p["calls"] / max(req.replications, 1),
                "observed_median_s": obs_med,
                "predicted_median_s": pred_med,
                "predicted_median_ci": [p["median_s"]["lo"], p["median_s"]["hi"]],
                "median_error_pct": _pct(pred_med, obs_med),
                "observed_p90_s": obs_p90,
                "predicted_p90_s": pred_p90,
                "predicted_p90_ci": [p["p90_s"]["lo"], p["p90_s"]["hi"]],
                "p90_error_pct": _pct(pred_p90, obs_p90),
            }
        )
    return {
        "notes": notes,
        "fit_from": req.fit_from.isoformat() if req.fit_from else None,
        "fit_until": req.fit_until.isoformat(),
        "predict_until": req.predict_until.isoformat(),
        "units": len(model.units),
        "rows": rows,
        "simulation": {k: sim[k] for k in ("replications", "calls", "events", "queue")},
    }


def _pct(pred: float | None, obs: float | None) -> float | None:
    if pred is None or obs is None or obs == 0:
        return None
    return 100.0 * (pred - obs) / obs


def week_bounds(year: int, first_week: int, last_week: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The start of ISO week ``first_week`` and the end of ``last_week`` of ``year``, local midnight, in UTC."""
    start = datetime.fromisocalendar(year, first_week, 1).replace(tzinfo=tz)
    end = datetime.fromisocalendar(year, last_week, 1).replace(tzinfo=tz) + timedelta(days=7)
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


def scenario_presets(session: Session, *, origin: str | None = None) -> list[ScenarioPreset]:
    """Ready-made scenarios for the fitted city (empty when there is no history to fit)."""
    fitted, _ = fit(session, origin=origin, since=None, until=None)
    return presets(fitted)


# --- stored runs -----------------------------------------------------------------------------------------------


def _read(row: SimulationRun) -> RunRead:
    return RunRead.model_validate(row, from_attributes=True)


def start_run(session: Session, kind: str, request: RunCreate | BacktestCreate, *, actor: Principal) -> RunRead:
    """Store a queued run (audited as ``simulator.run.start``); ``execute`` runs it."""
    name = request.scenario.name if isinstance(request, RunCreate) else "backtest"
    row = SimulationRun(
        id=uuid.uuid4(),
        kind=kind,
        name=name,
        status="queued",
        progress=0,
        request=request.model_dump(mode="json"),
        results=None,
        error=None,
        created_by=actor.name,
        created_at=utcnow(),
        finished_at=None,
    )
    repository.add(session, row)
    audit.record_for(
        session,
        actor,
        "simulator.run.start",
        target_type="simulator_run",
        target_id=str(row.id),
        details={"kind": kind, "name": name},
    )
    return _read(row)


def get_run(session: Session, run_id: uuid.UUID) -> RunRead:
    """One run; NotFound when there is none."""
    row = repository.get(session, run_id)
    if row is None:
        raise NotFound(f"no simulator run {run_id}")
    return _read(row)


def list_runs(session: Session, *, limit: int = 50) -> list[RunRead]:
    """The latest runs, newest first."""
    return [_read(r) for r in repository.latest(session, limit)]


def execute(db: Database, run_id: uuid.UUID) -> None:
    """Run a stored run to its end, writing progress as it goes; a failure is stored on the row, never raised."""
    with db.uow() as session:
        row = repository.get(session, run_id)
        if row is None:
            return
        row.status = "running"
        kind, request = row.kind, dict(row.request)
    last = [-1]

    def progress(share: float) -> None:
        pct = min(99, int(share * 100))
        if pct != last[0]:
            last[0] = pct
            with db.uow() as s:
                repository.set_progress(s, run_id, pct)

    try:
        with db.read() as session:
            if kind == "scenario":
                results = compare(session, RunCreate.model_validate(request), progress=progress)
            else:
                results = backtest(session, BacktestCreate.model_validate(request), progress=progress)
        status, error = "done", None
    except Exception as exc:  # the run's boundary: store why it failed and carry on
        logger.exception("simulator run %s failed", run_id)
        results, status, error = None, "failed", str(exc)[:2000]
    with db.uow() as session:
        repository.finish(session, run_id, status=status, results=results, error=error, at=utcnow())


def execute_in_background(db: Database, run_id: uuid.UUID) -> threading.Thread:
    """Start ``execute`` in a daemon thread (the API answers at once; the screen polls the row)."""
    t = threading.Thread(target=execute, args=(db, run_id), name=f"simulator-{run_id}", daemon=True)
    t.start()
    return t
