"""``Bus.offer`` and the relay behind it: an offer never waits, is refused when the bus is not running or the relay
is full, and is delivered in the background otherwise (from any thread)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from rtcc.bus.envelope import Envelope
from rtcc.bus.memory import MemoryBus
from rtcc.bus.relay import Relay

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_memory_bus_offer_delivers_in_the_background_from_a_thread() -> None:
    bus = MemoryBus()
    assert bus.offer(Envelope(type="a.b")) is False  # not started: refused, the caller keeps it pending
    await bus.start()
    got: list[Envelope] = []

    async def collect(env: Envelope) -> None:
        got.append(env)

    await bus.subscribe("a.>", collect, group="g")
    env = Envelope(type="a.b")
    taken: list[bool] = []
    thread = threading.Thread(target=lambda: taken.append(bus.offer(env)))
    thread.start()
    thread.join(5)
    assert taken == [True]
    for _ in range(100):
        if got:
            break
        await asyncio.sleep(0.01)
    assert got == [env]
    await bus.close()
    assert bus.offer(Envelope(type="a.b")) is False


async def test_a_full_relay_refuses_instead_of_waiting() -> None:
    release = asyncio.Event()
    sent: list[Envelope] = []

    async def slow_publish(env: Envelope) -> None:
        await release.wait()
        sent.append(env)

    relay = Relay(slow_publish, limit=2)
    relay.bind(asyncio.get_running_loop())
    envs = [Envelope(type="a.b") for _ in range(3)]
    assert [relay.offer(e) for e in envs] == [True, True, False]
    assert relay.refused == 1
    release.set()
    for _ in range(100):
        if len(sent) == 2:
            break
        await asyncio.sleep(0.01)
    assert sent == envs[:2]
    assert relay.offer(envs[2]) is True  # slots are given back once a publish is done


async def test_a_failed_background_publish_is_counted_not_raised() -> None:
    async def broken(_env: Envelope) -> None:
        raise ConnectionError("down")

    relay = Relay(broken, limit=1)
    relay.bind(asyncio.get_running_loop())
    assert relay.offer(Envelope(type="a.b"))
    for _ in range(100):
        if relay.failed:
            break
        await asyncio.sleep(0.01)
    assert relay.failed == 1
    assert relay.offer(Envelope(type="a.b"))  # the slot came back


async def test_drain_waits_for_publishes_in_flight_and_close_hands_them_over() -> None:
    bus = MemoryBus()
    await bus.start()
    got: list[Envelope] = []

    async def collect(env: Envelope) -> None:
        got.append(env)

    await bus.subscribe("a.>", collect)
    envs = [Envelope(type="a.b") for _ in range(50)]
    assert all(bus.offer(e) for e in envs)
    await bus.close()  # drains the relay first: every offered envelope reached the queue
    assert bus._relay.refused == 0 and bus._relay._inflight == 0

    release = asyncio.Event()

    async def slow(_env: Envelope) -> None:
        await release.wait()

    relay = Relay(slow)
    relay.bind(asyncio.get_running_loop())
    assert relay.offer(Envelope(type="a.b"))
    await asyncio.sleep(0)
    assert await relay.drain(0.05) is False  # gives up after its timeout
    asyncio.get_running_loop().call_later(0.05, release.set)
    assert await relay.drain(2.0) is True
