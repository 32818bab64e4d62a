"""Retention purges on a real database: each class is purged past its period and kept before it, hits and non-hits
are told apart, images are cleared while hit reads stay, alerts go with their transitions, audit entries go behind
a checkpoint that still verifies (while tampering is still detected), batches are bounded, every deletion is
recorded, and legal holds keep data until released."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from rtcc.alerts.models import Alert, AlertTransition
from rtcc.alpr.models import Camera, Read
from rtcc.audit import service as audit_service
from rtcc.audit.models import AuditEntry
from rtcc.core.clock import set_clock
from rtcc.core.db import Database
from rtcc.core.errors import Conflict, PermissionDenied, ValidationFailed
from rtcc.identity.logic import ROLE_PERMISSIONS, SYSTEM, Principal, Role
from rtcc.matching.models import Match
from rtcc.retention import repository as retention_repository
from rtcc.retention import service
from rtcc.retention.logic import HoldAction
from rtcc.retention.models import RetentionRun
from rtcc.retention.schemas import HoldCreate
from rtcc.settings import Settings
from rtcc_testing import file_case

NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class PurgeRecord:
    seq: int
    target_type: str | None
    target_id: str | None
    details: dict[str, Any]


def person(name: str, role: Role) -> Principal:
    return Principal(kind="user", id=name, name=name, role=role.value, permissions=ROLE_PERMISSIONS[role])


ANA = person("ana", Role.analyst)
SUE = person("sue", Role.supervisor)
SAM = person("sam", Role.supervisor)


@pytest.fixture
def camera(db: Database) -> uuid.UUID:
    cid = uuid.uuid4()
    with db.uow() as s:
        s.add(Camera(id=cid, code="CAM-1", name="Cam 1", created_at=NOW, meta={}))
    return cid


def add_read(
    db: Database,
    camera: uuid.UUID,
    *,
    age_days: float,
    plate: str = "ABC123",
    hit: bool = False,
    image: str | None = None,
    crop: str | None = None,
) -> uuid.UUID:
    rid = uuid.uuid4()
    observed = NOW - timedelta(days=age_days)
    with db.uow() as s:
        s.add(
            Read(
                id=rid,
                camera_id=camera,
                plate=plate,
                plate_norm=plate,
                plate_ocr=plate,
                observed_at=observed,
                received_at=observed,
                source="rest",
                image_ref=image,
                crop_ref=crop,
                is_hit=hit,
            )
        )
        if hit:
            s.flush()
            s.add(Match(read_id=rid, entry_id=None, hotlist_id=uuid.uuid4(), kind="exact", created_at=observed))
    return rid


def add_alert(
    db: Database, *, state: str, closed_age_days: float | None, read_id: uuid.UUID | None = None
) -> uuid.UUID:
    aid = uuid.uuid4()
    closed = None if closed_age_days is None else NOW - timedelta(days=closed_age_days)
    created = (closed or NOW) - timedelta(hours=1)
    with db.uow() as s:
        s.add(
            Alert(
                id=aid,
                kind="hit",
                state=state,
                title="t",
                read_id=read_id,
                last_read_id=read_id,
                plate_read="ABC123",
                first_seen_at=created,
                last_seen_at=created,
                created_at=created,
                updated_at=closed or created,
                closed_at=closed,
                diff_positions=[],
                checklist={},
            )
        )
        s.flush()
        s.add(AlertTransition(alert_id=aid, at=created, actor="system", from_state=None, to_state="new", details={}))
        if read_id is not None:
            s.query(Match).filter(Match.read_id == read_id).update({"alert_id": aid})
    return aid


def ids(db: Database, model: Any) -> set[uuid.UUID]:
    with db.read() as s:
        return set(s.scalars(select(model.id)))


def purge(db: Database, settings: Settings, *classes: str, **kw: Any) -> dict[str, int]:
    return service.run_purge(db, settings, actor=SYSTEM, trigger="cli", classes=list(classes) or None, **kw).counts()


def purge_entries(db: Database) -> list[PurgeRecord]:
    with db.read() as s:
        q = select(AuditEntry).where(AuditEntry.action == "retention.purge").order_by(AuditEntry.seq)
        return [PurgeRecord(e.seq, e.target_type, e.target_id, e.details) for e in s.scalars(q)]


# ----------------------------------------------------------------------------------------------- reads and images


def test_nonhit_reads_purged_past_period_and_kept_before(db: Database, settings: Settings, camera: uuid.UUID) -> None:
    old = add_read(db, camera, age_days=30.25)  # 6 h either side of the 30-day line: NOW is fixed at import
    older = add_read(db, camera, age_days=45)
    young = add_read(db, camera, age_days=29.75)
    counts = purge(db, settings, "reads_nonhit")
    assert counts == {"reads_nonhit": 2}
    assert ids(db, Read) == {young}
    assert old not in ids(db, Read) and older not in ids(db, Read)


def test_hit_reads_are_not_nonhit_and_have_their_own_period(
    db: Database, settings: Settings, camera: uuid.UUID
) -> None:
    hit_kept = add_read(db, camera, age_days=200, hit=True)
    hit_old = add_read(db, camera, age_days=366, hit=True)
    nonhit = add_read(db, camera, age_days=40)
    assert purge(db, settings, "reads_nonhit") == {"reads_nonhit": 1}
    assert ids(db, Read) == {hit_kept, hit_old}
    assert purge(db, settings, "reads_hit") == {"reads_hit": 1}
    assert ids(db, Read) == {hit_kept}
    with db.read() as s:  # the purged read's match went with it (ON DELETE CASCADE)
        assert set(s.scalars(select(Match.read_id))) == {hit_kept}
    assert nonhit not in ids(db, Read)


def test_read_with_match_but_no_flag_counts_as_hit(db: Database, settings: Settings, camera: uuid.UUID) -> None:
    rid = add_read(db, camera, age_days=40, hit=True)
    with db.uow() as s:
        s.query(Read).filter(Read.id == rid).update({"is_hit": False})
    assert purge(db, settings, "reads_nonhit") == {"reads_nonhit": 0}
    assert rid in ids(db, Read)


def test_hit_read_purge_unlinks_its_closed_alert_and_keeps_open_alert_reads(
    db: Database, settings: Settings, camera: uuid.UUID
) -> None:
    r_closed = add_read(db, camera, age_days=400, hit=True)
    r_open = add_read(db, camera, age_days=400, hit=True)
    a_closed = add_alert(db, state="closed", closed_age_days=390, read_id=r_closed)
    add_alert(db, state="new", closed_age_days=None, read_id=r_open)
    assert purge(db, settings, "reads_hit") == {"reads_hit": 1}
    assert ids(db, Read) == {r_open}
    with db.read() as s:
        alert = s.get(Alert, a_closed)
        assert alert is not None and alert.read_id is None and alert.last_read_id is None


def test_images_cleared_and_files_deleted_while_hit_read_kept(
    db: Database, settings: Settings, camera: uuid.UUID, tmp_path: Path
) -> None:
    (tmp_path / "img").mkdir()
    scene, crop = tmp_path / "img" / "scene.jpg", tmp_path / "img" / "crop.jpg"
    scene.write_bytes(b"jpeg")
    crop.write_bytes(b"jpeg")
    outside = tmp_path.parent / f"outside-{uuid.uuid4().hex}.jpg"
    outside.write_bytes(b"keep")
    hit = add_read(db, camera, age_days=31, hit=True, image="img/scene.jpg", crop=f"file://{crop}")
    vendor = add_read(db, camera, age_days=31, hit=True, image="openalpr:frame-1", crop=str(outside))
    fresh = add_read(db, camera, age_days=29, hit=True, image="img/fresh.jpg")
    result = service.run_purge(db, settings, actor=SYSTEM, trigger="cli", classes=["images"])
    assert result.counts() == {"images": 2}
    assert result.classes[0].files_deleted == 2
    assert not scene.exists() and not crop.exists()
    assert outside.exists()  # never deletes outside the data directory
    with db.read() as s:
        rows = {r.id: (r.image_ref, r.crop_ref) for r in s.scalars(select(Read))}
    assert set(rows) == {hit, vendor, fresh}
    assert rows[hit] == (None, None)
    assert rows[vendor] == (None, None)
    assert rows[fresh] == ("img/fresh.jpg", None)
    outside.unlink()


def test_deleted_nonhit_read_takes_its_image_file(
    db: Database, settings: Settings, camera: uuid.UUID, tmp_path: Path
) -> None:
    f = tmp_path / "r.jpg"
    f.write_bytes(b"x")
    add_read(db, camera, age_days=31, image="r.jpg")
    assert purge(db, settings, "reads_nonhit") == {"reads_nonhit": 1}
    assert not f.exists()


# ----------------------------------------------------------------------------------------------- alerts


def test_alerts_closed_or_rejected_past_period_go_with_transitions(db: Database, settings: Settings) -> None:
    old_closed = add_alert(db, state="closed", closed_age_days=731)
    old_rejected = add_alert(db, state="rejected", closed_age_days=800)
    young_closed = add_alert(db, state="closed", closed_age_days=729)
    old_open = add_alert(db, state="verified", closed_age_days=None)
    with db.uow() as s:  # an open alert created long ago stays: only closed/rejected alerts age out
        s.query(Alert).filter(Alert.id == old_open).update({"created_at": NOW - timedelta(days=900)})
    assert purge(db, settings, "alerts") == {"alerts": 2}
    assert ids(db, Alert) == {young_closed, old_open}
    with db.read() as s:
        left = set(s.scalars(select(AlertTransition.alert_id)))
    assert old_closed not in left and old_rejected not in left and young_closed in left


# ----------------------------------------------------------------------------------------------- batches, records


def test_batches_are_bounded_and_each_is_recorded(db: Database, settings: Settings, camera: uuid.UUID) -> None:
    for i in range(7):
        add_read(db, camera, age_days=40 + i)
    settings.retention_batch_size = 3
    settings.retention_batch_target_ms = 0  # fixed batch size
    settings.retention_pause_ms = 0
    outcome = service.run_purge(db, settings, actor=SYSTEM, trigger="cli", classes=["reads_nonhit"])
    c = outcome.classes[0]
    assert (c.count, c.batches, c.complete) == (7, 3, True)
    records = purge_entries(db)
    assert [e.details["count"] for e in records] == [3, 3, 1]
    first = records[0].details
    assert set(first) >= {"class", "count", "oldest", "newest", "run"}
    assert first["class"] == "reads_nonhit"
    assert datetime.fromisoformat(first["oldest"]) == NOW - timedelta(days=46)
    assert datetime.fromisoformat(first["newest"]) == NOW - timedelta(days=44)
    with db.read() as s:
        run = s.get(RetentionRun, outcome.run_id)
        assert run is not None and run.status == "done" and run.classes["reads_nonhit"]["count"] == 7
        assert audit_service.verify(s).ok


def test_max_batches_bounds_a_pass(db: Database, settings: Settings, camera: uuid.UUID) -> None:
    for i in range(5):
        add_read(db, camera, age_days=40 + i)
    settings.retention_batch_size = 2
    settings.retention_batch_target_ms = 0
    settings.retention_pause_ms = 0
    outcome = service.run_purge(db, settings, actor=SYSTEM, trigger="api", classes=["reads_nonhit"], max_batches=1)
    assert (outcome.classes[0].count, outcome.classes[0].complete) == (2, False)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Read)) == 3


def test_dry_run_counts_and_deletes_nothing(db: Database, settings: Settings, camera: uuid.UUID) -> None:
    add_read(db, camera, age_days=40)
    add_read(db, camera, age_days=41)
    outcome = service.run_purge(db, settings, actor=SYSTEM, trigger="cli", dry_run=True)
    assert outcome.counts()["reads_nonhit"] == 2
    assert len(ids(db, Read)) == 2
    assert purge_entries(db) == []


def test_idle_scheduled_pass_leaves_no_record(db: Database, settings: Settings) -> None:
    service.run_purge(db, settings, actor=SYSTEM, trigger="job")
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(RetentionRun)) == 0


# ----------------------------------------------------------------------------------------------- audit


@pytest.fixture
def old_audit(db: Database) -> Iterator[None]:
    set_clock(lambda: NOW - timedelta(days=1900))
    try:
        for i in range(5):
            with db.uow() as s:
                audit_service.record(s, actor="ana", actor_role="analyst", action="test.old", details={"i": i})
    finally:
        set_clock(None)
    for i in range(3):
        with db.uow() as s:
            audit_service.record(s, actor="ana", actor_role="analyst", action="test.new", details={"i": i})
    yield


def test_audit_purge_keeps_the_chain_verifiable(db: Database, settings: Settings, old_audit: None) -> None:
    settings.retention_batch_size = 2
    settings.retention_batch_target_ms = 0
    settings.retention_pause_ms = 0
    assert purge(db, settings, "audit") == {"audit": 5}
    with db.read() as s:
        seqs = list(s.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
        result = audit_service.verify(s)
    assert seqs[0] == 6 and result.ok, result
    records = purge_entries(db)
    assert [r.details["count"] for r in records] == [2, 2, 1]
    assert records[-1].details["checkpoint"]["first_kept_seq"] == 6
    assert records[-1].target_type == "audit_checkpoint"


def test_audit_purge_still_detects_tampering(db: Database, settings: Settings, old_audit: None) -> None:
    purge(db, settings, "audit")
    with db.engine.begin() as conn:  # an entry deleted in the middle
        conn.execute(text("DELETE FROM audit_entries WHERE seq = 7"))
    with db.read() as s:
        result = audit_service.verify(s)
    assert not result.ok and result.first_bad_seq == 8


def test_audit_prefix_deleted_without_checkpoint_is_detected(db: Database, settings: Settings, old_audit: None) -> None:
    purge(db, settings, "audit")
    with db.engine.begin() as conn:  # someone removes more of the oldest entries than the checkpoint vouches for
        conn.execute(text("DELETE FROM audit_entries WHERE seq = 6"))
    with db.read() as s:
        result = audit_service.verify(s)
    assert not result.ok and result.first_bad_seq == 7 and "deleted" in (result.problem or "")


def test_edited_checkpoint_is_detected(db: Database, settings: Settings, old_audit: None) -> None:
    purge(db, settings, "audit")
    seq = purge_entries(db)[-1].seq
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET actor = 'mallory' WHERE seq = :s"), {"s": seq})
    with db.read() as s:
        result = audit_service.verify(s)
    assert not result.ok and result.first_bad_seq == seq


# ----------------------------------------------------------------------------------------------- legal holds


def hold(db: Database, actor: Principal = ANA, **kw: Any) -> uuid.UUID:
    data = {
        "case_number": "24-000123",
        "reason": "homicide investigation",
        "review_date": NOW.date() + timedelta(days=90),
    }
    data.update(kw)
    file_case(db, str(data["case_number"]))
    with db.uow() as s:
        return service.request_hold(s, HoldCreate(**data), actor=actor).id


def act(db: Database, hold_id: uuid.UUID, action: HoldAction, actor: Principal) -> str:
    with db.uow() as s:
        return service.act_on_hold(s, hold_id, action, actor=actor).status


def test_requested_hold_keeps_nothing(db: Database, settings: Settings, camera: uuid.UUID) -> None:
    rid = add_read(db, camera, age_days=40, plate="HOLD1")
    hold(db, plates=["HOLD1"])
    assert purge(db, settings, "reads_nonhit") == {"reads_nonhit": 1}
    assert rid not in ids(db, Read)


def test_active_hold_keeps_data_past_retention_until_released(
    db: Database, settings: Settings, camera: uuid.UUID
) -> None:
    held_plate = add_read(db, camera, age_days=40, plate="HOLD1")
    held_id = add_read(db, camera, age_days=40)
    add_read(db, camera, age_days=40, plate="ZZZ999")
    held_image = add_read(db, camera, age_days=40, plate="HOLD1", hit=True, image="https://x/y.jpg")
    alert = add_alert(db, state="closed", closed_age_days=800)
    h = hold(db, plates=["hold-1"], read_ids=[held_id], alert_ids=[alert])
    assert act(db, h, HoldAction.approve, SUE) == "active"
    counts = purge(db, settings)
    assert (counts["reads_nonhit"], counts["images"], counts["alerts"]) == (1, 0, 0)
    assert ids(db, Read) == {held_plate, held_id, held_image}
    assert alert in ids(db, Alert)
    with db.read() as s:
        read = s.get(Read, held_image)
        assert read is not None and read.image_ref == "https://x/y.jpg"
    assert act(db, h, HoldAction.release, SAM) == "released"
    counts = purge(db, settings)
    assert (counts["reads_nonhit"], counts["images"], counts["alerts"]) == (2, 1, 1)
    assert ids(db, Read) == {held_image}
    assert ids(db, Alert) == set()


def test_hold_by_camera_and_time_range(db: Database, settings: Settings, camera: uuid.UUID) -> None:
    inside = add_read(db, camera, age_days=40)
    outside = add_read(db, camera, age_days=50)
    h = hold(
        db,
        camera_codes=["CAM-1"],
        time_from=NOW - timedelta(days=41),
        time_to=NOW - timedelta(days=39),
    )
    act(db, h, HoldAction.approve, SUE)
    purge(db, settings, "reads_nonhit")
    assert ids(db, Read) == {inside}
    del outside


def test_hold_approval_rules(db: Database) -> None:
    h = hold(db, actor=SUE, plates=["ABC123"])
    with pytest.raises(PermissionDenied):  # two-person rule
        act(db, h, HoldAction.approve, SUE)
    with pytest.raises(Conflict):  # not active yet
        act(db, h, HoldAction.release, SAM)
    assert act(db, h, HoldAction.approve, SAM) == "active"
    with pytest.raises(Conflict):
        act(db, h, HoldAction.approve, SAM)
    h2 = hold(db, plates=["XYZ"])
    assert act(db, h2, HoldAction.deny, SAM) == "denied"
    with db.read() as s:
        actions = [e.action for e in audit_service.search(s, limit=20)][::-1]
    assert actions == ["holds.request", "holds.approve", "holds.request", "holds.deny"]


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"review_date": NOW.date()}, "review_date"),
        ({"review_date": NOW.date() - timedelta(days=1)}, "review_date"),
        ({}, "plates"),
        (
            {"plates": ["A1"], "time_from": NOW, "time_to": NOW - timedelta(days=1)},
            "time_to",
        ),
        # security test findings (issue 15): a hold keeps a case's data, not a whole camera's, and is reviewed
        ({"camera_codes": ["CAM-1"]}, "time_from"),
        ({"camera_codes": ["CAM-1"], "time_from": NOW - timedelta(days=90), "time_to": NOW}, "time_to"),
        ({"time_from": NOW - timedelta(days=40), "time_to": NOW}, "time_to"),
        ({"plates": ["A1"], "review_date": NOW.date() + timedelta(days=800)}, "review_date"),
    ],
)
def test_hold_request_validation(db: Database, kw: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        hold(db, **kw)
    assert err.value.errors[0]["field"] == field and err.value.errors[0]["loc"] == ["body", field]


def test_a_hold_needs_a_case_on_record(db: Database) -> None:
    """Security test finding (issue 15): a legal hold named any made-up case number."""
    data = HoldCreate(case_number="24-404404", reason="r", review_date=NOW.date() + timedelta(days=9), plates=["A1"])
    with db.uow() as s, pytest.raises(ValidationFailed) as err:
        service.request_hold(s, data, actor=ANA)
    assert err.value.errors[0]["field"] == "case_number" and "not a case on record" in err.value.detail
    hold(db, case_number="24-404404", plates=["A1"], camera_codes=["CAM-1"], time_from=NOW - timedelta(days=7),
         time_to=NOW)  # fmt: skip


def test_review_due_is_listed_but_not_released(db: Database, settings: Settings, camera: uuid.UUID) -> None:
    rid = add_read(db, camera, age_days=40)
    h = hold(db, read_ids=[rid], review_date=NOW.date() + timedelta(days=1))
    act(db, h, HoldAction.approve, SUE)
    later = NOW.date() + timedelta(days=2)
    with db.read() as s:
        due = service.list_holds(s, review_due=True, today=later)
        assert [d.id for d in due] == [h] and due[0].review_due and due[0].status == "active"
        assert service.list_holds(s, review_due=True) == []
    purge(db, settings, "reads_nonhit")
    assert rid in ids(db, Read)


def test_hold_on_an_alert_keeps_its_hit_reads(db: Database, settings: Settings, camera: uuid.UUID) -> None:
    rid = add_read(db, camera, age_days=400, hit=True)
    other = add_read(db, camera, age_days=400, hit=True)
    alert = add_alert(db, state="closed", closed_age_days=800, read_id=rid)
    add_alert(db, state="closed", closed_age_days=390, read_id=other)
    h = hold(db, alert_ids=[alert])
    act(db, h, HoldAction.approve, SUE)
    counts = purge(db, settings, "reads_hit", "alerts")
    assert counts == {"reads_hit": 1, "alerts": 0}
    assert ids(db, Read) == {rid}
    assert alert in ids(db, Alert)


def test_failed_pass_is_recorded_as_failed(
    db: Database, settings: Settings, camera: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_read(db, camera, age_days=40)

    def broken(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(retention_repository, "candidates", broken)
    with pytest.raises(RuntimeError):
        service.run_purge(db, settings, actor=SYSTEM, trigger="job", classes=["reads_nonhit"])
    with db.read() as s:
        runs = [(r.status, r.error) for r in s.scalars(select(RetentionRun))]
    assert runs == [("failed", "RuntimeError: disk on fire")]
