"""Large batches through the store path (SQLite chunked VALUES; PostgreSQL COPY + staging table): what is written
reads back through the ORM unchanged, a batch half made of resends stores and announces only the new half, and the
announced reads carry the stored ids and times."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from rtcc.alpr import principals, readrows, store
from rtcc.alpr.events import EVENT_STORED
from rtcc.alpr.logic import NormalizedRead
from rtcc.alpr.models import Read
from rtcc.bench._support import CollectingBus
from rtcc.core.db import Database
from rtcc.settings import Settings


def _reads(n: int, base: datetime) -> list[NormalizedRead]:
    pacific = timezone(timedelta(hours=-8))
    return [
        NormalizedRead(
            camera_code=f"BIG-{i % 3}",
            plate=f"7AB{i:04d}",
            observed_at=(base + timedelta(seconds=i, microseconds=i)).astimezone(pacific if i % 2 else UTC),
            region="CA" if i % 5 else None,
            confidence=50.0 + i % 50,
            lat=33.8 + i / 1e4 if i % 4 == 0 else None,
            lon=-118.0 if i % 4 == 0 else None,
            vehicle_color="white" if i % 3 == 0 else None,
            candidates=[{"plate": f"7A8{i:04d}", "confidence": 40.0}] if i % 7 == 0 else None,
            source_ref=f"ref-{i}" if i % 10 == 0 else None,
        )
        for i in range(n)
    ]


def test_a_large_batch_reads_back_and_resends_are_not_announced(db: Database, settings: Settings) -> None:
    n = max(300, 3 * readrows.PG_COPY_MIN_ROWS)
    base = datetime.now(UTC) - timedelta(hours=1)
    reads = _reads(n, base)
    bus = CollectingBus()
    principal = principals.ingest_principal("test")
    with db.uow() as s:
        first = store.ingest(s, bus, reads[: n // 2], source="rest", principal=principal, settings=settings)
    assert (first.accepted, first.duplicates) == (n // 2, 0)
    announced = [r for e in bus.take(EVENT_STORED) for r in e.payload["reads"]]
    assert len(announced) == n // 2

    with db.read() as s:
        stored = {r.plate: r for r in s.scalars(select(Read))}
        by_id = {str(r.id): r for r in stored.values()}
        for msg in announced:  # the event names exactly what was stored
            row = by_id[msg["id"]]
            assert msg["camera_id"] == str(row.camera_id) and msg["plate_norm"] == row.plate_norm
            assert datetime.fromisoformat(msg["observed_at"]) == row.observed_at
        for r in reads[: n // 2]:
            row = stored[r.plate]
            assert row.observed_at == r.observed_at and row.observed_at.tzinfo is not None
            assert (row.region, row.confidence, row.lat, row.lon) == (r.region, r.confidence, r.lat, r.lon)
            assert row.vehicle_color == r.vehicle_color and row.candidates == r.candidates
            assert row.source_ref == r.source_ref and row.is_hit is False and row.source == "rest"

    with db.uow() as s:  # half resent, half new: only the new half is stored and announced
        second = store.ingest(s, bus, reads, source="rest", principal=principal, settings=settings)
    assert (second.accepted, second.duplicates) == (n - n // 2, n // 2)
    again = [r for e in bus.take(EVENT_STORED) for r in e.payload["reads"]]
    assert sorted(r["plate"] for r in again) == sorted(r.plate for r in reads[n // 2 :])
    assert {uuid.UUID(r["id"]) for r in again}.isdisjoint({uuid.UUID(r["id"]) for r in announced})
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Read)) == n


def _bases(db: Database, now: datetime) -> dict[str, datetime]:
    """Times of a first copy: inside today's partition, 0.1 s before midnight (the copy sent again lands in the next
    day's partition) and a day ten or more days back that has no partition of its own on PostgreSQL (its reads go to
    the default partition; other tests may have made partitions for some past days)."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    back = 10
    if db.dialect == "postgresql":
        with db.read() as s:
            while s.scalar(text(f"SELECT to_regclass('alpr_reads_p{now - timedelta(days=back):%Y%m%d}')")) is not None:
                back += 1
        assert back < 25, "no day without a partition within retention"
    return {
        "day": now - timedelta(minutes=10),
        "midnight": midnight - timedelta(milliseconds=100),
        "default": now - timedelta(days=back),
    }


def test_a_read_sent_again_under_its_id_with_another_time_is_a_duplicate(db: Database, settings: Settings) -> None:
    """The sensor's reference is the idempotency key on both databases, also when the second copy carries another
    time (a Frigate event and the LPR update of the same event and plate): PostgreSQL keys its day partitions by
    (id, observed_at), so without the insert's own check the second copy would be stored beside the first. Single
    reads, a small batch and a batch over the COPY threshold, each resent 0.3 s later in a transaction of its own;
    within a day, across midnight (two partitions) and in PostgreSQL's default partition; then all of them again in
    one batch that spans those days."""
    principal = principals.ingest_principal("test")
    resent: list[NormalizedRead] = []
    for where, base in _bases(db, datetime.now(UTC)).items():
        for size in (1, 5, readrows.PG_COPY_MIN_ROWS + 5):
            tag = f"ev-{where}-{size}"
            first = [
                NormalizedRead(camera_code="AGAIN-1", plate=f"9AG{i:04d}", observed_at=base, source_ref=f"{tag}-{i}")
                for i in range(size)
            ]
            later = [
                NormalizedRead(
                    camera_code=r.camera_code,
                    plate=r.plate,
                    observed_at=r.observed_at + timedelta(milliseconds=300),
                    source_ref=r.source_ref,
                )
                for r in first
            ]
            fresh = NormalizedRead(camera_code="AGAIN-1", plate="9AGNEW", observed_at=base, source_ref=f"new-{tag}")
            with db.uow() as s:
                got = store.ingest(s, CollectingBus(), first, source="mqtt", principal=principal, settings=settings)
            assert (got.accepted, got.duplicates) == (size, 0)
            if where == "default" and db.dialect == "postgresql":
                with db.read() as s:
                    where_stored = s.scalar(
                        text("SELECT DISTINCT tableoid::regclass::text FROM alpr_reads WHERE source_ref LIKE :t"),
                        {"t": f"{tag}-%"},
                    )
                assert where_stored == "alpr_reads_default"
            with db.uow() as s:  # the same reads later, and one new read among them
                again = store.ingest(
                    s, CollectingBus(), [*later, fresh], source="mqtt", principal=principal, settings=settings
                )
            assert (again.accepted, again.duplicates) == (1, size), (where, size)
            with db.read() as s:
                refs = list(s.scalars(select(Read.source_ref).where(Read.source_ref.like(f"{tag}-%"))))
                times = set(s.scalars(select(Read.observed_at).where(Read.source_ref.like(f"{tag}-%"))))
            assert len(refs) == size and times == {base}, (where, size)
            resent += [*later, fresh]
    with db.uow() as s:  # every copy again, in one batch spanning those days: each a duplicate
        spanning = store.ingest(s, CollectingBus(), resent, source="mqtt", principal=principal, settings=settings)
    assert (spanning.accepted, spanning.duplicates) == (0, len(resent))
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Read).where(Read.source_ref.like("%ev-%"))) == len(resent)


def test_the_resend_check_probes_the_key_not_the_whole_day(db: Database, settings: Settings) -> None:
    """PostgreSQL: the check for ids stored at another time reads each day partition through its primary key, also
    when the partition's statistics are stale (20,000 reads copied in since any ANALYZE: a new day before autovacuum
    reaches it). Asked of the partitioned table with a time range, the planner took the day's ``observed_at`` index
    instead and read the whole day for every batch (seen: 21 ms a batch at 100,000 reads). Checked twice: an ingest
    scans nothing of the day but its primary key, and the look-up itself finds stored ids through that key."""
    if db.dialect != "postgresql":
        pytest.skip("SQLite keys reads by id alone: there is no such check")
    principal = principals.ingest_principal("test")
    base = datetime.now(UTC) - timedelta(minutes=10)
    seed = NormalizedRead(camera_code="PLAN-1", plate="8PL0000", observed_at=base)
    with db.uow() as s:
        store.ingest(s, CollectingBus(), [seed], source="rest", principal=principal, settings=settings)
    with db.uow() as s:
        camera = s.scalar(select(Read.camera_id).where(Read.plate == "8PL0000"))
        day = s.scalar(text("SELECT tableoid::regclass::text FROM alpr_reads WHERE plate = '8PL0000'"))
        ids = [uuid.uuid4() for _ in range(20_000)]
        with s.connection().connection.driver_connection.cursor() as cur:  # a day's worth, straight in
            columns = "id, camera_id, plate, plate_norm, plate_ocr, observed_at, received_at, source, is_hit"
            with cur.copy(f"COPY alpr_reads ({columns}) FROM STDIN") as copy:
                for i, rid in enumerate(ids):
                    at = base - timedelta(milliseconds=i)
                    copy.write_row((rid, camera, f"8PL{i:05d}", f"8PL{i:05d}", f"8PL{i:05d}", at, at, "rest", False))
    batch = [
        NormalizedRead(camera_code="PLAN-1", plate=f"8PN{i:04d}", observed_at=base, source_ref=f"plan-{i}")
        for i in range(31)
    ]
    with db.uow() as s:
        before = _scans(s, day)
        got = store.ingest(s, CollectingBus(), batch, source="mqtt", principal=principal, settings=settings)
        after = _scans(s, day)
    assert got.accepted == 31
    used = {name for name in after if after[name] > before[name]}
    assert used and all(name.endswith("_pkey") for name in used), used  # "seq" would be the whole day read
    with db.read() as s:  # the look-up alone: it reads the day through its key and finds what is there
        before = _scans(s, day)
        found = s.execute(
            text("SELECT read_id FROM alpr_reads_stored_near(CAST(:ids AS uuid[]), :lo, :hi)"),
            {"ids": [str(i) for i in ids[::1000]], "lo": base - timedelta(days=1), "hi": base + timedelta(days=1)},
        ).all()
        after = _scans(s, day)
    assert {row[0] for row in found} == set(ids[::1000])
    assert {name for name in after if after[name] > before[name]} == {f"{day}_pkey"}


def _scans(session: Session, table: str) -> dict[str, int]:
    """Scans of ``table`` (``seq``) and of each of its indexes that this backend counted and has not flushed to the
    statistics yet: read before and after a statement, their difference is what the statement scanned."""
    seq = session.scalar(text("SELECT pg_stat_get_xact_numscans(CAST(:t AS regclass))"), {"t": table})
    rows = session.execute(
        text(
            "SELECT c.relname, pg_stat_get_xact_numscans(c.oid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = CAST(:t AS regclass)"
        ),
        {"t": table},
    )
    return {"seq": int(seq or 0), **{str(name): int(n or 0) for name, n in rows}}
