"""Alert use cases on a real database: hits to alerts (dedup window, idempotent redelivery, concurrent workers),
the audited lifecycle, role filtering, camera-offline alerts, and the live events each change emits."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from rtcc.alerts import lifecycle, offline, queue, repository
from rtcc.alerts.logic import Checklist, hit_dedup_key
from rtcc.alerts.models import Alert, AlertTransition
from rtcc.alerts.schemas import AlertFilters, AlertRead, HitInput, PageParams
from rtcc.alpr.models import Camera, Read
from rtcc.audit.models import AuditEntry
from rtcc.audit.service import verify as verify_chain
from rtcc.bus.envelope import Envelope
from rtcc.bus.memory import MemoryBus
from rtcc.core import metrics
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rtcc.core.plates import forms
from rtcc.hotlists.models import Hotlist, HotlistEntry
from rtcc.identity.logic import ROLE_PERMISSIONS, Principal, Role
from rtcc.live.models import LiveEvent
from rtcc.matching import service as matching
from rtcc.matching.models import Match

WINDOW = 600
FULL = Checklist(True, True, True, True)


class LiveBus:
    """A real in-process bus running on its own loop thread, recording every live event published."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.bus = MemoryBus()
        self.events: list[Envelope] = []

        async def setup() -> None:
            await self.bus.start()

            async def collect(env: Envelope) -> None:
                self.events.append(env)

            await self.bus.subscribe("live.>", collect)

        asyncio.run_coroutine_threadsafe(setup(), self.loop).result(5)

    def drain(self) -> list[Envelope]:
        asyncio.run_coroutine_threadsafe(self.bus.drain(), self.loop).result(5)
        return self.events

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.bus.close(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def live_bus() -> Iterator[LiveBus]:
    b = LiveBus()
    yield b
    b.close()


@dataclass
class World:
    db: Database
    cameras: list[Camera]
    hotlist: Hotlist
    entries: list[HotlistEntry]
    reads: list[Read] = field(default_factory=list)

    def read(self, entry: int = 0, camera: int = 0, at: datetime | None = None, plate: str | None = None) -> Read:
        """Store one read of an entry's plate at a camera."""
        now = utcnow()
        f = forms(plate or self.entries[entry].plate)
        r = Read(
            id=uuid.uuid4(),
            camera_id=self.cameras[camera].id,
            plate=f.raw,
            plate_norm=f.norm,
            plate_ocr=f.ocr,
            region="CA",
            confidence=91.0,
            observed_at=at or now,
            received_at=now,
            source="rest",
            crop_ref="test://crop.jpg",
        )
        with self.db.uow() as s:
            s.add(r)
        self.reads.append(r)
        return r

    def hit(
        self, read: Read, entry: int = 0, camera: int = 0, kind: str = "exact", diff: list[int] | None = None
    ) -> HitInput:
        e = self.entries[entry]
        return HitInput(
            read_id=read.id,
            camera_id=self.cameras[camera].id,
            camera_code=self.cameras[camera].code,
            plate_read=read.plate,
            region_read=read.region,
            observed_at=read.observed_at,
            received_at=read.received_at,
            entry_id=e.id,
            hotlist_id=self.hotlist.id,
            hotlist_name=self.hotlist.name,
            category=self.hotlist.category,
            priority=self.hotlist.priority,
            plate_listed=e.plate,
            region_listed=e.region,
            match_kind=kind,
            diff_positions=diff or [],
            reason=e.reason,
            case_number=e.case_number,
        )


@pytest.fixture
def world(db: Database) -> World:
    now = utcnow()
    with db.uow() as s:
        cams = [Camera(code=f"CAM-{i}", name=f"Camera {i}", created_at=now) for i in (1, 2)]
        hl = Hotlist(
            name="CA SVS",
            source="CA DOJ CLEW",
            category="stolen_vehicle",
            priority=1,
            owner="dispatch",
            created_at=now,
            updated_at=now,
        )
        s.add_all([*cams, hl])
        s.flush()
        entries = []
        for plate in ("7ABC123", "8XYZ999", "5JKL456"):
            f = forms(plate)
            entries.append(
                HotlistEntry(
                    hotlist_id=hl.id,
                    plate=plate,
                    plate_norm=f.norm,
                    plate_ocr=f.ocr,
                    region="CA",
                    reason="stolen",
                    case_number="C-1",
                    added_by="clew",
                    added_at=now,
                    vehicle_make="HOND",
                )
            )
        s.add_all(entries)
    return World(db, cams, hl, entries)


def principal(role: Role, name: str | None = None) -> Principal:
    return Principal(
        kind="user", id=name or role.value, name=name or role.value, role=role.value, permissions=ROLE_PERMISSIONS[role]
    )


ANALYST = principal(Role.analyst, "ann")
OFFICER = principal(Role.officer, "otto")
SUPERVISOR = principal(Role.supervisor, "sue")


def record(world: World, bus: LiveBus, hits: list[HitInput]) -> list[AlertRead]:
    with world.db.uow() as s:
        return matching.record_hits(s, bus.bus, hits, dedup_window_s=WINDOW)


def count(db: Database, model: Any) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def audit_actions(db: Database) -> list[tuple[str, str]]:
    with db.read() as s:
        return [(e.action, e.actor) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]


# ------------------------------------------------------------------------------------------------- record_hits


def test_a_hit_becomes_one_audited_alert_with_a_live_event(world: World, live_bus: LiveBus) -> None:
    before = metrics.MATCHES.labels("fuzzy")._value.get()
    r = world.read(plate="7A8C123")
    alerts = record(world, live_bus, [world.hit(r, kind="fuzzy", diff=[2])])
    assert len(alerts) == 1
    with world.db.read() as s:
        a = s.get(Alert, alerts[0].id)
        assert a is not None
        assert (a.kind, a.state, a.read_count, a.priority) == ("hit", "new", 1, 1)
        assert a.dedup_key == hit_dedup_key(world.entries[0].id, "7A8C123")
        assert a.match_kind == "fuzzy" and a.diff_positions == [2] and a.plate_read == "7A8C123"
        assert "7A8C123" not in a.title and "7ABC123" not in a.title
        assert s.get(Read, r.id).is_hit  # type: ignore[union-attr]
        m = s.scalars(select(Match)).one()
        assert (m.read_id, m.entry_id, m.alert_id, m.kind) == (r.id, world.entries[0].id, a.id, "fuzzy")
        t = s.scalars(select(AlertTransition)).one()
        assert (t.actor, t.from_state, t.to_state) == ("system", None, "new")
    assert audit_actions(world.db) == [("alert.create", "system")]
    events = live_bus.drain()
    assert [(e.type, e.payload["type"]) for e in events] == [("live.alerts", "alert.created")]
    data = events[0].payload["data"]
    assert data["id"] == str(alerts[0].id) and data["fuzzy"] is True and data["entry"]["plate"] == "7ABC123"
    assert data["read"]["plate"] == "7A8C123" and data["camera"]["code"] == "CAM-1"
    assert "transitions" not in data
    assert count(world.db, LiveEvent) == 1
    assert metrics.MATCHES.labels("fuzzy")._value.get() == before + 1


def test_redelivery_is_idempotent(world: World, live_bus: LiveBus) -> None:
    r = world.read()
    hits = [world.hit(r)]
    assert len(record(world, live_bus, hits)) == 1
    assert record(world, live_bus, hits) == []
    assert record(world, live_bus, hits + hits) == []
    assert count(world.db, Alert) == 1 and count(world.db, Match) == 1 and count(world.db, LiveEvent) == 1
    with world.db.read() as s:
        assert s.scalars(select(Alert)).one().read_count == 1


def test_repeat_reads_within_the_window_update_one_alert(world: World, live_bus: LiveBus) -> None:
    t0 = utcnow() - timedelta(minutes=30)
    first = world.read(at=t0)
    [alert] = record(world, live_bus, [world.hit(first)])
    second = world.read(at=t0 + timedelta(minutes=9))
    third = world.read(at=t0 + timedelta(minutes=17))  # 8 min after the second: the window slides
    [again] = record(world, live_bus, [world.hit(second), world.hit(third)])
    assert again.id == alert.id
    with world.db.read() as s:
        a = s.get(Alert, alert.id)
        assert a is not None
        assert a.read_count == 3 and a.last_read_id == third.id and a.read_id == first.id
        assert a.last_seen_at == third.observed_at and a.first_seen_at == first.observed_at
    types = [e.payload["type"] for e in live_bus.drain()]
    assert types == ["alert.created", "alert.updated"]
    assert count(world.db, AlertTransition) == 1  # folding is not a state change


def test_a_read_after_the_window_opens_a_new_alert(world: World, live_bus: LiveBus) -> None:
    t0 = utcnow() - timedelta(hours=1)
    [old] = record(world, live_bus, [world.hit(world.read(at=t0))])
    [new] = record(world, live_bus, [world.hit(world.read(at=t0 + timedelta(seconds=WINDOW + 1)))])
    assert new.id != old.id
    with world.db.read() as s:
        o = s.get(Alert, old.id)
        assert o is not None and o.dedup_key is None and o.state == "new"
        assert s.get(Alert, new.id).dedup_key is not None  # type: ignore[union-attr]


def test_a_batch_splits_at_gaps_keeps_entries_apart_and_follows_the_vehicle_across_cameras(
    world: World, live_bus: LiveBus
) -> None:
    t0 = utcnow() - timedelta(hours=2)
    hits = [
        world.hit(world.read(at=t0)),
        world.hit(world.read(at=t0 + timedelta(minutes=5))),
        world.hit(world.read(at=t0 + timedelta(minutes=30))),  # gap > window: a second alert
        world.hit(world.read(camera=1, at=t0 + timedelta(minutes=2)), camera=1),  # the same vehicle at another camera
        world.hit(world.read(entry=1, at=t0), entry=1),  # other entry
    ]
    alerts = record(world, live_bus, hits)
    assert len(alerts) == 3
    with world.db.read() as s:
        rows = s.scalars(select(Alert).order_by(Alert.first_seen_at, Alert.read_count)).all()
        keys = [a.dedup_key for a in rows]
        assert len([k for k in keys if k is not None]) == 2  # only the latest alert per vehicle takes sightings
        assert sorted(a.read_count for a in rows) == [1, 1, 3]
        assert {m.alert_id for m in s.scalars(select(Match))} == {a.id for a in rows}


def sightings_of(world: World, alert_id: uuid.UUID) -> list[tuple[uuid.UUID, str | None]]:
    with world.db.uow() as s:
        return [(x.read_id, x.camera_code) for x in queue.get_alert(s, ANALYST, alert_id).sightings]


def test_a_rejected_vehicle_seen_again_is_a_sighting_not_a_new_queue_item(world: World, live_bus: LiveBus) -> None:
    t0 = utcnow() - timedelta(hours=3)
    first = world.read(plate="7A8C123", at=t0)
    [a] = record(world, live_bus, [world.hit(first, kind="fuzzy", diff=[2])])
    with world.db.uow() as s:
        lifecycle.transition(s, live_bus.bus, a.id, "reject", actor=ANALYST, reason="misread")
    live_bus.drain()
    live_bus.events.clear()
    again = world.read(plate="7A8C123", camera=1, at=t0 + timedelta(minutes=8))  # the same misread car, elsewhere
    [b] = record(world, live_bus, [world.hit(again, camera=1, kind="fuzzy", diff=[2])])
    assert b.id == a.id
    with world.db.read() as s:
        got = s.get(Alert, a.id)
        assert got is not None and (got.state, got.read_count, got.last_read_id) == ("rejected", 2, again.id)
        assert int(s.scalar(select(func.count()).select_from(Alert)) or 0) == 1
    assert sightings_of(world, a.id) == [(again.id, "CAM-2"), (first.id, "CAM-1")]
    [ev] = live_bus.drain()
    assert ev.payload["type"] == "alert.updated" and ev.payload["data"]["state"] == "rejected"
    assert ev.payload["data"]["last_sighting"]["camera_code"] == "CAM-2"
    # The listed plate itself (another vehicle than the misread one) is news: a new alert for a person to check.
    [c] = record(world, live_bus, [world.hit(world.read(at=t0 + timedelta(minutes=9)))])
    assert c.id != a.id


def test_a_verified_vehicle_seen_again_is_pushed_as_an_update_on_its_alert(world: World, live_bus: LiveBus) -> None:
    t0 = utcnow() - timedelta(hours=3)
    [a] = record(world, live_bus, [world.hit(world.read(at=t0))])
    with world.db.uow() as s:
        lifecycle.transition(s, live_bus.bus, a.id, "verify", actor=ANALYST, checklist=FULL)
    live_bus.drain()
    live_bus.events.clear()
    later = world.read(camera=1, at=t0 + timedelta(minutes=8))
    [b] = record(world, live_bus, [world.hit(later, camera=1)])
    assert b.id == a.id
    [ev] = live_bus.drain()
    data = ev.payload["data"]
    assert (ev.type, ev.payload["type"], data["state"], data["read_count"]) == (
        "live.alerts",
        "alert.updated",
        "verified",
        2,
    )
    assert data["last_sighting"]["read_id"] == str(later.id) and data["last_sighting"]["camera_code"] == "CAM-2"
    assert "sightings" not in data  # the full list is in the (audited) detail
    with world.db.uow() as s:
        field_view = queue.get_alert(s, OFFICER, a.id)  # the officer sees the sighting
        assert field_view.sightings[0].read_id == later.id


def test_a_long_gap_or_a_closed_alert_opens_a_new_alert(world: World, live_bus: LiveBus) -> None:
    t0 = utcnow() - timedelta(hours=5)
    [a] = record(world, live_bus, [world.hit(world.read(at=t0))])
    with world.db.uow() as s:
        lifecycle.transition(s, live_bus.bus, a.id, "verify", actor=ANALYST, checklist=FULL)
    [b] = record(world, live_bus, [world.hit(world.read(at=t0 + timedelta(seconds=WINDOW + 1)))])
    assert b.id != a.id  # longer than the window since the last sighting
    with world.db.uow() as s:
        lifecycle.transition(s, live_bus.bus, b.id, "verify", actor=ANALYST, checklist=FULL)
        lifecycle.transition(s, live_bus.bus, b.id, "close", actor=OFFICER)
    [c] = record(world, live_bus, [world.hit(world.read(at=t0 + timedelta(seconds=WINDOW + 60)))])
    assert c.id not in (a.id, b.id)
    # a different entry is a different alert even for the same plate
    [d] = record(world, live_bus, [world.hit(world.read(at=t0 + timedelta(seconds=WINDOW + 61)), entry=1)])
    assert d.id not in (a.id, b.id, c.id)


def test_a_concurrent_creator_wins_and_the_loser_folds_in(
    world: World, live_bus: LiveBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulate the race: the worker did not see the open alert another worker committed meanwhile."""
    [theirs] = record(world, live_bus, [world.hit(world.read())])
    real = repository.open_alerts_by_keys
    calls = {"n": 0}

    def blind_once(session: Any, keys: Any) -> dict[str, Alert]:
        calls["n"] += 1
        return {} if calls["n"] == 1 else real(session, keys)

    monkeypatch.setattr(repository, "open_alerts_by_keys", blind_once)
    hits = [world.hit(world.read()), world.hit(world.read(entry=1), entry=1)]
    alerts = record(world, live_bus, hits)
    assert calls["n"] >= 2
    assert theirs.id in {a.id for a in alerts} and len(alerts) == 2
    with world.db.read() as s:
        assert s.get(Alert, theirs.id).read_count == 2  # type: ignore[union-attr]
        assert int(s.scalar(select(func.count()).select_from(Alert)) or 0) == 2
        assert [a.action for a in s.scalars(select(AuditEntry))].count("alert.create") == 2


@pytest.mark.parametrize("overlap", [True, False], ids=["same-reads", "same-key-other-reads"])
def test_two_workers_never_duplicate(world: World, live_bus: LiveBus, overlap: bool) -> None:
    """Real concurrency: two threads record batches for the same (entry, camera) at once, sharing some reads
    (the match rows serialise them) or none (the alert's unique key does)."""
    t0 = utcnow() - timedelta(minutes=20)
    reads = [world.read(at=t0 + timedelta(seconds=i)) for i in range(6)]
    if overlap:
        shared = [world.hit(r) for r in reads[:2]]
        batches = [shared + [world.hit(r) for r in reads[2:4]], shared + [world.hit(r) for r in reads[4:]]]
    else:
        batches = [[world.hit(r) for r in reads[:3]], [world.hit(r) for r in reads[3:]]]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(batch: list[HitInput]) -> None:
        try:
            barrier.wait(5)
            record(world, live_bus, batch)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    with world.db.read() as s:
        alerts = s.scalars(select(Alert)).all()
        assert len(alerts) == 1 and alerts[0].read_count == 6
        assert int(s.scalar(select(func.count()).select_from(Match)) or 0) == 6
        assert {m.alert_id for m in s.scalars(select(Match))} == {alerts[0].id}
    with world.db.read() as s:
        assert verify_chain(s).ok


# ------------------------------------------------------------------------------------------------- lifecycle


def test_verify_requires_the_whole_checklist(world: World, live_bus: LiveBus) -> None:
    [a] = record(world, live_bus, [world.hit(world.read())])
    with pytest.raises(ValidationFailed) as exc, world.db.uow() as s:
        lifecycle.transition(
            s,
            live_bus.bus,
            a.id,
            "verify",
            actor=ANALYST,
            checklist=Checklist(plate_matches_crop=True, state_confirmed=True),
        )
    assert {e["loc"][-1] for e in exc.value.errors} == {"entry_current", "vehicle_consistent"}
    with world.db.uow() as s:
        out = lifecycle.transition(s, live_bus.bus, a.id, "verify", actor=ANALYST, checklist=FULL, note="crop ok")
    assert out.state == "verified" and out.checklist["by"] == "ann" and out.checklist["vehicle_consistent"] is True
    assert out.allowed_actions == ["dispatch", "close"]
    assert [(t.actor, t.from_state, t.to_state) for t in out.transitions] == [
        ("system", None, "new"),
        ("ann", "new", "verified"),
    ]
    assert out.transitions[1].details["checklist"] == FULL.as_dict()
    with world.db.read() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "alert.verify")).one()
        assert entry.actor == "ann" and entry.actor_role == "analyst" and entry.target_id == str(a.id)
        assert entry.details["checklist"] == FULL.as_dict() and entry.details["note"] == "crop ok"
    assert [e.payload["type"] for e in live_bus.drain()] == ["alert.created", "alert.updated"]
    assert live_bus.events[-1].payload["data"]["state"] == "verified"


def test_verify_refuses_an_entry_that_is_no_longer_current(world: World, live_bus: LiveBus) -> None:
    [a] = record(world, live_bus, [world.hit(world.read())])
    with world.db.uow() as s:
        e = s.get(HotlistEntry, world.entries[0].id)
        assert e is not None
        e.expires_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(Conflict, match="no longer current"), world.db.uow() as s:
        lifecycle.transition(s, live_bus.bus, a.id, "verify", actor=ANALYST, checklist=FULL)
    with world.db.uow() as s:
        out = lifecycle.transition(s, live_bus.bus, a.id, "reject", actor=ANALYST, reason="entry_not_current")
    assert out.state == "rejected" and out.reject_reason == "entry_not_current"
    assert out.entry is not None and out.entry.current is False


def test_reject_reasons_and_notes(world: World, live_bus: LiveBus) -> None:
    [a] = record(world, live_bus, [world.hit(world.read())])
    for bad in ("other", "nope", None):  # other without a note, unknown, missing
        with pytest.raises(ValidationFailed), world.db.uow() as s:
            lifecycle.transition(s, live_bus.bus, a.id, "reject", actor=ANALYST, reason=bad)
    with world.db.uow() as s:
        out = lifecycle.transition(s, live_bus.bus, a.id, "reject", actor=ANALYST, reason="other", note="plate cover")
    assert out.reject_reason == "other" and out.note == "plate cover" and out.closed_at is not None
    with pytest.raises(Conflict), world.db.uow() as s:
        lifecycle.transition(s, live_bus.bus, a.id, "verify", actor=ANALYST, checklist=FULL)


def test_dispatch_and_close_follow_the_state_machine(world: World, live_bus: LiveBus) -> None:
    [a] = record(world, live_bus, [world.hit(world.read())])
    with pytest.raises(Conflict), world.db.uow() as s:
        lifecycle.transition(s, live_bus.bus, a.id, "dispatch", actor=SUPERVISOR, unit="1A12")
    with pytest.raises(Conflict), world.db.uow() as s:
        lifecycle.transition(s, live_bus.bus, a.id, "close", actor=SUPERVISOR)
    with world.db.uow() as s:
        lifecycle.transition(s, live_bus.bus, a.id, "verify", actor=ANALYST, checklist=FULL)
    with pytest.raises(ValidationFailed), world.db.uow() as s:
        lifecycle.transition(s, live_bus.bus, a.id, "dispatch", actor=SUPERVISOR, unit="  ")
    with world.db.uow() as s:
        d = lifecycle.transition(s, live_bus.bus, a.id, "dispatch", actor=SUPERVISOR, unit="1A12")
    assert d.state == "dispatched" and d.dispatched_to == "1A12"
    with world.db.uow() as s:
        c = lifecycle.transition(s, live_bus.bus, a.id, "close", actor=OFFICER, note="vehicle recovered")
    assert c.state == "closed" and c.closed_at is not None
    for action in ("verify", "reject", "dispatch", "close"):
        with pytest.raises(Conflict), world.db.uow() as s:
            lifecycle.transition(
                s,
                live_bus.bus,
                a.id,
                action,
                actor=principal(Role.admin),
                checklist=FULL,
                reason="misread",
                unit="1A12",
            )
    actions = [x for x, _ in audit_actions(world.db)]
    assert actions == ["alert.create", "alert.verify", "alert.dispatch", "alert.close"]
    assert [(t.actor, t.to_state) for t in c.transitions] == [
        ("system", "new"),
        ("ann", "verified"),
        ("sue", "dispatched"),
        ("otto", "closed"),
    ]


def test_the_service_checks_the_actors_permission(world: World, live_bus: LiveBus) -> None:
    [a] = record(world, live_bus, [world.hit(world.read())])
    with pytest.raises(PermissionDenied), world.db.uow() as s:
        lifecycle.transition(s, live_bus.bus, a.id, "verify", actor=OFFICER, checklist=FULL)
    with pytest.raises(ValidationFailed), world.db.uow() as s:
        lifecycle.transition(s, live_bus.bus, a.id, "escalate", actor=ANALYST)


def test_officers_never_see_new_or_rejected_hits(world: World, live_bus: LiveBus) -> None:
    [new] = record(world, live_bus, [world.hit(world.read())])
    [rejected] = record(world, live_bus, [world.hit(world.read(entry=1), entry=1)])
    [verified] = record(world, live_bus, [world.hit(world.read(entry=2), entry=2)])
    with world.db.uow() as s:
        lifecycle.transition(s, live_bus.bus, rejected.id, "reject", actor=ANALYST, reason="misread")
        lifecycle.transition(s, live_bus.bus, verified.id, "verify", actor=ANALYST, checklist=FULL)
        offline.raise_camera_offline(
            s,
            live_bus.bus,
            camera_id=world.cameras[1].id,
            camera_code="CAM-2",
            camera_name="Camera 2",
            last_seen_at=None,
        )
    with world.db.uow() as s:
        page = queue.list_alerts(s, OFFICER, AlertFilters(), PageParams(), purpose="hit_verification")
        assert {(a.kind, a.state) for a in page.items} == {("hit", "verified"), ("camera_offline", "new")}
        assert page.total == 2
        assert queue.list_alerts(s, ANALYST, AlertFilters(), PageParams(), purpose="hit_verification").total == 4
        assert (
            queue.list_alerts(
                s, ANALYST, AlertFilters(state="new", kind="hit"), PageParams(), purpose="hit_verification"
            ).total
            == 1
        )
        assert (
            queue.list_alerts(
                s, ANALYST, AlertFilters(), PageParams(limit=1, offset=1), purpose="hit_verification"
            ).items[0]
            is not None
        )
    for hidden in (new.id, rejected.id):
        with pytest.raises(NotFound), world.db.uow() as s:
            queue.get_alert(s, OFFICER, hidden)
        with pytest.raises(NotFound), world.db.uow() as s:
            lifecycle.transition(s, live_bus.bus, hidden, "close", actor=OFFICER)
    with world.db.uow() as s:
        assert queue.get_alert(s, OFFICER, verified.id).state == "verified"


def test_opening_an_alert_is_audited(world: World, live_bus: LiveBus) -> None:
    [a] = record(world, live_bus, [world.hit(world.read())])
    with world.db.uow() as s:
        out = queue.get_alert(s, ANALYST, a.id)
    assert out.read is not None and out.read.crop_ref == "test://crop.jpg"
    assert out.entry is not None and out.entry.reason == "stolen" and out.entry.hotlist_name == "CA SVS"
    assert ("alert.view", "ann") in audit_actions(world.db)
    with pytest.raises(NotFound), world.db.uow() as s:
        queue.get_alert(s, ANALYST, uuid.uuid4())


# ------------------------------------------------------------------------------------------------- camera offline


def test_camera_offline_alerts_open_once_and_resolve(world: World, live_bus: LiveBus) -> None:
    cam = world.cameras[0]
    seen = datetime(2025, 1, 1, tzinfo=UTC)
    with world.db.uow() as s:
        a = offline.raise_camera_offline(
            s, live_bus.bus, camera_id=cam.id, camera_code=cam.code, camera_name=cam.name, last_seen_at=seen
        )
        assert a is not None and a.kind == "camera_offline"
    with world.db.uow() as s:
        assert (
            offline.raise_camera_offline(
                s, live_bus.bus, camera_id=cam.id, camera_code=cam.code, camera_name=cam.name, last_seen_at=seen
            )
            is None
        )
    with world.db.uow() as s:
        offline.resolve_camera_offline(s, live_bus.bus, camera_id=cam.id)
        offline.resolve_camera_offline(s, live_bus.bus, camera_id=world.cameras[1].id)  # nothing open: no-op
    with world.db.read() as s:
        closed = s.get(Alert, a.id)
        assert closed is not None and closed.state == "closed" and closed.dedup_key is None
    with world.db.uow() as s:
        b = offline.raise_camera_offline(
            s, live_bus.bus, camera_id=cam.id, camera_code=cam.code, camera_name=cam.name, last_seen_at=seen
        )
        assert b is not None and b.id != a.id
    events = live_bus.drain()
    assert [(e.type, e.payload["type"], e.payload["data"]["state"]) for e in events] == [
        ("live.cameras", "alert.created", "new"),
        ("live.cameras", "alert.updated", "closed"),
        ("live.cameras", "alert.created", "new"),
    ]
    assert [x for x in audit_actions(world.db)] == [
        ("alert.create", "system"),
        ("alert.close", "system"),
        ("alert.create", "system"),
    ]
