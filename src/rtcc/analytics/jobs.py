"""The scheduled forecast job: every ``RTCC_ANALYTICS_FORECAST_INTERVAL_S`` seconds, recompute and store every
category's forecast at every configured horizon (``forecasts.run_all``) in one unit of work, so the screen reads
stored rows. The first pass runs a minute after start (short-lived processes never run it); a failed pass is logged
and retried at the next interval."""

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
    """One pass in its own unit of work; returns how many forecasts were stored."""
    with runtime.db.uow() as session:
        n = forecasts.run_all(session, runtime.settings, actor=SYSTEM)
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
