"""Background jobs of the community domain, started by the app's lifespan (embedded profile) or a worker: the
outbox delivery loop. It runs delivery passes back to back while rows are due and sleeps
``RTCC_COMMUNITY_OUTBOX_INTERVAL_S`` when none are; a failed pass is logged and the loop carries on. Several
processes may run the loop at once: claims are leased (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from functools import partial

import anyio.to_thread

from rtcc.community import delivery, service
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

#: Key of the delivery task in ``Runtime.services``.
OUTBOX_TASK = "community.outbox"


async def run_outbox_loop(runtime: Runtime) -> None:
    """Deliver due outbox rows until cancelled."""
    settings = runtime.settings
    try:
        channels = delivery.senders(settings)
    except ValueError:
        logger.exception("outbox delivery not started: bad channel settings")
        return
    worker = delivery.worker_name()
    one_pass = partial(delivery.deliver_settings_pass, runtime.db, settings, channels, worker)
    while True:
        try:
            result = await anyio.to_thread.run_sync(one_pass)
            if result.claimed:
                logger.info("outbox: %d sent, %d failed, %d given up", result.sent, result.failed, result.dead)
                continue
        except Exception:
            logger.exception("outbox delivery pass failed")
        await asyncio.sleep(settings.community_outbox_interval_s)


def _install_neighborhoods(runtime: Runtime) -> None:
    with runtime.db.uow() as session:
        changed = service.install_default_neighborhoods(session)
    if changed:
        logger.info("installed or updated %d neighborhoods from the city profile", changed)


async def start(runtime: Runtime) -> None:
    """Install the default neighborhoods when missing and start the outbox delivery loop."""
    try:
        await anyio.to_thread.run_sync(_install_neighborhoods, runtime)
    except Exception:
        logger.exception("default neighborhoods not installed")
    runtime.services[OUTBOX_TASK] = asyncio.create_task(run_outbox_loop(runtime), name="community-outbox")


async def stop(runtime: Runtime) -> None:
    """Cancel the delivery loop (a pass in progress is abandoned; its leased rows are retried after the lease)."""
    task: asyncio.Task[None] | None = runtime.services.pop(OUTBOX_TASK, None)
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
