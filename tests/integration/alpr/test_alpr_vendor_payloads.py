"""Vendor payloads kept whole (issue 10, part 3): an OpenALPR group's plate and vehicle crops become the read's
images (stored durably with it, served through an audited route, refused by field name when broken or too large);
its travel direction, the agent's camera label and the make/model split are stored on the read; an agent's own
``alpr_alert`` is stored beside its read, whichever arrives first, and listed for analysts."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from rtcc.alerts.models import Alert
from rtcc.alpr import routes as alpr_routes
from rtcc.alpr.adapters.openalpr import parse_openalpr
from rtcc.alpr.logic import stored_read_key
from rtcc.alpr.models import DeadLetter, Read, VendorAlert
from rtcc.app import api_routes, create_app
from rtcc.audit.models import AuditEntry
from rtcc.core.db import Database
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM
from rtcc.identity.schemas import ApiKeyCreate
from rtcc.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "alpr"
URL = "/api/v1/ingest/openalpr"


@pytest.fixture
def app_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    app = create_app(settings)
    if not any(r.path == "/api/v1/reads" for r in api_routes(app)):
        app.include_router(alpr_routes.router)
    with TestClient(app) as client:
        yield client


def doc(name: str, at: datetime | None = None) -> dict[str, Any]:
    """A fixture document with its times moved to ``at`` (default: a minute ago)."""
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    ms = int((at or datetime.now(UTC) - timedelta(minutes=1)).timestamp() * 1000)

    def fix(d: Any) -> None:
        if isinstance(d, dict):
            for k in list(d):
                if k in ("epoch_start", "epoch_end", "epoch_time", "timestamp", "last_update"):
                    d[k] = ms
                else:
                    fix(d[k])
        elif isinstance(d, list):
            for x in d:
                fix(x)

    fix(data)
    return data


def read_of(db: Database, plate: str) -> Read:
    with db.read() as s:
        r = s.scalars(select(Read).where(Read.plate == plate)).one()
        s.expunge(r)
        return r


def audits(db: Database, action: str) -> list[AuditEntry]:
    with db.read() as s:
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        s.expunge_all()
        return entries


def _alert_for(app_client: TestClient, db: Database, r: Read) -> uuid.UUID:
    """Record a hit on ``r`` (a stolen-vehicle entry for its plate) as the matcher does; the alert's id."""
    from rtcc.alerts.schemas import HitInput
    from rtcc.core.plates import forms
    from rtcc.hotlists.models import Hotlist, HotlistEntry
    from rtcc.matching import service as matching

    now = datetime.now(UTC)
    with db.uow() as s:
        hl = Hotlist(name="SVS", source="CLEW", category="stolen_vehicle", priority=2, owner="x", created_at=now,
                     updated_at=now)  # fmt: skip
        s.add(hl)
        s.flush()
        f = forms(r.plate_norm)
        entry = HotlistEntry(hotlist_id=hl.id, plate=r.plate_norm, plate_norm=f.norm, plate_ocr=f.ocr, region="CA",
                             reason="stolen", added_by="clew", added_at=now)  # fmt: skip
        s.add(entry)
        s.flush()
        hit = HitInput(read_id=r.id, camera_id=r.camera_id, camera_code="openalpr:5550101", plate_read=r.plate,
                       region_read="CA", observed_at=r.observed_at, received_at=r.received_at, entry_id=entry.id,
                       hotlist_id=hl.id, hotlist_name=hl.name, category=hl.category, priority=hl.priority,
                       plate_listed=r.plate_norm, region_listed="CA", match_kind="exact", diff_positions=[],
                       reason="stolen", case_number=None)  # fmt: skip
        bus = app_client.app.state.runtime.bus  # type: ignore[attr-defined]
        [alert] = matching.record_hits(s, bus, [hit], dedup_window_s=600)
        return alert.id


def test_group_crops_are_stored_with_the_read_and_served_audited(
    app_client: TestClient,
    db: Database,
    settings: Settings,
    sensor_key: Callable[..., dict[str, str]],
    login: Callable[..., dict[str, str]],
) -> None:
    group = doc("openalpr_group_v2.json")
    group["web_server_config"] = {"camera_label": "Artesia & Gridley NB"}
    resp = app_client.post(URL, json=group, headers=sensor_key(["*"]))
    assert resp.status_code == 202, resp.text
    assert resp.json()["accepted"] == 1 and resp.json()["images"] == 2 and resp.json()["images_refused"] == []
    crop = base64.b64decode(group["best_plate"]["plate_crop_jpeg"])
    vehicle = base64.b64decode(group["vehicle_crop_jpeg"])
    r = read_of(db, "7ABC123")
    sha = hashlib.sha256(crop).hexdigest()
    assert r.crop_ref == f"alpr-images/{sha[:2]}/{sha}.jpg"
    assert (settings.data_dir / r.crop_ref).read_bytes() == crop
    assert r.image_ref is not None and (settings.data_dir / r.image_ref).read_bytes() == vehicle
    # travel direction, the agent's camera label and the make/model split are kept on the read
    assert r.heading_deg == pytest.approx(92.5) and r.camera_label == "Artesia & Gridley NB"
    assert (r.vehicle_make, r.vehicle_model) == ("honda", "civic")

    analyst = login("analyst")
    # a read no alert holds is not served here (opening an arbitrary read goes through plate search, under a purpose)
    assert app_client.get(f"/api/v1/reads/{r.id}/images/crop", headers=analyst).status_code == 404
    alert_id = _alert_for(app_client, db, r)
    got = app_client.get(f"/api/v1/reads/{r.id}/images/crop", headers=analyst)
    assert got.status_code == 200 and got.content == crop and got.headers["content-type"] == "image/jpeg"
    assert got.headers["etag"] == f'"{sha}"'
    assert app_client.get(f"/api/v1/reads/{r.id}/images/vehicle", headers=analyst).content == vehicle
    (first, second) = sorted(audits(db, "alpr.image.view"), key=lambda e: e.seq)
    assert first.target_id == str(r.id) and first.details["kind"] == "crop" and second.details["kind"] == "vehicle"
    assert first.actor_role == "analyst"
    # a field unit sees the images only of a hit a person has verified, as it sees the alert itself
    officer = login("officer")
    assert app_client.get(f"/api/v1/reads/{r.id}/images/crop", headers=officer).status_code == 404
    with db.uow() as s:
        s.execute(update(Alert).where(Alert.id == alert_id).values(state="verified"))
    assert app_client.get(f"/api/v1/reads/{r.id}/images/crop", headers=officer).status_code == 200
    app_client.cookies.clear()  # login() left a session cookie
    assert app_client.get(f"/api/v1/reads/{r.id}/images/crop").status_code == 401
    assert app_client.get(f"/api/v1/reads/{r.id}/images/crop", headers=login("program_staff")).status_code == 403
    assert app_client.get(f"/api/v1/reads/{uuid.uuid4()}/images/crop", headers=analyst).status_code == 404
    assert app_client.get(f"/api/v1/reads/{r.id}/images/scene", headers=analyst).status_code == 422
    assert len(audits(db, "alpr.image.view")) == 3  # refusals are not views


def test_a_resent_group_keeps_its_images_and_rewrites_nothing(
    app_client: TestClient, db: Database, settings: Settings, sensor_key: Callable[..., dict[str, str]]
) -> None:
    group = doc("openalpr_group_v2.json")
    key = sensor_key(["*"])
    assert app_client.post(URL, json=group, headers=key).json()["images"] == 2
    r = read_of(db, "7ABC123")
    assert r.crop_ref is not None
    path = settings.data_dir / r.crop_ref
    before = path.stat().st_mtime_ns
    again = app_client.post(URL, json=group, headers=key).json()
    assert again["duplicates"] == 1 and again["images"] == 0
    assert path.stat().st_mtime_ns == before
    files = [p for p in (settings.data_dir / "alpr-images").rglob("*.jpg")]
    assert len(files) == 2 and not list((settings.data_dir / "alpr-images" / ".incoming").iterdir())


def test_a_read_without_images_has_no_image_to_serve(
    app_client: TestClient,
    db: Database,
    sensor_key: Callable[..., dict[str, str]],
    login: Callable[..., dict[str, str]],
) -> None:
    results = doc("openalpr_results.json")
    assert app_client.post(URL, json=results, headers=sensor_key(["*"])).json()["accepted"] == 2
    r = read_of(db, "8XYZ789")
    assert r.image_ref is not None and r.image_ref.startswith("openalpr:")  # the agent's key, not ours
    _alert_for(app_client, db, r)
    resp = app_client.get(f"/api/v1/reads/{r.id}/images/vehicle", headers=login("analyst"))
    assert resp.status_code == 404 and "no stored vehicle image" in resp.json()["detail"]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("best_plate.plate_crop_jpeg", "...base64 jpeg data...", "not valid base64"),
        ("vehicle_crop_jpeg", base64.b64encode(b"GIF89a" + bytes(64)).decode(), "not a JPEG"),
        ("best_plate.plate_crop_jpeg", base64.b64encode(b"\xff\xd8\xff" + bytes(3000)).decode(), "larger than"),
    ],
)
def test_a_bad_or_oversized_crop_is_dead_lettered_by_field_and_the_read_is_kept(
    settings: Settings,
    db: Database,
    sensor_key: Callable[..., dict[str, str]],
    field: str,
    value: str,
    reason: str,
) -> None:
    capped = settings.model_copy(update={"alpr_image_max_bytes": 2048})
    app = create_app(capped)
    if not any(r.path == "/api/v1/reads" for r in api_routes(app)):
        app.include_router(alpr_routes.router)
    group = doc("openalpr_group_v2.json")
    if field == "vehicle_crop_jpeg":
        group["vehicle_crop_jpeg"] = value
    else:
        group["best_plate"]["plate_crop_jpeg"] = value
    with TestClient(app) as client:
        resp = client.post(URL, json=group, headers=sensor_key(["*"]))
    assert resp.status_code == 202, resp.text
    body = resp.json()
    assert body["accepted"] == 1 and body["images"] == 1 and body["dead_lettered"] == 1 and not body["rejected"]
    (refused,) = body["images_refused"]
    assert refused["field"] == field and reason in refused["reason"]
    r = read_of(db, "7ABC123")
    if field.startswith("best_plate"):
        assert r.crop_ref is None and r.image_ref is not None and r.image_ref.startswith("alpr-images/")
    else:  # the agent's own image key stays: its web server can still be asked for the picture
        assert r.image_ref is not None and r.image_ref.startswith("openalpr:") and r.crop_ref is not None
    with db.read() as s:
        (letter,) = s.scalars(select(DeadLetter)).all()
        assert letter.reason.startswith(f"{field}: ") and reason in letter.reason and letter.status == "pending"
        assert letter.context["channel"] == "openalpr"


def test_vendor_alert_is_stored_with_its_read_whichever_comes_first(
    app_client: TestClient,
    db: Database,
    sensor_key: Callable[..., dict[str, str]],
    login: Callable[..., dict[str, str]],
) -> None:
    key = sensor_key(["*"])
    at = datetime.now(UTC) - timedelta(minutes=2)
    alert = doc("openalpr_alert.json", at)
    group = alert["group"]
    # 1. the group first, then the alert: the alert's read is a duplicate, the alert is stored all the same
    assert app_client.post(URL, json=group, headers=key).json()["accepted"] == 1
    got = app_client.post(URL, json=alert, headers=key).json()
    assert got["duplicates"] == 1 and got["vendor_alerts"] == 1
    resent = app_client.post(URL, json=alert, headers=key).json()
    assert resent["duplicates"] == 1 and resent["vendor_alerts"] == 0
    # 2. another pass: the alert first, then its group
    later = copy.deepcopy(alert)
    later["group"]["best_uuid"] = "TESTAGENT0000000000000000000000000000001-5550101-1700000099999"
    later["group"]["best_plate_number"] = later["plate_number"] = "6GHI322"
    first = app_client.post(URL, json=later, headers=key).json()
    assert (first["accepted"], first["vendor_alerts"]) == (1, 1)
    assert app_client.post(URL, json=later["group"], headers=key).json()["duplicates"] == 1
    with db.read() as s:
        stored = {v.plate: v for v in s.scalars(select(VendorAlert))}
        reads = {r.plate: r for r in s.scalars(select(Read))}
        assert int(s.scalar(select(func.count()).select_from(Read)) or 0) == 2
        s.expunge_all()
    assert set(stored) == {"6GHI321", "6GHI322"}
    for plate, v in stored.items():
        assert v.read_id == reads[plate].id and v.alert_list == "Agent stolen list" and v.list_type == "Blacklist"
        assert v.camera_name == "north gate" and v.site_name == "test-site"
    assert uuid.UUID(bytes=stored_read_key(parse_openalpr(group).reads[0])) == reads["6GHI321"].id

    analyst = login("analyst")
    page = app_client.get("/api/v1/vendor-alerts", params={"read_id": str(reads["6GHI321"].id)}, headers=analyst)
    assert page.status_code == 200
    (item,) = page.json()["items"]
    assert item["read_id"] == str(reads["6GHI321"].id) and item["camera_code"] == "openalpr:5550101"
    assert item["alert_list"] == "Agent stolen list" and item["description"] == "test alert"
    assert app_client.get("/api/v1/vendor-alerts", headers=analyst).json()["total"] == 2
    assert app_client.get("/api/v1/vendor-alerts", headers=login("officer")).status_code == 403
    assert len(audits(db, "alpr.vendor_alerts.list")) == 2
    # ours stay ours: the vendor's alert raised none of our alerts (no hotlist lists this plate)
    from rtcc.alerts.models import Alert

    with db.read() as s:
        assert int(s.scalar(select(func.count()).select_from(Alert).where(Alert.kind == "hit")) or 0) == 0


def test_a_refused_alert_read_stores_no_vendor_alert(
    app_client: TestClient, db: Database, sensor_key: Callable[..., dict[str, str]]
) -> None:
    alert = doc("openalpr_alert.json", datetime.now(UTC) - timedelta(days=400))  # older than retention
    resp = app_client.post(URL, json=alert, headers=sensor_key(["*"]))
    assert resp.status_code == 422
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(VendorAlert)) == 0
        (letter,) = s.scalars(select(DeadLetter)).all()  # one dead letter for the document, not two
        assert "retention" in letter.reason


# --- SIGKILL after the 202 ----------------------------------------------------------------------------------------

SERVER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import uvicorn
    from rtcc.alpr import routes
    from rtcc.app import api_routes, create_app
    from rtcc.settings import Settings

    settings = Settings(database_url=sys.argv[1], bus_url="memory://", log_level="WARNING", data_dir=Path(sys.argv[3]))
    app = create_app(settings)
    if not any(r.path == "/api/v1/reads" for r in api_routes(app)):
        app.include_router(routes.router)
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_sigkill_after_the_202_loses_no_acknowledged_image(database_url: str, db: Database, tmp_path: Path) -> None:
    with db.uow() as s:
        _key, secret = identity.create_api_key(s, ApiKeyCreate(name="crops", camera_codes=["*"]), actor=SYSTEM)
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    data_dir = tmp_path / "server-data"
    proc = subprocess.Popen([sys.executable, "-c", SERVER, database_url, str(port), str(data_dir)], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        template = doc("openalpr_group_v2.json")
        crop = base64.b64decode(template["best_plate"]["plate_crop_jpeg"])
        acknowledged: list[tuple[str, bytes]] = []
        stop = threading.Event()

        def stream() -> None:
            with httpx.Client(base_url=base, headers={"X-API-Key": secret}, timeout=10) as client:
                for n in range(100_000):
                    if stop.is_set():
                        return
                    plate = f"KC{n:05d}"
                    g = copy.deepcopy(template)
                    g["best_uuid"] = f"kill-{n}"
                    g["best_plate_number"] = g["best_plate"]["plate"] = plate
                    own = crop + plate.encode()  # bytes after the JPEG's end marker: a distinct file per read
                    g["best_plate"]["plate_crop_jpeg"] = base64.b64encode(own).decode()
                    try:
                        resp = client.post(URL, json=g)
                    except httpx.HTTPError:
                        return  # the server died under this request: not acknowledged
                    if resp.status_code == 202:
                        acknowledged.append((plate, own))

        sender = threading.Thread(target=stream)
        sender.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 30 and time.monotonic() < deadline:
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)  # mid-stream, while a request is most likely in flight
        proc.wait(10)
        stop.set()
        sender.join(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert len(acknowledged) >= 30
    with db.read() as s:
        refs = dict(s.execute(select(Read.plate, Read.crop_ref).where(Read.plate.like("KC%"))).tuples().all())
    lost = [p for p, own in acknowledged if refs.get(p) is None or (data_dir / str(refs[p])).read_bytes() != own]
    assert not lost, f"{len(lost)} acknowledged reads lost their crop"


# --- where reads are shown: an opened read (search) and an alert --------------------------------------------------


def test_travel_direction_and_camera_label_show_in_search_and_alert_views(
    app_client: TestClient,
    db: Database,
    sensor_key: Callable[..., dict[str, str]],
    login: Callable[..., dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    group = doc("openalpr_group_v2.json")
    group["web_server_config"] = {"camera_label": "Artesia & Gridley NB"}
    assert app_client.post(URL, json=group, headers=sensor_key(["*"])).json()["accepted"] == 1
    r = read_of(db, "7ABC123")
    analyst = login("analyst")
    opened = app_client.get(
        f"/api/v1/search/reads/{r.id}", params={"purpose": "hit_verification"}, headers=analyst
    ).json()
    assert opened["heading_deg"] == pytest.approx(92.5) and opened["camera_label"] == "Artesia & Gridley NB"
    assert (opened["vehicle_make"], opened["vehicle_model"]) == ("honda", "civic")

    alert_id = _alert_for(app_client, db, r)
    body = app_client.get(f"/api/v1/alerts/{alert_id}", headers=analyst).json()
    assert body["read"]["heading_deg"] == pytest.approx(92.5) and body["read"]["camera_label"] == "Artesia & Gridley NB"
    assert body["read"]["crop_ref"] == r.crop_ref


def test_retention_deletes_the_stored_crops_with_the_reads_images(
    app_client: TestClient, settings: Settings, db: Database
) -> None:
    from rtcc.alpr import payloads, principals
    from rtcc.retention import service as retention

    old = settings.model_copy(update={"retention_reads_days": 365})
    group = doc("openalpr_group_v2.json", datetime.now(UTC) - timedelta(days=40))
    bus = app_client.app.state.runtime.bus  # type: ignore[attr-defined]
    with db.uow() as s:
        result = payloads.ingest_payload(
            s,
            bus,
            json.dumps(group),
            source="openalpr",
            context={"channel": "openalpr"},
            principal=principals.ingest_principal("test"),
            settings=old,
            dead_letters=None,
        )
    assert result.images == 2
    files = sorted((settings.data_dir / "alpr-images").rglob("*.jpg"))
    assert len(files) == 2
    purged = retention.run_purge(db, settings, actor=SYSTEM, trigger="cli", classes=["images"])
    assert purged.counts() == {"images": 1} and purged.classes[0].files_deleted == 2
    assert not any(f.exists() for f in files)
    r = read_of(db, "7ABC123")
    assert (r.crop_ref, r.image_ref) == (None, None)


def test_retention_purges_a_vendor_alert_with_its_read(
    app_client: TestClient, settings: Settings, db: Database
) -> None:
    from rtcc.alpr import payloads, principals
    from rtcc.retention import service as retention

    old = settings.model_copy(update={"retention_reads_days": 365})
    alert = doc("openalpr_alert.json", datetime.now(UTC) - timedelta(days=40))
    bus = app_client.app.state.runtime.bus  # type: ignore[attr-defined]
    with db.uow() as s:
        result = payloads.ingest_payload(
            s, bus, json.dumps(alert), source="openalpr", context={"channel": "openalpr"},
            principal=principals.ingest_principal("test"), settings=old, dead_letters=None,
        )  # fmt: skip
    assert result.vendor_alerts == 1
    purged = retention.run_purge(db, settings, actor=SYSTEM, trigger="cli", classes=["reads_nonhit"])
    assert purged.counts()["reads_nonhit"] == 1
    with db.read() as s:  # the vendor's alert about a purged read goes with it (ON DELETE CASCADE)
        assert int(s.scalar(select(func.count()).select_from(VendorAlert)) or 0) == 0


def test_a_sensor_cannot_name_a_file_of_our_image_store(
    app_client: TestClient, db: Database, sensor_key: Callable[..., dict[str, str]]
) -> None:
    ref = "alpr-images/ab/" + "ab" * 32 + ".jpg"
    read = {"plate": "7REF001", "camera": "REF-1", "observed_at": datetime.now(UTC).isoformat(), "crop_ref": ref}
    resp = app_client.post("/api/v1/reads", json={"reads": [read]}, headers=sensor_key(["*"]))
    assert resp.status_code == 422, resp.text
    assert "assigned by the server" in resp.text
    with db.read() as s:
        assert int(s.scalar(select(func.count()).select_from(Read)) or 0) == 0


def test_retention_keeps_a_shared_image_file_until_no_read_names_it(
    app_client: TestClient, settings: Settings, db: Database
) -> None:
    from rtcc.alpr import payloads, principals
    from rtcc.retention import service as retention

    old = settings.model_copy(update={"retention_reads_days": 365})
    bus = app_client.app.state.runtime.bus  # type: ignore[attr-defined]
    first = doc("openalpr_group_v2.json", datetime.now(UTC) - timedelta(days=40))
    second = doc("openalpr_group_v2.json", datetime.now(UTC) - timedelta(days=2))
    second["best_uuid"] = second["best_uuid"] + "-again"  # another pass of the same car: the same crop bytes
    for group in (first, second):
        with db.uow() as s:
            payloads.ingest_payload(
                s, bus, json.dumps(group), source="openalpr", context={"channel": "openalpr"},
                principal=principals.ingest_principal("test"), settings=old, dead_letters=None,
            )  # fmt: skip
    files = sorted((settings.data_dir / "alpr-images").rglob("*.jpg"))
    assert len(files) == 2  # two reads, one crop file and one vehicle file between them
    purged = retention.run_purge(db, settings, actor=SYSTEM, trigger="cli", classes=["reads_nonhit"])
    assert purged.counts()["reads_nonhit"] == 1
    assert all(f.exists() for f in files)  # the recent read still names both files
    with db.uow() as s:
        s.execute(update(Read).values(observed_at=datetime.now(UTC) - timedelta(days=40)))
    retention.run_purge(db, settings, actor=SYSTEM, trigger="cli", classes=["reads_nonhit"])
    assert not any(f.exists() for f in files)


def test_vendor_alerts_in_a_shared_batch_are_stored_with_their_new_reads(db: Database, settings: Settings) -> None:
    """Concurrent webhook calls share one transaction (``groupcommit``), whose reads are inserted at its end: an
    alert's unit must still find its read, new in that batch, and store the alert (it was dropped before)."""
    from rtcc.alpr import groupcommit, payloads
    from rtcc.alpr.deadletters import DeadLetterDraft
    from rtcc.bench._support import CollectingBus
    from rtcc.identity.logic import SENSOR_PERMISSIONS, Principal

    key = Principal(
        kind="apikey", id="k", name="agent", role="sensor", permissions=SENSOR_PERMISSIONS, camera_codes=frozenset("*")
    )
    alerts = []
    for n, plate in enumerate(("6GHI401", "6GHI402", "6GHI403")):
        alert = doc("openalpr_alert.json", datetime.now(UTC) - timedelta(minutes=3 + n))
        alert["group"]["best_uuid"] = f"TESTAGENT0000000000000000000000000000001-5550101-17000001{n:05d}"
        alert["group"]["best_plate_number"] = alert["plate_number"] = plate
        alerts.append(json.dumps(alert).encode())
    committer = groupcommit.GroupCommitter(db, CollectingBus(), writers=1)
    try:
        release, started = threading.Event(), threading.Event()

        def hold(_s: Any, _b: Any) -> None:  # occupy the writer: the units queue up into one batch
            started.set()
            release.wait(10)

        committer.submit(hold)
        assert started.wait(10)
        drafts: list[DeadLetterDraft] = []
        context = {"channel": "openalpr"}
        futures = [
            committer.submit(payloads.as_unit(body, "openalpr", context, key, settings, drafts)) for body in alerts
        ]
        release.set()
        results = [f.result(10) for f in futures]
    finally:
        committer.stop()
    assert committer.stats.largest == 3  # they did share one transaction
    assert [(r.accepted, r.vendor_alerts) for r in results] == [(1, 1)] * 3
    with db.read() as s:
        linked = {v.plate: v.read_id for v in s.scalars(select(VendorAlert))}
        reads = {r.plate: r.id for r in s.scalars(select(Read))}
    assert linked == reads and set(reads) == {"6GHI401", "6GHI402", "6GHI403"}
