"""A unit is told of its assignment at once: the assignment's live events go through the live hub to the connected
client of the assigned unit's user (its own topic and the board), and to nobody else of the field."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio.to_thread
from dispatch_support import DISPATCHER, PARK, make_unit, new_call, person

from rtcc.bus.memory import MemoryBus
from rtcc.core.db import Database
from rtcc.dispatch import assignment
from rtcc.dispatch.schemas import AssignRequest
from rtcc.identity.logic import Role
from rtcc.live.hub import LiveHub
from rtcc.settings import Settings


def _drain(q: asyncio.Queue[Any]) -> list[tuple[str, str]]:
    out = []
    while not q.empty():
        m = q.get_nowait()
        out.append((m.topic, m.type))
    return out


def test_the_assigned_unit_is_told_at_once(db: Database, settings: Settings) -> None:
    make_unit(db, "G1", "guard", at=PARK)
    make_unit(db, "G2", "guard", at=PARK)
    call = new_call(db, settings, "PATROL_CHECK").call

    async def scenario() -> None:
        bus = MemoryBus()
        await bus.start()
        hub = LiveHub(db, poll_s=60)
        await hub.start(bus)
        g1, _ = hub.connect(person(Role.guard, unit="G1"))
        g2, _ = hub.connect(person(Role.guard, unit="G2"))
        desk, _ = hub.connect(DISPATCHER)

        def assign() -> None:
            with db.uow() as s:
                assignment.assign(s, bus, call.id, AssignRequest(units=["G1"]), actor=DISPATCHER)

        await anyio.to_thread.run_sync(assign)
        board: list[tuple[str, str]] = []
        for _ in range(500):  # wait for the state: the board event reached the dispatcher (bounded)
            board += _drain(desk.queue)
            if ("dispatch", "call.updated") in board:
                break
            await asyncio.sleep(0.01)
        mine, other = _drain(g1.queue), _drain(g2.queue)
        assert ("unit-G1", "assignment") in mine and ("dispatch", "call.updated") in mine
        assert other == []
        assert {("unit-G1", "assignment"), ("units", "unit.updated"), ("dispatch", "call.updated")} <= set(board)
        await hub.stop()
        await bus.close()

    asyncio.run(scenario())
