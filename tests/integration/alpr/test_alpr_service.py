"""The ingest service against the real database (SQLite, or PostgreSQL with RTCC_TEST_DATABASE_URL): every public
OpenALPR sample stored, the fast insert path read back through the ORM, dead letters surviving a failed batch,
replay of refused reads, and the camera-health sweep."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from rtcc.alerts.models import Alert
from rtcc.alpr import cameras, deadletters, jobs, payloads, principals, replay, store
from rtcc.alpr.adapters import decode_json
from rtcc.alpr.logic import NormalizedRead
from rtcc.alpr.models import Camera, DeadLetter, Read
from rtcc.alpr.schemas import HeartbeatIn, ReadIn
from rtcc.bus.envelope import Envelope
from rtcc.bus.memory import MemoryBus
from rtcc.core.db import Database
from rtcc.core.errors import ValidationFailed
from rtcc.identity.logic import SYSTEM, Principal
from rtcc.live.models import LiveEvent
from rtcc.settings import Settings
from rtcc_testing import shared_data


@pytest.fixture
def bus() -> Iterator[MemoryBus]:
    """A started in-process bus whose loop runs in a background thread (as in the API process)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    memory = MemoryBus()
    asyncio.run_coroutine_threadsafe(memory.start(), loop).result(5)
    memory.loop = loop  # type: ignore[attr-defined]
    try:
        yield memory
    finally:
        asyncio.run_coroutine_threadsafe(memory.close(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


def collect(bus: MemoryBus, pattern: str) -> list[Envelope]:
    got: list[Envelope] = []

    async def handler(envelope: Envelope) -> None:
        got.append(envelope)

    asyncio.run_coroutine_threadsafe(bus.subscribe(pattern, handler), bus.loop).result(5)  # type: ignore[attr-defined]
    return got


def drain(bus: MemoryBus) -> None:
    asyncio.run_coroutine_threadsafe(bus.drain(), bus.loop).result(5)  # type: ignore[attr-defined]


def principal() -> Principal:
    return principals.ingest_principal("test")


def test_every_public_openalpr_sample_is_stored_or_dead_lettered(
    db: Database, settings: Settings, bus: MemoryBus
) -> None:
    folder = shared_data("alpr_payloads", "openalpr_docs_examples")
    forever = settings.model_copy(update={"retention_reads_days": 36500})
    expected_reads = 0
    for path in sorted(folder.iterdir()):
        raw = path.read_bytes()
        drafts: list[deadletters.DeadLetterDraft] = []
        ctx = {"channel": "openalpr", "default_camera": "CLOUD-API"}
        if "INVALID_JSON" in path.name:
            with pytest.raises(ValidationFailed, match="invalid JSON at line"), db.uow() as s:
                payloads.ingest_payload(
                    s,
                    bus,
                    raw,
                    source="openalpr",
                    context=ctx,
                    principal=principal(),
                    settings=forever,
                    dead_letters=drafts,
                )
            assert len(drafts) == 1 and drafts[0].payload == raw.decode()
            with db.uow() as s:
                deadletters.write_dead_letters(s, drafts)
            continue
        with db.uow() as s:
            result = payloads.ingest_payload(
                s,
                bus,
                raw,
                source="openalpr",
                context=ctx,
                principal=principal(),
                settings=forever,
                dead_letters=drafts,
            )
        assert not result.rejected, (path.name, result)
        # the documentation's crops are placeholders ("...base64 jpeg data..."): the read is stored, the crop is
        # refused by its field and the document dead-lettered with that reason
        assert len(drafts) == (1 if result.images_refused else 0), (path.name, drafts)
        for refused in result.images_refused:
            assert refused.field.endswith("_crop_jpeg") and "not valid base64" in refused.reason
            assert refused.field in drafts[0].reason
        doc = decode_json(raw)
        if doc.get("data_type") == "heartbeat":
            assert result.heartbeats >= 1
        else:
            n = len(doc["results"]) if "results" in doc else 1
            assert result.accepted == n, path.name
            expected_reads += n
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Read)) == expected_reads
        assert s.scalar(select(func.count()).select_from(DeadLetter)) == 2
        codes = set(s.scalars(select(Camera.code)))
    assert {"openalpr:1414799424", "openalpr:1234", "openalpr:16488027", "CLOUD-API"} <= codes
    # and with the default 30-day retention the same 2015-2020 samples are refused as too old, with the reason
    drafts = []
    with db.uow() as s:
        old = payloads.ingest_payload(
            s,
            bus,
            (folder / "alprd_rst__block02__alpr_group.json").read_bytes(),
            source="openalpr",
            context={"channel": "openalpr"},
            principal=principal(),
            settings=settings,
            dead_letters=drafts,
        )
    assert old.accepted == 0 and "retention period" in old.rejected[0].reason and len(drafts) == 1


def test_fast_insert_path_reads_back_through_the_orm(db: Database, settings: Settings, bus: MemoryBus) -> None:
    t = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    now_t = datetime.now(UTC)
    stored = [
        NormalizedRead(
            camera_code="ORM-1",
            plate="7ABC123",
            observed_at=now_t - timedelta(minutes=5),
            region="CA",
            confidence=88.5,
            lat=33.1,
            lon=-118.2,
            vehicle_make="Ford",
            candidates=[{"plate": "7A8C123"}],
            image_ref="img",
            crop_ref="crop",
            source_ref="sensor-ref-1",
        ),
        NormalizedRead(camera_code="ORM-1", plate="8XYZ789", observed_at=now_t - timedelta(minutes=1)),
    ]
    forever = settings.model_copy(update={"retention_reads_days": 36500})
    stored.append(NormalizedRead(camera_code="ORM-2", plate="4DEF456", observed_at=t))
    with db.uow() as s:
        result = store.ingest(s, bus, stored, source="rest", principal=principal(), settings=forever)
    assert result.accepted == 3
    with db.read() as s:
        rows = {r.plate: r for r in s.scalars(select(Read))}
        a = rows["7ABC123"]
        assert a.observed_at == stored[0].observed_at and a.observed_at.tzinfo is not None
        assert (a.region, a.confidence, a.lat, a.lon, a.vehicle_make) == ("CA", 88.5, 33.1, -118.2, "Ford")
        assert a.candidates == [{"plate": "7A8C123"}] and (a.image_ref, a.crop_ref) == ("img", "crop")
        assert a.source_ref == "sensor-ref-1" and a.is_hit is False and a.source == "rest"
        assert rows["8XYZ789"].candidates is None and rows["8XYZ789"].region is None
        assert rows["4DEF456"].observed_at == t
        # range queries through the ORM compare correctly with what the fast path wrote
        recent = s.scalars(select(Read.plate).where(Read.observed_at > now_t - timedelta(minutes=3))).all()
        assert recent == ["8XYZ789"]
        joined = s.execute(
            select(Camera.code, func.count())
            .join(Read, Read.camera_id == Camera.id)
            .group_by(Camera.code)
            .order_by(Camera.code)
        ).all()
        assert [tuple(j) for j in joined] == [("ORM-1", 2), ("ORM-2", 1)]
        cams = {c.code: c for c in s.scalars(select(Camera))}
        assert cams["ORM-1"].status == "online" and cams["ORM-2"].status == "unknown"  # ORM-2's read is old
        assert cams["ORM-2"].last_read_at == t
    with db.uow() as s:
        again = store.ingest(s, bus, stored, source="rest", principal=principal(), settings=forever)
    assert (again.accepted, again.duplicates) == (0, 3)


def test_events_are_published_only_after_commit_and_chunked(
    db: Database, settings: Settings, bus: MemoryBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "EVENT_CHUNK", 1000)
    got = collect(bus, "alpr.reads.stored")
    base = datetime.now(UTC) - timedelta(minutes=10)
    reads = [
        ReadIn(plate=f"A{i:05d}", observed_at=base + timedelta(milliseconds=i), camera="EVT-1") for i in range(2500)
    ]
    with pytest.raises(RuntimeError, match="boom"), db.uow() as s:
        store.ingest(s, bus, reads[:10], source="rest", principal=principal(), settings=settings)
        raise RuntimeError("boom")
    drain(bus)
    assert got == []  # rolled back: nothing was stored, nothing announced
    with db.uow() as s:
        assert store.ingest(s, bus, reads, source="rest", principal=principal(), settings=settings).accepted == 2500
    drain(bus)
    assert [len(e.payload["reads"]) for e in got] == [1000, 1000, 500]
    assert len({r["id"] for e in got for r in e.payload["reads"]}) == 2500


def test_event_envelopes_stay_under_the_byte_limit(
    db: Database, settings: Settings, bus: MemoryBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Envelopes are cut by an upper bound of each read's JSON. Reads made of the characters JSON escapes, the
    longest normalised plates and the longest numbers come within a few bytes of that bound: with room for exactly
    100 of them, an envelope takes 95 to 100 and never exceeds ``EVENT_MAX_BYTES`` (a bound 5 bytes too low would
    let 101 in). Other texts (non-ASCII, control characters) stay under it too."""
    got = collect(bus, "alpr.reads.stored")
    base = datetime.now(UTC) - timedelta(minutes=10)
    worst = dict(
        camera_code='"\\' * 32, plate='ABCDEFGHIJ"\\"\\"\\', region='"\\"\\', confidence=-1.2345678901234567e-308
    )
    odd = [
        dict(camera_code="Kämera-ü", plate="ÄÖÜ 123", region="ä", confidence=None),
        dict(camera_code="EVT\u0001", plate="x\u00017Y8", region=None, confidence=12.5),
    ]

    def stored_parts(kinds: list[dict[str, Any]], n: int, start: int) -> list[list[dict[str, Any]]]:
        reads = [
            NormalizedRead(observed_at=base + timedelta(milliseconds=start + i), **kinds[i % len(kinds)])
            for i in range(n)
        ]
        with db.uow() as s:
            assert store.ingest(s, bus, reads, source="rest", principal=principal(), settings=settings).accepted == n
        drain(bus)
        parts = [e.payload["reads"] for e in got]
        got.clear()
        assert sum(len(p) for p in parts) == n
        return parts

    (probe,) = stored_parts([worst], 1, 0)
    per_read = len(orjson.dumps(probe)) - 1  # one read in a list: "[", the read, "]"; each further read adds ","
    limit = 100 * per_read + 1
    monkeypatch.setattr(store, "EVENT_MAX_BYTES", limit)
    parts = stored_parts([worst], 400, 1)
    assert all(len(orjson.dumps(p)) <= limit for p in parts)
    assert all(95 <= len(p) <= 100 for p in parts[:-1])
    for p in stored_parts(odd, 400, 1000):
        assert len(orjson.dumps(p)) <= limit


def test_dead_letters_survive_a_failed_batch(db: Database, settings: Settings, bus: MemoryBus) -> None:
    reads = [
        NormalizedRead(camera_code="DL-1", plate="7ABC123", observed_at=datetime.now(UTC)),
        NormalizedRead(camera_code="DL-1", plate="8XYZ789", observed_at=datetime.now(UTC) + timedelta(days=2)),
    ]
    with pytest.raises(RuntimeError), deadletters.dead_letter_sink(db) as sink, db.uow() as s:
        result = store.ingest(s, bus, reads, source="rest", principal=principal(), settings=settings, dead_letters=sink)
        assert result.dead_lettered == 1
        raise RuntimeError("the batch's own transaction fails after the ingest")
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Read)) == 0
        (letter,) = s.scalars(select(DeadLetter)).all()
        assert "in the future" in letter.reason and letter.context["channel"] == "native"
        letter_id = letter.id
    # replay later, once the read's time has come: parse the stored native item again and store it
    later = settings.model_copy(update={"read_max_future_s": 3 * 86400})
    with db.uow() as s:
        outcome = replay.replay(s, bus, letter_id, actor=SYSTEM, settings=later)
    assert outcome.status == "replayed" and outcome.result is not None and outcome.result.accepted == 1
    with db.read() as s:
        assert s.scalars(select(Read.plate)).all() == ["8XYZ789"]


def test_failed_replay_keeps_the_letter_pending_and_rolls_back_its_work(
    db: Database, settings: Settings, bus: MemoryBus
) -> None:
    with db.uow() as s:
        deadletters.dead_letter(
            s, "mqtt", b'{"plate": "7ABC123"}', "missing fields", {"channel": "native", "camera": "X"}
        )
    with db.read() as s:
        letter_id = s.scalars(select(DeadLetter.id)).one()
    with db.uow() as s:
        outcome = replay.replay(s, bus, letter_id, actor=SYSTEM, settings=settings)
    assert outcome.status == "pending" and outcome.attempts == 1 and "observed_at" in (outcome.reason or "")
    with db.read() as s:
        letter = s.get(DeadLetter, letter_id)
        assert letter is not None and letter.context["first_reason"] == "missing fields"
        assert s.scalar(select(func.count()).select_from(DeadLetter)) == 1  # a replay never adds dead letters


def test_heartbeats_by_agent_and_the_offline_sweep(db: Database, settings: Settings, bus: MemoryBus) -> None:
    live = collect(bus, "live.>")
    now = datetime.now(UTC)
    with db.uow() as s:
        for code, agent in (("AG-1", "agent-x"), ("AG-2", "agent-x"), ("LONELY", None)):
            s.add(
                Camera(
                    code=code,
                    name=code,
                    agent_uid=agent,
                    status="unknown",
                    active=True,
                    created_at=now - timedelta(hours=1),
                    meta={},
                )
            )
    with db.uow() as s:
        beat = cameras.heartbeat(s, bus, HeartbeatIn(agent_uid="agent-x"), principal=principal(), settings=settings)
    assert beat.updated == 2
    with db.uow() as s:
        went_off, back = jobs.check_offline_cameras(s, bus, now=now, offline_after_s=600)
    assert (went_off, back) == (1, 0)  # LONELY never reported since it was registered an hour ago
    with db.read() as s:
        status = {code: st for code, st in s.execute(select(Camera.code, Camera.status))}
        assert status == {"AG-1": "online", "AG-2": "online", "LONELY": "offline"}
        (alert,) = s.scalars(select(Alert).where(Alert.kind == "camera_offline")).all()
        assert alert.closed_at is None
    with db.uow() as s:  # an hour later both agent cameras are silent too
        assert jobs.check_offline_cameras(s, bus, now=now + timedelta(hours=1), offline_after_s=600) == (2, 0)
    with db.uow() as s:
        cameras.heartbeat(s, bus, HeartbeatIn(camera="LONELY"), principal=principal(), settings=settings)
    with db.read() as s:
        open_alerts = s.scalars(
            select(Alert.camera_id).where(Alert.kind == "camera_offline", Alert.closed_at.is_(None))
        )
        lonely = s.scalars(select(Camera).where(Camera.code == "LONELY")).one()
        assert lonely.status == "online" and lonely.id not in set(open_alerts)
        types = [
            e.type for e in s.scalars(select(LiveEvent).where(LiveEvent.topic == "cameras").order_by(LiveEvent.id))
        ]
    assert types.count("camera.offline") == 3 and types[-1] == "camera.online"
    drain(bus)
    assert any(e.type == "live.cameras" for e in live)


def test_interval_of_the_monitor() -> None:
    assert jobs.monitor_interval(600) == 60 and jobs.monitor_interval(20) == 5 and jobs.monitor_interval(120) == 30


def test_old_sqlite_without_returning_takes_the_exact_preselect_path(
    db: Database, settings: Settings, bus: MemoryBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.dialect != "sqlite":
        pytest.skip("SQLite only")
    from rtcc.alpr import readrows

    monkeypatch.setattr(readrows, "SQLITE_RETURNING", False)
    got = collect(bus, "alpr.reads.stored")
    base = datetime.now(UTC) - timedelta(minutes=1)
    reads = [NormalizedRead(camera_code="OLD-1", plate=f"B{i:04d}", observed_at=base) for i in range(1500)]
    with db.uow() as s:
        assert (
            store.ingest(s, bus, reads[:1000], source="rest", principal=principal(), settings=settings).accepted == 1000
        )
    with db.uow() as s:
        result = store.ingest(s, bus, reads, source="rest", principal=principal(), settings=settings)
    assert (result.accepted, result.duplicates) == (500, 1000)
    drain(bus)
    assert sorted(len(e.payload["reads"]) for e in got) == [500, 1000]
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Read)) == 1500
        assert s.scalars(select(Camera.status)).one() == "online"


def test_concurrent_overlapping_batches_store_each_read_once(db: Database, settings: Settings, bus: MemoryBus) -> None:
    base = datetime.now(UTC) - timedelta(minutes=2)
    cams = [f"CC-{i}" for i in range(5)]
    reads = [NormalizedRead(camera_code=cams[i % 5], plate=f"C{i:05d}", observed_at=base) for i in range(3000)]
    got = collect(bus, "alpr.reads.stored")
    accepted: list[int] = []
    errors: list[BaseException] = []

    def worker(part: list[NormalizedRead]) -> None:
        try:
            for start in range(0, len(part), 250):
                with db.uow() as s:
                    r = store.ingest(
                        s, bus, part[start : start + 250], source="mqtt", principal=principal(), settings=settings
                    )
                accepted.append(r.accepted)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    # four workers, each sending overlapping halves in a different order
    parts = [reads[:2000], reads[1000:], list(reversed(reads[:2000])), list(reversed(reads[1000:]))]
    threads = [threading.Thread(target=worker, args=(p,)) for p in parts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sum(accepted) == 3000
    drain(bus)
    ids = [r["id"] for e in got for r in e.payload["reads"]]
    assert len(ids) == 3000 and len(set(ids)) == 3000  # each read announced exactly once
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Read)) == 3000
        assert s.scalar(select(func.count()).select_from(Camera)) == 5
