"""Run one worker role until SIGINT/SIGTERM: build the runtime, start the bus, start the role's hooks, wait, stop.

Roles: ``ingest`` (MQTT camera ingest and the camera-offline monitor), ``match`` (stored reads -> hotlist matches ->
alerts), ``notify`` (alert notifications), ``index`` (stored reads -> the plate search index), ``outbox`` (community
notification delivery), ``jobs`` (scheduled: retention purge, misuse scan, linked-camera probes, footage expiry).
Run several of each on NATS (``RTCC_BUS_URL=nats://…``): the queue groups share the work.
On the in-process bus a worker only sees events of its own process, so it warns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable

from rtcc.runtime import Runtime, build_runtime
from rtcc.settings import Settings

logger = logging.getLogger(__name__)

Hook = Callable[[Runtime], Awaitable[None]]


def hooks_for(role: str, settings: Settings) -> list[tuple[Hook, Hook]]:
    """The (start, stop) hooks of a worker role."""
    if role == "match":
        from rtcc.matching import consumers as match_consumers

        return [(match_consumers.start, match_consumers.stop)]
    if role == "notify":
        from rtcc.notify import consumers as notify_consumers

        return [(notify_consumers.start, notify_consumers.stop)]
    if role == "ingest":
        from rtcc.alpr import jobs, mqtt

        if not settings.mqtt_url:
            raise ValueError("the ingest worker needs RTCC_MQTT_URL (e.g. mqtt://127.0.0.1:1883)")
        return [(mqtt.start, mqtt.stop), (jobs.start_offline_monitor, jobs.stop_offline_monitor)]
    if role == "index":
        from rtcc.investigations import consumers as index_consumers

        return [(index_consumers.start, index_consumers.stop)]
    if role == "outbox":
        from rtcc.community import jobs as community_jobs

        return [(community_jobs.start, community_jobs.stop)]
    if role == "jobs":
        from rtcc.cameras import jobs as camera_jobs
        from rtcc.footage import jobs as footage_jobs
        from rtcc.governance import jobs as governance_jobs
        from rtcc.retention import jobs as retention_jobs

        return [
            (retention_jobs.start, retention_jobs.stop),
            (governance_jobs.start, governance_jobs.stop),
            (camera_jobs.start, camera_jobs.stop),
            (footage_jobs.start, footage_jobs.stop),
        ]
    raise ValueError(f"unknown worker role {role!r}: choose one of {', '.join(WORKER_ROLES)}")


#: Every role ``rtcc worker`` accepts.
WORKER_ROLES = ("ingest", "match", "notify", "index", "outbox", "jobs")


async def run_worker(role: str, settings: Settings, *, stop_event: asyncio.Event | None = None) -> None:
    """Run ``role`` until a signal (or ``stop_event``) asks it to stop."""
    hooks = hooks_for(role, settings)
    if settings.bus_url.startswith("memory:"):
        logger.warning("worker %s on the in-process bus only sees its own events; set RTCC_BUS_URL=nats://…", role)
    runtime = build_runtime(settings)
    stop = stop_event or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread (tests)
            loop.add_signal_handler(sig, stop.set)
    await runtime.bus.start()
    started: list[Hook] = []
    try:
        for start_hook, stop_hook in hooks:
            await start_hook(runtime)
            started.append(stop_hook)
        logger.info("worker %s running (bus=%s, database=%s)", role, runtime.bus.name, runtime.db.dialect)
        await stop.wait()
    finally:
        for stop_hook in reversed(started):
            try:
                await stop_hook(runtime)
            except Exception:
                logger.exception("stopping worker hook failed")
        await runtime.bus.close()
        runtime.db.dispose()
        logger.info("worker %s stopped", role)
