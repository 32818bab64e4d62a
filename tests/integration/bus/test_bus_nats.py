"""NatsBus against a real NATS JetStream server (``RTCC_TEST_NATS_URL``, default nats://127.0.0.1:4222).

Each test gets its own stream (``RTCCTEST_<hex>``) and subject prefix, and deletes the stream afterwards. The
tests skip when the server is unreachable, and fail instead when ``RTCC_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import nats
import nats.js.errors
import pytest

from rtcc.bus.envelope import Envelope
from rtcc.bus.nats import BusUnavailable, NatsBus, redact_url
from rtcc.bus.natsgroups import durable_name

NATS_URL = os.environ.get("RTCC_TEST_NATS_URL", "nats://127.0.0.1:4222")

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 4222), timeout=1.0):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def nats_url() -> str:
    if not _reachable(NATS_URL):
        message = f"NATS not reachable at {NATS_URL}"
        if os.environ.get("RTCC_REQUIRE_SERVICES") == "1":
            pytest.fail(message + " and RTCC_REQUIRE_SERVICES=1")
        pytest.skip(message)
    return NATS_URL


class Space:
    """A private stream and subject prefix on the shared server, and the buses built on it."""

    def __init__(self, url: str) -> None:
        tag = uuid.uuid4().hex
        self.url = url
        self.stream = f"RTCCTEST_{tag}"
        self.prefix = f"rtcctest{tag}"
        self.buses: list[NatsBus] = []

    def bus(self, **kwargs: Any) -> NatsBus:
        options: dict[str, Any] = {"fetch_timeout": 1.0, "retry_delay": 0.2, "close_timeout": 5.0}
        options.update(kwargs)
        bus = NatsBus(self.url, stream=self.stream, subject_prefix=self.prefix, **options)
        self.buses.append(bus)
        return bus

    async def started(self, **kwargs: Any) -> NatsBus:
        bus = self.bus(**kwargs)
        await bus.start()
        return bus

    async def raw_publish(self, event_type: str, data: bytes) -> None:
        """Put arbitrary bytes on the stream, bypassing the bus (a misbehaving producer)."""
        nc = await nats.connect(self.url)
        try:
            await nc.jetstream().publish(f"{self.prefix}.{event_type}", data, stream=self.stream)
        finally:
            await nc.close()

    async def stream_info(self) -> Any:
        nc = await nats.connect(self.url)
        try:
            return await nc.jetstream().stream_info(self.stream)
        finally:
            await nc.close()

    async def consumer_info(self, group: str, pattern: str) -> Any:
        nc = await nats.connect(self.url)
        try:
            return await nc.jetstream().consumer_info(self.stream, durable_name(group, pattern))
        finally:
            await nc.close()

    async def cleanup(self) -> None:
        for bus in self.buses:
            await bus.close()
        nc = await nats.connect(self.url)
        try:
            await nc.jetstream().delete_stream(self.stream)
        except nats.js.errors.NotFoundError:
            pass
        finally:
            await nc.close()


@pytest.fixture
async def space(nats_url: str) -> AsyncIterator[Space]:
    sp = Space(nats_url)
    try:
        yield sp
    finally:
        await sp.cleanup()


async def wait_until(check: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll ``check`` (a function returning a bool, or an awaitable of one) until it is true."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.02)


def envs(n: int, event_type: str = "reads.stored") -> list[Envelope]:
    return [Envelope(type=event_type, source="test", payload={"i": i}) for i in range(n)]


# ---------------------------------------------------------------------------- no server needed


def test_durable_name_is_legal_readable_and_unique() -> None:
    name = durable_name("match", "alpr.reads.stored")
    assert name.startswith("match__alpr_reads_stored_")
    for group, pattern in [("g", "a.*"), ("g", "a.>"), ("g x", "*.b"), ("g/1", ">")]:
        n = durable_name(group, pattern)
        assert not set(n) & set(".*> /\\\t"), n
    # pairs that read alike still get different consumers
    assert durable_name("g", "a.b") != durable_name("g", "a_b")
    assert durable_name("g", "a.*") != durable_name("g", "a.any")
    assert durable_name("a", "b.c") != durable_name("a_b", "c")
    assert durable_name("g", "a.b") == durable_name("g", "a.b")
    assert len(durable_name("g" * 200, "a." * 100 + "b")) <= 60


def test_redact_url_hides_credentials() -> None:
    assert redact_url("nats://user:secret@nats.local:4222") == "nats://***@nats.local:4222"
    assert redact_url("nats://tok@h:1,nats://h2:2") == "nats://***@h:1,nats://h2:2"
    assert redact_url("nats://127.0.0.1:4222") == "nats://127.0.0.1:4222"


async def test_start_raises_a_clear_error_naming_the_url_when_unreachable() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bus = NatsBus(f"nats://user:pw@127.0.0.1:{port}", connect_timeout=1.0)
    started = time.monotonic()
    with pytest.raises(BusUnavailable) as info:
        await bus.start()
    assert time.monotonic() - started < 5
    assert f"127.0.0.1:{port}" in str(info.value)
    assert "pw" not in str(info.value)
    assert not await bus.ping()
    with pytest.raises(RuntimeError):
        await bus.publish(Envelope(type="x.y"))


def test_replicas_must_be_what_jetstream_allows() -> None:
    for bad in (0, 6):
        with pytest.raises(ValueError, match="replicas"):
            NatsBus("nats://127.0.0.1:4222", replicas=bad)


# ---------------------------------------------------------------------------- real NATS


@pytest.mark.services
async def test_three_replicas_on_a_single_server_is_refused_naming_the_cause(space: Space) -> None:
    bus = space.bus(replicas=3)
    with pytest.raises(BusUnavailable, match="cluster of at least 3 servers"):
        await bus.start()


@pytest.mark.services
async def test_a_publish_waits_out_a_stream_without_leader_then_stops_waiting(space: Space) -> None:
    """While a cluster elects a stream leader JetStream answers "no responders" (here: the stream is gone for a
    moment); a publish keeps trying for failover_wait s. Once one has waited in vain, the next do not wait again."""
    bus = await space.started(failover_wait=5.0)
    nc = await nats.connect(space.url)
    try:
        await nc.jetstream().delete_stream(space.stream)
        publishing = asyncio.create_task(bus.publish(Envelope(type="a.b", source="test")))
        await asyncio.sleep(1.0)
        assert not publishing.done()
        await space.started()  # the stream is back (a new leader)
        await asyncio.wait_for(publishing, 10)
        assert (await space.stream_info()).state.messages == 1

        quick = space.bus(failover_wait=1.0)
        await quick.start()
        await nc.jetstream().delete_stream(space.stream)
        started = time.monotonic()
        with pytest.raises(BusUnavailable):
            await quick.publish(Envelope(type="a.b", source="test"))
        assert 1.0 <= time.monotonic() - started < 4.0
        started = time.monotonic()
        with pytest.raises(BusUnavailable):
            await quick.publish(Envelope(type="a.b", source="test"))
        assert time.monotonic() - started < 1.0  # no quorum: it does not wait the whole window again
    finally:
        await nc.close()


@pytest.mark.services
async def test_start_creates_the_stream_and_updates_it(space: Space) -> None:
    bus = await space.started(max_age=3600, duplicate_window=60)
    info = await space.stream_info()
    assert info.config.subjects == [f"{space.prefix}.>"]
    assert info.config.storage == "file"
    assert info.config.max_age == pytest.approx(3600)
    assert info.config.duplicate_window == pytest.approx(60)
    assert await bus.ping()

    other = await space.started(max_age=7200, duplicate_window=60)  # another process, newer settings
    assert (await space.stream_info()).config.max_age == pytest.approx(7200)
    await other.close()
    await bus.close()
    assert not await bus.ping()


@pytest.mark.services
async def test_group_subscription_delivers_each_event_once_and_acks(space: Space) -> None:
    bus = await space.started()
    got: list[Envelope] = []
    other: list[Envelope] = []

    async def handler(env: Envelope) -> None:
        got.append(env)

    async def other_handler(env: Envelope) -> None:
        other.append(env)

    await bus.subscribe("reads.*", handler, group="match")
    await bus.subscribe("cameras.>", other_handler, group="match")
    sent = envs(10)
    for env in sent:
        await bus.publish(env)
    deep = Envelope(type="reads.stored.extra")  # "*" is one token: not for reads.*
    await bus.publish(deep)
    cam = Envelope(type="cameras.status.changed")
    await bus.publish(cam)

    await wait_until(lambda: len(got) >= 10 and len(other) >= 1, what="10 group deliveries")
    await asyncio.sleep(0.5)  # nothing more arrives
    assert [e.id for e in got] == [e.id for e in sent]  # in order, once each
    assert got[3] == sent[3]  # the whole envelope survives the trip
    assert [e.id for e in other] == [cam.id]
    info = await space.consumer_info("match", "reads.*")
    assert info.config.ack_wait == pytest.approx(30)
    assert info.config.max_deliver == 5
    assert info.config.deliver_policy == "all"
    assert info.num_ack_pending == 0 and info.num_pending == 0
    assert info.delivered.stream_seq >= 10


@pytest.mark.services
async def test_group_created_after_publishing_gets_the_backlog(space: Space) -> None:
    bus = await space.started()
    sent = envs(5)
    for env in sent:
        await bus.publish(env)
    got: list[uuid.UUID] = []

    async def handler(env: Envelope) -> None:
        got.append(env.id)

    await bus.subscribe("reads.>", handler, group="late")
    await wait_until(lambda: len(got) == 5, what="backlog")
    assert got == [e.id for e in sent]


@pytest.mark.services
async def test_two_buses_in_one_group_share_the_load_without_duplicates_or_loss(space: Space) -> None:
    a = await space.started()
    b = await space.started()
    got_a: list[uuid.UUID] = []
    got_b: list[uuid.UUID] = []

    async def on_a(env: Envelope) -> None:
        got_a.append(env.id)
        await asyncio.sleep(0)

    async def on_b(env: Envelope) -> None:
        got_b.append(env.id)
        await asyncio.sleep(0)

    await a.subscribe("reads.stored", on_a, group="match")
    await b.subscribe("reads.stored", on_b, group="match")
    publisher = await space.started()
    sent = envs(2000)
    started = time.monotonic()
    for chunk in range(0, len(sent), 100):
        await asyncio.gather(*(publisher.publish(e) for e in sent[chunk : chunk + 100]))
    await wait_until(lambda: len(got_a) + len(got_b) >= 2000, timeout=15, what="2,000 deliveries")
    elapsed = time.monotonic() - started
    await asyncio.sleep(0.5)
    ids = {e.id for e in sent}
    assert len(got_a) == len(set(got_a)) and len(got_b) == len(set(got_b))
    assert set(got_a) | set(got_b) == ids
    assert not set(got_a) & set(got_b)
    assert got_a and got_b, (len(got_a), len(got_b))
    print(f"2,000 envelopes published and consumed in {elapsed:.2f} s; split {len(got_a)}/{len(got_b)}")


@pytest.mark.services
async def test_a_handler_that_raises_once_gets_the_event_again(space: Space) -> None:
    bus = await space.started(retry_delay=0.2)
    calls: collections.Counter[uuid.UUID] = collections.Counter()

    async def flaky(env: Envelope) -> None:
        calls[env.id] += 1
        if calls[env.id] == 1:
            raise RuntimeError("database briefly unavailable")

    await bus.subscribe("reads.*", flaky, group="match")
    env = Envelope(type="reads.stored")
    await bus.publish(env)
    await wait_until(lambda: calls[env.id] == 2, what="redelivery")
    await asyncio.sleep(0.8)
    assert calls[env.id] == 2  # acknowledged after the successful second try
    info = await space.consumer_info("match", "reads.*")
    assert info.num_ack_pending == 0 and info.num_redelivered == 0


@pytest.mark.services
async def test_a_poison_event_is_terminated_after_max_deliver_and_blocks_nothing(space: Space) -> None:
    bus = await space.started(max_deliver=3, retry_delay=0.1)
    poison = Envelope(type="reads.stored", payload={"poison": True})
    attempts: list[uuid.UUID] = []
    handled: list[uuid.UUID] = []

    async def handler(env: Envelope) -> None:
        if env.payload.get("poison"):
            attempts.append(env.id)
            raise ValueError("cannot handle this one")
        handled.append(env.id)

    await bus.subscribe("reads.*", handler, group="match")
    later = envs(3)
    await bus.publish(poison)
    for env in later:
        await bus.publish(env)
    await wait_until(lambda: len(handled) == 3, what="events after the poison")
    await wait_until(lambda: len(attempts) == 3, what="three attempts")
    await asyncio.sleep(1.0)
    assert attempts == [poison.id] * 3  # never a fourth
    assert handled == [e.id for e in later]
    info = await space.consumer_info("match", "reads.*")
    assert info.num_ack_pending == 0 and info.num_pending == 0


@pytest.mark.services
async def test_malformed_bytes_reach_on_malformed_and_do_not_block(space: Space) -> None:
    reported: list[tuple[str, bytes, str]] = []

    async def on_malformed(subject: str, data: bytes, reason: str) -> None:
        reported.append((subject, data, reason))

    bus = await space.started(on_malformed=on_malformed)
    got: list[uuid.UUID] = []

    async def handler(env: Envelope) -> None:
        got.append(env.id)

    await bus.subscribe("reads.*", handler, group="match")
    await space.raw_publish("reads.stored", b"\x00 not json at all")
    await space.raw_publish("reads.stored", b'{"type": "reads.stored", "plate": "7ABC123"}')
    good = Envelope(type="reads.stored")
    await bus.publish(good)

    await wait_until(lambda: got == [good.id] and len(reported) == 2, what="good event and two reports")
    assert [r[0] for r in reported] == [f"{space.prefix}.reads.stored"] * 2
    assert reported[0][1] == b"\x00 not json at all"
    assert "not an envelope" in reported[1][2] and "plate" in reported[1][2]
    assert "7ABC123" not in reported[1][2]  # reasons name fields, never values
    await asyncio.sleep(0.5)
    assert len(reported) == 2  # terminated, not redelivered
    info = await space.consumer_info("match", "reads.*")
    assert info.num_ack_pending == 0 and info.num_pending == 0


@pytest.mark.services
async def test_a_sync_on_malformed_that_raises_still_does_not_block(space: Space) -> None:
    def on_malformed(subject: str, data: bytes, reason: str) -> None:
        raise OSError("dead-letter store down")

    bus = await space.started(on_malformed=on_malformed)
    got: list[uuid.UUID] = []

    async def handler(env: Envelope) -> None:
        got.append(env.id)

    await bus.subscribe("reads.*", handler, group="match")
    await space.raw_publish("reads.stored", b"[]")
    good = Envelope(type="reads.stored")
    await bus.publish(good)
    await wait_until(lambda: got == [good.id], what="good event")


@pytest.mark.services
async def test_fan_out_subscribers_each_receive_every_later_event(space: Space) -> None:
    a = await space.started()
    b = await space.started()
    before = Envelope(type="alerts.created")
    await a.publish(before)
    seen: dict[str, list[uuid.UUID]] = {"a1": [], "a2": [], "b": [], "narrow": []}

    def collect(key: str) -> Callable[[Envelope], Any]:
        async def handler(env: Envelope) -> None:
            seen[key].append(env.id)
            if key == "a2" and len(seen[key]) == 1:
                raise RuntimeError("a failing live screen loses nothing else")

        return handler

    await a.subscribe("alerts.>", collect("a1"))
    await a.subscribe("alerts.>", collect("a2"))
    await b.subscribe(">", collect("b"))
    await b.subscribe("alerts.updated", collect("narrow"))
    sent = [Envelope(type="alerts.created" if i % 2 else "alerts.updated", payload={"i": i}) for i in range(20)]
    for env in sent:
        await a.publish(env)
    ids = [e.id for e in sent]
    await wait_until(lambda: all(len(seen[k]) >= 20 for k in ("a1", "a2", "b")), what="fan-out")
    await asyncio.sleep(0.3)
    assert seen["a1"] == ids and seen["a2"] == ids and seen["b"] == ids  # all, in order, not `before`
    assert seen["narrow"] == [e.id for e in sent if e.type == "alerts.updated"]


@pytest.mark.services
async def test_a_republished_envelope_is_stored_and_delivered_once(space: Space) -> None:
    bus = await space.started()
    group: list[uuid.UUID] = []
    fan: list[uuid.UUID] = []

    async def on_group(env: Envelope) -> None:
        group.append(env.id)

    async def on_fan(env: Envelope) -> None:
        fan.append(env.id)

    await bus.subscribe("reads.*", on_group, group="match")
    await bus.subscribe("reads.*", on_fan)
    env = Envelope(type="reads.stored")
    for _ in range(3):  # e.g. an outbox retried after a crash
        await bus.publish(env)
    marker = Envelope(type="reads.stored")
    await bus.publish(marker)
    await wait_until(lambda: marker.id in group and marker.id in fan, what="marker")
    await asyncio.sleep(0.3)
    assert group == [env.id, marker.id]
    assert fan == [env.id, marker.id]
    assert (await space.stream_info()).state.messages == 2


@pytest.mark.services
async def test_publish_threadsafe_from_a_worker_thread(space: Space) -> None:
    bus = await space.started()
    got: list[uuid.UUID] = []

    async def handler(env: Envelope) -> None:
        got.append(env.id)

    await bus.subscribe("reads.*", handler, group="match")
    sent = envs(5)

    def worker() -> None:  # a sync service after its commit
        for env in sent:
            bus.publish_threadsafe(env, timeout=5)

    await asyncio.to_thread(worker)
    await wait_until(lambda: len(got) == 5, what="thread-published events")
    assert got == [e.id for e in sent]
    with pytest.raises(RuntimeError, match="own event loop"):
        bus.publish_threadsafe(Envelope(type="reads.stored"))


@pytest.mark.services
async def test_publish_rejects_an_event_type_that_is_not_a_plain_subject(space: Space) -> None:
    bus = await space.started()
    for bad in ("reads.*", "reads.>", "reads..stored", "reads stored"):
        with pytest.raises(ValueError, match="event type"):
            await bus.publish(Envelope(type=bad))
    with pytest.raises(ValueError, match="pattern"):
        await bus.subscribe("a.>.b", _noop, group="g")


async def _noop(env: Envelope) -> None:
    return None


@pytest.mark.services
async def test_close_finishes_the_message_in_hand_and_hands_the_rest_back(space: Space) -> None:
    first = await space.started()
    got_first: list[uuid.UUID] = []
    in_handler = asyncio.Event()

    async def slow(env: Envelope) -> None:
        in_handler.set()
        await asyncio.sleep(0.2)
        got_first.append(env.id)

    await first.subscribe("reads.*", slow, group="match")
    sent = envs(30)
    publisher = await space.started()
    for env in sent:
        await publisher.publish(env)
    await asyncio.wait_for(in_handler.wait(), 5)
    await first.close()  # mid-batch
    assert 1 <= len(got_first) < 30  # the message in hand was finished, the rest not touched

    async def settled() -> bool:  # the ack/nak travelled on the closed connection; the server applies it shortly
        return bool((await space.consumer_info("match", "reads.*")).num_ack_pending == 0)

    # acked, or handed back (nak) for immediate redelivery: seconds, not the 30 s ack_wait of an abandoned message
    await wait_until(settled, timeout=3, what="no message left pending after close")

    second = await space.started()
    got_second: list[uuid.UUID] = []

    async def fast(env: Envelope) -> None:
        got_second.append(env.id)

    await second.subscribe("reads.*", fast, group="match")
    started = time.monotonic()
    await wait_until(lambda: len(got_first) + len(got_second) >= 30, timeout=5, what="the rest")
    assert time.monotonic() - started < 3  # not after ack_wait (30 s)
    assert set(got_first) | set(got_second) == {e.id for e in sent}
    assert not set(got_first) & set(got_second)


CHILD = r"""
import asyncio, signal, sys
from pathlib import Path
from rtcc.bus.nats import NatsBus

url, stream, prefix, out, ready = sys.argv[1:6]

async def main() -> None:
    bus = NatsBus(url, stream=stream, subject_prefix=prefix, batch=64, fetch_timeout=1.0)
    await bus.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    with open(out, "a", buffering=1) as fh:
        async def handle(env):
            fh.write(f"{env.id}\n")
            await asyncio.sleep(0.001)
        await bus.subscribe("mp.*", handle, group="mp")
        Path(ready).touch()
        await stop.wait()
        await bus.close()

asyncio.run(main())
"""


@pytest.mark.services
async def test_group_shared_by_two_processes_loses_and_duplicates_nothing(space: Space, tmp_path: Path) -> None:
    publisher = await space.started()  # creates the stream before the children start
    procs: list[subprocess.Popen[bytes]] = []
    outs = [tmp_path / f"ids{i}.txt" for i in range(2)]
    readies = [tmp_path / f"ready{i}" for i in range(2)]
    try:
        for out, ready in zip(outs, readies, strict=True):
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", CHILD, space.url, space.stream, space.prefix, str(out), str(ready)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                )
            )
        await wait_until(lambda: all(r.exists() for r in readies), timeout=15, what="both processes ready")
        sent = envs(1000, "mp.stored")
        for chunk in range(0, len(sent), 100):
            await asyncio.gather(*(publisher.publish(e) for e in sent[chunk : chunk + 100]))

        def lines() -> list[list[str]]:
            return [o.read_text().split() if o.exists() else [] for o in outs]

        await wait_until(lambda: sum(len(x) for x in lines()) >= 1000, timeout=15, what="1,000 ids in files")
        await asyncio.sleep(0.5)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    for p in procs:
        output = p.stdout.read().decode() if p.stdout else ""
        assert p.returncode == 0, output
    got = lines()
    all_ids = got[0] + got[1]
    assert len(all_ids) == len(set(all_ids)), "an event was handled twice"
    assert set(all_ids) == {str(e.id) for e in sent}, "an event was lost"
    assert got[0] and got[1], [len(x) for x in got]
    print(f"two processes split 1,000 events {len(got[0])}/{len(got[1])}")


@pytest.mark.services
async def test_a_batch_held_longer_than_ack_wait_is_kept_alive_not_redelivered(space: Space) -> None:
    a = await space.started(ack_wait=1.0)
    b = await space.started(ack_wait=1.0)
    got_a: list[uuid.UUID] = []
    got_b: list[uuid.UUID] = []

    async def slow(env: Envelope) -> None:
        await asyncio.sleep(0.3)
        got_a.append(env.id)

    async def fast(env: Envelope) -> None:
        got_b.append(env.id)

    sent = envs(8)
    for env in sent:
        await a.publish(env)
    await a.subscribe("reads.*", slow, group="match")  # takes all 8 in one batch: 2.4 s of work
    await wait_until(lambda: len(got_a) >= 1, what="first slow delivery")
    await b.subscribe("reads.*", fast, group="match")  # idle, would get anything that timed out
    await wait_until(lambda: len(got_a) + len(got_b) >= 8, timeout=10, what="all 8")
    await asyncio.sleep(1.2)
    assert got_a == [e.id for e in sent]
    assert got_b == []


async def _not(value: Awaitable[bool]) -> bool:
    return not await value


class FlakyLink:
    """A TCP proxy in front of NATS whose connections can be cut, and which can refuse new ones for a while."""

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 4222)
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self.port = 0

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Close the listener and every live connection."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for w in self._writers:
            w.close()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self._target)
        self._writers += [writer, up_writer]

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@pytest.mark.services
async def test_bus_reconnects_and_consumers_resume_after_the_link_drops(space: Space) -> None:
    link = FlakyLink(space.url)
    await link.open()
    publisher = await space.started()
    bus = NatsBus(link.url, stream=space.stream, subject_prefix=space.prefix, fetch_timeout=1.0)
    space.buses.append(bus)
    await bus.start()
    group: list[uuid.UUID] = []
    fan: list[uuid.UUID] = []

    async def on_group(env: Envelope) -> None:
        group.append(env.id)

    async def on_fan(env: Envelope) -> None:
        fan.append(env.id)

    await bus.subscribe("reads.*", on_group, group="match")
    await bus.subscribe("reads.*", on_fan)
    before, during, after = envs(3), envs(3), envs(3)
    for env in before:
        await publisher.publish(env)
    await wait_until(lambda: len(group) == 3 and len(fan) == 3, what="events before the cut")

    await link.cut()
    await wait_until(lambda: _not(bus.ping()), timeout=5, what="disconnect noticed")
    for env in during:  # stored by JetStream while the bus is away
        await publisher.publish(env)
    await asyncio.sleep(1.0)
    await link.open()  # same port
    await wait_until(bus.ping, timeout=10, what="reconnect")
    for env in after:
        await publisher.publish(env)
    expected = [e.id for e in before + during + after]
    await wait_until(lambda: len(group) >= 9, timeout=10, what="group catch-up")
    assert group == expected  # durable: nothing missed, nothing twice
    await wait_until(lambda: len(fan) >= 9, timeout=15, what="fan-out catch-up")
    assert fan == expected  # the ordered consumer resumed from its last sequence
    await bus.close()
    await link.cut()
