"""The event outbox of stored reads, on both databases: ingest stages one row per envelope in its own transaction,
``match_stored`` settles it with the hits, a redelivery does nothing, and the reconciler matches what no consumer
got once the grace period is over (and keeps, with a back-off, a batch whose matching fails)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from rtcc.alerts.models import Alert
from rtcc.alpr import principals as alpr_principals
from rtcc.alpr import redrive
from rtcc.alpr import store as alpr_store
from rtcc.alpr.events import EVENT_STORED, EVENT_STORED_VERSION
from rtcc.alpr.schemas import ReadIn
from rtcc.bench._support import CollectingBus
from rtcc.bus import outbox
from rtcc.bus.envelope import Envelope
from rtcc.bus.models import OutboxEvent
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.hotlists import entries as hotlists_entries
from rtcc.hotlists import lists as hotlists_lists
from rtcc.hotlists.logic import Category
from rtcc.hotlists.schemas import EntryCreate, HotlistCreate
from rtcc.identity.logic import SYSTEM
from rtcc.matching import reconciler as reconciler_module
from rtcc.matching.models import Match
from rtcc.matching.reconciler import Reconciler
from rtcc.matching.service import Matcher, match_stored, prematch
from rtcc.runtime import Runtime
from rtcc.settings import Settings

LISTED = "7OUT123"


def _hotlist(db: Database) -> None:
    bus = CollectingBus()
    with db.uow() as s:
        hl = hotlists_lists.create_hotlist(
            s, bus, HotlistCreate(name="o", category=Category.stolen_vehicle, max_diff=0), actor=SYSTEM
        )
        hotlists_entries.add_entry(s, bus, hl.id, EntryCreate(plate=LISTED, region="CA"), actor=SYSTEM)


def _ingest(db: Database, bus: CollectingBus, settings: Settings, plates: list[str], camera: str = "OB-1") -> None:
    now = utcnow()
    reads = [
        ReadIn(plate=p, region="CA", camera=camera, observed_at=now - timedelta(seconds=60 - i))
        for i, p in enumerate(plates)
    ]
    with db.uow() as s:
        alpr_store.ingest(
            s, bus, reads, source="rest", principal=alpr_principals.ingest_principal("t"), settings=settings
        )


def _staged(db: Database, settings: Settings, plates: list[str]) -> tuple[CollectingBus, Envelope]:
    """Ingest ``plates`` and return the bus and the one stored-reads envelope it staged."""
    bus = CollectingBus()
    _ingest(db, bus, settings, plates)
    (envelope,) = bus.take(EVENT_STORED)
    return bus, envelope


def _count(db: Database, model: type) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_ingest_stages_one_row_per_envelope_in_its_transaction(db: Database, settings: Settings) -> None:
    bus = CollectingBus()
    _ingest(db, bus, settings, ["1AAA111", "2BBB222", "3CCC333"])
    (envelope,) = bus.take(EVENT_STORED)
    assert envelope.schema_version == EVENT_STORED_VERSION
    with db.read() as s:
        rows = s.execute(select(OutboxEvent.id, OutboxEvent.type, OutboxEvent.attempts)).all()
    assert [tuple(r) for r in rows] == [(envelope.id, EVENT_STORED, 0)]

    with pytest.raises(RuntimeError), db.uow() as s:  # the request fails after ingest: nothing of it remains
        alpr_store.ingest(
            s,
            bus,
            [ReadIn(plate="4DDD444", camera="OB-1", observed_at=utcnow())],
            source="rest",
            principal=alpr_principals.ingest_principal("t"),
            settings=settings,
        )
        raise RuntimeError("boom")
    assert bus.take(EVENT_STORED) == []
    assert _count(db, OutboxEvent) == 1


def test_match_stored_settles_the_row_and_a_redelivery_does_nothing(db: Database, settings: Settings) -> None:
    _hotlist(db)
    bus, envelope = _staged(db, settings, [LISTED, "9ZZZ999"])
    matcher = Matcher()
    with db.uow() as s:
        alerts = match_stored(s, bus, matcher, envelope, dedup_window_s=600)
    assert alerts is not None and len(alerts) == 1
    assert _count(db, OutboxEvent) == 0
    with db.uow() as s:
        assert match_stored(s, bus, matcher, envelope, dedup_window_s=600) is None
    assert _count(db, Match) == 1 and _count(db, Alert) == 1


def test_hits_found_before_the_write_transaction_are_recorded_there(db: Database, settings: Settings) -> None:
    _hotlist(db)
    bus, envelope = _staged(db, settings, [LISTED, "9ZZZ998"])
    matcher = Matcher()
    with db.read() as s:
        (found,) = prematch(s, matcher, [envelope])
    assert found.version == matcher.version and [e for _, e, _ in found.found]  # the listed plate, matched
    with db.uow() as s:
        alerts = match_stored(s, bus, matcher, envelope, dedup_window_s=600, matched=found)
    assert alerts is not None and len(alerts) == 1
    assert _count(db, Match) == 1 and _count(db, OutboxEvent) == 0


def test_a_prematch_from_an_index_rebuilt_since_is_matched_again(db: Database, settings: Settings) -> None:
    bus, envelope = _staged(db, settings, [LISTED])
    matcher = Matcher()
    with db.read() as s:
        (found,) = prematch(s, matcher, [envelope])
    assert found.found == []  # nothing listed yet
    _hotlist(db)  # the plate is listed between the prematch and the write transaction
    with db.read() as s:
        matcher.ensure_current(s)  # another batch (or the reconciler) rebuilt the index meanwhile
    assert matcher.version != found.version
    with db.uow() as s:
        alerts = match_stored(s, bus, matcher, envelope, dedup_window_s=600, matched=found)
    assert alerts is not None and len(alerts) == 1  # matched again with the current index, not the stale answer
    assert _count(db, Match) == 1


def _runtime(db: Database, settings: Settings, grace: float) -> Runtime:
    tuned = settings.model_copy(update={"match_redrive_grace_s": grace})
    return Runtime(settings=tuned, db=db, bus=CollectingBus())


def test_the_reconciler_matches_what_no_consumer_got_after_the_grace(db: Database, settings: Settings) -> None:
    _hotlist(db)
    rt = _runtime(db, settings, 0.5)
    _ingest(db, CollectingBus(), settings, [LISTED])  # the envelope never reaches a consumer (the process died)
    reconciler = Reconciler(rt, Matcher())
    assert reconciler.run_once() == 0  # still within the grace: a consumer may be matching it right now
    assert _count(db, Match) == 0
    time.sleep(0.6)
    assert reconciler.run_once() == 1
    assert _count(db, Match) == 1 and _count(db, Alert) == 1 and _count(db, OutboxEvent) == 0
    assert reconciler.run_once() == 0


def test_a_batch_whose_matching_fails_stays_pending_with_a_back_off(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _hotlist(db)
    rt = _runtime(db, settings, 0.2)
    _ingest(db, CollectingBus(), settings, [LISTED])
    time.sleep(0.3)

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("matching is broken")

    monkeypatch.setattr(reconciler_module, "match_stored", broken)
    reconciler = Reconciler(rt, Matcher())
    assert reconciler.run_once() == 0
    with db.read() as s:
        attempts, error, due_at = s.execute(
            select(OutboxEvent.attempts, OutboxEvent.last_error, OutboxEvent.due_at)
        ).one()
    assert attempts == 1 and "matching is broken" in (error or "")
    assert due_at > outbox.now()  # not tried again at once
    monkeypatch.undo()
    assert reconciler.run_once() == 0  # still backing off
    time.sleep(0.45)
    assert reconciler.run_once() == 1
    assert _count(db, Match) == 1 and _count(db, OutboxEvent) == 0


def test_two_workers_never_claim_the_same_row(db: Database, settings: Settings) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite serialises writers; row locks are PostgreSQL's")
    bus = CollectingBus()
    _ingest(db, bus, settings, ["1AAA111"], camera="OB-1")
    _ingest(db, bus, settings, ["2BBB222"], camera="OB-2")
    due = outbox.now() + timedelta(seconds=1)
    with db.uow() as first, db.uow() as second:
        a = outbox.claim_due(first, EVENT_STORED, due_before=due)
        b = outbox.claim_due(second, EVENT_STORED, due_before=due)
        c = outbox.claim_due(second, EVENT_STORED, due_before=due)
    assert a is not None and b is not None and a.id != b.id
    assert c is None or c.id == b.id  # a row a session already holds may come back to it, never the other's


def test_the_row_keeps_read_ids_and_the_rebuilt_payload_equals_the_sent_one(db: Database, settings: Settings) -> None:
    bus = CollectingBus()
    _ingest(db, bus, settings, [LISTED, "1AAA111", "2BBB222"])
    (envelope,) = bus.take(EVENT_STORED)
    due = outbox.now() + timedelta(seconds=1)
    with db.uow() as s:
        item = outbox.claim_due(s, EVENT_STORED, due_before=due)
        assert item is not None and set(item.data) == {redrive.READ_IDS}  # ids only, not the whole payload
        rebuilt = redrive.stored_reads(s, redrive.read_ids(item.data))
    sent = envelope.payload["reads"]
    assert sorted(rebuilt, key=lambda r: r["id"]) == sorted(sent, key=lambda r: r["id"])
