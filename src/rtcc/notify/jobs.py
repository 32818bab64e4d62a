"""Background job of the notify domain, started by the app's lifespan (embedded profile) or ``rtcc worker outbox``:
the outbox delivery loop. It runs delivery passes (``rtcc.notify.delivery``) back to back while rows are due and
sleeps ``RTCC_COMMUNITY_OUTBOX_INTERVAL_S`` when none are; a failed pass is logged and the loop carries on. Several
processes may run the loop at once: claims are leased (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)."""

from __future__ import annotations

import logging
from functools import partial

from rtcc.core.periodic import start_periodic, stop_task
from rtcc.notify import delivery
from rtcc.notify.channels import ChannelSender
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

#: Key of the delivery task in ``Runtime.services``.
OUTBOX_TASK = "notify.outbox"


def _outbox_pass(runtime: Runtime, channels: dict[str, ChannelSender], worker: str) -> bool:
    """One delivery pass; True when it claimed rows (more may be due: the loop goes again at once)."""
    result = delivery.deliver_settings_pass(runtime.db, runtime.settings, channels, worker)
    if result.claimed:
        logger.info("outbox: %d sent, %d failed, %d given up", result.sent, result.failed, result.dead)
    return bool(result.claimed)


async def start(runtime: Runtime) -> None:
    """Start the outbox delivery loop (not when the channel settings are invalid: that is logged)."""
    try:
        channels = delivery.senders(runtime.settings)
    except ValueError:
        logger.exception("outbox delivery not started: bad channel settings")
        return
    one_pass = partial(_outbox_pass, runtime, channels, delivery.worker_name())
    start_periodic(
        runtime.services, OUTBOX_TASK, one_pass, float(runtime.settings.community_outbox_interval_s), busy_repeat=True
    )


async def stop(runtime: Runtime) -> None:
    """Cancel the delivery loop (a pass in progress is abandoned; its leased rows are retried after the lease)."""
    await stop_task(runtime.services, OUTBOX_TASK)
