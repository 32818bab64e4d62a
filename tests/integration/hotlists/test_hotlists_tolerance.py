"""Safe OCR tolerance on a real database: lists match exactly and by OCR class unless a small list chooses more; a
large or NCIC/CLEW-fed list needs an explicit choice to tolerate differing characters; the cost of each choice is
estimated from the list's own plates; migration 0012 moves existing state/federal and large lists to tolerance 0."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from rtcc.bench import _gen
from rtcc.bus.memory import MemoryBus
from rtcc.core.db import Database
from rtcc.core.errors import ImportFailed, ValidationFailed
from rtcc.core.migrate import upgrade
from rtcc.hotlists import entries, guards, imports, lists
from rtcc.hotlists.logic import Category
from rtcc.hotlists.schemas import EntryCreate, HotlistCreate, HotlistUpdate
from rtcc.identity.logic import Perm, Principal

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "hotlists"
ACTOR = Principal(kind="user", id="u1", name="sup", role="supervisor", permissions=frozenset(Perm))


def _create(db: Database, name: str = "BOLO", **kw: Any) -> uuid.UUID:
    with db.uow() as s:
        data = HotlistCreate(name=name, category=kw.pop("category", Category.bolo), **kw)
        return lists.create_hotlist(s, MemoryBus(), data, actor=ACTOR).id


def _csv(tmp_path: Path, n: int, seed: int = 1) -> Path:
    plates = sorted(set(_gen.plates(np.random.default_rng(seed), n + 50, "CA")))[:n]
    assert len(plates) == n
    path = tmp_path / f"list{n}.csv"
    path.write_text("plate,state\n" + "".join(f"{p},CA\n" for p in plates), encoding="utf-8")
    return path


def _import(db: Database, hid: uuid.UUID, path: Path, **kw: Any) -> Any:
    with db.uow() as s:
        return imports.import_file(s, MemoryBus(), hid, path, actor=ACTOR, **kw)


def _update(db: Database, hid: uuid.UUID, **changes: Any) -> Any:
    with db.uow() as s:
        h = lists.update_hotlist(s, MemoryBus(), hid, HotlistUpdate(**changes), actor=ACTOR)
        return (h.max_diff, h.allow_large_fuzzy)


def test_a_new_list_matches_exactly_and_by_ocr_class(db: Database) -> None:
    hid = _create(db)
    with db.read() as s:
        h = lists.get_hotlist(s, hid)
        assert (h.max_diff, h.allow_large_fuzzy) == (0, False)


def test_fuzzy_matching_is_for_small_lists(db: Database, tmp_path: Path) -> None:
    hid = _create(db, max_diff=1)
    assert _import(db, hid, _csv(tmp_path, 1000)).entries == 1000  # at the limit: fine
    with pytest.raises(ImportFailed) as refused:
        _import(db, hid, _csv(tmp_path, 1001, seed=2))
    detail = refused.value.detail
    assert detail.startswith("list1001.csv: list 'BOLO': tolerating 1 differing character is meant for lists of at")
    assert "at most 1,000 entries; this one has 1,001 (expected false alerts: about 0.0" in detail
    with db.read() as s:
        assert lists.get_hotlist(s, hid).entry_count == 1000, "the list in force stays"
    with db.uow() as s, pytest.raises(ValidationFailed, match="this one has 1,001"):
        entries.add_entry(s, MemoryBus(), hid, EntryCreate(plate="ZZZ999"), actor=ACTOR)


def test_tolerance_on_a_large_list_needs_an_explicit_choice(db: Database, tmp_path: Path) -> None:
    hid = _create(db, "Large")
    _import(db, hid, _csv(tmp_path, 3000))
    with pytest.raises(ValidationFailed) as refused:
        _update(db, hid, max_diff=1)
    assert refused.value.errors[0]["loc"] == ["body", "max_diff"]
    assert "this one has 3,000 (expected false alerts: about 0." in refused.value.detail
    assert "set allow_large_fuzzy" in refused.value.detail
    assert _update(db, hid, max_diff=1, allow_large_fuzzy=True) == (1, True)
    with pytest.raises(ValidationFailed):  # withdrawing the choice while k = 1 stays would be unsafe
        _update(db, hid, allow_large_fuzzy=False)
    assert _update(db, hid, max_diff=0) == (0, False), "tolerance 0 clears the choice"
    with pytest.raises(ValidationFailed):
        _update(db, hid, max_diff=2)
    assert _update(db, hid, allow_large_fuzzy=True) == (0, False), "no choice to keep for a later tolerance"
    with pytest.raises(ValidationFailed):
        _update(db, hid, max_diff=1)


def test_state_and_federal_feeds_need_an_explicit_choice(db: Database, tmp_path: Path) -> None:
    with db.uow() as s, pytest.raises(ValidationFailed, match="fed from CLEW extracts is a state or federal list"):
        data = HotlistCreate(name="SVS", category=Category.stolen_vehicle, max_diff=1, refresh_format="clew")
        lists.create_hotlist(s, MemoryBus(), data, actor=ACTOR)
    fuzzy = _create(db, "Small NCIC", max_diff=1)
    with pytest.raises(ImportFailed, match="fed from NCIC extracts"):
        _import(db, fuzzy, FIXTURES / "ncic_extract.txt")
    assert _update(db, fuzzy, allow_large_fuzzy=True) == (1, True)
    assert _import(db, fuzzy, FIXTURES / "ncic_extract.txt").entries == 5
    exact = _create(db, "CLEW SVS", category=Category.stolen_vehicle)
    _import(db, exact, FIXTURES / "svs.tbl")
    with pytest.raises(ValidationFailed, match="fed from CLEW extracts"):  # known from the last import's format
        _update(db, exact, max_diff=1)


def test_the_cost_of_each_tolerance_is_estimated_from_the_list(db: Database, tmp_path: Path) -> None:
    hid = _create(db, "Large")
    _import(db, hid, _csv(tmp_path, 3000))
    with db.read() as s:
        report = guards.tolerance_report(s, hid)
    assert (report.entries, report.max_diff, report.allow_large_fuzzy) == (3000, 0, False)
    k0, k1, k2 = report.options
    assert (k0.max_diff, k0.max_entries, k0.needs_confirmation) == (0, None, None)
    assert (k1.max_entries, k2.max_entries) == (1000, 25)
    assert k1.needs_confirmation and k2.needs_confirmation
    # 3,000 California plates: about 1e-5 of reads by OCR class, a few tenths of a percent at k = 1, ~10 % at k = 2.
    assert 0 < k0.estimated_false_hit_rate < 1e-4 < k1.estimated_false_hit_rate < 0.01 < k2.estimated_false_hit_rate
    assert k1.estimated_false_hits_per_10k_reads == round(k1.estimated_false_hit_rate * 10_000, 1)
    empty = _create(db, "Empty")
    with db.read() as s:
        assert [o.estimated_false_hit_rate for o in guards.tolerance_report(s, empty).options] == [0.0, 0.0, 0.0]


# --- migration 0012 ---------------------------------------------------------------------------------------------------


@pytest.fixture
def url_at_0009(tmp_path: Path) -> Iterator[str]:
    """An empty database migrated to revision 0009 (before this change), on the suite's database server."""
    pg = os.environ.get("RTCC_TEST_DATABASE_URL")
    if not pg:
        url = f"sqlite:///{tmp_path / 'old.db'}"
        upgrade(url, "0009")
        yield url
        return
    name = f"rtcc_mig12_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(pg), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(pg).set(database=name).render_as_string(hide_password=False)
        upgrade(url, "0009")
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migration_moves_state_federal_and_large_lists_to_tolerance_0(url_at_0009: str) -> None:
    lists = {  # name: (source, refresh_format, max_diff, entry_count) -> expected max_diff after
        "CLEW by format": (("local", "clew", 1, 10), 0),
        "NCIC by source": (("NCIC", None, 1, 10), 0),
        "DOJ by source": (("CA DOJ CLEW", None, 2, 5), 0),
        "Large local": (("local", None, 1, 1001), 0),
        "Large for k=2": (("local", "csv", 2, 26), 0),
        "Small BOLO": (("local", "csv", 1, 1000), 1),
        "Tiny k=2 BOLO": (("Deputy Ruiz", None, 2, 25), 2),
        "Exact NCIC": (("NCIC", "ncic", 0, 900_000), 0),
    }
    engine = create_engine(url_at_0009)
    with engine.begin() as conn:
        for name, ((source, fmt, k, count), _) in lists.items():
            conn.execute(
                text(
                    "INSERT INTO hotlists (id, name, source, category, priority, owner, max_diff, require_state, "
                    "active, refresh_format, entry_count, version, created_at, updated_at) VALUES (:id, :name, "
                    ":source, 'bolo', 3, 'x', :k, false, true, :fmt, :count, 3, :t, :t)"
                ),
                {
                    "id": uuid.uuid4().hex if engine.dialect.name == "sqlite" else str(uuid.uuid4()),
                    "name": name,
                    "source": source,
                    "k": k,
                    "fmt": fmt,
                    "count": count,
                    "t": "2026-12-01 00:00:00.000000" if engine.dialect.name == "sqlite" else "2026-12-01T00:00:00Z",
                },
            )
    upgrade(url_at_0009, "0012")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT name, max_diff, allow_large_fuzzy, version FROM hotlists")).all()
    engine.dispose()
    after = {name: (k, bool(allow), version) for name, k, allow, version in rows}
    for name, ((_, _, before, _), expected) in lists.items():
        moved = before != expected
        assert after[name] == (expected, False, 4 if moved else 3), name
