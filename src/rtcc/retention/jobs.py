"""The scheduled purge: one minute after start (or after the interval, when shorter) and then every
``RTCC_RETENTION_INTERVAL_S`` seconds, a full pass over every data class runs in a
worker thread (bounded batches, each its own transaction, ``RTCC_RETENTION_PAUSE_MS`` apart). A failed pass is
logged and the loop carries on. Run it in one process per deployment (the API process in the embedded profile).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from functools import partial

import anyio.to_thread

from rtcc.identity.logic import SYSTEM
from rtcc.retention import service
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

#: Key of the purge task in ``Runtime.services``.
PURGE_TASK = "retention.purge"
#: Seconds before the first pass (start-up is busy enough; short-lived test apps never purge).
FIRST_PASS_DELAY_S = 60.0


async def run_purge_loop(runtime: Runtime, interval_s: float, first_delay_s: float = 0.0) -> None:
    """After ``first_delay_s``, run a purge pass every ``interval_s`` seconds until cancelled; a failed pass is
    logged and the loop carries on."""
    if first_delay_s > 0:
        await asyncio.sleep(first_delay_s)
    while True:
        try:
            outcome = await anyio.to_thread.run_sync(
                partial(service.run_purge, runtime.db, runtime.settings, actor=SYSTEM, trigger="job")
            )
            purged = {name: n for name, n in outcome.counts().items() if n}
            if purged:
                logger.info("retention pass %s purged %s", outcome.run_id, purged)
        except Exception:
            logger.exception("retention pass failed; retrying in %s s", interval_s)
        await asyncio.sleep(interval_s)


async def start(runtime: Runtime) -> None:
    """Start the purge loop (``RTCC_RETENTION_INTERVAL_S`` of 0 or less disables it)."""
    interval = runtime.settings.retention_interval_s
    if interval <= 0:
        logger.info("scheduled retention purge disabled (RTCC_RETENTION_INTERVAL_S=%s)", interval)
        return
    runtime.services[PURGE_TASK] = asyncio.create_task(
        run_purge_loop(runtime, interval, min(FIRST_PASS_DELAY_S, interval)), name="retention-purge"
    )


async def stop(runtime: Runtime) -> None:
    """Cancel the purge loop; a batch in progress finishes its transaction first (it runs in a thread)."""
    task: asyncio.Task[None] | None = runtime.services.pop(PURGE_TASK, None)
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
