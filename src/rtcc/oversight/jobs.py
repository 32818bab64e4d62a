"""The oversight jobs: every ``INTERVAL_S`` seconds, bring the KPI interval table up to date (and this process's
in-memory KPI columns, ``rtcc.oversight.columns``, with it) and, from the 1st of a
month on (city time), file the previous month's council report if it is not filed yet (so a server down on the 1st
files it when it comes back). One transaction per pass. Runs in the ``jobs`` worker role (the API process in the
embedded profile)."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from rtcc.core.periodic import start_periodic, stop_task
from rtcc.identity.logic import SYSTEM
from rtcc.oversight import columns, intervals, logic, reports
from rtcc.places import service as places
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

TASK = "oversight.monthly"
INTERVAL_S = 300.0
FIRST_PASS_DELAY_S = 90.0


def one_pass(runtime: Runtime, now: datetime | None = None) -> str | None:
    """Refresh the interval table; file last month's report when missing. Returns the month filed, if any."""
    today = (now or datetime.now(places.city_zone())).astimezone(places.city_zone()).date()
    month = logic.previous_month(today)
    with runtime.db.uow() as session:
        intervals.refresh(session)
        columns.load(session)  # keeps this process's KPI columns warm (the first screen need not read them all)
        if reports.exists(session, month):
            return None
        reports.generate(session, month, actor=SYSTEM)
    logger.info("council report for %s filed", month)
    return month


async def start(runtime: Runtime) -> None:
    """Start the pass every ``INTERVAL_S`` seconds."""
    start_periodic(runtime.services, TASK, partial(one_pass, runtime), INTERVAL_S, first_delay_s=FIRST_PASS_DELAY_S)


async def stop(runtime: Runtime) -> None:
    """Cancel the loop (a pass in progress finishes its transaction)."""
    await stop_task(runtime.services, TASK)
