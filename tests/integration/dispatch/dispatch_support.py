"""Shared helpers of the dispatch tests: principals of each role, places inside Cerritos, and units and calls built
through the real services."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

from rtcc.core.db import Database
from rtcc.dispatch import calls, units
from rtcc.dispatch.schemas import CallCreate, IntakeResult
from rtcc.dispatch.unit_schemas import UnitCreate, UnitRead
from rtcc.identity.logic import Principal, Role, permissions_for
from rtcc.settings import Settings

#: A park in reporting district 2316 and an intersection in 2319 (Cerritos profile).
PARK = (33.866126, -118.051176)
CORNER = (33.887, -118.046)


def person(role: Role, *, unit: str | None = None, division: str | None = None, name: str | None = None) -> Principal:
    """A principal of ``role`` (a service-test actor; its id is a fresh UUID)."""
    return Principal(
        kind="user",
        id=str(uuid.uuid4()),
        name=name or f"{role.value}_{uuid.uuid4().hex[:4]}",
        role=role.value,
        permissions=permissions_for(role.value),
        unit=unit,
        division=division,
    )


DISPATCHER = person(Role.dispatcher, name="dana_dispatch")
SUPERVISOR = person(Role.supervisor, name="sam_supervisor")


def make_unit(
    db: Database,
    call_sign: str,
    unit_type: str = "deputy_car",
    *,
    at: tuple[float, float] | None = None,
    home_area: str | None = None,
) -> UnitRead:
    """A unit, optionally with a position."""
    from rtcc.dispatch import positions
    from rtcc.dispatch.unit_schemas import PositionIn

    with db.uow() as s:
        made = units.create(
            s, None, UnitCreate(call_sign=call_sign, unit_type=unit_type, home_area=home_area), actor=SUPERVISOR
        )
        if at is not None:
            unit = units.load(s, call_sign)
            positions.record(s, None, unit, PositionIn(lat=at[0], lon=at[1]), source="test")
    return made


def new_call(
    db: Database,
    settings: Settings,
    call_type: str = "ALARM_BURG_RES",
    *,
    at: tuple[float, float] = PARK,
    actor: Principal = DISPATCHER,
    **kw: Any,
) -> IntakeResult:
    """A call taken through intake."""
    body: dict[str, Any] = {
        "call_type": call_type,
        "location": {"kind": "coordinates", "lat": at[0], "lon": at[1]},
        "source": "911",
        **kw,
    }
    with db.uow() as s:
        return calls.intake(s, None, settings, CallCreate.model_validate(body), actor=actor)


def race(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in n threads released together; results (or the exceptions raised) by i."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # collected and asserted on by the caller
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results
