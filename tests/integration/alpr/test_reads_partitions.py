"""Day partitions of ``alpr_reads`` on PostgreSQL (migration 0031, ``rtcc.alpr.partitions``): the migration keeps
every read (both ways), the triggers keep what the foreign keys to reads kept, a day's reads move out of the default
partition when its partition is made, retention drops whole days (keeping hits and held reads), and a plate search
touches only the partitions its plates were seen in. SQLite keeps the plain table (checked too)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError

from rtcc.alpr import partitions
from rtcc.alpr.models import Camera, Read
from rtcc.alpr.queries import READS
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.migrate import alembic_config, upgrade
from rtcc.identity.logic import SYSTEM
from rtcc.investigations import plate_index, repository, service
from rtcc.investigations.logic import parse_plate_query
from rtcc.investigations.schemas import PlateSearch
from rtcc.retention import service as retention
from rtcc.settings import Settings
from rtcc_testing import file_case

TODAY = utcnow().date()


def _pg(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("reads are partitioned on PostgreSQL only")


@pytest.fixture
def camera(db: Database) -> uuid.UUID:
    cid = uuid.uuid4()
    with db.uow() as s:
        s.add(Camera(id=cid, code="PART-1", name="Partition cam", created_at=utcnow(), meta={}))
    return cid


def _at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _read(camera: uuid.UUID, plate: str, at: datetime, **kw: Any) -> Read:
    return Read(
        id=uuid.uuid4(),
        camera_id=camera,
        plate=plate,
        plate_norm=plate,
        plate_ocr=plate,
        observed_at=at,
        received_at=at,
        source="rest",
        **kw,
    )


def _insert_sql(rid: uuid.UUID, camera: uuid.UUID, plate: str, at: datetime) -> tuple[Any, dict[str, Any]]:
    sql = (
        "INSERT INTO alpr_reads (id, camera_id, plate, plate_norm, plate_ocr, observed_at, received_at, source, "
        "is_hit) VALUES (:id, :cam, :p, :p, :p, :t, :t, 'rest', false)"
    )
    return text(sql), {"id": rid, "cam": camera, "p": plate, "t": at}


def _relkind(db: Database) -> str:
    with db.engine.connect() as conn:
        return str(conn.execute(text("SELECT relkind FROM pg_class WHERE oid = to_regclass('alpr_reads')")).scalar())


def test_sqlite_keeps_the_plain_table(db: Database) -> None:
    if db.dialect != "sqlite":
        pytest.skip("SQLite only")
    with db.read() as s:
        assert not partitions.is_partitioned(s)
        assert partitions.list_days(s) == []
        assert partitions.ensure_ahead(s, today=TODAY) == []


def test_migration_keeps_every_read_both_ways(db: Database, database_url: str, camera: uuid.UUID) -> None:
    _pg(db)
    assert _relkind(db) == "p"
    try:
        upgrade_to = "0031-1"  # the revision before the partitioning, whatever it is after re-chaining
        command.downgrade(alembic_config(database_url), upgrade_to)
        assert _relkind(db) == "r"
        # seed the plain table as it was: reads over several days (one far in the past), a match and a vendor alert
        days = [date(2019, 3, 1), TODAY - timedelta(days=40), TODAY - timedelta(days=3), TODAY]
        seeded: dict[uuid.UUID, tuple[str, datetime]] = {}
        with db.engine.begin() as conn:
            for i in range(120):
                rid, at = uuid.uuid4(), _at(days[i % len(days)], hour=i % 24, minute=i % 60)
                seeded[rid] = (f"MIG{i:04d}", at)
                stmt, params = _insert_sql(rid, camera, f"MIG{i:04d}", at)
                conn.execute(stmt, params)
            matched, alerted = list(seeded)[:2]
            conn.execute(
                text(
                    "INSERT INTO matches (read_id, hotlist_id, kind, diff_positions, created_at) "
                    "VALUES (:r, :h, 'exact', '[]', now())"
                ),
                {"r": matched, "h": uuid.uuid4()},
            )
            conn.execute(
                text(
                    "INSERT INTO alpr_vendor_alerts (id, read_id, camera_id, source, observed_at, received_at) "
                    "VALUES (:id, :r, :c, 'openalpr', now(), now())"
                ),
                {"id": uuid.uuid4(), "r": alerted, "c": camera},
            )
        upgrade(database_url)
        assert _relkind(db) == "p"
        with db.engine.connect() as conn:
            got = {r[0]: (r[1], r[2]) for r in conn.execute(text("SELECT id, plate, observed_at FROM alpr_reads"))}
            assert got == seeded
            assert conn.execute(text("SELECT count(*) FROM matches WHERE read_id = :r"), {"r": matched}).scalar() == 1
            vendor = conn.execute(text("SELECT count(*) FROM alpr_vendor_alerts WHERE read_id = :r"), {"r": alerted})
            assert vendor.scalar() == 1
            # every seeded day got its own partition; nothing was left in the default one
            assert conn.execute(text("SELECT count(*) FROM alpr_reads_default")).scalar() == 0
        with db.read() as s:
            assert set(days) <= set(partitions.list_days(s))
        # and back: downgrade keeps them too
        command.downgrade(alembic_config(database_url), upgrade_to)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alpr_reads")).scalar() == len(seeded)
    finally:
        upgrade(database_url)
    assert _relkind(db) == "p"


def test_triggers_keep_the_foreign_keys_integrity(db: Database, camera: uuid.UUID) -> None:
    _pg(db)
    read = _read(camera, "FKT100", utcnow())
    with db.uow() as s:
        s.add(read)
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO matches (read_id, hotlist_id, kind, diff_positions, created_at) "
                "VALUES (:r, :h, 'exact', '[]', now())"
            ),
            {"r": read.id, "h": uuid.uuid4()},
        )
    # a match of no read is refused at commit
    with pytest.raises(IntegrityError, match="is not in alpr_reads"), db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO matches (read_id, hotlist_id, kind, diff_positions, created_at) "
                "VALUES (:r, :h, 'exact', '[]', now())"
            ),
            {"r": uuid.uuid4(), "h": uuid.uuid4()},
        )
    with db.engine.begin() as conn:  # deleting the read deletes its match (the cascade)
        conn.execute(text("DELETE FROM alpr_reads WHERE id = :r"), {"r": read.id})
        assert conn.execute(text("SELECT count(*) FROM matches")).scalar() == 0


def test_a_day_without_partition_lands_in_default_then_moves(db: Database, camera: uuid.UUID) -> None:
    _pg(db)
    far = TODAY + timedelta(days=60)
    with db.uow() as s:
        s.add(_read(camera, "LATE01", _at(far)))
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alpr_reads_default")).scalar() == 1
    with db.uow() as s:
        assert partitions.ensure_days(s, [far]) == [partitions.partition_name(far)]
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alpr_reads_default")).scalar() == 0
        name = partitions.partition_name(far)
        assert conn.execute(text(f"SELECT plate FROM {name}")).scalar() == "LATE01"
    with db.uow() as s:
        made = partitions.ensure_ahead(s, today=TODAY)
        have = set(partitions.list_days(s))
        assert {TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=partitions.AHEAD_DAYS)} <= have
        assert partitions.ensure_ahead(s, today=TODAY) == []  # idempotent
    assert isinstance(made, list)
    _drop_days(db, [far])


def _drop_days(db: Database, days: list[date]) -> None:
    with db.engine.begin() as conn:
        for day in days:
            conn.execute(text(f"DROP TABLE IF EXISTS {partitions.partition_name(day)}"))


@pytest.fixture
def old_days(db: Database) -> Iterator[list[date]]:
    days = [TODAY - timedelta(days=k) for k in (45, 44, 43)]
    with db.uow() as s:
        partitions.ensure_days(s, days)
    yield days
    _drop_days(db, days)


def test_retention_drops_whole_days_and_keeps_hits(
    db: Database, camera: uuid.UUID, old_days: list[date], tmp_path: Path
) -> None:
    _pg(db)
    old, also_old, kept_day = old_days
    with db.uow() as s:
        for day in (old, also_old, kept_day):
            for i in range(10):
                s.add(_read(camera, f"RET{i:03d}", _at(day, hour=i)))
        hit = _read(camera, "HIT001", _at(old, hour=20), is_hit=True)
        doomed = _read(camera, "VEN001", _at(old, hour=21))
        s.add_all([hit, doomed])
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO alpr_vendor_alerts (id, read_id, camera_id, source, observed_at, received_at) "
                "VALUES (:id, :r, :c, 'openalpr', now(), now())"
            ),
            {"id": uuid.uuid4(), "r": doomed.id, "c": camera},
        )
    # a 43-day period: the days 45 and 44 days ago are wholly past it, the day 43 days ago is not
    settings = Settings(
        database_url=str(db.engine.url), bus_url="memory://", retention_reads_days=43, data_dir=tmp_path
    )
    outcome = retention.run_purge(db, settings, actor=SYSTEM, trigger="manual", classes=["reads_nonhit"])
    assert outcome.counts()["reads_nonhit"] == 21  # 10 + the vendor alert's read; 10 of the next day
    with db.read() as s:
        left = set(partitions.list_days(s))
    assert old not in left and also_old not in left and kept_day in left
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT id FROM alpr_reads_default")).scalars().all() == [hit.id]
        assert conn.execute(text("SELECT count(*) FROM alpr_vendor_alerts")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM alpr_reads WHERE plate = 'RET001'")).scalar() == 1
        details = [
            json.loads(d) if isinstance(d, str) else d
            for d in conn.execute(
                text("SELECT details FROM audit_entries WHERE action = 'retention.purge' ORDER BY seq")
            ).scalars()
        ]
    names = {d.get("partition") for d in details}
    assert {partitions.partition_name(old), partitions.partition_name(also_old)} <= names
    assert any(d.get("kept") == 1 for d in details)


def _page_sql(db: Database, body: PlateSearch, settings: Settings) -> tuple[str, Any]:
    """The page query a plate search sends (captured from the driver)."""
    seen: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if "unnest" in statement:
            seen.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        with db.uow() as s:
            service.search_plates(s, body, actor=SYSTEM, settings=settings)
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)
    assert seen, "the search sent no page query"
    return seen[0]


def _touched(db: Database, statement: str, params: Any) -> set[str]:
    """Partitions whose scans ran at least once, in EXPLAIN ANALYZE of the statement, in the plate lookups (the
    subquery ``top``; the fetch of the page's rows after it joins on the whole key, and on a table this small the
    planner may well hash-join it over every partition instead of probing)."""
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, params)
        row = cur.fetchone()
        assert row is not None
        plan = row[0]
        raw.rollback()
    finally:
        raw.close()
    out: set[str] = set()

    def walk(node: dict[str, Any]) -> None:
        rel = node.get("Relation Name")
        if rel and rel.startswith("alpr_reads_") and node.get("Actual Loops", 0) > 0:
            out.add(rel)
        for child in node.get("Plans", []):
            walk(child)

    def find_top(node: dict[str, Any]) -> dict[str, Any] | None:
        if node.get("Alias") == "top":
            return node
        for child in node.get("Plans", []):
            found = find_top(child)
            if found is not None:
                return found
        return None

    top = find_top(plan[0]["Plan"])
    assert top is not None, "no subquery 'top' in the plan"
    walk(top)
    return out


def test_plate_search_prunes_to_the_days_its_plates_were_seen(
    db: Database, camera: uuid.UUID, settings: Settings
) -> None:
    _pg(db)
    days = [TODAY - timedelta(days=k) for k in range(8, 0, -1)]  # eight days, oldest first
    with db.uow() as s:
        partitions.ensure_days(s, days)
        for i, day in enumerate(days):
            s.add(_read(camera, f"ZQX{i}00", _at(day)))  # one plate per day
            s.add(_read(camera, f"OTH{i}11", _at(day, hour=13)))
        s.add(_read(camera, "ZQX100", _at(days[2], hour=9)))  # ZQX100: days 1 and 2
    with db.uow() as s:
        plate_index.rebuild_index(s)
    file_case(db, "T-1")  # an all-time plate search names a case on record
    body = PlateSearch.model_validate(
        {"purpose": "felony_investigation", "case_number": "T-1", "plate": "ZQX1*", "mode": "wildcard"}
    )
    statement, params = _page_sql(db, body, settings)
    touched = _touched(db, statement, params)
    seen = {partitions.partition_name(days[1]), partitions.partition_name(days[2])}
    with db.read() as s:  # the plate index's fresh edge: from the newest read's day on (days ahead included)
        fresh = {partitions.partition_name(d) for d in partitions.list_days(s) if d >= days[-1]}
    assert seen <= touched
    assert touched <= seen | fresh | {partitions.DEFAULT_PARTITION}
    assert not touched & {partitions.partition_name(d) for d in days[:1] + days[3:-1]}
    # and the same answer as without bounds
    with db.read() as s:
        q = parse_plate_query("ZQX1*", "wildcard")
        plates = repository.match_plates(s, q.patterns, on=q.on, limit=100)
        plain = repository.page_reads(
            s, plates=plates, state=None, start=None, end=None, camera_ids=None, bbox=None, vehicle={},
            min_confidence=None, after=None, descending=False, limit=100,
        )  # fmt: skip
    with db.uow() as s:
        found = service.search_plates(s, body, actor=SYSTEM, settings=settings)
    assert [h.id for h in found.items] == [r.id for r in plain] and len(plain) == 2
    _drop_days(db, days)


def test_a_time_bounded_search_plans_only_its_days(db: Database, camera: uuid.UUID) -> None:
    _pg(db)
    days = [TODAY - timedelta(days=k) for k in range(20, 10, -1)]
    with db.uow() as s:
        partitions.ensure_days(s, days)
        start, end = partitions.day_bounds(days[3])[0], partitions.day_bounds(days[4])[1]
        sql = (
            "EXPLAIN (FORMAT JSON) SELECT id FROM alpr_reads WHERE plate_norm = 'ABC123' "
            "AND observed_at >= :a AND observed_at < :b"
        )
        plan = s.execute(text(sql), {"a": start, "b": end}).scalar_one()
    rels = set(_relations(plan[0]["Plan"] if isinstance(plan, list) else json.loads(plan)[0]["Plan"]))
    assert rels == {partitions.partition_name(days[3]), partitions.partition_name(days[4])}
    _drop_days(db, days)


def _relations(node: dict[str, Any]) -> Iterator[str]:
    if node.get("Relation Name", "").startswith("alpr_reads_"):
        yield node["Relation Name"]
    for child in node.get("Plans", []):
        yield from _relations(child)


def test_a_day_drop_keeps_what_any_condition_keeps_and_finds_hits_by_their_index(
    db: Database, camera: uuid.UUID
) -> None:
    _pg(db)
    day = TODAY - timedelta(days=40)
    with db.uow() as s:
        partitions.ensure_days(s, [day])
        plain = [_read(camera, f"PLN{i:03d}", _at(day, minute=i)) for i in range(50)]
        hit = _read(camera, "HIT777", _at(day, hour=3), is_hit=True)
        held = _read(camera, "HLD777", _at(day, hour=4))
        s.add_all([*plain, hit, held])
    with db.engine.connect() as conn:  # the hits of a day are found through their partial index, not the whole day
        conn.execute(text("SET enable_seqscan = off"))
        lo, hi = partitions.day_bounds(day)
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                text("EXPLAIN SELECT id FROM alpr_reads WHERE observed_at >= :lo AND observed_at < :hi AND is_hit"),
                {"lo": lo, "hi": hi},
            )
        )
    assert "Index" in plan and "Filter" not in plan, plan  # the partial index holds only hits: nothing to filter
    with db.uow() as s:
        gone = partitions.drop_day(s, day, keep=[READS.c.is_hit.is_(True), READS.c.id == held.id])
    assert gone is not None and (gone.dropped, gone.kept) == (50, 2)
    with db.read() as s:
        left = set(
            s.scalars(
                text("SELECT plate_norm FROM alpr_reads WHERE observed_at >= :lo AND observed_at < :hi"),
                {"lo": lo, "hi": hi},
            )
        )
    assert left == {"HIT777", "HLD777"}


@pytest.mark.parametrize("descending", [False, True])
def test_a_page_found_in_its_first_day_equals_the_whole_search(
    db: Database, camera: uuid.UUID, settings: Settings, descending: bool
) -> None:
    _pg(db)
    days = [TODAY - timedelta(days=k) for k in range(6, 0, -1)]
    with db.uow() as s:
        partitions.ensure_days(s, days)
        for day in days:
            for i, plate in enumerate(("KWA100", "KWA200", "KWA300")):
                s.add_all([_read(camera, plate, _at(day, hour=h, minute=i)) for h in (2, 9, 17)])
    with db.uow() as s:
        plate_index.rebuild_index(s)
    plates = ["KWA100", "KWA200", "KWA300"]

    def page(limit: int) -> list[tuple[datetime, uuid.UUID]]:
        with db.read() as s:
            spans = repository.plate_spans(s, plates, overlap_s=settings.search_index_overlap_s)
            rows = repository.page_reads(
                s, plates=plates, state=None, start=None, end=None, camera_ids=None, bbox=None, vehicle={},
                min_confidence=None, after=None, descending=descending, limit=limit, spans=spans,
            )  # fmt: skip
        return [(row.observed_at, row.id) for row in rows]

    everything = page(1000)  # more than there are: the first day cannot fill it, the whole range is searched
    assert len(everything) == 54
    for limit in (3, 9, 10):  # 9 reads a day: 3 and 9 fill the first day, 10 needs the next one
        assert page(limit) == everything[:limit]
    _drop_days(db, days)
