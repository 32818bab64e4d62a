"""The in-process bus (``MemoryBus``) and the NATS-style wildcard match it shares with the NATS adapter."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest

from rtcc.bus.base import Handler
from rtcc.bus.envelope import Envelope, subject_matches
from rtcc.bus.memory import MemoryBus

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def envs(n: int, event_type: str = "alpr.reads.stored") -> list[Envelope]:
    return [Envelope(type=event_type, payload={"i": i}) for i in range(n)]


@pytest.mark.parametrize(
    ("pattern", "event_type", "expected"),
    [
        ("alpr.reads.stored", "alpr.reads.stored", True),
        ("alpr.reads.stored", "alpr.reads.deleted", False),
        ("alpr.reads", "alpr.reads.stored", False),
        ("alpr.reads.stored.x", "alpr.reads.stored", False),
        ("alpr.*.stored", "alpr.reads.stored", True),
        ("alpr.*", "alpr.reads.stored", False),  # '*' is exactly one token
        ("*.*.*", "alpr.reads.stored", True),
        ("alpr.>", "alpr.reads.stored", True),
        ("alpr.>", "alpr.reads", True),
        ("alpr.>", "alpr", False),  # '>' needs at least one token
        (">", "alerts", True),
        (">", "alerts.created.now", True),
        ("*.reads.>", "alpr.reads.stored.late", True),
        ("*.reads.>", "alpr.hits.stored", False),
    ],
)
def test_subject_matches(pattern: str, event_type: str, expected: bool) -> None:
    assert subject_matches(pattern, event_type) is expected


def test_envelope_round_trips_through_bytes() -> None:
    env = Envelope(type="alerts.created", source="matcher", payload={"hotlist": "stolen", "n": [1, 2]})
    assert Envelope.from_bytes(env.to_bytes()) == env


async def test_fan_out_every_subscriber_gets_every_later_event() -> None:
    bus = MemoryBus()
    await bus.start()
    early = Envelope(type="alerts.created")
    await bus.publish(early)  # nobody listening yet: dropped
    seen: dict[str, list[uuid.UUID]] = {"a": [], "b": []}

    async def on_a(env: Envelope) -> None:
        seen["a"].append(env.id)

    async def on_b(env: Envelope) -> None:
        seen["b"].append(env.id)

    await bus.subscribe("alerts.*", on_a)
    await bus.subscribe("alerts.*", on_b)
    sent = envs(5, "alerts.created")
    for env in sent:
        await bus.publish(env)
    await bus.drain()
    assert seen["a"] == [e.id for e in sent]
    assert seen["b"] == [e.id for e in sent]
    await bus.close()


async def test_group_members_share_events_and_groups_are_independent() -> None:
    bus = MemoryBus()
    await bus.start()
    m1: list[uuid.UUID] = []
    m2: list[uuid.UUID] = []
    other: list[uuid.UUID] = []

    def member(into: list[uuid.UUID]) -> Handler:
        async def handler(env: Envelope) -> None:
            into.append(env.id)
            await asyncio.sleep(0)  # let the other member take the next one

        return handler

    await bus.subscribe("alpr.reads.*", member(m1), group="match")
    await bus.subscribe("alpr.reads.*", member(m2), group="match")
    await bus.subscribe("alpr.reads.*", member(other), group="notify")
    sent = envs(200)
    for env in sent:
        await bus.publish(env)
    await bus.drain()
    ids = {e.id for e in sent}
    assert len(m1) + len(m2) == 200
    assert set(m1) | set(m2) == ids and not set(m1) & set(m2)
    assert m1 and m2
    assert other == [e.id for e in sent]  # another group gets everything
    await bus.close()


async def test_wildcard_subscriptions_only_get_matching_types() -> None:
    bus = MemoryBus()
    await bus.start()
    got: dict[str, list[str]] = {"one": [], "rest": [], "exact": []}

    def collect(key: str) -> Handler:
        async def handler(env: Envelope) -> None:
            got[key].append(env.type)

        return handler

    await bus.subscribe("alpr.*", collect("one"))
    await bus.subscribe("alpr.>", collect("rest"))
    await bus.subscribe("alpr.reads.stored", collect("exact"))
    for t in ["alpr.reads", "alpr.reads.stored", "alerts.created", "alpr"]:
        await bus.publish(Envelope(type=t))
    await bus.drain()
    assert got == {
        "one": ["alpr.reads"],
        "rest": ["alpr.reads", "alpr.reads.stored"],
        "exact": ["alpr.reads.stored"],
    }
    await bus.close()


async def test_a_failing_handler_is_logged_and_the_next_event_still_handled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = MemoryBus()
    await bus.start()
    handled: list[uuid.UUID] = []
    bad = Envelope(type="alerts.created", payload={"bad": True})

    async def handler(env: Envelope) -> None:
        if env.payload.get("bad"):
            raise RuntimeError("boom")
        handled.append(env.id)

    await bus.subscribe("alerts.>", handler, group="notify")
    good = envs(3, "alerts.created")
    with caplog.at_level(logging.ERROR, logger="rtcc.bus.memory"):
        await bus.publish(bad)
        for env in good:
            await bus.publish(env)
        await bus.drain()
    assert handled == [e.id for e in good]
    failures = [r for r in caplog.records if r.name == "rtcc.bus.memory"]
    assert len(failures) == 1
    assert str(bad.id) in failures[0].getMessage() and failures[0].exc_info is not None
    await bus.close()


async def test_drain_waits_for_slow_handlers() -> None:
    bus = MemoryBus()
    await bus.start()
    done: list[int] = []

    async def slow(env: Envelope) -> None:
        await asyncio.sleep(0.01)
        done.append(env.payload["i"])

    await bus.subscribe("alpr.>", slow)
    for env in envs(10):
        await bus.publish(env)
    assert len(done) < 10
    await bus.drain()
    assert done == list(range(10))
    await bus.close()


async def test_a_full_queue_makes_publish_wait() -> None:
    bus = MemoryBus(queue_size=1)
    await bus.start()
    release = asyncio.Event()
    handled: list[int] = []

    async def blocked(env: Envelope) -> None:
        await release.wait()
        handled.append(env.payload["i"])

    await bus.subscribe("alpr.>", blocked)
    first, second, third = envs(3)
    await bus.publish(first)
    await asyncio.sleep(0.01)  # the handler takes it and blocks
    await bus.publish(second)  # fills the queue
    pending = asyncio.create_task(bus.publish(third))
    await asyncio.sleep(0.05)
    assert not pending.done()  # back-pressure
    release.set()
    await asyncio.wait_for(pending, 1)
    await bus.drain()
    assert handled == [0, 1, 2]
    await bus.close()


async def test_publish_threadsafe_from_a_thread_and_not_from_the_loop() -> None:
    bus = MemoryBus()
    with pytest.raises(RuntimeError, match="not started"):
        bus.publish_threadsafe(Envelope(type="a.b"))
    await bus.start()
    got: list[uuid.UUID] = []

    async def handler(env: Envelope) -> None:
        got.append(env.id)

    await bus.subscribe("a.*", handler)
    sent = envs(3, "a.b")

    def worker() -> None:
        for env in sent:
            bus.publish_threadsafe(env, timeout=2)

    await asyncio.to_thread(worker)
    await bus.drain()
    assert got == [e.id for e in sent]
    with pytest.raises(RuntimeError, match="own event loop"):
        bus.publish_threadsafe(Envelope(type="a.b"))
    await bus.close()


async def test_ping_and_close() -> None:
    bus = MemoryBus()
    assert not await bus.ping()
    await bus.start()
    assert await bus.ping()
    handled: list[uuid.UUID] = []

    async def handler(env: Envelope) -> None:
        handled.append(env.id)

    await bus.subscribe(">", handler)
    await bus.close()
    assert not await bus.ping()
    with pytest.raises(RuntimeError, match="closed"):
        await bus.publish(Envelope(type="a.b"))
    assert handled == []


async def test_a_batch_subscriber_gets_what_is_waiting_at_once() -> None:
    bus = MemoryBus()
    await bus.start()
    got: list[list[int]] = []
    release = asyncio.Event()

    async def handler(batch: list[Envelope]) -> None:
        got.append([e.payload["i"] for e in batch])
        await release.wait()  # the first batch is held while more events queue up

    await bus.subscribe_batch("alpr.reads.stored", handler, group="g", max_batch=4)
    events = envs(7)
    await bus.publish(events[0])
    while not got:  # the first event is taken alone: nothing else was waiting
        await asyncio.sleep(0)
    for e in events[1:]:
        await bus.publish(e)
    release.set()
    await bus.drain()
    assert got[0] == [0]
    assert [i for batch in got for i in batch] == list(range(7))  # all, once, in order
    assert all(1 <= len(batch) <= 4 for batch in got) and len(got) == 3  # [0], [1..4], [5, 6]
    await bus.close()


async def test_a_lingering_batch_subscriber_gathers_what_arrives_meanwhile() -> None:
    bus = MemoryBus()
    await bus.start()
    got: list[list[int]] = []

    async def handler(batch: list[Envelope]) -> None:
        got.append([e.payload["i"] for e in batch])

    await bus.subscribe_batch("alpr.reads.stored", handler, group="g", max_batch=4, linger_s=0.2)
    events = envs(6)
    await bus.publish(events[0])
    await asyncio.sleep(0.02)  # the subscriber holds the first event while the batch gathers
    assert got == []
    for e in events[1:]:
        await bus.publish(e)
    await bus.drain()
    assert got == [[0, 1, 2, 3], [4, 5]]  # one batch of what came within the linger (at most max_batch), then the rest
    await bus.close()


async def test_a_failing_batch_is_logged_and_the_subscriber_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    bus = MemoryBus()
    await bus.start()
    seen: list[int] = []

    async def handler(batch: list[Envelope]) -> None:
        seen.extend(e.payload["i"] for e in batch)
        if any(e.payload["i"] == 0 for e in batch):
            raise RuntimeError("boom")

    await bus.subscribe_batch("alpr.reads.stored", handler, group="g")
    with caplog.at_level(logging.ERROR):
        for e in envs(1):
            await bus.publish(e)
        await bus.drain()
        for e in envs(3)[1:]:
            await bus.publish(e)
        await bus.drain()
    assert seen == [0, 1, 2]
    assert "batch handler for alpr.reads.stored failed on 1 event(s)" in caplog.text
    await bus.close()
