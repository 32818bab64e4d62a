"""The one periodic-job loop every background job uses: run a pass (a blocking one in a worker thread, a coroutine
function on the event loop), then sleep, until
cancelled; a pass that raises is logged with its traceback and the loop carries on (a job never dies of one bad
pass). ``start_periodic`` keeps the task in a process's service registry under a key and ``stop_task`` cancels it;
jobs own only their pass and its schedule.

A pass may return a truthy value meaning "more work is due": with ``busy_repeat`` the loop runs the next pass at once
instead of sleeping (the notify outbox drains its backlog this way).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Callable, MutableMapping
from typing import Any

import anyio.to_thread

logger = logging.getLogger(__name__)


async def run_periodic(
    name: str,
    one_pass: Callable[[], Any],
    interval_s: float,
    *,
    first_delay_s: float = 0.0,
    busy_repeat: bool = False,
) -> None:
    """After ``first_delay_s``, run ``one_pass`` in a thread every ``interval_s`` seconds until cancelled."""
    if first_delay_s > 0:
        await asyncio.sleep(first_delay_s)
    is_async = inspect.iscoroutinefunction(one_pass)
    while True:
        try:
            more = await one_pass() if is_async else await anyio.to_thread.run_sync(one_pass)
            if busy_repeat and more:
                continue
        except Exception:
            logger.exception("%s pass failed; retrying in %s s", name, interval_s)
        await asyncio.sleep(interval_s)


def start_periodic(
    services: MutableMapping[str, Any],
    key: str,
    one_pass: Callable[[], Any],
    interval_s: float,
    *,
    first_delay_s: float = 0.0,
    busy_repeat: bool = False,
) -> bool:
    """Start ``one_pass`` every ``interval_s`` seconds as a task kept in ``services[key]``; an interval of 0 or less
    disables the job (logged). Returns whether it started."""
    if interval_s <= 0:
        logger.info("%s disabled (interval %s)", key, interval_s)
        return False
    services[key] = asyncio.create_task(
        run_periodic(key, one_pass, interval_s, first_delay_s=first_delay_s, busy_repeat=busy_repeat), name=key
    )
    return True


async def stop_task(services: MutableMapping[str, Any], key: str) -> None:
    """Cancel the task kept under ``key`` (if any) and wait for it; a pass already running in its thread finishes
    its own transaction."""
    task = services.pop(key, None)
    if isinstance(task, asyncio.Task):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
