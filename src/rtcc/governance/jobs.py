"""Scheduled governance work: the misuse scan every ``RTCC_MISUSE_SCAN_INTERVAL_S`` seconds, with the start/stop
hooks that run it inside the API process (embedded profile) or a worker.

The first pass runs a minute after start (or after one interval, if shorter), so that short-lived processes (tests,
CLI-started apps) do not scan at all. Each pass is one unit of work (``misuse.scan``); a pass that raised or updated
no flag writes no audit entry; a failed pass is logged and retried at the next interval. Flags are
deduplicated, so two processes scanning the same log raise each flag once (the unique dedup key makes the slower
writer's transaction fail and retry next interval).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import anyio.to_thread

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


async def run_scan_loop(runtime: Runtime, interval_s: float) -> None:
    """Scan after a short delay and then every ``interval_s`` seconds, until cancelled."""
    await asyncio.sleep(min(interval_s, FIRST_PASS_DELAY_S))
    while True:
        try:
            await anyio.to_thread.run_sync(scan_once, runtime)
        except Exception:
            logger.exception("misuse scan failed; retrying in %s s", interval_s)
        await asyncio.sleep(interval_s)


async def start(runtime: Runtime) -> None:
    """Start the scheduled misuse scan (0 or less disables it)."""
    interval = runtime.settings.misuse_scan_interval_s
    if interval <= 0:
        logger.info("scheduled misuse scan disabled (RTCC_MISUSE_SCAN_INTERVAL_S=%s)", interval)
        return
    runtime.services[SCAN_TASK] = asyncio.create_task(run_scan_loop(runtime, interval), name="governance-misuse-scan")


async def stop(runtime: Runtime) -> None:
    """Cancel the scheduled scan; a pass in progress finishes its transaction first."""
    task: asyncio.Task[None] | None = runtime.services.pop(SCAN_TASK, None)
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
