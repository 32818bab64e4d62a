"""The drone flights job: every ``JOB_INTERVAL_S`` seconds it purges drone footage past its retention
(``rtcc.drones.footage_retention.purge_due``) and joins the outcome of calls that closed since their flight landed
(``rtcc.drones.flights.refresh_outcomes``). A failed pass is logged and the loop carries on. One process per
deployment (role ``jobs``).
"""

from __future__ import annotations

import logging
from functools import partial

from rtcc.core.periodic import start_periodic, stop_task
from rtcc.drones import flights, footage_retention
from rtcc.footage.storage import store_for
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

TASK = "drones.flights"
JOB_INTERVAL_S = 300.0


def run_once(runtime: Runtime) -> tuple[int, int]:
    """One pass: (recordings purged, flights whose call closed)."""
    store = store_for(runtime.settings.footage_dir, runtime.settings.data_dir)
    with runtime.db.uow() as session:
        purged = footage_retention.purge_due(session, store)
    with runtime.db.uow() as session:
        closed = flights.refresh_outcomes(session)
    return purged, closed


def _pass(runtime: Runtime) -> None:
    purged, closed = run_once(runtime)
    if purged or closed:
        logger.info("drone flights job: %d recording(s) purged, %d outcome(s) joined", purged, closed)


async def start(runtime: Runtime) -> None:
    """Start the loop."""
    start_periodic(runtime.services, TASK, partial(_pass, runtime), JOB_INTERVAL_S, first_delay_s=30.0)


async def stop(runtime: Runtime) -> None:
    """Cancel the loop."""
    await stop_task(runtime.services, TASK)
