"""The patrol job: every ``RTCC_PATROL_INTERVAL_S`` seconds it makes the near-repeat alerts of new burglary calls
(``nearrepeats.sync``) and logs the house-check visits that the units' tracks show for the plans of the last day
(``plans.measure_open``), one transaction a pass. A failed pass is logged and the loop carries on. Run it in one
process per deployment."""

from __future__ import annotations

import logging
from functools import partial

from rtcc.core.periodic import start_periodic, stop_task
from rtcc.patrol import nearrepeats, plans
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

TASK = "patrol.sync"


def run_once(runtime: Runtime) -> tuple[int, int]:
    """One pass: (near-repeat alerts made, house-check visits logged)."""
    with runtime.db.uow() as session:
        made = nearrepeats.sync(session, runtime.settings)
        visits = plans.measure_open(session, runtime.settings)
    return made, visits


def _pass(runtime: Runtime) -> None:
    made, visits = run_once(runtime)
    if made or visits:
        logger.info("patrol: %d near-repeat alert(s) made, %d house-check visit(s) logged", made, visits)


async def start(runtime: Runtime) -> None:
    """Start the loop (an interval of 0 or less disables it)."""
    interval = float(runtime.settings.patrol_interval_s)
    start_periodic(runtime.services, TASK, partial(_pass, runtime), interval, first_delay_s=min(30.0, interval))


async def stop(runtime: Runtime) -> None:
    """Cancel the loop; a pass in progress finishes its transaction first."""
    await stop_task(runtime.services, TASK)
