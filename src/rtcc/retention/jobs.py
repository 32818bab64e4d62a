"""The scheduled purge: one minute after start (or after the interval, when shorter) and then every
``RTCC_RETENTION_INTERVAL_S`` seconds, a full pass over every data class runs in a
worker thread (bounded batches, each its own transaction, ``RTCC_RETENTION_PAUSE_MS`` apart). A failed pass is
logged and the loop carries on. Run it in one process per deployment (the API process in the embedded profile).
"""

from __future__ import annotations

import logging
from functools import partial

from rtcc.core.periodic import start_periodic, stop_task
from rtcc.identity.logic import SYSTEM
from rtcc.retention import service
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

#: Key of the purge task in ``Runtime.services``.
PURGE_TASK = "retention.purge"
#: Seconds before the first pass (start-up is busy enough; short-lived test apps never purge).
FIRST_PASS_DELAY_S = 60.0


def purge_pass(runtime: Runtime) -> None:
    """One scheduled purge pass over every data class (bounded batches, each its own transaction)."""
    outcome = service.run_purge(runtime.db, runtime.settings, actor=SYSTEM, trigger="job")
    purged = {name: n for name, n in outcome.counts().items() if n}
    if purged:
        logger.info("retention pass %s purged %s", outcome.run_id, purged)


async def start(runtime: Runtime) -> None:
    """Start the purge loop every ``RTCC_RETENTION_INTERVAL_S`` seconds (0 or less disables it)."""
    interval = float(runtime.settings.retention_interval_s)
    start_periodic(
        runtime.services,
        PURGE_TASK,
        partial(purge_pass, runtime),
        interval,
        first_delay_s=min(FIRST_PASS_DELAY_S, interval),
    )


async def stop(runtime: Runtime) -> None:
    """Cancel the purge loop; a batch in progress finishes its transaction first (it runs in a thread)."""
    await stop_task(runtime.services, PURGE_TASK)
