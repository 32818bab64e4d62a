"""Scheduled hotlist work: the refresh loop that re-imports lists from their ``refresh_path`` files when the files
change, and the start/stop hooks that run it inside the API process (embedded profile) or a worker.

One pass is ``imports.refresh_due``: every active list with a refresh file whose sha256 differs from the one last
imported (or last rejected) is re-imported in its own transaction; a broken file leaves the list in force and is
logged and audited once. Run the loop in one process per deployment: the row lock taken by an import keeps two
processes from corrupting a list, but both would re-import the same file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from functools import partial

import anyio.to_thread

from rtcc.hotlists import imports
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

#: Key of the refresh task in ``Runtime.services``.
REFRESH_TASK = "hotlists.refresh"


async def run_refresh_loop(runtime: Runtime, interval_s: float) -> None:
    """Run a refresh pass now and then every ``interval_s`` seconds, until cancelled; a failed pass is logged."""
    while True:
        try:
            outcome = await anyio.to_thread.run_sync(partial(imports.refresh_due, runtime.db, runtime.bus))
            if outcome.imported or outcome.failed:
                logger.info(
                    "hotlist refresh: %d lists re-imported, %d unchanged, %d failed",
                    len(outcome.imported),
                    len(outcome.unchanged),
                    len(outcome.failed),
                )
        except Exception:
            logger.exception("hotlist refresh pass failed; retrying in %s s", interval_s)
        await asyncio.sleep(interval_s)


async def start_refresh(runtime: Runtime) -> None:
    """Start the refresh loop every ``RTCC_HOTLIST_REFRESH_S`` seconds (0 or less disables it)."""
    interval = runtime.settings.hotlist_refresh_s
    if interval <= 0:
        logger.info("scheduled hotlist refresh disabled (RTCC_HOTLIST_REFRESH_S=%s)", interval)
        return
    runtime.services[REFRESH_TASK] = asyncio.create_task(run_refresh_loop(runtime, interval), name="hotlists-refresh")


async def stop_refresh(runtime: Runtime) -> None:
    """Cancel the refresh loop; a pass in progress finishes its current list's transaction first."""
    task: asyncio.Task[None] | None = runtime.services.pop(REFRESH_TASK, None)
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
