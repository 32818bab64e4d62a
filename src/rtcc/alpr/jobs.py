"""Camera-health job: cameras silent longer than ``camera_offline_s`` go offline and raise the camera-offline alert;
offline cameras that reported again go back online and the alert is resolved.

``check_offline_cameras`` is one sweep in the caller's transaction; ``start_offline_monitor`` repeats it in a thread
(``core.periodic``: one transaction per sweep, errors logged, the loop carries on) and ``stop_offline_monitor`` stops
it: the lifespan (embedded profile) and ``rtcc worker jobs`` hooks.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from sqlalchemy.orm import Session

from rtcc.alpr import cameras
from rtcc.bus.base import Bus
from rtcc.core.clock import utcnow
from rtcc.core.periodic import start_periodic, stop_task
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

#: Key of the monitor task in ``Runtime.services``.
SERVICE_KEY = "alpr.offline_monitor"


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
