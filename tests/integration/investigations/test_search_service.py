"""Search use cases on a real database: wildcard, partial and similar plates through the plate index, filters,
keyset pagination, vehicle history with stops, stakeout, common plates, co-travel, the index upkeep, and the audit
entries every search leaves (contract C2)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from search_world import CAMERAS, T0, World, add_read, analyst
from sqlalchemy import func, select

from rtcc.audit.models import AuditEntry
from rtcc.core.db import Database
from rtcc.core.errors import PermissionDenied, ValidationFailed
from rtcc.investigations import plate_index, runner, scenes, service
from rtcc.investigations.models import IndexedPlate
from rtcc.investigations.schemas import (
    Area,
    CommonQuery,
    CoTravelQuery,
    HistoryQuery,
    PlateSearch,
    PurposeFields,
    StakeoutQuery,
)
from rtcc.settings import Settings

PURPOSE: dict[str, Any] = {"purpose": "felony_investigation", "case_number": "CER26-0042"}


def plates(db: Database, settings: Settings, **body: Any) -> list[str]:
    """Plate of every read a search returns, in order."""
    req = PlateSearch.model_validate({**PURPOSE, **body})
    with db.uow() as s:
        result = service.search_plates(s, req, actor=analyst(), settings=settings)
    return [h.plate_norm for h in result.items]


def test_exact_wildcard_partial_and_similar(db: Database, world: World, settings: Settings) -> None:
    assert plates(db, settings, plate="7abc-123") == ["7ABC123"] * 5
    assert sorted(set(plates(db, settings, plate="7AB*123"))) == ["7ABC123", "7ABD123"]
    assert plates(db, settings, plate="?XYZ123") == ["8XYZ123"]
    assert plates(db, settings, plate="XYZ", mode="partial") == ["8XYZ123", "9XYZ1234", "5XYZ999"]
    assert plates(db, settings, plate="7?B*1") == []  # no 3-character run: the fallback scan, still exact
    assert set(plates(db, settings, plate="7?B*3")) == {"7ABC123", "7ABD123"}
    assert set(plates(db, settings, plate="7ABC123", mode="similar")) == {"7ABC123", "7A8C123"}
    assert set(plates(db, settings, plate="7ABC123", mode="similar", max_diff=1)) == {
        "7ABC123",
        "7A8C123",
        "7ABD123",  # D and C differ in one position
        "7ABC128",
    }
    req = PlateSearch.model_validate({**PURPOSE, "plate": "7ABC123", "mode": "similar", "max_diff": 1})
    with db.uow() as s:
        kinds = {h.plate_norm: h.match for h in service.search_plates(s, req, actor=analyst(), settings=settings).items}
    assert kinds == {"7ABC123": "exact", "7A8C123": "ocr", "7ABD123": "fuzzy", "7ABC128": "fuzzy"}


def test_results_carry_camera_position_confidence_and_image(db: Database, world: World, settings: Settings) -> None:
    req = PlateSearch.model_validate({**PURPOSE, "plate": "7ABD123"})
    with db.uow() as s:
        (hit,) = service.search_plates(s, req, actor=analyst(), settings=settings).items
    assert hit.camera_code == "INV-A" and (hit.lat, hit.lon) == CAMERAS["A"]
    assert hit.confidence == 90.0 and hit.image_ref == f"s3://scenes/{hit.id}.jpg" and hit.vehicle_make == "Toyota"
    assert hit.observed_at == T0 + timedelta(minutes=1) and hit.state == "CA"


def test_filters(db: Database, world: World, settings: Settings) -> None:
    assert plates(db, settings, plate="7A?C123", mode="wildcard", state="nv") == ["7A8C123"]
    window = {"start": (T0 + timedelta(minutes=5)).isoformat(), "end": (T0 + timedelta(minutes=20)).isoformat()}
    assert plates(db, settings, plate="7ABC123", **window) == ["7ABC123", "7ABC123"]
    assert plates(db, settings, plate="7AB*123", camera_ids=[str(world.cameras["C"])]) == ["7ABC123"]
    assert set(plates(db, settings, plate="7AB*123", vehicle={"make": "toyota"})) == {"7ABD123"}
    assert plates(db, settings, plate="XYZ", mode="partial", min_confidence=60) == ["8XYZ123", "9XYZ1234"]
    lat, lon = CAMERAS["B"]
    assert plates(db, settings, plate="XYZ", mode="partial", area={"lat": lat, "lon": lon, "radius_m": 300}) == [
        "8XYZ123",
        "9XYZ1234",
    ]
    # a polygon around A only; 6MOB001's own position lies inside it (its mobile camera has no fixed position)
    square = [[-118.082, 33.858], [-118.078, 33.858], [-118.078, 33.862], [-118.082, 33.862]]
    assert plates(db, settings, plate="MOB", mode="partial", area={"polygon": square}) == ["6MOB001"]
    assert plates(db, settings, plate="7AB*123", area={"polygon": square}) == ["7ABC123", "7ABD123"] + ["7ABC123"] * 2


def test_keyset_pagination_in_both_orders(db: Database, world: World, settings: Settings) -> None:
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        req = PlateSearch.model_validate({**PURPOSE, "plate": "7AB*", "limit": 2, "cursor": cursor})
        with db.uow() as s:
            page = service.search_plates(s, req, actor=analyst(), settings=settings)
        seen += [str(h.id) for h in page.items]
        times = [h.observed_at for h in page.items]
        assert times == sorted(times)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 7 and pages == 4  # 7ABC123 x5, 7ABD123, 7ABC128
    req = PlateSearch.model_validate({**PURPOSE, "plate": "7AB*", "limit": 3, "order": "desc"})
    with db.uow() as s:
        page = service.search_plates(s, req, actor=analyst(), settings=settings)
    assert [h.observed_at for h in page.items] == sorted((h.observed_at for h in page.items), reverse=True)
    assert page.items[0].observed_at == T0 + timedelta(minutes=135)


def ids_of_pages(db: Database, settings: Settings, **body: Any) -> list[str]:
    """Ids of every read of a search, walking its pages of two."""
    seen: list[str] = []
    cursor = None
    while True:
        req = PlateSearch.model_validate({**PURPOSE, **body, "limit": 2, "cursor": cursor})
        with db.uow() as s:
            page = service.search_plates(s, req, actor=analyst(), settings=settings)
        seen += [str(h.id) for h in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_index_only_merge_pages_like_the_row_filtered_merge(
    db: Database, world: World, settings: Settings, order: str
) -> None:
    # Without row filters PostgreSQL merges on the plate index alone, then reads the page's rows; a filter every read
    # passes (confidence >= 0) takes the path that reads each plate's rows in full. Both give the same pages.
    window = {"start": (T0 - timedelta(days=1)).isoformat(), "end": (T0 + timedelta(days=1)).isoformat()}
    for body in ({"plate": "7AB*"}, {"plate": "ABC", "mode": "partial"}, {"plate": "7AB*", **window}):
        plain = ids_of_pages(db, settings, order=order, **body)
        filtered = ids_of_pages(db, settings, order=order, min_confidence=0, **body)
        assert plain == filtered and len(plain) == len(set(plain)) >= 2


def test_too_broad_pattern_is_refused(db: Database, world: World, settings: Settings) -> None:
    narrow = settings.model_copy(update={"search_max_candidates": 2})
    with pytest.raises(ValidationFailed) as err:
        plates(db, narrow, plate="XYZ", mode="partial")
    assert err.value.errors[0]["field"] == "plate"


def test_history_track_and_stops(db: Database, world: World, settings: Settings) -> None:
    body = HistoryQuery.model_validate({**PURPOSE, "plate": "7abc 123"})
    with db.uow() as s:
        h = service.vehicle_history(s, body, actor=analyst(), settings=settings)
    assert h.plate_norm == "7ABC123" and h.result_count == 5 and not h.truncated
    assert [p.camera_code for p in h.track] == ["INV-A", "INV-A", "INV-A", "INV-B", "INV-C"]
    assert [(st.kind, st.reads) for st in h.stops] == [("dwell", 3), ("gap", 0)]
    assert h.stops[0].duration_s == 480 and h.stops[1].duration_s == 120 * 60
    capped = settings.model_copy(update={"search_history_max_reads": 2})
    with db.uow() as s:
        h2 = service.vehicle_history(s, body, actor=analyst(), settings=capped)
    assert h2.truncated and h2.result_count == 2


def test_stakeout(db: Database, world: World, settings: Settings) -> None:
    lat, lon = CAMERAS["A"]
    body = StakeoutQuery.model_validate(
        {
            **PURPOSE,
            "area": {"lat": lat, "lon": lon, "radius_m": 200},
            "start": T0.isoformat(),
            "end": (T0 + timedelta(hours=1)).isoformat(),
        }
    )
    with db.uow() as s:
        out = scenes.stakeout(s, body, actor=analyst(), settings=settings)
    assert [(p.plate_norm, p.reads) for p in out.plates] == [
        ("7ABC123", 3),
        ("4COM002", 1),
        ("4COM001", 1),
        ("7ABD123", 1),
        ("6MOB001", 1),
    ]
    assert out.total_reads == 7 and out.plates[0].camera_codes == ["INV-A"]
    by_cam = body.model_copy(update={"area": None, "camera_ids": [world.cameras["B"]]})
    with db.uow() as s:
        out2 = scenes.stakeout(s, by_cam, actor=analyst(), settings=settings)
    assert {p.plate_norm for p in out2.plates} == {"7ABC123", "4COM001", "8XYZ123", "9XYZ1234"}
    lat_d, lon_d = CAMERAS["D"]
    at_d = body.model_copy(update={"area": Area(lat=lat_d, lon=lon_d, radius_m=200)})
    with db.uow() as s:
        out3 = scenes.stakeout(s, at_d, actor=analyst(), settings=settings)
    assert {p.plate_norm for p in out3.plates} == {"7A8C123", "7ABC128"}  # not the mobile read placed near A
    too_long = body.model_copy(update={"end": T0 + timedelta(days=30)})
    with pytest.raises(ValidationFailed), db.uow() as s:
        scenes.stakeout(s, too_long, actor=analyst(), settings=settings)


def test_common_plates_ranked_by_places(db: Database, world: World, settings: Settings) -> None:
    def place(cam: str, minutes: float) -> dict[str, Any]:
        lat, lon = CAMERAS[cam]
        return {"lat": lat, "lon": lon, "at": (T0 + timedelta(minutes=minutes)).isoformat(), "window_s": 600}

    body = CommonQuery.model_validate({**PURPOSE, "places": [place("A", 0), place("B", 15), place("C", 135)]})
    with db.uow() as s:
        out = scenes.common_plates(s, body, actor=analyst(), settings=settings)
    assert [(p.plate_norm, p.places, p.reads) for p in out.plates] == [
        ("7ABC123", [0, 1, 2], 5),
        ("4COM001", [0, 1, 2], 3),
    ]
    body1 = body.model_copy(update={"min_places": 1})
    with db.uow() as s:
        out1 = scenes.common_plates(s, body1, actor=analyst(), settings=settings)
    assert out1.plates[2].place_count == 1 and len(out1.plates) == 7  # + 7ABD123, 4COM002, 6MOB001, 8XYZ123, 9XYZ1234


def test_cotravel(db: Database, world: World, settings: Settings) -> None:
    body = CoTravelQuery.model_validate({**PURPOSE, "plate": "7ABC123", "window_s": 60})
    with db.uow() as s:
        out = scenes.cotravel(s, body, actor=analyst(), settings=settings)
    assert out.target_reads == 5
    assert [(p.plate_norm, p.camera_codes, p.passes) for p in out.plates] == [
        ("4COM001", ["INV-A", "INV-B", "INV-C"], 3)
    ]
    assert out.plates[0].min_gap_s == 30.0
    loose = body.model_copy(update={"min_cameras": 1})
    with db.uow() as s:
        out1 = scenes.cotravel(s, loose, actor=analyst(), settings=settings)
    # 6MOB001 passed near camera A but was read by the mobile camera M: co-travel is per camera
    assert {p.plate_norm for p in out1.plates} == {"4COM001", "4COM002", "7ABD123"}


def test_index_catches_up_and_rebuilds(db: Database, world: World, settings: Settings) -> None:
    assert plates(db, settings, plate="NEW*") == []
    add_read(db, world, "NEW1234", "A", 200)
    assert plates(db, settings, plate="NEW*") == ["NEW1234"]  # past the high-water mark: caught up
    # a late read (observed long before the mark) is indexed by the consumer path, or a rebuild
    add_read(db, world, "OLD9876", "A", -600)
    with db.uow() as s:
        plate_index.index_stored_reads(
            s, [{"plate_norm": "OLD9876", "observed_at": (T0 - timedelta(hours=10)).isoformat()}]
        )
    assert plates(db, settings, plate="OLD*") == ["OLD9876"]
    with db.uow() as s:
        stats = plate_index.rebuild_index(s)
    assert stats.plates == 12 and stats.rebuilt_at is not None
    with db.read() as s:
        row = s.scalars(select(IndexedPlate).where(IndexedPlate.plate_norm == "7ABC123")).one()
        assert row.plate_ocr == "7A8C123" and row.first_seen == T0 and row.last_seen == T0 + timedelta(minutes=135)
        assert s.scalar(select(func.count()).select_from(IndexedPlate)) == 12
    assert plates(db, settings, plate="OLD*") == ["OLD9876"]


def _audits(db: Database, action: str) -> list[SimpleNamespace]:
    with db.read() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq))
        return [
            SimpleNamespace(actor=e.actor, actor_role=e.actor_role, target_id=e.target_id, details=e.details)
            for e in rows
        ]


def test_every_search_is_audited_with_c2_fields(db: Database, world: World, settings: Settings) -> None:
    actor = analyst("det_smith")
    req = PlateSearch.model_validate({**PURPOSE, "plate": "7AB*123", "state": "CA"})
    runner.run(
        db,
        kind="plate",
        body=req,
        actor=actor,
        work=lambda s: service.search_plates(s, req, actor=actor, settings=settings),
    )
    (entry,) = _audits(db, "alpr.search")
    assert entry.actor == "det_smith" and entry.actor_role == "analyst"
    assert entry.details == {
        "kind": "plate",
        "query": {"plate": "7AB*123", "mode": "auto", "max_diff": 0, "state": "CA", "order": "asc", "limit": 100},
        "purpose": "felony_investigation",
        "case_number": "CER26-0042",
        "result_count": 6,
        "unit": "RTCC",
    }
    # no case: the window stays inside amber_alert's case-free 24 h
    window = {"start": T0.isoformat(), "end": (T0 + timedelta(hours=3)).isoformat()}
    hist = HistoryQuery.model_validate({"purpose": "amber_alert", "plate": "7ABC123", **window})
    runner.run(
        db,
        kind="history",
        body=hist,
        actor=actor,
        work=lambda s: service.vehicle_history(s, hist, actor=actor, settings=settings),
    )
    last = _audits(db, "alpr.search")[-1]
    assert last.details["kind"] == "history" and last.details["case_number"] is None
    assert last.details["purpose"] == "amber_alert" and last.details["result_count"] == 5


@pytest.mark.parametrize(
    ("purpose", "case", "error", "field"),
    [
        (None, None, ValidationFailed, "purpose"),
        ("just looking", None, ValidationFailed, "purpose"),
        ("felony_investigation", None, ValidationFailed, "case_number"),
        ("immigration_enforcement", None, PermissionDenied, "purpose"),
    ],
)
def test_refused_purposes_roll_back_and_are_audited(
    db: Database, world: World, settings: Settings, purpose: str | None, case: str | None, error: type, field: str
) -> None:
    actor = analyst()
    req = PlateSearch.model_validate({"plate": "7ABC123", "purpose": purpose, "case_number": case})
    with pytest.raises(error) as err:
        runner.run(
            db,
            kind="plate",
            body=req,
            actor=actor,
            work=lambda s: service.search_plates(s, req, actor=actor, settings=settings),
        )
    assert err.value.detail.startswith(f"{field}:")
    assert _audits(db, "alpr.search") == []
    (refused,) = _audits(db, "alpr.search.refused")
    assert refused.details["kind"] == "plate" and refused.details["query"]["plate"] == "7ABC123"
    assert refused.details["purpose"] == (purpose.strip() if purpose else None)
    assert refused.details["reason"] == err.value.detail and refused.details["case_number"] is None


def test_opening_a_read_and_its_image_is_audited(db: Database, world: World, settings: Settings) -> None:
    actor = analyst()
    rid = world.reads["7ABD123"][0]
    body = PurposeFields(purpose="hit_verification")
    hit = runner.run(
        db, kind="read", body=body, actor=actor, work=lambda s: service.open_read(s, rid, body, actor=actor)
    )
    img = runner.run(
        db, kind="image", body=body, actor=actor, work=lambda s: service.open_image(s, rid, body, actor=actor)
    )
    assert hit.id == rid and img.image_ref == f"s3://scenes/{rid}.jpg"
    (opened,) = _audits(db, "alpr.read.open")
    (image,) = _audits(db, "alpr.image.open")
    assert opened.target_id == str(rid) and opened.details["purpose"] == "hit_verification"
    assert image.details["case_number"] is None and image.details["image_ref"] == img.image_ref
