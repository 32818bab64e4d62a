"""FastAPI dependencies shared by every domain's routes: the runtime, the database and the settings."""

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


def get_db(request: Request) -> Database:
    """The process database."""
    return get_runtime(request).db


def get_bus(request: Request) -> Bus:
    """The process event bus."""
    return get_runtime(request).bus


def get_settings_dep(request: Request) -> Settings:
    """The settings the app was created with."""
    return get_runtime(request).settings


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
DbDep = Annotated[Database, Depends(get_db)]
BusDep = Annotated[Bus, Depends(get_bus)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
