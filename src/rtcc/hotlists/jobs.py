"""Scheduled hotlist work: the refresh loop that re-imports lists from their ``refresh_path`` files when the files
change, and the start/stop hooks that run it inside the API process (embedded profile) or a worker.

One pass is ``imports.refresh_due``: every active list with a refresh file whose sha256 differs from the one last
imported (or last rejected) is re-imported in its own transaction; a broken file leaves the list in force and is
logged and audited once. Run the loop in one process per deployment: the row lock taken by an import keeps two
processes from corrupting a list, but both would re-import the same file.
"""

from __future__ import annotations

import logging
from functools import partial

from rtcc.core.periodic import start_periodic, stop_task
from rtcc.hotlists import imports
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

#: Key of the refresh task in ``Runtime.services``.
REFRESH_TASK = "hotlists.refresh"


def refresh_pass(runtime: Runtime) -> None:
    """One refresh pass: re-import every list whose refresh file changed."""
    outcome = imports.refresh_due(runtime.db, runtime.bus)
    if outcome.imported or outcome.failed:
        logger.info(
            "hotlist refresh: %d lists re-imported, %d unchanged, %d failed",
            len(outcome.imported),
            len(outcome.unchanged),
            len(outcome.failed),
        )


async def start_refresh(runtime: Runtime) -> None:
    """Start the refresh loop every ``RTCC_HOTLIST_REFRESH_S`` seconds (0 or less disables it)."""
    start_periodic(
        runtime.services, REFRESH_TASK, partial(refresh_pass, runtime), float(runtime.settings.hotlist_refresh_s)
    )


async def stop_refresh(runtime: Runtime) -> None:
    """Cancel the refresh loop; a pass in progress finishes its current list's transaction first."""
    await stop_task(runtime.services, REFRESH_TASK)
