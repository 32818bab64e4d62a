"""Camera-registry use cases on a real database: registering (staff and owners), owner isolation, sharing changes and
withdrawal (effective for canvass in the same commit), the owner's access log, the live-view rule, heartbeats and
probe results, canvass with retention coverage and deadlines, and contract C4."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from rtcc.audit.models import AuditEntry
from rtcc.cameras import canvass as canvass_uc
from rtcc.cameras import health, liveview, service
from rtcc.cameras.kernel import M_PER_DEG_LAT
from rtcc.cameras.schemas import CameraCreate, CameraFilters, CameraUpdate, CanvassQuery, OwnerCameraCreate
from rtcc.core.db import Database
from rtcc.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM, Principal, Role
from rtcc.identity.schemas import UserCreate

LAT, LON = 33.873, -118.072  # Artesia Blvd & Norwalk Blvd, Cerritos
M = 1.0 / M_PER_DEG_LAT  # a metre of latitude, in degrees


def community(db: Database, role: Role = Role.resident, name: str | None = None) -> Principal:
    username = name or f"{role.value}_{uuid.uuid4().hex[:6]}"
    with db.uow() as s:
        user = identity.create_user(
            s,
            UserCreate(username=username, display_name=username.title(), password="correct horse battery", role=role),
            actor=SYSTEM,
        )
        return identity.principal_of(user)


def staff(role: Role = Role.analyst) -> Principal:
    from rtcc.identity.logic import permissions_for

    return Principal(kind="user", id=str(uuid.uuid4()), name=f"{role.value}1", role=role.value,
                     permissions=permissions_for(role.value))  # fmt: skip


def case_on_record(db: Database, case_number: str) -> None:
    """File a hotlist entry under ``case_number``, which makes it a case on record (``governance.cases``)."""
    from rtcc.hotlists.models import Hotlist, HotlistEntry

    now = datetime.now(UTC)
    with db.uow() as s:
        hl = Hotlist(name=f"BOLO {uuid.uuid4().hex[:6]}", source="manual", category="bolo", priority=3, owner="x",
                     created_at=now, updated_at=now)  # fmt: skip
        s.add(hl)
        s.flush()
        s.add(HotlistEntry(hotlist_id=hl.id, plate="9CASE99", plate_norm="9CASE99", plate_ocr="9CASE99",
                           case_number=case_number, added_by="x", added_at=now))  # fmt: skip


def city_camera(db: Database, **kw: object) -> uuid.UUID:
    doc: dict[str, object] = {
        "name": "City cam",
        "owner_type": "city",
        "owner_name": "City of Cerritos",
        "lat": LAT - 20 * M,
        "lon": LON,
        "direction_deg": 0.0,
        "fov_deg": 90.0,
        "range_m": 50.0,
        "owner_retention_days": 30,
    }
    doc.update(kw)
    with db.uow() as s:
        return service.create_camera(s, CameraCreate.model_validate(doc), actor=SYSTEM).id


def window(hours_ago: float, now: datetime) -> tuple[datetime, datetime]:
    start = now - timedelta(hours=hours_ago)
    return start, start + timedelta(minutes=30)


def run_canvass(db: Database, index: canvass_uc.CanvassIndex, **kw: object) -> list[str]:
    now = datetime.now(UTC)
    start, end = window(2, now)
    doc: dict[str, object] = {"lat": LAT, "lon": LON, "start": start, "end": end}
    doc.update(kw)
    with db.read() as s:
        result = canvass_uc.canvass(s, index, CanvassQuery.model_validate(doc), now=now)
    return [h.camera.code for h in result.items]


def test_owner_registers_and_only_sees_own_cameras(db: Database) -> None:
    alice, bob = community(db), community(db, Role.business)
    with db.uow() as s:
        a = service.create_own_camera(s, OwnerCameraCreate(name="Porch", lat=LAT, lon=LON), owner=alice)
        b = service.create_own_camera(s, OwnerCameraCreate(name="Shop door", lat=LAT, lon=LON), owner=bob)
    assert a.owner_type == "residential" and a.owner_user_id == uuid.UUID(alice.id) and a.owner_name == alice.name
    assert b.owner_type == "business"
    with db.read() as s:
        assert [c.id for c in service.own_cameras(s, owner=alice)] == [a.id]
        assert [c.id for c in service.cameras_of_owner(s, uuid.UUID(bob.id))] == [b.id]
        with pytest.raises(NotFound):
            service.get_own_camera(s, b.id, owner=alice)
        with pytest.raises(NotFound):
            service.own_access_log(s, b.id, owner=alice, limit=10, offset=0)
    with db.uow() as s, pytest.raises(NotFound):
        service.update_own_camera(s, b.id, CameraUpdate(name="mine now"), owner=alice)
    with db.uow() as s, pytest.raises(NotFound):
        service.withdraw_own_camera(s, b.id, owner=alice)
    with db.read() as s:
        assert service.get_camera(s, b.id).name == "Shop door"
        assert service.get_camera(s, b.id).sharing_level == "registered"


def test_staff_principal_cannot_own_cameras(db: Database) -> None:
    with db.uow() as s, pytest.raises(PermissionDenied):
        service.create_own_camera(s, OwnerCameraCreate(name="x", lat=LAT, lon=LON), owner=staff())


def test_c4_contract(db: Database) -> None:
    alice = community(db)
    with db.uow() as s:
        cam = service.create_own_camera(
            s,
            OwnerCameraCreate(
                name="Garage", lat=LAT, lon=LON, sharing_level="live_linked", stream_url="rtsp://cam.example/1",
                snapshot_url="http://cam.example/snap.jpg", owner_retention_days=7, contact="555-0100",
            ),
            owner=alice,
        )  # fmt: skip
        service.log_access(s, cam.id, actor=staff(), action="footage.request", details={"request": "R-1"})
    with db.read() as s:
        got = service.get_camera(s, cam.id)
        assert got.stream_url == "rtsp://cam.example/1" and got.owner_retention_days == 7
        assert service.is_shared(got)
        log, total = service.own_access_log(s, cam.id, owner=alice, limit=10, offset=0)
        assert total == 1 and log[0].action == "footage.request" and log[0].details == {"request": "R-1"}
        with pytest.raises(NotFound):
            service.get_camera(s, uuid.uuid4())
        with pytest.raises(NotFound):
            service.log_access(s, uuid.uuid4(), actor=staff(), action="x")
    with db.uow() as s:
        withdrawn = service.withdraw_own_camera(s, cam.id, owner=alice)
    assert not service.is_shared(withdrawn) and withdrawn.withdrawn_at is not None
    assert withdrawn.stream_url is None  # URLs only while live-linked


def test_validation_names_fields(db: Database) -> None:
    alice = community(db)
    with db.uow() as s, pytest.raises(ValidationFailed) as exc:
        service.create_own_camera(s, OwnerCameraCreate(name="x", lat=LAT, lon=LON, sharing_level="live_linked"),
                                  owner=alice)  # fmt: skip
    assert exc.value.errors[0]["field"] == "stream_url"
    with db.uow() as s, pytest.raises(ValidationFailed) as exc:
        service.create_camera(
            s,
            CameraCreate(name="x", lat=LAT, lon=LON, owner_type="alpr", owner_name="City", alpr_camera_code="NOPE"),
            actor=SYSTEM,
        )
    assert exc.value.errors[0]["field"] == "alpr_camera_code"
    with db.uow() as s, pytest.raises(ValidationFailed) as exc:
        service.create_camera(
            s,
            CameraCreate(name="x", lat=LAT, lon=LON, owner_type="business", owner_name="B", owner_user_id=uuid.uuid4()),
            actor=SYSTEM,
        )
    assert exc.value.errors[0]["field"] == "owner_user_id"
    city_camera(db, code="DUP-1")
    with db.uow() as s, pytest.raises(Conflict):
        service.create_camera(s, CameraCreate(code="DUP-1", name="x", lat=LAT, lon=LON, owner_type="city",
                                              owner_name="City"), actor=SYSTEM)  # fmt: skip


def test_staff_may_lower_but_not_raise_an_owners_sharing(db: Database) -> None:
    alice = community(db)
    with db.uow() as s:
        cam = service.create_own_camera(s, OwnerCameraCreate(name="Porch", lat=LAT, lon=LON,
                                                             sharing_level="on_request"), owner=alice)  # fmt: skip
    supervisor = staff(Role.supervisor)
    with db.uow() as s, pytest.raises(PermissionDenied):
        service.update_camera(s, cam.id, CameraUpdate(sharing_level="live_linked"), actor=supervisor)
    with db.uow() as s, pytest.raises(PermissionDenied):
        service.update_camera(s, cam.id, CameraUpdate(stream_url="http://x.example/s"), actor=supervisor)
    with db.uow() as s:
        service.update_camera(s, cam.id, CameraUpdate(name="Porch (front)", sharing_level="registered"),
                              actor=supervisor)  # fmt: skip
    with db.read() as s:
        got = service.get_camera(s, cam.id)
        assert got.sharing_level == "registered" and got.name == "Porch (front)"
        log, _ = service.own_access_log(s, cam.id, owner=alice, limit=10, offset=0)
        assert [e.action for e in log] == ["record.update"]
        assert log[0].actor == supervisor.name and log[0].details["changed"] == ["name", "sharing_level"]


def test_withdrawal_takes_effect_in_the_same_commit(db: Database) -> None:
    index = canvass_uc.CanvassIndex()
    alice = community(db)
    with db.uow() as s:
        cam = service.create_own_camera(
            s, OwnerCameraCreate(code="PORCH-1", name="Porch", lat=LAT - 10 * M, lon=LON, range_m=30), owner=alice
        )
    assert run_canvass(db, index) == ["PORCH-1"]
    with db.uow() as s:
        service.withdraw_own_camera(s, cam.id, owner=alice)
    assert run_canvass(db, index) == []
    with db.uow() as s:  # an edit while withdrawn is an update, and the camera stays out
        service.update_own_camera(s, cam.id, CameraUpdate(name="Porch (old)"), owner=alice)
    assert run_canvass(db, index) == []
    with db.uow() as s:  # back on the registry: found again
        service.update_own_camera(s, cam.id, CameraUpdate(sharing_level="registered"), owner=alice)
    assert run_canvass(db, index) == ["PORCH-1"]
    assert index.builds == 4
    with db.read() as s:
        assert service.get_camera(s, cam.id).withdrawn_at is None
        actions = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert actions.count("registry.camera.withdraw") == 1 and actions.count("registry.camera.update") == 2


def test_a_stale_index_never_returns_a_withdrawn_camera(db: Database) -> None:
    index = canvass_uc.CanvassIndex()
    cam_id = city_camera(db, code="CITY-1")
    assert run_canvass(db, index, lat=LAT + 0.01) == []  # builds the index; CITY-1 not hit, so not cached
    with db.read() as s:
        before = service.registry_version(s)
    with db.uow() as s:
        service.withdraw_camera(s, cam_id, actor=staff(Role.supervisor))
    with db.read() as s:
        after = service.registry_version(s)
    assert after == before + 1  # the withdrawal moved the counter in its own commit
    built = index._built
    assert built is not None
    object.__setattr__(built, "version", after)  # pretend the old arrays (which still hold CITY-1) are current
    assert run_canvass(db, index) == []  # the row, read at first hit, is withdrawn: dropped


def test_hit_rows_are_cached_until_the_registry_changes(db: Database) -> None:
    index = canvass_uc.CanvassIndex()
    cam_id = city_camera(db, code="CITY-2", name="Before")
    with db.read() as s:
        q = CanvassQuery(lat=LAT, lon=LON, start=datetime.now(UTC), end=datetime.now(UTC))
        assert [h.camera.name for h in canvass_uc.canvass(s, index, q).items] == ["Before"]
    with db.uow() as s:
        service.update_camera(s, cam_id, CameraUpdate(name="After"), actor=staff(Role.supervisor))
    with db.read() as s:
        assert [h.camera.name for h in canvass_uc.canvass(s, index, q).items] == ["After"]
    assert index.builds == 2


def test_canvass_geometry_ranking_and_retention(db: Database) -> None:
    index = canvass_uc.CanvassIndex()
    now = datetime.now(UTC)
    city_camera(db, code="NEAR", lat=LAT - 20 * M, direction_deg=0.0, owner_retention_days=30)
    city_camera(db, code="FAR", lat=LAT - 40 * M, direction_deg=0.0, owner_retention_days=1)
    city_camera(db, code="AWAY", lat=LAT - 20 * M, direction_deg=180.0)  # looks away
    city_camera(db, code="SHORT", lat=LAT + 30 * M, direction_deg=180.0, range_m=25.0)  # out of range
    city_camera(db, code="DOME", lat=LAT + 30 * M, direction_deg=45.0, fov_deg=360.0, range_m=35.0)
    start = now - timedelta(days=3)
    q = CanvassQuery(lat=LAT, lon=LON, start=start, end=start + timedelta(hours=1))
    with db.read() as s:
        result = canvass_uc.canvass(s, index, q, now=now)
    assert result.searched == 5
    assert [h.camera.code for h in result.items] == ["NEAR", "DOME", "FAR"]
    near, dome, far = result.items
    assert near.rank == 1 and near.distance_m == pytest.approx(20.0, abs=0.01)
    assert near.angle_off_axis_deg == pytest.approx(0.0, abs=0.01) and near.bearing_from_camera_deg == 0.0
    assert dome.distance_m == pytest.approx(30.0, abs=0.01) and dome.bearing_from_camera_deg == pytest.approx(180.0)
    assert dome.angle_off_axis_deg == pytest.approx(135.0, abs=0.01)
    assert near.retention_covers is True and near.request_deadline == start + timedelta(days=30)
    assert far.retention_covers is False and far.request_deadline == start + timedelta(days=1)
    assert near.camera.stream_url is None


def test_canvass_by_intersection_and_address(db: Database) -> None:
    index = canvass_uc.CanvassIndex()
    city_camera(db, code="NEAR", address="18000 Norwalk Blvd")
    with db.read() as s:
        now = datetime.now(UTC)
        r = canvass_uc.canvass(
            s, index, CanvassQuery(place="norwalk and artesia", start=now - timedelta(hours=1), end=now), now=now
        )
        assert r.place == "Artesia Blvd & Norwalk Blvd" and (r.lat, r.lon) == (LAT, LON)
        assert [h.camera.code for h in r.items] == ["NEAR"]
        r = canvass_uc.canvass(
            s, index, CanvassQuery(place="18000 NORWALK BLVD", start=now - timedelta(hours=1), end=now), now=now
        )
        assert r.lat == pytest.approx(LAT - 20 * M) and r.items[0].distance_m == pytest.approx(0.0, abs=0.01)
        with pytest.raises(ValidationFailed) as exc:
            canvass_uc.canvass(s, index, CanvassQuery(place="Nowhere & Noplace", start=now, end=now), now=now)
        assert exc.value.errors[0]["field"] == "place"


def test_live_view_rule(db: Database) -> None:
    alice = community(db)
    with db.uow() as s:
        live = service.create_own_camera(
            s, OwnerCameraCreate(name="Live", lat=LAT, lon=LON, sharing_level="live_linked",
                                 stream_url="https://cam.example/live"), owner=alice,
        )  # fmt: skip
        plain = service.create_own_camera(s, OwnerCameraCreate(name="Plain", lat=LAT, lon=LON), owner=alice)
    analyst = staff()
    with db.uow() as s, pytest.raises(ValidationFailed) as exc:
        liveview.open_live(s, live.id, actor=analyst, alert_id=None, purpose=None, case_number=None)
    assert exc.value.errors[0]["field"] == "case_number"
    with db.uow() as s, pytest.raises(ValidationFailed):
        liveview.open_live(s, live.id, actor=analyst, alert_id=None, purpose=None, case_number="24-000123")
    with db.uow() as s, pytest.raises(PermissionDenied):
        liveview.open_live(s, live.id, actor=analyst, alert_id=None, purpose="immigration_enforcement",
                          case_number="24-000123")  # fmt: skip
    with db.uow() as s, pytest.raises(ValidationFailed) as exc:
        liveview.open_live(s, live.id, actor=analyst, alert_id=uuid.uuid4(), purpose=None, case_number=None)
    assert exc.value.errors[0]["field"] == "alert_id"
    with db.uow() as s, pytest.raises(PermissionDenied):
        liveview.open_live(s, plain.id, actor=analyst, alert_id=None, purpose="felony_investigation",
                          case_number="24-000123")  # fmt: skip
    with db.uow() as s, pytest.raises(ValidationFailed) as exc:  # a made-up case number opens nothing
        liveview.open_live(s, live.id, actor=analyst, alert_id=None, purpose="felony_investigation",
                          case_number="24-000123")  # fmt: skip
    assert exc.value.errors[0]["field"] == "case_number" and "not a case on record" in exc.value.detail
    case_on_record(db, "24-000123")
    with db.uow() as s:
        view = liveview.open_live(s, live.id, actor=analyst, alert_id=None, purpose="felony_investigation",
                                 case_number="24-000123")  # fmt: skip
    assert view.stream_url == "https://cam.example/live" and view.incident == "case:24-000123"
    with db.read() as s:
        log, total = service.own_access_log(s, live.id, owner=alice, limit=10, offset=0)
        assert total == 1 and log[0].action == "live.view" and log[0].actor == analyst.name
        assert log[0].details["case_number"] == "24-000123"
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "registry.live.open")) is not None
    with db.uow() as s:
        service.withdraw_own_camera(s, live.id, owner=alice)
    with db.uow() as s, pytest.raises(PermissionDenied):
        liveview.open_live(s, live.id, actor=analyst, alert_id=None, purpose="felony_investigation",
                          case_number="24-000123")  # fmt: skip


def test_live_view_with_an_open_alert(db: Database) -> None:
    from rtcc.alerts import queue as alerts_queue
    from rtcc.alerts.models import Alert

    alice = community(db)
    with db.uow() as s:
        live = service.create_own_camera(
            s, OwnerCameraCreate(name="Live", lat=LAT, lon=LON, sharing_level="live_linked",
                                 snapshot_url="https://cam.example/snap.jpg"), owner=alice,
        )  # fmt: skip
        now = datetime.now(UTC)
        alert = Alert(kind="hit", state="new", title="t", first_seen_at=now, last_seen_at=now, created_at=now,
                      updated_at=now)  # fmt: skip
        s.add(alert)
        s.flush()
        alert_id = alert.id
    analyst = staff()
    with db.uow() as s:
        view = liveview.open_live(s, live.id, actor=analyst, alert_id=alert_id, purpose=None, case_number=None)
    assert view.snapshot_url == "https://cam.example/snap.jpg" and view.incident == f"alert:{alert_id}"
    with db.uow() as s:
        s.get(Alert, alert_id).state = "closed"  # type: ignore[union-attr]
    with db.uow() as s, pytest.raises(PermissionDenied):
        liveview.open_live(s, live.id, actor=analyst, alert_id=alert_id, purpose=None, case_number=None)
    assert alerts_queue is not None


def test_heartbeat_scope_and_health(db: Database) -> None:
    cam_id = city_camera(db, code="LINK-1", sharing_level="live_linked", snapshot_url="http://c.example/s.jpg")
    other = Principal(kind="apikey", id="k", name="k", role="sensor", permissions=frozenset(),
                      camera_codes=frozenset({"OTHER"}))  # fmt: skip
    mine = Principal(kind="apikey", id="k2", name="k2", role="sensor", permissions=frozenset(),
                     camera_codes=frozenset({"LINK-1"}))  # fmt: skip
    with db.uow() as s, pytest.raises(PermissionDenied):
        health.heartbeat(s, cam_id, actor=other)
    now = datetime.now(UTC)
    with db.read() as s:
        assert [h.status for h in health.health(s, now=now, stale_after_s=300)] == ["unknown"]
    with db.uow() as s:
        health.heartbeat(s, cam_id, actor=mine, now=now - timedelta(minutes=10))
    with db.read() as s:
        assert health.health(s, now=now, stale_after_s=300)[0].status == "stale"
    with db.uow() as s:
        health.record_probe(s, cam_id, at=now, error="HTTP 503")
    with db.read() as s:
        h = health.health(s, now=now, stale_after_s=300)[0]
        assert (h.status, h.last_error) == ("failing", "HTTP 503")
    with db.uow() as s:
        health.record_probe(s, cam_id, at=now, error=None)
    with db.read() as s:
        h = health.health(s, now=now, stale_after_s=300)[0]
        assert h.status == "ok" and h.last_ok_at == now and h.last_error is None


def test_staff_list_filters_and_withholds_urls(db: Database) -> None:
    city_camera(db, code="A-1", sharing_level="live_linked", stream_url="http://c.example/live", address="1 Main St")
    city_camera(db, code="B-1", owner_type="business", owner_name="Shop")
    with db.uow() as s:
        page = service.list_cameras(s, CameraFilters(), viewer=SYSTEM, coarse_decimals=3, limit=10, offset=0)
        assert [c.code for c in page.items] == ["A-1", "B-1"] and page.total == 2
        assert page.items[0].stream_url is None and page.items[0].urls_withheld is True
        business = service.list_cameras(
            s, CameraFilters(owner_type="business"), viewer=SYSTEM, coarse_decimals=3, limit=10, offset=0
        )
        assert [c.code for c in business.items] == ["B-1"]
        assert [
            c.code
            for c in service.list_cameras(
                s, CameraFilters(q="main"), viewer=SYSTEM, coarse_decimals=3, limit=10, offset=0
            ).items
        ] == ["A-1"]
        assert (
            service.list_cameras(
                s, CameraFilters(sharing_level="withdrawn"), viewer=SYSTEM, coarse_decimals=3, limit=10, offset=0
            ).total
            == 0
        )
