"""Helpers of the patrol tests: principals, a place in Cerritos, a unit and a call made through the real services."""

from __future__ import annotations

import uuid
from typing import Any

from rtcc.core.db import Database
from rtcc.dispatch import calls, positions, units
from rtcc.dispatch.schemas import CallCreate, IntakeResult
from rtcc.dispatch.unit_schemas import PositionIn, UnitCreate, UnitRead
from rtcc.identity.logic import Principal, Role, permissions_for
from rtcc.settings import Settings

#: A park in reporting district 2316 (Cerritos profile).
PARK = (33.866126, -118.051176)


def person(role: Role, *, unit: str | None = None, name: str | None = None) -> Principal:
    """A principal of ``role``."""
    return Principal(
        kind="user",
        id=str(uuid.uuid4()),
        name=name or f"{role.value}_{uuid.uuid4().hex[:4]}",
        role=role.value,
        permissions=permissions_for(role.value),
        unit=unit,
    )


DISPATCHER = person(Role.dispatcher, name="dana_dispatch")
SUPERVISOR = person(Role.supervisor, name="sam_supervisor")


def make_unit(db: Database, call_sign: str, unit_type: str, *, at: tuple[float, float], home_area: str) -> UnitRead:
    """A unit with a position."""
    with db.uow() as s:
        made = units.create(
            s, None, UnitCreate(call_sign=call_sign, unit_type=unit_type, home_area=home_area), actor=SUPERVISOR
        )
        positions.record(s, None, units.load(s, call_sign), PositionIn(lat=at[0], lon=at[1]), source="test")
    return made


def new_call(db: Database, settings: Settings, call_type: str, *, at: tuple[float, float]) -> IntakeResult:
    """A call taken through intake."""
    body: dict[str, Any] = {
        "call_type": call_type,
        "location": {"kind": "coordinates", "lat": at[0], "lon": at[1]},
        "source": "911",
    }
    with db.uow() as s:
        return calls.intake(s, None, settings, CallCreate.model_validate(body), actor=DISPATCHER)
