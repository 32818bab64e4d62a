"""The scheduled forecast job: every ``RTCC_ANALYTICS_FORECAST_INTERVAL_S`` seconds, recompute and store every
category's forecast at every configured horizon, the city's and each division's (``forecasts.job_plan``), each built
on a read session and stored in its own short unit of work, so the screen reads stored rows. The first pass runs a
minute after start (short-lived processes never run it); a failed pass is logged and retried at the next interval."""

from __future__ import annotations

import logging
from functools import partial

from rtcc.analytics import forecasts
from rtcc.core.periodic import start_periodic, stop_task
from rtcc.identity.logic import SYSTEM
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

TASK = "analytics.forecasts"
FIRST_PASS_DELAY_S = 60.0


def run_once(runtime: Runtime) -> int:
    """One pass: each forecast is built in a read session and stored in its own short unit of work (on SQLite a
    write transaction holds the one writer, so model fitting never happens inside one); returns how many."""
    n = 0
    for division, category, horizon in forecasts.job_plan(runtime.settings):
        with runtime.db.read() as session:
            row = forecasts.build(
                session, runtime.settings, category=category, horizon_days=horizon, actor=SYSTEM, division=division
            )
        with runtime.db.uow() as session:
            forecasts.store(session, [row])
        n += 1
    logger.info("forecast job: %d forecasts stored", n)
    return n


async def start(runtime: Runtime) -> None:
    """Schedule the forecast job (an interval of 0 or less disables it)."""
    interval = float(runtime.settings.analytics_forecast_interval_s)
    start_periodic(
        runtime.services, TASK, partial(run_once, runtime), interval, first_delay_s=min(interval, FIRST_PASS_DELAY_S)
    )


async def stop(runtime: Runtime) -> None:
    """Cancel the job; a pass in progress finishes its transaction first."""
    await stop_task(runtime.services, TASK)
