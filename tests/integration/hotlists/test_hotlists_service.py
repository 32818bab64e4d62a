"""Hotlist service on a real database: lists, entries, atomic imports of CSV/NCIC/CLEW files, the skip list, the
matcher's snapshot and its version token, and events published only after commit."""

from __future__ import annotations

import asyncio
import shutil
import threading
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select

from rtcc.audit import service as audit
from rtcc.bus.envelope import Envelope
from rtcc.bus.memory import MemoryBus
from rtcc.core import clock
from rtcc.core.db import Database
from rtcc.core.errors import Conflict, ImportFailed, NotFound, ValidationFailed
from rtcc.core.plates import ocr_class
from rtcc.hotlists import entries, imports, lists, repository, skiplist, snapshot
from rtcc.hotlists.logic import Category, extra_json
from rtcc.hotlists.models import Hotlist, HotlistEntry
from rtcc.hotlists.schemas import EntryCreate, HotlistCreate, HotlistUpdate, SkipCreate
from rtcc.identity.logic import SYSTEM, Perm, Principal

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "hotlists"
SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"
ACTOR = Principal(kind="user", id="u1", name="sup", role="supervisor", permissions=frozenset(Perm))
T = TypeVar("T")


class LoopBus:
    """A real in-process bus running on its own event-loop thread, recording every ``hotlists.*`` event."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.bus = MemoryBus()
        self._events: list[Envelope] = []

        async def collect(envelope: Envelope) -> None:
            self._events.append(envelope)

        self.call(self.bus.start())
        self.call(self.bus.subscribe("hotlists.>", collect))

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def events(self) -> list[Envelope]:
        """Every event delivered so far (waits for the queues to drain first)."""
        self.call(self.bus.drain())
        return list(self._events)

    def close(self) -> None:
        self.call(self.bus.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def lb() -> Iterator[LoopBus]:
    loop_bus = LoopBus()
    try:
        yield loop_bus
    finally:
        loop_bus.close()


def _create(db: Database, lb: LoopBus, name: str = "Stolen", **kw: Any) -> uuid.UUID:
    with db.uow() as s:
        data = HotlistCreate(name=name, category=kw.pop("category", Category.stolen_vehicle), **kw)
        return lists.create_hotlist(s, lb.bus, data, actor=ACTOR).id


def _import(db: Database, lb: LoopBus, hotlist_id: uuid.UUID, path: Path, fmt: str | None = None) -> Any:
    with db.uow() as s:
        return imports.import_file(s, lb.bus, hotlist_id, path, fmt, actor=ACTOR)


def _entries(db: Database, hotlist_id: uuid.UUID) -> list[tuple[Any, ...]]:
    """Every stored entry of a list as a comparable tuple, by id."""
    with db.read() as s:
        rows = s.scalars(select(HotlistEntry).where(HotlistEntry.hotlist_id == hotlist_id).order_by(HotlistEntry.id))
        return [
            (e.id, e.plate, e.plate_norm, e.plate_ocr, e.region, e.reason, e.case_number, e.expires_at, e.extra)
            for e in rows
        ]


@dataclass(frozen=True)
class Audited:
    action: str
    actor: str
    target_id: str | None
    details: dict[str, Any]


def _audit_actions(db: Database, prefix: str = "hotlist.") -> list[Audited]:
    """The domain's audit entries, oldest first."""
    with db.read() as s:
        rows = reversed(audit.search(s, action=prefix, limit=1000))
        return [Audited(e.action, e.actor, e.target_id, dict(e.details or {})) for e in rows]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- lists -----------------------------------------------------------------------------------------------------------


def test_create_update_deactivate_are_audited_and_announced_after_commit(db: Database, lb: LoopBus) -> None:
    hid = _create(db, lb, "Stolen vehicles", source="CA DOJ CLEW", priority=2, max_diff=2, require_state=True)
    with db.read() as s:
        h = lists.get_hotlist(s, hid)
        assert (h.source, h.priority, h.max_diff, h.require_state, h.owner) == ("CA DOJ CLEW", 2, 2, True, "sup")
        assert h.active and h.entry_count == 0
        created_version = h.version
    with pytest.raises(Conflict), db.uow() as s:
        lists.create_hotlist(s, lb.bus, HotlistCreate(name="Stolen vehicles", category=Category.bolo), actor=ACTOR)

    with db.uow() as s:
        h = lists.update_hotlist(s, lb.bus, hid, HotlistUpdate(priority=1, max_diff=0), actor=ACTOR)
        assert h.version == created_version + 1
    with db.uow() as s:
        h = lists.deactivate_hotlist(s, lb.bus, hid, actor=ACTOR)
        assert not h.active and h.version == created_version + 2
    with db.uow() as s:  # no change: no version bump, no audit entry, no event
        lists.update_hotlist(s, lb.bus, hid, HotlistUpdate(priority=1), actor=ACTOR)

    actions = _audit_actions(db)
    assert [a.action for a in actions] == ["hotlist.create", "hotlist.update", "hotlist.deactivate"]
    assert actions[1].details["changes"] == {"priority": [2, 1], "max_diff": [2, 0]}
    assert all(a.actor == "sup" and a.target_id == str(hid) for a in actions)
    events = lb.events()
    assert [e.payload["change"] for e in events] == ["create", "update", "deactivate"]
    assert events[-1].payload == {"change": "deactivate", "hotlist_id": str(hid), "version": created_version + 2}


def test_a_rolled_back_change_publishes_nothing(db: Database, lb: LoopBus) -> None:
    with pytest.raises(RuntimeError), db.uow() as s:
        lists.create_hotlist(s, lb.bus, HotlistCreate(name="Gone", category=Category.bolo), actor=ACTOR)
        raise RuntimeError("caller fails after the service call")
    assert lb.events() == []
    with db.read() as s:
        assert lists.list_hotlists(s) == []


def test_update_rejects_a_taken_name_and_finds_lists_by_name_or_id(db: Database, lb: LoopBus) -> None:
    a = _create(db, lb, "A")
    _create(db, lb, "B")
    with pytest.raises(Conflict), db.uow() as s:
        lists.update_hotlist(s, lb.bus, a, HotlistUpdate(name="B"), actor=ACTOR)
    with db.read() as s:
        assert lists.find_hotlist(s, "A").id == a
        assert lists.find_hotlist(s, str(a)).name == "A"
        with pytest.raises(NotFound):
            lists.find_hotlist(s, "nope")
        with pytest.raises(NotFound):
            lists.get_hotlist(s, uuid.uuid4())


# --- single entries --------------------------------------------------------------------------------------------------


def test_add_and_remove_entries_by_hand(db: Database, lb: LoopBus) -> None:
    hid = _create(db, lb, "BOLO", category=Category.bolo)
    expires = datetime(2031, 1, 1, 12, tzinfo=UTC)
    with db.uow() as s:
        e = entries.add_entry(
            s,
            lb.bus,
            hid,
            EntryCreate(
                plate="7abc-123",
                region="us-ca",
                category=Category.amber_alert,
                reason="child abduction",
                case_number="AA-1",
                expires_at=expires,
                vehicle_make="Ford",
                vehicle_year=2021,
            ),
            actor=ACTOR,
        )
    assert (e.plate, e.plate_norm, e.region, e.category, e.added_by) == (
        "7abc-123",
        "7ABC123",
        "CA",
        "amber_alert",
        "sup",
    )
    assert e.expires_at == expires
    with db.read() as s:
        stored = s.get(HotlistEntry, e.id)
        assert stored is not None and stored.plate_ocr == ocr_class("7ABC123")
        assert lists.get_hotlist(s, hid).entry_count == 1
    with db.uow() as s:
        plain = entries.add_entry(s, lb.bus, hid, EntryCreate(plate="XYZ 99"), actor=ACTOR)
    assert plain.category == "bolo" and plain.region is None

    for bad in (EntryCreate(plate="!!"), EntryCreate(plate="ABC123", region="C4")):
        with pytest.raises(ValidationFailed), db.uow() as s:
            entries.add_entry(s, lb.bus, hid, bad, actor=ACTOR)
    with pytest.raises(NotFound), db.uow() as s:
        entries.add_entry(s, lb.bus, uuid.uuid4(), EntryCreate(plate="ABC123"), actor=ACTOR)

    with db.uow() as s:
        entries.remove_entry(s, lb.bus, hid, e.id, actor=ACTOR)
    with pytest.raises(NotFound), db.uow() as s:
        entries.remove_entry(s, lb.bus, hid, e.id, actor=ACTOR)
    with db.read() as s:
        assert lists.get_hotlist(s, hid).entry_count == 1
    actions = [a for a in _audit_actions(db) if a.action.startswith("hotlist.entry")]
    assert [(a.action, a.details["plate"]) for a in actions] == [
        ("hotlist.entry_add", "7ABC123"),
        ("hotlist.entry_add", "XYZ99"),
        ("hotlist.entry_remove", "7ABC123"),
    ]
    assert [ev.payload["change"] for ev in lb.events()][1:] == ["entry_add", "entry_add", "entry_remove"]


def test_list_entries_pages_and_searches_by_plate_prefix(db: Database, lb: LoopBus) -> None:
    hid = _create(db, lb)
    with db.uow() as s:
        for plate in ("ABC100", "ABC200", "ABD300", "XYZ400", "abc-500"):
            entries.add_entry(s, lb.bus, hid, EntryCreate(plate=plate), actor=ACTOR)
    with db.read() as s:
        page = entries.list_entries(s, hid, actor=SYSTEM, purpose="audit_review", limit=2, offset=0)
        assert page.total == 5 and [e.plate_norm for e in page.items] == ["ABC100", "ABC200"]
        page = entries.list_entries(s, hid, actor=SYSTEM, purpose="audit_review", limit=2, offset=4)
        assert [e.plate_norm for e in page.items] == ["XYZ400"]
        found = entries.list_entries(s, hid, actor=SYSTEM, purpose="audit_review", plate="abc")
        assert found.total == 3 and {e.plate_norm for e in found.items} == {"ABC100", "ABC200", "ABC500"}
        assert entries.list_entries(s, hid, actor=SYSTEM, purpose="audit_review", plate="Q").total == 0


# --- imports ---------------------------------------------------------------------------------------------------------


def test_import_csv_stores_every_documented_column(db: Database, lb: LoopBus) -> None:
    hid = _create(db, lb, category=Category.bolo)
    result = _import(db, lb, hid, FIXTURES / "hotlist_good.csv")
    assert (result.format, result.entries, result.added, result.replaced, result.removed) == ("csv", 4, 4, 0, 0)
    assert result.source_name == "hotlist_good.csv" and result.sha256 and result.duration_s >= 0
    with db.read() as s:
        h = lists.get_hotlist(s, hid)
        assert h.entry_count == 4 and h.last_imported_at is not None and h.version == result.version
        page = entries.list_entries(s, hid, actor=SYSTEM, purpose="audit_review")
    by_plate = {e.plate_norm: e for e in page.items}
    assert set(by_plate) == {"7ABC123", "8XYZ987", "ABC12", "BOLO1"}
    camry = by_plate["7ABC123"]
    assert (camry.region, camry.category, camry.reason, camry.case_number) == (
        "CA",
        "stolen_vehicle",
        "Stolen from driveway",
        "24-001234",
    )
    assert (camry.vehicle_make, camry.vehicle_model, camry.vehicle_color, camry.vehicle_type, camry.vehicle_year) == (
        "Toyota",
        "Camry",
        "Silver",
        "Sedan",
        2019,
    )
    assert camry.expires_at is not None and camry.expires_at.date().isoformat() == "2030-06-01"
    assert camry.extra["officer"] == "Deputy Ruiz" and camry.added_by == "sup"
    assert by_plate["8XYZ987"].plate == "8xyz-987" and by_plate["8XYZ987"].region == "TX"
    assert by_plate["ABC12"].category == "bolo"  # no category on the line: the list's

    (entry,) = [a for a in _audit_actions(db) if a.action == "hotlist.import"]
    assert entry.details["file"] == "hotlist_good.csv" and entry.details["entries"] == 4
    assert entry.details["sha256"] == result.sha256
    text = repr(entry.details)
    assert not any(p in text for p in ("7ABC123", "8XYZ987", "BOLO1")), "the import audit must not list plates"
    assert [e.payload["change"] for e in lb.events()] == ["create", "import"]


def test_import_ncic_and_clew_fixtures(db: Database, lb: LoopBus) -> None:
    ncic = _create(db, lb, "NCIC", source="NCIC")
    result = _import(db, lb, ncic, FIXTURES / "ncic_extract.txt")
    assert (result.format, result.entries) == ("ncic", 5)
    clew = _create(db, lb, "CLEW SVS", source="CA DOJ CLEW")
    work = FIXTURES / "svs.tbl"
    assert _import(db, lb, clew, work).format == "clew"
    with db.read() as s:
        ncic_entries = {
            e.plate_norm: e for e in entries.list_entries(s, ncic, actor=SYSTEM, purpose="audit_review").items
        }
        clew_entries = {
            e.plate_norm: e for e in entries.list_entries(s, clew, actor=SYSTEM, purpose="audit_review").items
        }
    assert {p: (e.region, e.category) for p, e in ncic_entries.items()} == {
        "AB123456": ("CA", "stolen_vehicle"),
        "5KLM204": ("OH", "stolen_plate"),
        "8XYZ987": ("TX", "amber_alert"),
        "4DEF567": ("CA", "felony_vehicle"),
        "CNDA123": ("ON", "stolen_vehicle"),
    }
    assert ncic_entries["AB123456"].case_number == "V123456789"
    assert {p: (e.region, e.category) for p, e in clew_entries.items()} == {
        "ABC1234": ("CA", "stolen_vehicle"),
        "7ABC123": ("CA", "stolen_vehicle"),
        "NV9X": ("NV", "stolen_vehicle"),
    }


def test_reimport_replaces_entries_and_keeps_the_ids_of_unchanged_ones(
    db: Database, lb: LoopBus, tmp_path: Path
) -> None:
    hid = _create(db, lb)
    header = "plate,state,reason,case_number\n"
    first = _write(tmp_path / "list.csv", header + "AAA111,CA,r1,C1\nBBB222,CA,r2,C2\nCCC333,CA,r3,C3\n")
    _import(db, lb, hid, first)
    before = {row[1]: row for row in _entries(db, hid)}
    version = _version_of(db, hid)

    second = _write(tmp_path / "list.csv", header + "AAA111,CA,r1,C1\nBBB222,NV,r2,C2\nDDD444,CA,r4,C4\n")
    result = _import(db, lb, hid, second)
    assert (result.entries, result.replaced, result.added, result.removed, result.unchanged) == (3, 3, 2, 2, 1)
    after = {row[1]: row for row in _entries(db, hid)}
    assert set(after) == {"AAA111", "BBB222", "DDD444"}
    assert after["AAA111"] == before["AAA111"], "an unchanged entry keeps its row and id"
    assert after["BBB222"][4] == "NV" and "CCC333" not in after
    assert _version_of(db, hid) == version + 1

    again = _import(db, lb, hid, second)  # the same file: nothing changes, the version stays
    assert (again.added, again.removed, again.unchanged) == (0, 0, 3)
    assert _entries(db, hid) == list(sorted(after.values()))
    assert _version_of(db, hid) == version + 1
    assert [e.payload["change"] for e in lb.events()].count("import") == 2


NCIC_LINE = "V123456789LA057020020190509AB123456  CA2009MC2009YAMACYLMCBLK"


@pytest.mark.parametrize(
    ("name", "text", "plates"),
    [
        (
            "dups.csv",
            "plate,state,reason\nAAA111,CA,r1\nAAA111,CA,r1\nBBB222,CA,r1\nAAA111,CA,r1\nAAA111,CA,other\n",
            ["AAA111", "AAA111", "BBB222"],
        ),
        (
            "extract.txt",
            f"NCIC VEHICLE EXTRACT 20240102 0600\n{NCIC_LINE}\n{NCIC_LINE}\n"
            + NCIC_LINE.replace("AB123456", "AB123457")
            + f"\n{NCIC_LINE}\n",
            ["AB123456", "AB123457"],
        ),
        (
            "svs.tbl",
            "DATE01/15/2024 06:00\nABC1234 CA1220190515\nABC1234 CA1220190515\nABC1234 CA1220190515\n"
            "XYZ999  CA0220180430\nTOTAL RECORD 0000004\n",
            ["ABC1234", "XYZ999"],
        ),
    ],
)
def test_identical_lines_become_one_entry_and_one_alert(
    db: Database, lb: LoopBus, tmp_path: Path, name: str, text: str, plates: list[str]
) -> None:
    hid = _create(db, lb)
    result = _import(db, lb, hid, _write(tmp_path / name, text))
    assert (result.entries, result.added, result.merged) == (len(plates), len(plates), 2)
    assert sorted(r[2] for r in _entries(db, hid)) == plates
    [record] = [a for a in _audit_actions(db) if a.action == "hotlist.import"]
    assert record.details["merged"] == 2
    # A read of the repeated plate matches one entry, so it raises one alert, not three.
    with db.read() as s:
        snap = snapshot.active_snapshot(s)
    repeated = plates[0] if plates.count(plates[0]) == 1 else plates[-1]
    assert snap.plates_norm.count(repeated) == 1
    again = _import(db, lb, hid, tmp_path / name)  # a re-import of the same file changes nothing
    assert (again.entries, again.added, again.removed, again.unchanged, again.merged) == (
        len(plates),
        0,
        0,
        len(plates),
        2,
    )


def test_a_reimport_folds_duplicates_stored_before_merging_existed(db: Database, lb: LoopBus, tmp_path: Path) -> None:
    hid = _create(db, lb)
    path = _write(tmp_path / "list.csv", "plate,state\nAAA111,CA\nBBB222,CA\n")
    _import(db, lb, hid, path)
    with db.uow() as s:  # two more copies of AAA111, as an older version stored them
        [row] = [r for r in repository.iter_fingerprint_rows(s, hid) if r[1] == "AAA111"]
        stored = s.get(HotlistEntry, row[0])
        assert stored is not None
        values = (*(getattr(stored, c) for c in repository.ENTRY_VALUES[:-1]), extra_json(stored.extra))
        repository.bulk_insert_entries(s, hid, "legacy", stored.added_at, [values, values])
    assert sorted(r[2] for r in _entries(db, hid)) == ["AAA111", "AAA111", "AAA111", "BBB222"]
    result = _import(db, lb, hid, path)
    assert (result.entries, result.removed, result.unchanged) == (2, 2, 2)
    assert sorted(r[2] for r in _entries(db, hid)) == ["AAA111", "BBB222"]


def test_an_identical_entry_added_by_hand_is_refused(db: Database, lb: LoopBus) -> None:
    hid = _create(db, lb)
    entry = EntryCreate(plate="7ABC123", region="CA", reason="stolen", case_number="C1")
    with db.uow() as s:
        first = entries.add_entry(s, lb.bus, hid, entry, actor=ACTOR)
    with db.uow() as s, pytest.raises(Conflict, match=f"entry {first.id} on this list is identical"):
        entries.add_entry(s, lb.bus, hid, entry, actor=ACTOR)
    with db.uow() as s:  # another case for the same plate is another entry
        entries.add_entry(s, lb.bus, hid, entry.model_copy(update={"case_number": "C2"}), actor=ACTOR)
    assert len(_entries(db, hid)) == 2


@pytest.mark.parametrize("which", ["published sample", "fixture with a wrong count"])
def test_a_clew_file_whose_trailer_disagrees_is_refused_unless_forced(
    db: Database, lb: LoopBus, tmp_path: Path, which: str
) -> None:
    if which == "published sample":
        source = SHARED / "hotlist_formats" / "sample_ca_doj_clew_sfr.tbl"
        if not source.exists():
            pytest.skip("shared data is absent")
        where, records = "sample_ca_doj_clew_sfr.tbl:4: the trailer says 72 records but the file holds 2", 2
    else:
        text = (FIXTURES / "svs.tbl").read_bytes().replace(b"TOTAL RECORD 0000003", b"TOTAL RECORD 0000004")
        source = tmp_path / "svs.tbl"
        source.write_bytes(text)
        where, records = "svs.tbl:6: the trailer says 4 records but the file holds 3", 3
    hid = _create(db, lb)
    _import(db, lb, hid, _write(tmp_path / "list.csv", "plate,state\nAAA111,CA\n"))
    before = _entries(db, hid)
    with pytest.raises(ImportFailed, match=where):
        _import(db, lb, hid, source)
    assert _entries(db, hid) == before, "the list in force stays"
    with db.uow() as s:
        forced = imports.import_file(s, lb.bus, hid, source, actor=ACTOR, force=True)
    assert (forced.entries, forced.forced) == (records, True)
    record = [a for a in _audit_actions(db) if a.action == "hotlist.import"][-1]
    assert record.details["forced"] is True


@pytest.mark.parametrize(
    ("good", "bad", "where"),
    [
        ("hotlist_good.csv", "hotlist_bad.csv", "hotlist_bad.csv:3: unknown category"),
        ("ncic_extract.txt", "ncic_bad.txt", "ncic_bad.txt:4: "),
        ("svs.tbl", "slr_bad.tbl", "slr_bad.tbl:4: date of loss"),
    ],
)
def test_a_bad_line_aborts_and_the_list_in_force_stays(
    db: Database, lb: LoopBus, tmp_path: Path, good: str, bad: str, where: str
) -> None:
    hid = _create(db, lb)
    _import(db, lb, hid, FIXTURES / good)
    before, version, events = _entries(db, hid), _version_of(db, hid), len(lb.events())
    with pytest.raises(ImportFailed) as failure:
        _import(db, lb, hid, FIXTURES / bad)
    assert failure.value.detail.startswith(where)
    assert failure.value.errors and failure.value.errors[0]["loc"] == ["line", int(where.split(":")[1])]
    assert _entries(db, hid) == before
    assert _version_of(db, hid) == version
    assert len(lb.events()) == events
    assert [a.action for a in _audit_actions(db)].count("hotlist.import") == 1


def test_an_import_is_undone_with_the_callers_transaction(db: Database, lb: LoopBus, tmp_path: Path) -> None:
    hid = _create(db, lb)
    _import(db, lb, hid, FIXTURES / "hotlist_good.csv")
    before = _entries(db, hid)
    other = _write(tmp_path / "other.csv", "plate\nZZZ999\n")
    with pytest.raises(RuntimeError), db.uow() as s:
        imports.import_file(s, lb.bus, hid, other, actor=ACTOR)
        raise RuntimeError("the caller's unit of work fails after the import")
    assert _entries(db, hid) == before
    assert [e.payload["change"] for e in lb.events()] == ["create", "import"]


def test_readers_see_the_list_in_force_until_the_import_commits(db: Database, lb: LoopBus, tmp_path: Path) -> None:
    hid = _create(db, lb)
    _import(db, lb, hid, FIXTURES / "hotlist_good.csv")
    before = _entries(db, hid)
    other = _write(tmp_path / "other.csv", "plate\nZZZ999\nYYY888\n")
    with db.uow() as s:
        imports.import_file(s, lb.bus, hid, other, actor=ACTOR)
        assert _entries(db, hid) == before  # another connection, mid-transaction
    assert sorted(r[1] for r in _entries(db, hid)) == ["YYY888", "ZZZ999"]


def test_unreadable_or_unknown_files_fail_cleanly(db: Database, lb: LoopBus, tmp_path: Path) -> None:
    hid = _create(db, lb)
    with pytest.raises(ImportFailed, match=r"missing\.csv: cannot read"):
        _import(db, lb, hid, tmp_path / "missing.csv")
    odd = _write(tmp_path / "odd.dat", "just some text\n")
    with pytest.raises(ImportFailed, match=r"odd\.dat"):
        _import(db, lb, hid, odd)
    with pytest.raises(NotFound):
        _import(db, lb, uuid.uuid4(), FIXTURES / "hotlist_good.csv")


def test_a_clew_file_keeps_its_name_when_copied(db: Database, lb: LoopBus, tmp_path: Path) -> None:
    hid = _create(db, lb, category=Category.bolo)
    copy = tmp_path / "sfr.tbl"
    shutil.copyfile(FIXTURES / "svs.tbl", copy)
    _import(db, lb, hid, copy)
    with db.read() as s:
        assert {e.category for e in entries.list_entries(s, hid, actor=SYSTEM, purpose="audit_review").items} == {
            "felony_vehicle"
        }


def _version_of(db: Database, hotlist_id: uuid.UUID) -> int:
    with db.read() as s:
        h = s.get(Hotlist, hotlist_id)
        assert h is not None
        return h.version


# --- skip list -------------------------------------------------------------------------------------------------------


def test_skip_list(db: Database, lb: LoopBus) -> None:
    with db.uow() as s:
        e = skiplist.add_skip(s, lb.bus, SkipCreate(plate="no-plate", reason="junk"), actor=ACTOR)
        skiplist.add_skip(s, lb.bus, SkipCreate(plate="0000000", reason="test plate"), actor=ACTOR)
    assert e.plate_norm == "NOPLATE" and e.added_by == "sup"
    with pytest.raises(Conflict), db.uow() as s:
        skiplist.add_skip(s, lb.bus, SkipCreate(plate="NOPLATE", reason="again"), actor=ACTOR)
    with pytest.raises(ValidationFailed), db.uow() as s:
        skiplist.add_skip(s, lb.bus, SkipCreate(plate="--", reason="nothing"), actor=ACTOR)
    with db.read() as s:
        assert skiplist.skip_plates(s) == {"NOPLATE", "0000000"}
        assert [x.plate_norm for x in skiplist.list_skip(s)] == ["0000000", "NOPLATE"]
    with db.uow() as s:
        skiplist.remove_skip(s, lb.bus, "noplate", actor=ACTOR)
    with pytest.raises(NotFound), db.uow() as s:
        skiplist.remove_skip(s, lb.bus, "NOPLATE", actor=ACTOR)
    with db.read() as s:
        assert skiplist.skip_plates(s) == {"0000000"}
    assert [a.action for a in _audit_actions(db)] == ["hotlist.skip_add", "hotlist.skip_add", "hotlist.skip_remove"]
    assert [ev.payload["change"] for ev in lb.events()] == ["skip_add", "skip_add", "skip_remove"]


# --- the matcher's snapshot ------------------------------------------------------------------------------------------


def test_snapshot_holds_active_lists_and_live_entries_only(db: Database, lb: LoopBus) -> None:
    now = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
    clock.set_clock(lambda: now)
    try:
        active = _create(db, lb, "Active", max_diff=2, require_state=True, priority=1)
        inactive = _create(db, lb, "Inactive", category=Category.bolo)
        with db.uow() as s:
            keep = entries.add_entry(s, lb.bus, active, EntryCreate(plate="AAA111", region="CA"), actor=ACTOR)
            soon = entries.add_entry(
                s, lb.bus, active, EntryCreate(plate="BBB222", expires_at=now + timedelta(hours=1)), actor=ACTOR
            )
            entries.add_entry(
                s, lb.bus, active, EntryCreate(plate="CCC333", expires_at=now - timedelta(seconds=1)), actor=ACTOR
            )
            entries.add_entry(s, lb.bus, inactive, EntryCreate(plate="DDD444"), actor=ACTOR)
            skiplist.add_skip(s, lb.bus, SkipCreate(plate="NOPLATE", reason="junk"), actor=ACTOR)
            lists.deactivate_hotlist(s, lb.bus, inactive, actor=ACTOR)
        with db.read() as s:
            snap = snapshot.active_snapshot(s, now=now)
            assert snap.version == snapshot.snapshot_version(s, now=now)
            assert snapshot.snapshot_version(s) == snap.version  # the clock says `now` too
    finally:
        clock.set_clock(None)
    assert set(snap.lists) == {active}
    info = snap.lists[active]
    assert (info.name, info.max_diff, info.require_state, info.priority, info.category) == (
        "Active",
        2,
        True,
        1,
        "stolen_vehicle",
    )
    rows = sorted(zip(snap.entry_ids, snap.hotlist_ids, snap.plates_norm, snap.regions, strict=True))
    assert rows == [(keep.id, active, "AAA111", "CA"), (soon.id, active, "BBB222", None)]
    assert len(snap) == 2 and snap.skip_plates == frozenset({"NOPLATE"})
    assert snap.valid_until == now + timedelta(hours=1)
    assert not snap.is_stale(now + timedelta(hours=1)) and snap.is_stale(now + timedelta(hours=1, seconds=1))

    later = now + timedelta(hours=2)
    with db.read() as s:
        assert snapshot.snapshot_version(s, now=later) != snap.version, "an expiry must change the version"
        again = snapshot.active_snapshot(s, now=later)
    assert again.plates_norm == ["AAA111"] and again.valid_until is None


def test_every_change_gives_a_new_version(db: Database, lb: LoopBus, tmp_path: Path) -> None:
    seen: list[str] = []

    def version() -> str:
        with db.read() as s:
            v = snapshot.snapshot_version(s)
        assert v not in seen, f"version {v} repeated after change #{len(seen)}"
        seen.append(v)
        return v

    version()
    hid = _create(db, lb)
    version()
    with db.uow() as s:
        entry = entries.add_entry(s, lb.bus, hid, EntryCreate(plate="AAA111"), actor=ACTOR)
    version()
    with db.uow() as s:
        entries.remove_entry(s, lb.bus, hid, entry.id, actor=ACTOR)
    version()
    _import(db, lb, hid, FIXTURES / "hotlist_good.csv")
    version()
    with db.uow() as s:
        lists.update_hotlist(s, lb.bus, hid, HotlistUpdate(max_diff=1), actor=ACTOR)
    version()
    with db.uow() as s:
        skiplist.add_skip(s, lb.bus, SkipCreate(plate="NOPLATE", reason="junk"), actor=ACTOR)
    version()
    with db.uow() as s:
        skiplist.remove_skip(s, lb.bus, "NOPLATE", actor=ACTOR)
    with db.read() as s:  # the skip list is part of the token by content: back to the state before, same token
        assert snapshot.snapshot_version(s) == seen[-2]
    with db.uow() as s:
        skiplist.add_skip(s, lb.bus, SkipCreate(plate="TEST", reason="junk"), actor=ACTOR)
    version()
    with db.uow() as s:
        lists.deactivate_hotlist(s, lb.bus, hid, actor=ACTOR)
    version()
    with db.read() as s:
        assert snapshot.snapshot_version(s) == seen[-1], "no change, same version"


def test_entry_details_describe_the_matched_entries(db: Database, lb: LoopBus) -> None:
    hid = _create(db, lb, category=Category.bolo)
    _import(db, lb, hid, FIXTURES / "hotlist_good.csv")
    with db.read() as s:
        snap = snapshot.active_snapshot(s)
        ids = dict(zip(snap.plates_norm, snap.entry_ids, strict=True))
        details = snapshot.entry_details(s, [ids["7ABC123"], ids["ABC12"], ids["7ABC123"], 10**9])
    assert set(details) == {ids["7ABC123"], ids["ABC12"]}
    camry = details[ids["7ABC123"]]
    assert (camry.plate, camry.region, camry.category, camry.reason, camry.case_number) == (
        "7ABC123",
        "CA",
        "stolen_vehicle",
        "Stolen from driveway",
        "24-001234",
    )
    assert camry.vehicle_description == "2019 Silver Toyota Camry Sedan"
    bare = details[ids["ABC12"]]
    assert bare.category == "bolo" and bare.vehicle_description is None
