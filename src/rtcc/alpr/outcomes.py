"""Where the group-commit writer (``rtcc.alpr.groupcommit``) puts each unit's result, and how results reach callers.

A worker thread's unit has a ``concurrent.futures.Future`` it blocks on. A unit submitted from an event loop (an HTTP
request) has a ``LoopOutcome``: the writer records its result, and once the unit's batch is settled ``deliver`` hands
all of the batch's outcomes to their loop in one thread-safe call, which resolves the loop's ``asyncio`` futures.
One wake-up of the loop per batch, not one per request: with a ``concurrent.futures`` future per request, its lock,
its done-callback and its own wake-up of the loop cost the loop more than the request's route did.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from typing import Any, Protocol


class Outcome(Protocol):
    """Where the writer puts a unit's result: a ``concurrent.futures.Future`` or a ``LoopOutcome``."""

    def set_running_or_notify_cancel(self) -> bool: ...
    def done(self) -> bool: ...
    def set_result(self, result: Any) -> None: ...
    def set_exception(self, exception: BaseException | None) -> None: ...


class LoopOutcome:
    """The outcome of a unit submitted from an event loop: kept by the writer until its batch is settled, then
    passed to the loop's future together with the batch's others (``deliver``)."""

    __slots__ = ("exception", "future", "loop", "result", "settled")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.future: asyncio.Future[Any] = loop.create_future()
        self.result: Any = None
        self.exception: BaseException | None = None
        self.settled = False

    def set_running_or_notify_cancel(self) -> bool:
        return True  # the caller shields its future: a unit once queued is always stored (and answered if heard)

    def done(self) -> bool:
        return self.settled

    def set_result(self, result: Any) -> None:
        self.result, self.settled = result, True

    def set_exception(self, exception: BaseException | None) -> None:
        self.exception, self.settled = exception, True


def settle(outcomes: list[LoopOutcome]) -> None:
    """On the loop: resolve the futures of one batch's units (their callers may have gone away meanwhile)."""
    for outcome in outcomes:
        if outcome.future.done():
            continue
        if outcome.exception is not None:
            outcome.future.set_exception(outcome.exception)
        else:
            outcome.future.set_result(outcome.result)


def deliver(outcomes: Iterable[Outcome]) -> None:
    """Hand a settled batch's loop outcomes to their loops, one thread-safe call per loop (other outcomes are
    already with their callers)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[LoopOutcome]] = {}
    for outcome in outcomes:
        if isinstance(outcome, LoopOutcome):
            by_loop.setdefault(outcome.loop, []).append(outcome)
    for loop, settled in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a loop that has closed has no caller left to answer
            loop.call_soon_threadsafe(settle, settled)
