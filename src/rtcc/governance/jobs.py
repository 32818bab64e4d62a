"""Scheduled governance work: the misuse scan every ``RTCC_MISUSE_SCAN_INTERVAL_S`` seconds, with the start/stop
hooks that run it inside the API process (embedded profile) or a worker.

The first pass runs a minute after start (or after one interval, if shorter), so that short-lived processes (tests,
CLI-started apps) do not scan at all. Each pass is one unit of work (``misuse.scan``); a pass that raised or updated
no flag writes no audit entry; a failed pass is logged and retried at the next interval. Flags are
deduplicated, so two processes scanning the same log raise each flag once (the unique dedup key makes the slower
writer's transaction fail and retry next interval).
"""

from __future__ import annotations

import logging
from functools import partial

from rtcc.core.periodic import start_periodic, stop_task
from rtcc.governance import misuse
from rtcc.identity.logic import SYSTEM
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

#: Key of the scan task in ``Runtime.services``.
SCAN_TASK = "governance.misuse_scan"


def scan_once(runtime: Runtime) -> None:
    """One misuse scan in its own unit of work."""
    with runtime.db.uow() as session:
        result = misuse.scan(session, settings=runtime.settings, actor=SYSTEM, audit_noop=False)
    if result.flags_created or result.flags_updated:
        logger.info("misuse scan: %d new flags, %d updated", result.flags_created, result.flags_updated)


#: Longest wait before the first scheduled pass.
FIRST_PASS_DELAY_S = 60.0


async def start(runtime: Runtime) -> None:
    """Start the scheduled misuse scan every ``RTCC_MISUSE_SCAN_INTERVAL_S`` seconds (0 or less disables it)."""
    interval = float(runtime.settings.misuse_scan_interval_s)
    start_periodic(
        runtime.services,
        SCAN_TASK,
        partial(scan_once, runtime),
        interval,
        first_delay_s=min(interval, FIRST_PASS_DELAY_S),
    )


async def stop(runtime: Runtime) -> None:
    """Cancel the scheduled scan; a pass in progress finishes its transaction first."""
    await stop_task(runtime.services, SCAN_TASK)
