"""How every ``rtcc`` sub-command runs its work: build the process runtime from the settings, run the work, print a
domain error as ``error: <detail>`` with exit status 1, and release the database.

With ``bus=True`` (commands that change state) the bus is started first and the work runs in a worker thread, so
the events a service registers for after its commit are published before the command exits (the same path as a
request). Domain CLI modules call ``run_command`` rather than keeping a runner each; the few commands that need no
runtime (checking a city profile folder, starting the server) print their errors through ``command_errors``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import anyio.to_thread
import typer
from pydantic import ValidationError

from rtcc.core.errors import DomainError
from rtcc.runtime import Runtime, build_runtime
from rtcc.settings import get_settings

T = TypeVar("T")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


@contextmanager
def command_errors(on_domain_error: Callable[[DomainError], None] | None = None) -> Iterator[None]:
    """Turn a DomainError (after ``on_domain_error``, which may print more) or invalid input (a pydantic
    ValidationError, its first problem) into one ``error:`` line on stderr and exit status 1."""
    try:
        yield
    except DomainError as exc:
        if on_domain_error is not None:
            on_domain_error(exc)
        raise _fail(exc.detail) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _fail(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None


def run_command(
    work: Callable[[Runtime], T],
    *,
    bus: bool = True,
    on_domain_error: Callable[[DomainError], None] | None = None,
) -> T:
    """Run ``work(runtime)``; a DomainError or invalid input prints one line and exits 1 (``command_errors``)."""
    with command_errors():
        runtime = build_runtime(get_settings())  # checks the city profile: a bad one names its file and field

    async def with_bus() -> T:
        await runtime.bus.start()
        try:
            return await anyio.to_thread.run_sync(work, runtime)
        finally:
            await runtime.bus.close()

    try:
        with command_errors(on_domain_error):
            return asyncio.run(with_bus()) if bus else work(runtime)
    finally:
        runtime.db.dispose()
