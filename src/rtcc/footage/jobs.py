"""The footage housekeeping job: every ``RTCC_FOOTAGE_EXPIRE_INTERVAL_S`` seconds (first pass one minute after start,
or after the interval when shorter) it marks unanswered requests past their due time ``expired`` (custody, audit and a
note to the requester) and removes partial uploads a crashed process left in the evidence store's incoming folder
(older than a day). A failed pass is logged and the loop carries on. Run it in one process per deployment.
"""

from __future__ import annotations

import logging
from functools import partial

from rtcc.core.periodic import start_periodic, stop_task
from rtcc.footage import service
from rtcc.footage.storage import store_for
from rtcc.identity.logic import SYSTEM
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

#: Key of the job's task in ``Runtime.services``.
TASK = "footage.housekeeping"
#: Seconds before the first pass.
FIRST_PASS_DELAY_S = 60.0
#: Temporary files in the incoming folder older than this were abandoned (an upload never takes a day).
ABANDONED_AFTER_S = 24 * 3600.0


def run_once(runtime: Runtime) -> tuple[int, int]:
    """One pass: (requests expired, abandoned temporary files removed)."""
    with runtime.db.uow() as session:
        expired = service.expire_overdue(session, actor=SYSTEM)
    store = store_for(runtime.settings.footage_dir, runtime.settings.data_dir)
    return expired, store.sweep_incoming(ABANDONED_AFTER_S)


def _pass(runtime: Runtime) -> None:
    expired, swept = run_once(runtime)
    if expired or swept:
        logger.info("footage housekeeping: %d request(s) expired, %d abandoned file(s) removed", expired, swept)


async def start(runtime: Runtime) -> None:
    """Start the housekeeping loop every ``RTCC_FOOTAGE_EXPIRE_INTERVAL_S`` seconds (0 or less disables it)."""
    interval = float(runtime.settings.footage_expire_interval_s)
    start_periodic(
        runtime.services, TASK, partial(_pass, runtime), interval, first_delay_s=min(FIRST_PASS_DELAY_S, interval)
    )


async def stop(runtime: Runtime) -> None:
    """Cancel the loop; a pass in progress finishes its transaction first (it runs in a thread)."""
    await stop_task(runtime.services, TASK)
