"""FastAPI dependencies shared by every domain's routes: the runtime, the database and the settings.

The dependencies are ``async def``: they only read the app's state, and FastAPI runs a plain ``def`` dependency in
a worker thread (a thread hand-over per dependency per request). ``get_runtime`` is the plain function other code
calls."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from rtcc.bus.base import Bus
from rtcc.core.db import Database
from rtcc.runtime import Runtime
from rtcc.settings import Settings


def get_runtime(request: Request) -> Runtime:
    """The process runtime stored on the app by the lifespan."""
    runtime: Runtime = request.app.state.runtime
    return runtime


async def runtime_dep(request: Request) -> Runtime:
    """The process runtime (dependency)."""
    return get_runtime(request)


async def get_db(request: Request) -> Database:
    """The process database (dependency)."""
    return get_runtime(request).db


async def get_bus(request: Request) -> Bus:
    """The process event bus (dependency)."""
    return get_runtime(request).bus


async def get_settings_dep(request: Request) -> Settings:
    """The settings the app was created with (dependency)."""
    return get_runtime(request).settings


RuntimeDep = Annotated[Runtime, Depends(runtime_dep)]
DbDep = Annotated[Database, Depends(get_db)]
BusDep = Annotated[Bus, Depends(get_bus)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
