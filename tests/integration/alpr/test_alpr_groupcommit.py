"""Group commit of ingest (``rtcc.alpr.groupcommit``) on the suite's database: requests that share one transaction
keep their own results, errors, dead letters and audit entries; a unit that fails is undone alone; a transaction that
breaks falls back to one transaction per unit; stop() commits what is queued; the batch's stored-read events are
merged; over HTTP concurrent camera-sized requests share commits and get exactly today's answers (202, 403, 422)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from rtcc.alpr import cameras, groupcommit, payloads, redrive
from rtcc.alpr.deadletters import DeadLetterDraft
from rtcc.alpr.events import EVENT_STORED, EVENT_STORED_VERSION, covered_ids
from rtcc.alpr.models import DeadLetter, Read
from rtcc.alpr.outcomes import settle
from rtcc.alpr.schemas import CameraCreate, IngestResult
from rtcc.audit import service as audit
from rtcc.audit.models import AuditEntry
from rtcc.bench._support import CollectingBus
from rtcc.bus import outbox
from rtcc.bus.base import Bus
from rtcc.bus.models import OutboxEvent
from rtcc.core.db import Database
from rtcc.core.errors import PermissionDenied, ValidationFailed
from rtcc.identity.logic import SENSOR_PERMISSIONS, SYSTEM, Principal
from rtcc.identity.models import ApiKey
from rtcc.settings import Settings


def _key(*codes: str) -> Principal:
    return Principal(
        kind="apikey", id="k", name=f"key-{'-'.join(codes)}", role="sensor", permissions=SENSOR_PERMISSIONS,
        camera_codes=frozenset(codes),
    )  # fmt: skip


def _body(*reads: tuple[str, str], at: datetime | None = None) -> bytes:
    t = at or datetime.now(UTC) - timedelta(minutes=1)
    return orjson.dumps(
        {"reads": [{"plate": p, "camera": c, "observed_at": (t + timedelta(seconds=i)).isoformat()} for i, (p, c) in
                   enumerate(reads)]}
    )  # fmt: skip


def _count(db: Database, model: Any, *where: Any) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


class _Unit:
    """A route-like unit of work: ingest one body as one principal, drafts collected afresh on each run."""

    def __init__(self, body: bytes, principal: Principal, settings: Settings) -> None:
        self.body, self.principal, self.settings = body, principal, settings
        self.drafts: list[DeadLetterDraft] = []
        self.runs = 0

    def __call__(self, session: Session, bus: Bus) -> IngestResult:
        self.runs += 1
        self.drafts.clear()
        return payloads.ingest_payload(
            session, bus, self.body, source="rest", context={"channel": "native"}, principal=self.principal,
            settings=self.settings, dead_letters=self.drafts,
        )  # fmt: skip


@pytest.fixture
def cams(db: Database) -> None:
    with db.uow() as s:
        for code in ("GC-1", "GC-2"):
            cameras.register_camera(s, CameraCreate(code=code, name=code), actor=SYSTEM)


def _held(committer: groupcommit.GroupCommitter) -> threading.Event:
    """Occupy the writer with a unit that waits, so that what is submitted next queues up into one batch."""
    release = threading.Event()
    started = threading.Event()

    def block(_s: Session, _b: Bus) -> None:
        started.set()
        release.wait(10)

    committer.submit(block)
    assert started.wait(10)
    return release


def test_units_in_one_transaction_keep_their_own_outcomes(db: Database, settings: Settings, cams: None) -> None:
    bus = CollectingBus()
    committer = groupcommit.GroupCommitter(db, bus, writers=1)  # type: ignore[arg-type]
    try:
        release = _held(committer)
        t = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
        units = {
            "good": _Unit(_body(("7ABC123", "GC-1"), at=t), _key("GC-1"), settings),
            "good2": _Unit(_body(("8XYZ999", "GC-2"), ("5DEF456", "GC-2"), at=t), _key("GC-2"), settings),
            "foreign": _Unit(_body(("6FOR123", "GC-2"), at=t), _key("GC-1"), settings),  # 403 today
            "garbage": _Unit(b'{"reads": [', _key("GC-1"), settings),  # 422 + dead letter today
            "half": _Unit(
                _body(("4HAL123", "GC-1"), ("!", "GC-1"), at=t - timedelta(seconds=5)), _key("GC-1"), settings
            ),
            "repeat": _Unit(_body(("7ABC123", "GC-1"), at=t), _key("GC-1"), settings),  # same read as "good"
        }
        futures: dict[str, Future[IngestResult]] = {k: committer.submit(u) for k, u in units.items()}
        release.set()
        outcomes: dict[str, Any] = {}
        for name, fut in futures.items():
            try:
                outcomes[name] = fut.result(10)
            except Exception as exc:  # the unit's own error, as the route would see it
                outcomes[name] = exc
    finally:
        committer.stop()
    assert committer.stats.largest == len(units)  # they did share one transaction
    assert committer.stats.savepoint_passes == 1  # run again, one savepoint a unit, once units failed
    assert outcomes["good"].accepted == 1 and outcomes["good2"].accepted == 2
    assert isinstance(outcomes["foreign"], PermissionDenied)
    assert isinstance(outcomes["garbage"], ValidationFailed) and len(units["garbage"].drafts) == 1
    half = outcomes["half"]
    assert half.accepted == 1 and [r.index for r in half.rejected] == [1] and len(units["half"].drafts) == 1
    assert outcomes["repeat"].accepted == 0 and outcomes["repeat"].duplicates == 1
    assert _count(db, Read) == 4
    with db.read() as s:
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "alpr.ingest").order_by(AuditEntry.seq)))
        assert audit.verify(s).ok
    # one entry per principal and source for the batch, its calls' counts summed (the refused calls wrote none)
    assert [{k: v for k, v in e.details.items() if k != "source"} | {"actor": e.actor} for e in entries] == [
        {"actor": "apikey:key-GC-1", "calls": 3, "received": 4, "accepted": 2, "duplicates": 1, "rejected": 1,
         "dead_lettered": 1, "cameras": 1, "cameras_registered": 0},
        {"actor": "apikey:key-GC-2", "calls": 1, "received": 2, "accepted": 2, "duplicates": 0, "rejected": 0,
         "dead_lettered": 0, "cameras": 1, "cameras_registered": 0},
    ]  # fmt: skip
    with db.read() as s:  # each camera moved once, at the batch's end, to its newest read
        last = {c.code: c.last_read_at for c in cameras.list_cameras(s, active=None)}
    assert last["GC-1"] == t and last["GC-2"] == t + timedelta(seconds=1)
    # the batch's stored-read events were merged into one envelope of every new read
    events = bus.take(EVENT_STORED)
    assert len(events) == 1 and len(events[0].payload["reads"]) == 4
    # what the units staged was merged before the commit: one outbox row for the batch, in its transaction, keeping
    # the ids of every new read (a re-drive rebuilds all of them); matching the event settles it
    assert events[0].schema_version == EVENT_STORED_VERSION and covered_ids(events[0]) == [events[0].id]
    with db.read() as s:
        assert outbox.pending(s, EVENT_STORED) == 1
        row = s.get(OutboxEvent, events[0].id)
        assert row is not None
        kept = redrive.read_ids(orjson.loads(row.payload))
    assert sorted(str(i) for i in kept) == sorted(r["id"] for r in events[0].payload["reads"])
    with db.uow() as s:
        assert outbox.settle_many(s, covered_ids(events[0])) == 1
    with db.read() as s:
        assert outbox.pending(s, EVENT_STORED) == 0


def test_loop_callers_get_their_own_outcomes_with_one_wakeup_per_batch(
    db: Database, settings: Settings, cams: None
) -> None:
    """``submit_async`` (the HTTP routes): a batch's callers on one event loop are answered by one thread-safe call
    on that loop, each with its own result or error; a caller that went away still has its read stored."""
    committer = groupcommit.GroupCommitter(db, CollectingBus(), writers=1)  # type: ignore[arg-type]
    t = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=2)
    wakeups: list[int] = []

    async def scenario() -> tuple[list[Any], int]:
        loop = asyncio.get_running_loop()
        real = loop.call_soon_threadsafe

        def counted(callback: Any, *args: Any, **kwargs: Any) -> Any:
            if callback is settle:  # the writer's hand-over (the loop's own thread work calls it too)
                wakeups.append(len(args[0]))
            return real(callback, *args, **kwargs)

        loop.call_soon_threadsafe = counted  # type: ignore[method-assign]
        release = await asyncio.to_thread(_held, committer)
        bodies = [_body((f"7LP{i:03d}", "GC-1"), at=t + timedelta(seconds=i)) for i in range(20)]
        units = [_Unit(b, _key("GC-1"), settings) for b in bodies]
        units.append(_Unit(_body(("6FOR123", "GC-2"), at=t), _key("GC-1"), settings))  # foreign camera: 403
        gone = _Unit(_body(("5GON123", "GC-1"), at=t), _key("GC-1"), settings)
        futures = [committer.submit_async(u) for u in units]
        gone_future = committer.submit_async(gone)
        waiter = asyncio.ensure_future(asyncio.shield(gone_future))
        await asyncio.sleep(0)
        waiter.cancel()  # its caller goes away before the writer has even begun
        release.set()
        results = await asyncio.gather(*futures, return_exceptions=True)
        stored_gone = (await gone_future).accepted
        return results, stored_gone

    try:
        results, stored_gone = asyncio.run(scenario())
    finally:
        committer.stop()
    assert [r.accepted for r in results[:20]] == [1] * 20
    assert isinstance(results[20], PermissionDenied)
    assert stored_gone == 1 and _count(db, Read) == 21
    # the held unit was a worker-thread submit (no wake-up); the 22 loop units shared one batch and one wake-up
    assert committer.stats.largest == 22
    assert wakeups == [22]


def test_a_unit_undone_after_storing_takes_its_audit_record_back(db: Database, settings: Settings, cams: None) -> None:
    """A unit that stored reads, then failed, is rolled back to its savepoint with its share of the batch's audit
    entry and of its stored-reads event: both hold only the calls that committed."""
    stored_then_failed = _Unit(_body(("7UND001", "GC-1")), _key("GC-1"), settings)

    def fails_after_storing(session: Session, bus: Bus) -> IngestResult:
        stored_then_failed(session, bus)
        raise RuntimeError("failed after storing")

    bus = CollectingBus()
    committer = groupcommit.GroupCommitter(db, bus, writers=1)  # type: ignore[arg-type]
    try:
        release = _held(committer)
        good = [_Unit(_body((f"7KEP{i:03d}", "GC-1")), _key("GC-1"), settings) for i in range(2)]
        futures = [committer.submit(good[0]), committer.submit(fails_after_storing), committer.submit(good[1])]
        release.set()
        results = [f.exception(10) or f.result() for f in futures]
    finally:
        committer.stop()
    assert committer.stats.savepoint_passes == 1
    assert isinstance(results[1], RuntimeError) and stored_then_failed.runs == 2  # ran in both passes
    assert _count(db, Read) == 2
    with db.read() as s:
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "alpr.ingest")))
        assert audit.verify(s).ok
    assert [(e.details["calls"], e.details["received"], e.details["accepted"]) for e in entries] == [(2, 2, 2)]
    events = bus.take(EVENT_STORED)
    assert len(events) == 1 and sorted(r["plate"] for r in events[0].payload["reads"]) == ["7KEP000", "7KEP001"]
    with db.read() as s:
        (row,) = s.scalars(select(OutboxEvent).where(OutboxEvent.type == EVENT_STORED))
        kept = redrive.read_ids(orjson.loads(row.payload))
        assert sorted(kept) == sorted(s.scalars(select(Read.id)))  # it re-drives the stored reads, and only them


def test_a_lone_unit_is_run_again_when_the_server_dropped_the_connection(
    db: Database, settings: Settings, cams: None
) -> None:
    """PostgreSQL: the ingest writer process does not ping its connection before each batch. When the server has
    dropped it (a restart, an idle timeout), the batch that meets it fails; a batch of one is run once more on a new
    connection instead of answering 503 (a shared batch is run again by its own fallbacks)."""
    if db.dialect != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    writer_db = Database(db.url, pool_size=1, pre_ping=False)  # as the writer process opens it
    committer = groupcommit.GroupCommitter(writer_db, CollectingBus(), writers=1)  # type: ignore[arg-type]
    try:
        pid = committer.run(lambda s, _b: s.scalar(text("SELECT pg_backend_pid()")))
        with db.uow() as s:
            assert s.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        result = committer.run(_Unit(_body(("7DRP001", "GC-1")), _key("GC-1"), settings))
        assert committer.run(lambda s, _b: s.scalar(text("SELECT pg_backend_pid()"))) != pid
    finally:
        committer.stop()
        writer_db.dispose()
    assert result.accepted == 1 and committer.stats.job_errors == 0
    assert _count(db, Read) == 1


def test_a_broken_transaction_falls_back_to_one_transaction_per_unit(
    db: Database, settings: Settings, cams: None
) -> None:
    def breaker(session: Session, _bus: Bus) -> None:
        # ends the shared transaction behind SQLAlchemy's back: its savepoint can no longer be rolled back
        session.connection().exec_driver_sql("ROLLBACK")
        raise RuntimeError("broken unit")

    committer = groupcommit.GroupCommitter(db, CollectingBus(), writers=1)  # type: ignore[arg-type]
    try:
        release = _held(committer)
        good = [_Unit(_body((f"7GC{i:04d}", "GC-1")), _key("GC-1"), settings) for i in range(3)]
        futures = [committer.submit(u) for u in good[:2]] + [committer.submit(breaker)] + [committer.submit(good[2])]
        release.set()
        results = [f.exception(10) or f.result() for f in futures]
    finally:
        committer.stop()
    assert committer.stats.fallbacks == 1
    assert [getattr(r, "accepted", None) for r in results] == [1, 1, None, 1]
    assert isinstance(results[2], RuntimeError)
    assert _count(db, Read) == 3
    with db.read() as s:  # each unit alone wrote its own entry, nothing twice
        calls = [e.details["calls"] for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "alpr.ingest"))]
    assert calls == [1, 1, 1]
    with db.read() as s:
        assert audit.verify(s).ok


def test_stop_commits_everything_queued(db: Database, settings: Settings, cams: None) -> None:
    committer = groupcommit.GroupCommitter(db, CollectingBus(), writers=1)  # type: ignore[arg-type]
    release = _held(committer)
    futures = [committer.submit(_Unit(_body((f"5ST{i:04d}", "GC-1")), _key("GC-1"), settings)) for i in range(40)]
    stopper = threading.Thread(target=committer.stop)
    stopper.start()
    release.set()
    stopper.join(30)
    assert all(f.done() and f.result().accepted == 1 for f in futures)
    assert _count(db, Read) == 40
    assert committer.stats.largest == 40 and committer.stats.savepoint_passes == 0  # no unit failed: one pass
    with pytest.raises(RuntimeError):
        committer.submit(_Unit(_body(("5LATE01", "GC-1")), _key("GC-1"), settings))


def test_concurrent_http_requests_share_commits_and_keep_their_answers(
    app_client: TestClient, db: Database, sensor_key: Callable[[list[str]], dict[str, str]], cams: None
) -> None:
    key = sensor_key(["GC-1"])
    at = datetime.now(UTC) - timedelta(minutes=5)

    def post(i: int) -> tuple[int, dict[str, Any]]:
        if i % 10 == 3:  # a foreign camera: 403
            body = _body(("6FOR001", "GC-2"), at=at + timedelta(minutes=1, seconds=i))
        elif i % 10 == 7:  # nothing storable: 422 naming the field
            body = _body(("!", "GC-1"), at=at)
        else:
            body = _body((f"7HT{i:04d}", "GC-1"), at=at + timedelta(seconds=i))
        resp = app_client.post("/api/v1/reads", content=body, headers={**key, "Content-Type": "application/json"})
        return resp.status_code, resp.json()

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(post, range(60)))
    runtime = app_client.app.state.runtime  # type: ignore[attr-defined]
    committer = runtime.services[groupcommit.SERVICE_KEY]
    assert app_client.portal is not None
    app_client.portal.call(runtime.bus.drain)  # consumers done before the tables are emptied
    for i, (status, body) in enumerate(answers):
        if i % 10 == 3:
            assert status == 403 and body["status"] == 403 and "GC-2" in body["detail"]
        elif i % 10 == 7:
            assert status == 422 and body["errors"][0]["field"] == "reads.0.plate"
        else:
            assert status == 202 and body["accepted"] == 1, body
    assert _count(db, Read) == 48
    assert _count(db, DeadLetter) == 6  # the unstorable reads; never the foreign ones
    assert committer.stats.jobs >= 60 and committer.stats.batches < committer.stats.jobs  # commits were shared
    with db.read() as s:  # the key is checked in a read transaction; its use is still recorded
        assert s.scalar(select(ApiKey.last_used_at)) is not None


def test_a_batch_of_new_reads_is_inserted_with_one_statement(
    db: Database, settings: Settings, cams: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rtcc.alpr import readrows

    inserted: list[int] = []  # the rows of each insert that reached the database
    real = readrows.insert_reads

    def spy(session: Session, rows: Any) -> list[int]:
        if readrows._DEFERRED_READS not in session.info:
            inserted.append(len(rows))
        return real(session, rows)

    monkeypatch.setattr(readrows, "insert_reads", spy)
    committer = groupcommit.GroupCommitter(db, CollectingBus(), writers=1)  # type: ignore[arg-type]
    try:
        release = _held(committer)
        t = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
        units = [_Unit(_body((f"7NEW{i:03d}", "GC-1"), at=t), _key("GC-1"), settings) for i in range(20)]
        futures = [committer.submit(u) for u in units]
        release.set()
        results = [f.result(10) for f in futures]
    finally:
        committer.stop()
    assert [(r.accepted, r.duplicates) for r in results] == [(1, 0)] * 20
    assert committer.stats.largest == 20 and committer.stats.savepoint_passes == 0
    assert inserted == [20]  # one insert for the batch's twenty reads
    assert _count(db, Read) == 20


def test_a_resend_in_a_deferred_batch_is_counted_as_a_duplicate(db: Database, settings: Settings, cams: None) -> None:
    t = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    with db.uow() as s:  # stored before: the camera's first try, whose 202 it never got
        payloads.ingest_payload(
            s, CollectingBus(), _body(("7OLD001", "GC-1"), at=t), source="rest", context={}, principal=_key("GC-1"),
            settings=settings, dead_letters=[],
        )  # fmt: skip
    committer = groupcommit.GroupCommitter(db, CollectingBus(), writers=1)  # type: ignore[arg-type]
    try:
        release = _held(committer)
        units = [
            _Unit(_body(("7NEW001", "GC-1"), at=t), _key("GC-1"), settings),
            _Unit(_body(("7OLD001", "GC-1"), at=t), _key("GC-1"), settings),  # the resend
            _Unit(_body(("7NEW002", "GC-2"), at=t), _key("GC-2"), settings),
            _Unit(_body(("7NEW002", "GC-2"), at=t), _key("GC-2"), settings),  # the same read twice in the batch
        ]
        futures = [committer.submit(u) for u in units]
        release.set()
        results = [f.result(10) for f in futures]
    finally:
        committer.stop()
    assert [(r.accepted, r.duplicates) for r in results] == [(1, 0), (0, 1), (1, 0), (0, 1)]
    assert committer.stats.savepoint_passes == 1  # the deferred insert found them, and the batch was run again
    assert _count(db, Read) == 3
    with db.read() as s:
        counts = [
            (e.details["calls"], e.details["accepted"], e.details["duplicates"])
            for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "alpr.ingest").order_by(AuditEntry.seq))
        ]
    # the first read's own entry, then one per key for the batch, as stored (the rolled-back first pass wrote none)
    assert counts == [(1, 1, 0), (2, 1, 1), (2, 1, 1)]
