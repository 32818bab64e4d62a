"""The public transparency report: every figure computed from seeded data (change the data, the numbers change), the
JSON API and the server-rendered page, with no plates or user names exposed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from _gov_helpers import put, search_details
from fastapi.testclient import TestClient

from rtcc.alerts.models import Alert
from rtcc.alpr import cameras as alpr_cameras
from rtcc.alpr.models import Read
from rtcc.alpr.schemas import CameraCreate
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.governance import sharing
from rtcc.governance.schemas import AgencyCreate
from rtcc.identity.logic import SYSTEM

PLATE = "8SECRET8"


def _cameras(db: Database) -> uuid.UUID:
    with db.uow() as session:
        cam = alpr_cameras.register_camera(
            session,
            CameraCreate(code="CER-01", name="Studebaker & 183rd NB", lat=33.87, lon=-118.06, location="Studebaker Rd"),
            actor=SYSTEM,
        )
        alpr_cameras.register_camera(session, CameraCreate(code="CER-02", name="Bloomfield & South EB"), actor=SYSTEM)
        alpr_cameras.register_camera(
            session, CameraCreate(code="frigate:shop", name="Shop NVR", kind="frigate"), actor=SYSTEM
        )
        alpr_cameras.register_camera(
            session, CameraCreate(code="CER-OLD", name="Removed camera", active=False), actor=SYSTEM
        )
        return cam.id


def _reads(db: Database, camera_id: uuid.UUID, ages_days: list[float], *, hit: bool = False) -> None:
    now = utcnow()
    with db.uow() as session:
        for age in ages_days:
            at = now - timedelta(days=age)
            session.add(
                Read(
                    id=uuid.uuid4(),
                    camera_id=camera_id,
                    plate=PLATE,
                    plate_norm=PLATE,
                    plate_ocr=PLATE,
                    observed_at=at,
                    received_at=at,
                    source="rest",
                    is_hit=hit,
                )
            )


def _alerts(db: Database, states: list[tuple[str, str | None]], age_days: float = 1) -> None:
    at = utcnow() - timedelta(days=age_days)
    with db.uow() as session:
        for state, reason in states:
            session.add(
                Alert(
                    kind="hit",
                    state=state,
                    title="hit",
                    plate_read=PLATE,
                    first_seen_at=at,
                    last_seen_at=at,
                    reject_reason=reason,
                    created_at=at,
                    updated_at=at,
                )
            )


def _seed(db: Database) -> uuid.UUID:
    cam = _cameras(db)
    _reads(db, cam, [1, 2, 3, 29])
    _reads(db, cam, [31, 45])  # outside the 30-day window
    _reads(db, cam, [1, 5], hit=True)
    _alerts(db, [("verified", None), ("dispatched", None), ("closed", None), ("rejected", "misread"), ("new", None)])
    _alerts(db, [("rejected", "misread")], age_days=40)  # outside the window
    _alerts(db, [("rejected", "wrong_state")])
    now = utcnow()
    put(
        db,
        [
            (
                now - timedelta(days=1),
                "ana",
                "analyst",
                "alpr.search",
                search_details(plate=PLATE, purpose="stolen_vehicle"),
            ),
            (
                now - timedelta(days=2),
                "ana",
                "analyst",
                "alpr.search",
                search_details(plate=PLATE, purpose="stolen_vehicle"),
            ),
            (
                now - timedelta(days=3),
                "bob",
                "analyst",
                "alpr.search",
                search_details(purpose="amber_alert", case=None),
            ),
            (
                now - timedelta(days=40),
                "bob",
                "analyst",
                "alpr.search",
                search_details(purpose="amber_alert", case=None),
            ),
            (
                now - timedelta(days=1),
                "eve",
                "analyst",
                "alpr.search.refused",
                {"purpose": "immigration_enforcement", "kind": "plate"},
            ),
        ],
    )
    with db.uow() as session:
        sharing.create_agency(
            session,
            AgencyCreate(code="LBPD", name="Long Beach PD", data_classes=["reads_hit"], purposes=["stolen_vehicle"]),
            actor=SYSTEM,
        )
        sharing.create_agency(
            session, AgencyCreate(code="OLD", name="Suspended PD", data_classes=["alerts"], active=False), actor=SYSTEM
        )
    return cam


def _purpose(report: dict[str, Any], code: str) -> dict[str, Any]:
    [row] = [p for p in report["searches_by_purpose"] if p["code"] == code]
    return row


def test_report_is_computed_from_the_data(app_client: TestClient, db: Database, login: Any) -> None:
    cam = _seed(db)
    app_client.post("/api/v1/audit/verify", headers=login("auditor"))
    app_client.cookies.clear()
    resp = app_client.get("/api/v1/transparency")  # public: no credentials
    assert resp.status_code == 200, resp.text
    r = resp.json()
    assert r["window_days"] == 30
    assert r["camera_count"] == 2 and [c["code"] for c in r["cameras"]] == ["CER-01", "CER-02"]
    assert r["cameras"][0]["lat"] == 33.87
    assert r["reads"] == 6 and r["hit_reads"] == 2
    alerts = r["hit_alerts"]
    assert (alerts["total"], alerts["verified"], alerts["rejected"], alerts["rejected_misread"], alerts["pending"]) == (
        6,
        3,
        2,
        1,
        1,
    )
    assert alerts["misread_rate"] == 0.2 and alerts["rejection_rate"] == 0.4
    assert r["searches_total"] == 3 and r["searches_refused"] == 1
    assert _purpose(r, "stolen_vehicle")["searches"] == 2
    assert _purpose(r, "amber_alert")["searches"] == 1
    assert _purpose(r, "immigration_enforcement")["refused"] == 1
    assert [a["code"] for a in r["agencies"]] == ["LBPD"]
    assert {x["name"] for x in r["retention"]} >= {"reads_nonhit", "reads_hit", "images", "alerts", "audit"}
    assert r["last_audit_verification"]["ok"] is True and r["last_audit_verification"]["checked"] > 0
    assert "Usage and Privacy Policy" in r["policy_text"]
    assert PLATE not in resp.text and '"ana"' not in resp.text

    # change the data: the numbers change
    _reads(db, cam, [0.5, 0.5, 0.5])
    _alerts(db, [("rejected", "misread")])
    put(db, [(utcnow(), "ana", "analyst", "alpr.search", search_details(purpose="missing_person"))])
    r2 = app_client.get("/api/v1/transparency").json()
    assert r2["reads"] == 9
    assert r2["hit_alerts"]["rejected_misread"] == 2 and r2["hit_alerts"]["misread_rate"] == round(2 / 6, 4)
    assert r2["searches_total"] == 4 and _purpose(r2, "missing_person")["searches"] == 1


def test_page_renders_accessible_html(app_client: TestClient, db: Database) -> None:
    _seed(db)
    app_client.cookies.clear()
    resp = app_client.get("/transparency")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in resp.headers["content-security-policy"]
    assert "<script" not in resp.text
    html = resp.text
    assert html.startswith("<!doctype html>") and '<html lang="en">' in html
    assert "<h1>ALPR Transparency Portal: Cerritos</h1>" in html  # the city profile names the city
    assert "Studebaker &amp; 183rd NB" in html  # escaped
    assert "Long Beach PD" in html and "Suspended PD" not in html
    assert "20.0&nbsp;%" in html  # misread rate
    assert "The audit log has not been verified yet." in html
    assert (
        PLATE not in html
        and "ana" not in html.split("<main", 1)[1].split("Usage and privacy policy")[0].lower().split()
    )


def test_policy_file_setting_overrides_the_packaged_text(
    app_client: TestClient, db: Database, settings: Any, tmp_path: Any
) -> None:
    from rtcc.governance import transparency

    policy = tmp_path / "policy.md"
    policy.write_text("# Our policy\n\nScript <script>alert(1)</script> stays text.\n")
    custom = settings.model_copy(update={"transparency_policy_file": policy})
    with db.read() as session:
        report = transparency.report(session, settings=custom)
    assert report.policy_text.startswith("# Our policy")
    html = transparency.render_html(report)
    assert "&lt;script&gt;" in html and "<script>" not in html
    missing = settings.model_copy(update={"transparency_policy_file": tmp_path / "nope.md"})
    assert "Usage and Privacy Policy" in transparency.policy_text(missing)


def test_empty_database_gives_zeros_not_errors(app_client: TestClient) -> None:
    app_client.cookies.clear()
    r = app_client.get("/api/v1/transparency").json()
    assert r["reads"] == 0 and r["camera_count"] == 0 and r["hit_alerts"]["misread_rate"] is None
    assert r["last_audit_verification"] is None
    assert app_client.get("/transparency").status_code == 200


def test_report_window_follows_the_setting(db: Database, settings: Any) -> None:
    from rtcc.governance import transparency

    cam = _cameras(db)
    _reads(db, cam, [1, 10, 20])
    narrow = settings.model_copy(update={"transparency_window_days": 7})
    with db.read() as session:
        assert transparency.report(session, settings=narrow).reads == 1
        assert transparency.report(session, settings=settings, now=datetime.now(UTC)).reads == 3


def test_page_speaks_spanish_and_shows_local_times_in_words(app_client: TestClient, db: Database, login: Any) -> None:
    from datetime import UTC, datetime

    from rtcc.core.clock import set_clock

    _seed(db)
    app_client.post("/api/v1/audit/verify", headers=login("auditor"))
    app_client.cookies.clear()
    set_clock(lambda: datetime(2026, 7, 4, 19, 5, tzinfo=UTC))  # 12:05 PM in Cerritos (PDT)
    try:
        en = app_client.get("/transparency").text
        es = app_client.get("/transparency", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}).text
        es_query = app_client.get("/transparency?lang=es", headers={"Accept-Language": "en-US"}).text
    finally:
        set_clock(None)
    assert "Jul 4, 2026, 12:05 PM PDT" in en and "UTC" not in en.split("</header>")[0]
    assert '<html lang="es">' in es and "<h1>Portal de transparencia de ALPR: Cerritos</h1>" in es
    assert "4 jul 2026, 12:05 PDT" in es and "Verificadas por una persona" in es
    assert "Lecturas de placas sin coincidencia" in es and "Registro de auditoría" in es
    assert '<td class="num" data-label="Latitud">' in es  # phones label each cell with its column
    assert es_query == es
    assert 'href="?lang=en"' in es and 'href="?lang=es"' in en
