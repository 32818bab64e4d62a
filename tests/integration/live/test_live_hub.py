"""The live hub on its own: id-ordered delivery, gaps filled from the event log or given up after the grace
period, lost bus messages caught by the poll, slow clients dropped without holding up the others, and the
visibility rule per topic and role."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
import pytest

from rtcc.bus.memory import MemoryBus
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.identity.logic import ROLE_PERMISSIONS, Principal, Role
from rtcc.live import service as live
from rtcc.live.hub import LiveHub, visible
from rtcc.live.models import LiveEvent
from rtcc.live.schemas import LiveMessage

T = datetime(2025, 5, 1, tzinfo=UTC)


def who(role: Role) -> Principal:
    return Principal(kind="user", id=role.value, name=role.value, role=role.value, permissions=ROLE_PERMISSIONS[role])


def msg(i: int, topic: str = "alerts", state: str = "new") -> LiveMessage:
    return LiveMessage(id=i, topic=topic, type="alert.updated", at=T, data={"kind": "hit", "state": state})


def drain(q: asyncio.Queue[Any]) -> list[int]:
    out = []
    while not q.empty():
        item = q.get_nowait()
        out.append(item.id)
    return out


def store(db: Database, n: int) -> list[int]:
    """Write live events to the log without publishing them (as if their bus messages were lost)."""
    with db.uow() as s:
        rows = [
            LiveEvent(topic="alerts", type="alert.created", at=utcnow(), data={"kind": "hit", "state": "new"})
            for _ in range(n)
        ]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def test_visibility_rules() -> None:
    officer, analyst, auditor = who(Role.officer), who(Role.analyst), who(Role.auditor)
    for state in ("new", "rejected"):
        assert not visible(officer, msg(1, state=state)) and visible(analyst, msg(1, state=state))
    for state in ("verified", "dispatched", "closed"):
        assert visible(officer, msg(1, state=state))
    assert visible(officer, msg(1, topic="cameras")) and not visible(auditor, msg(1, topic="cameras"))
    assert not visible(analyst, msg(1, topic="secret"))  # unknown topics: deny by default


def test_ordering_gaps_poll_and_slow_clients(db: Database) -> None:
    async def scenario() -> None:
        bus = MemoryBus()
        await bus.start()
        hub = LiveHub(db, gap_grace_s=0.2, poll_s=60, queue_size=50)
        await hub.start(bus)
        client, start = hub.connect(who(Role.analyst))
        officer, _ = hub.connect(who(Role.officer))
        assert start == hub.cursor == 0

        # a gap that the log fills: the first event's bus message never came
        ids = await anyio.to_thread.run_sync(store, db, 2)
        with db.read() as s:
            second = live.events_after(s, ids[0])[0]
        hub.accept([second])
        assert drain(client.queue) == []
        await asyncio.sleep(0.5)
        assert drain(client.queue) == ids and hub.cursor == ids[1]

        # out of order from the bus: held, then delivered in id order
        c = hub.cursor
        hub.accept([msg(c + 2)])
        assert drain(client.queue) == []
        hub.accept([msg(c + 1), msg(c + 2)])  # a repeat is dropped
        assert drain(client.queue) == [c + 1, c + 2]
        assert drain(officer.queue) == []  # new hits never reach an officer

        # a gap nobody fills (a rolled-back id): given up after the grace period; the straggler still comes late
        hole = hub.cursor + 1
        hub.accept([msg(hole + 1, state="verified")])
        await asyncio.sleep(0.5)
        assert drain(client.queue) == [hole + 1] and hub.cursor == hole + 1
        assert drain(officer.queue) == [hole + 1]
        hub.accept([msg(hole)])
        assert drain(client.queue) == [hole]
        hub.accept([msg(hole)])
        assert drain(client.queue) == []  # delivered once only

        # a slow client is dropped; the others go on
        slow, _ = hub.connect(who(Role.analyst))
        base = hub.cursor
        received = []
        for i in range(1, 61):
            hub.accept([msg(base + i)])
            received += drain(client.queue)  # this one keeps up
        assert slow.dropped and not client.dropped and not officer.dropped and hub.clients == 2
        assert received == [base + i for i in range(1, 61)]
        assert slow.queue.qsize() == 50
        await hub.stop()
        assert client.closed and hub.clients == 0

        # nothing on the bus at all: the poll finds what was committed
        polling = LiveHub(db, poll_s=0.2)
        await polling.start(bus)
        watcher, _ = polling.connect(who(Role.analyst))
        polled = await anyio.to_thread.run_sync(store, db, 1)
        await asyncio.sleep(0.6)
        assert drain(watcher.queue) == polled
        await polling.stop()
        await bus.close()

    asyncio.run(scenario())


@pytest.mark.parametrize("page", [1, 3])
def test_replay_pages_through_the_log(db: Database, page: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long absence is replayed in pages, in order, up to the hub's position, then live events follow."""
    import rtcc.live.hub as hub_module

    monkeypatch.setattr(hub_module, "REPLAY_PAGE", page)

    async def scenario() -> None:
        bus = MemoryBus()
        await bus.start()
        ids = await anyio.to_thread.run_sync(store, db, 7)
        hub = LiveHub(db, heartbeat_s=5)
        await hub.start(bus)
        assert hub.cursor == ids[-1]
        stream = hub.stream(who(Role.analyst), ids[1])
        chunks = [await stream.__anext__() for _ in range(1 + 5 + 0)]
        assert chunks[0] == "retry: 2000\n\n"
        assert [int(c.split("\n")[0][4:]) for c in chunks[1:]] == ids[2:]
        hub.accept([msg(ids[-1] + 1)])
        live_chunk = await stream.__anext__()
        assert live_chunk.startswith(f"id: {ids[-1] + 1}\n")
        await stream.aclose()
        assert hub.clients == 0
        await hub.stop()
        await bus.close()

    asyncio.run(scenario())


def test_emit_publishes_after_commit_only(db: Database) -> None:
    async def scenario() -> None:
        bus = MemoryBus()
        await bus.start()
        got: list[Any] = []

        async def collect(env: Any) -> None:
            got.append(env)

        await bus.subscribe("live.>", collect)

        def rolled_back() -> None:
            with db.uow() as s:
                live.emit(s, bus, topic="alerts", type="alert.created", data={"n": 1})
                raise RuntimeError("abort")

        with pytest.raises(RuntimeError):
            await anyio.to_thread.run_sync(rolled_back)

        def committed() -> int:
            with db.uow() as s:
                return live.emit(s, bus, topic="cameras", type="camera.status", data={"code": "C1"}).id

        event_id = await anyio.to_thread.run_sync(committed)
        await bus.drain()
        assert [(e.type, e.payload["id"], e.payload["data"]) for e in got] == [
            ("live.cameras", event_id, {"code": "C1"})
        ]

        def bad_topic() -> None:
            with db.uow() as s:
                live.emit(s, bus, topic="bad.topic", type="x", data={})

        with pytest.raises(ValueError):
            await anyio.to_thread.run_sync(bad_topic)
        await bus.close()

    asyncio.run(scenario())
