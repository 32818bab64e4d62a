"""Camera-health job: cameras silent longer than ``camera_offline_s`` go offline and raise the camera-offline alert;
offline cameras that reported again go back online and the alert is resolved. Reads-partition job (PostgreSQL): every
hour (and at start), the day partitions of ``alpr_reads`` from yesterday to a week ahead are made, and recent days
whose reads arrived before their partition existed (kept in the default partition) get theirs
(``partitions.ensure_ahead``); a no-op on SQLite.

``check_offline_cameras`` is one sweep in the caller's transaction; ``start_offline_monitor`` repeats it in a thread
(``core.periodic``: one transaction per sweep, errors logged, the loop carries on) and ``stop_offline_monitor`` stops
it: the lifespan (embedded profile) and ``rtcc worker jobs`` hooks.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from sqlalchemy.orm import Session

from rtcc.alpr import cameras, partitions
from rtcc.bus.base import Bus
from rtcc.core.clock import utcnow
from rtcc.core.periodic import start_periodic, stop_task
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

#: Key of the monitor task in ``Runtime.services``.
SERVICE_KEY = "alpr.offline_monitor"
#: Key of the reads-partition task in ``Runtime.services``, and how often it runs.
PARTITIONS_KEY = "alpr.read_partitions"
PARTITIONS_INTERVAL_S = 3600.0


def check_offline_cameras(session: Session, bus: Bus, *, now: datetime, offline_after_s: int) -> tuple[int, int]:
    """One health sweep: (cameras that went offline, cameras back online)."""
    return cameras.sweep_camera_health(session, bus, now=now, offline_after_s=offline_after_s)


def monitor_interval(offline_after_s: int) -> float:
    """How often to sweep: a quarter of the offline threshold, between 5 s and 60 s."""
    return float(min(60, max(5, offline_after_s // 4)))


def _sweep(runtime: Runtime) -> tuple[int, int]:
    with runtime.db.uow() as session:
        return check_offline_cameras(
            session, runtime.bus, now=utcnow(), offline_after_s=runtime.settings.camera_offline_s
        )


async def start_offline_monitor(runtime: Runtime) -> None:
    """Lifespan/worker hook: start the camera-health loop."""
    interval = monitor_interval(runtime.settings.camera_offline_s)
    start_periodic(runtime.services, SERVICE_KEY, partial(_sweep, runtime), interval)


async def stop_offline_monitor(runtime: Runtime) -> None:
    """Lifespan/worker hook: stop the camera-health loop."""
    await stop_task(runtime.services, SERVICE_KEY)


def ensure_read_partitions(runtime: Runtime) -> list[str]:
    """One pass of the reads-partition job: the partitions it created."""
    with runtime.db.uow() as session:
        made = partitions.ensure_ahead(session, today=utcnow().date())
    if made:
        logger.info("reads partitions created: %s", ", ".join(made))
    return made


async def start_partition_job(runtime: Runtime) -> None:
    """Lifespan/worker hook: start the reads-partition loop (first pass at once)."""
    start_periodic(runtime.services, PARTITIONS_KEY, partial(ensure_read_partitions, runtime), PARTITIONS_INTERVAL_S)


async def stop_partition_job(runtime: Runtime) -> None:
    """Lifespan/worker hook: stop the reads-partition loop."""
    await stop_task(runtime.services, PARTITIONS_KEY)
