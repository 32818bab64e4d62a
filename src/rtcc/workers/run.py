"""Run one worker role until SIGINT/SIGTERM: build the runtime, start the bus, start the role's hooks, wait, stop.

A role is every service the domains' manifests give it (``rtcc.domains``): ``ingest`` (MQTT camera ingest),
``match`` (stored reads -> hotlist matches -> alerts), ``notify`` (alert notifications), ``index`` (stored reads ->
the plate search index), ``outbox`` (delivery of the notify outbox: e-mail, SMS), ``jobs`` (scheduled: camera health,
hotlist refresh, retention purge, misuse scan, linked-camera probes, footage expiry; and at start-up, the city
profile's neighborhoods for the community portal). Run ``jobs`` in one process per deployment; the others scale out.
Run several of each on NATS (``RTCC_BUS_URL=nats://…``): the queue groups share the work.
On the in-process bus a worker only sees events of its own process, so it warns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable

from rtcc.core.gcpause import freeze_long_lived, thaw
from rtcc.core.manifest import load
from rtcc.domains import services, worker_roles
from rtcc.runtime import Runtime, build_runtime
from rtcc.settings import Settings

logger = logging.getLogger(__name__)

Hook = Callable[[Runtime], Awaitable[None]]


def hooks_for(role: str, settings: Settings) -> list[tuple[Hook, Hook]]:
    """The (start, stop) hooks of a worker role: every manifest service of that role (``rtcc.domains``)."""
    roles = worker_roles()
    if role not in roles:
        raise ValueError(f"unknown worker role {role!r}: choose one of {', '.join(roles)}")
    hooks: list[tuple[Hook, Hook]] = []
    for service in services():
        if role != service.role and role not in service.also_in:
            continue
        if service.requires and not getattr(settings, service.requires):
            env = f"RTCC_{service.requires.upper()}"
            raise ValueError(f"the {role} worker's {service.name} needs {env}")
        hooks.append((load(service.start), load(service.stop)))
    return hooks


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
        if settings.gc_freeze:  # start-up's objects live as long as the process: no collection walks them again
            freeze_long_lived()
        logger.info("worker %s running (bus=%s, database=%s)", role, runtime.bus.name, runtime.db.dialect)
        await stop.wait()
    finally:
        thaw()
        for stop_hook in reversed(started):
            try:
                await stop_hook(runtime)
            except Exception:
                logger.exception("stopping worker hook failed")
        await runtime.bus.close()
        runtime.db.dispose()
        logger.info("worker %s stopped", role)
