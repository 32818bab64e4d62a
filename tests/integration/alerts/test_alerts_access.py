"""Security test findings (issue 15, part 1): every screen that shows plates outside search (the alert queue, hotlist
entry lists, the sharing log) names a purpose and leaves ONE ``alpr.access`` audit record per response listing the
plates shown; a request without a purpose is refused before any plate is read. A nested sharing query no longer
crashes the audit write (which rolled the request's own record back with it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from test_alerts_api import _hit

from rtcc.audit.models import AuditEntry
from rtcc.core.db import Database
from rtcc.governance.models import SharingRequest
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM
from rtcc.identity.schemas import ApiKeyCreate

Login = Callable[..., dict[str, str]]


def _access(db: Database) -> list[AuditEntry]:
    with db.read() as s:
        rows = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "alpr.access").order_by(AuditEntry.seq)))
        s.expunge_all()
    return rows


def test_alert_list_needs_a_purpose_and_records_one_access_per_page(
    app_client: TestClient, db: Database, login: Login
) -> None:
    analyst = login("analyst", "ana")
    for plate in ("1AAA111", "2BBB222", "3CCC333"):
        _hit(db, app_client, plate)
    refused = app_client.get("/api/v1/alerts", headers=analyst)
    assert refused.status_code == 422 and "purpose" in refused.json()["detail"]
    assert app_client.get("/api/v1/alerts?purpose=nonsense", headers=analyst).status_code == 422
    forbidden = app_client.get("/api/v1/alerts?purpose=immigration_enforcement", headers=analyst)
    assert forbidden.status_code == 403
    assert _access(db) == []

    page = app_client.get("/api/v1/alerts", params={"purpose": "hit_verification"}, headers=analyst)
    assert page.status_code == 200 and page.json()["total"] == 3
    [record] = _access(db)
    assert record.actor == "ana" and record.target_id == "alerts.list"
    assert record.details["purpose"] == "hit_verification"
    assert sorted(record.details["plates"]) == ["1AAA111", "2BBB222", "3CCC333"]
    assert record.details["plate_count"] == 3

    case = app_client.get("/api/v1/alerts", params={"purpose": "stolen_vehicle"}, headers=analyst)
    assert case.status_code == 422 and "case_number" in case.json()["detail"]
    empty = app_client.get(
        "/api/v1/alerts", params={"purpose": "hit_verification", "since": "2999-01-01T00:00:00Z"}, headers=analyst
    )
    assert empty.status_code == 200 and len(_access(db)) == 1  # no plate shown, nothing to record


def test_hotlist_entries_record_the_plates_shown(app_client: TestClient, db: Database, login: Login) -> None:
    admin, analyst = login("admin"), login("analyst", "hana")
    made = app_client.post("/api/v1/hotlists", json={"name": "Local BOLO", "category": "bolo"}, headers=admin)
    assert made.status_code == 201, made.text
    hid = made.json()["id"]
    for plate in ("4DDD444", "5EEE555"):
        resp = app_client.post(f"/api/v1/hotlists/{hid}/entries", json={"plate": plate}, headers=admin)
        assert resp.status_code == 201, resp.text
    assert app_client.get(f"/api/v1/hotlists/{hid}/entries", headers=analyst).status_code == 422
    shown = app_client.get(f"/api/v1/hotlists/{hid}/entries", params={"purpose": "audit_review"}, headers=analyst)
    assert shown.status_code == 200 and shown.json()["total"] == 2
    [record] = _access(db)
    assert record.target_id == "hotlists.entries" and record.actor == "hana"
    assert sorted(record.details["plates"]) == ["4DDD444", "5EEE555"]
    assert record.details["hotlist_id"] == hid


def _agency(app_client: TestClient, db: Database, admin: dict[str, str]) -> dict[str, str]:
    body = {
        "code": "lbpd",
        "name": "Long Beach Police Department",
        "data_classes": ["reads_hit"],
        "purposes": ["stolen_vehicle"],
    }
    assert app_client.post("/api/v1/sharing/agencies", json=body, headers=admin).status_code == 201
    with db.uow() as session:
        _k, secret = identity.create_api_key(session, ApiKeyCreate(name="lbpd-key", agency="lbpd"), actor=SYSTEM)
    return {"X-API-Key": secret}


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"plate": "7NEST77"}
    for _ in range(depth):
        value = {"q": value}
    return value


def test_nested_sharing_query_is_logged_and_denied_not_a_500(
    app_client: TestClient, db: Database, login: Login
) -> None:
    key = _agency(app_client, db, login("admin"))
    payload = {"data_class": "reads_hit", "purpose": "stolen_vehicle", "case_number": "LB-2026-1", "query": {}}
    for query in (_nested(300), {"plate": "7ABC123", "start": {"$gt": [1, {"a": 2**70}]}}, {"plate": 2**80}):
        resp = app_client.post("/api/v1/sharing/requests", json={**payload, "query": query}, headers=key)
        assert resp.status_code == 200, resp.text
        assert resp.json()["decision"] == "deny" and resp.json()["reason_code"] == "invalid_query"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(SharingRequest)) == 3
        logged = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "sharing.request")))
        s.expunge_all()
    assert len(logged) == 3
    assert "nested too deep" in str(logged[0].details["query"])


def test_sharing_log_records_the_plates_it_shows(app_client: TestClient, db: Database, login: Login) -> None:
    admin = login("admin")
    key = _agency(app_client, db, admin)
    payload = {"data_class": "reads_hit", "purpose": "stolen_vehicle", "case_number": "LB-2026-1"}
    assert (
        app_client.post(
            "/api/v1/sharing/requests", json={**payload, "query": {"plate": "8FFF888"}}, headers=key
        ).status_code
        == 200
    )
    auditor = login("auditor", "audrey")
    assert app_client.get("/api/v1/sharing/requests", headers=auditor).status_code == 422
    log = app_client.get("/api/v1/sharing/requests", params={"purpose": "audit_review"}, headers=auditor)
    assert log.status_code == 200 and log.json()[0]["query"] == {"plate": "8FFF888"}
    [record] = [r for r in _access(db) if r.target_id == "sharing.requests"]
    assert record.actor == "audrey" and record.details["plates"] == ["8FFF888"]
