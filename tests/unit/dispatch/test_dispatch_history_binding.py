"""The historic import's fast SQLite binding writes exactly what SQLAlchemy's own column types write (so the ORM
reads and compares imported times like any others), and an EIDO update merges step times and notes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy.dialects import sqlite

from rtcc.dispatch import history
from rtcc.dispatch.adapters.document import CallDocument, CallTimes, Note
from rtcc.dispatch.interchange import merge
from rtcc.dispatch.interop_models import HistoryCall


def test_fast_sqlite_values_equal_sqlalchemys() -> None:
    dialect = sqlite.dialect()
    time_type = HistoryCall.__table__.c.received_at.type
    json_type = HistoryCall.__table__.c.units.type
    bind_time = time_type._cached_bind_processor(dialect)
    bind_json = json_type._cached_bind_processor(dialect)
    assert bind_time is not None and bind_json is not None
    for value in (
        datetime(2025, 8, 24, 4, 7, 6, tzinfo=UTC),
        datetime(2025, 8, 24, 4, 7, 6, 120000, tzinfo=UTC),
        datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ):
        assert history._sqlite_time_utc(value) == bind_time(value)
        assert history._sqlite_time(value) == bind_time(value)
    eastern = datetime(2025, 8, 24, 0, 7, 6, tzinfo=timezone(timedelta(hours=-4)))
    assert history._sqlite_time(eastern) == bind_time(eastern) == "2025-08-24 04:07:06.000000"
    assert history._sqlite_time(None) is None and history._sqlite_time_utc(None) is None
    for units in ([], ["4238"], ["4238", "4201"]):
        assert history._sqlite_json(units) == bind_json(units)


def test_an_update_keeps_what_it_does_not_repeat() -> None:
    t0 = datetime(2025, 1, 1, 12, tzinfo=UTC)
    old = CallDocument(
        external_id="X1",
        narrative="first",
        times=CallTimes(received=t0, dispatched=t0 + timedelta(minutes=2)),
        notes=[Note(text="a", at=t0)],
    )
    new = CallDocument(
        external_id="X1",
        times=CallTimes(on_scene=t0 + timedelta(minutes=9)),
        notes=[Note(text="a", at=t0), Note(text="b", at=t0 + timedelta(minutes=5))],
    )
    merged = merge(old, new)
    assert merged.narrative == "first"
    assert (merged.times.received, merged.times.dispatched, merged.times.on_scene) == (
        t0,
        t0 + timedelta(minutes=2),
        t0 + timedelta(minutes=9),
    )
    assert [n.text for n in merged.notes] == ["a", "b"]
