"""Sharing policy through the API: agencies administered by admins, requests from agency API keys decided in code
(allow, and each deny reason), every request logged as a row and an audit entry; the admin CLI."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from rtcc.alpr import cameras as alpr_cameras
from rtcc.alpr.models import Read
from rtcc.alpr.schemas import CameraCreate
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM
from rtcc.identity.schemas import ApiKeyCreate
from rtcc.settings import Settings

LBPD = {
    "code": "lbpd",
    "name": "Long Beach Police Department",
    "data_classes": ["reads_hit"],
    "purposes": ["stolen_vehicle", "amber_alert"],
    "contact": "rtcc@lbpd.example",
}


def agency_key(db: Database, code: str) -> dict[str, str]:
    with db.uow() as session:
        _k, secret = identity.create_api_key(session, ApiKeyCreate(name=f"{code}-key", agency=code), actor=SYSTEM)
    return {"X-API-Key": secret}


@pytest.fixture
def listed(app_client: TestClient, login: Any) -> dict[str, str]:
    admin = login("admin")
    resp = app_client.post("/api/v1/sharing/agencies", json=LBPD, headers=admin)
    assert resp.status_code == 201, resp.text
    suspended = {**LBPD, "code": "OCSD", "name": "Orange County Sheriff", "active": False}
    assert app_client.post("/api/v1/sharing/agencies", json=suspended, headers=admin).status_code == 201
    # the requests below name a case on our record (a BOLO filed under it): a reads request over a plate's whole
    # history goes beyond the purpose's case-free window (tests/integration/investigations/test_search_bounds.py)
    bolo = app_client.post("/api/v1/hotlists", json={"name": "LB cases", "category": "bolo"}, headers=admin)
    entry = {"plate": "0LBCASE", "case_number": "LB-2026-77"}
    assert (
        app_client.post(f"/api/v1/hotlists/{bolo.json()['id']}/entries", json=entry, headers=admin).status_code == 201
    )
    return admin


def test_agency_administration(app_client: TestClient, login: Any, listed: dict[str, str]) -> None:
    body = app_client.get("/api/v1/sharing/agencies", headers=login("analyst")).json()
    assert [a["code"] for a in body] == ["LBPD", "OCSD"]
    assert body[0]["purposes"] == ["amber_alert", "stolen_vehicle"]
    assert app_client.post("/api/v1/sharing/agencies", json=LBPD, headers=listed).status_code == 409
    forbidden = {**LBPD, "code": "ICE", "purposes": ["immigration_enforcement"]}
    resp = app_client.post("/api/v1/sharing/agencies", json=forbidden, headers=listed)
    assert resp.status_code == 422 and "purposes" in resp.json()["detail"]
    bad_class = app_client.post(
        "/api/v1/sharing/agencies", json={**LBPD, "code": "X1", "data_classes": ["all"]}, headers=listed
    )
    assert bad_class.status_code == 422
    assert (
        app_client.post("/api/v1/sharing/agencies", json={**LBPD, "code": "X2"}, headers=login("analyst")).status_code
        == 403
    )
    patched = app_client.patch(
        "/api/v1/sharing/agencies/ocsd", json={"active": True, "data_classes": ["alerts"]}, headers=listed
    )
    assert (
        patched.status_code == 200 and patched.json()["active"] is True and patched.json()["data_classes"] == ["alerts"]
    )
    assert app_client.get("/api/v1/sharing/agencies/NOPE", headers=listed).status_code == 404


def _ask(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    payload = {"data_class": "reads_hit", "purpose": "stolen_vehicle", "case_number": "LB-2026-77", **body}
    resp = client.post("/api/v1/sharing/requests", json=payload, headers=headers)
    assert resp.status_code == 200, resp.text
    result: dict[str, Any] = resp.json()
    return result


def test_requests_are_decided_by_policy_and_logged(
    app_client: TestClient, login: Any, db: Database, listed: dict[str, str]
) -> None:
    lbpd = agency_key(db, "LBPD")
    allowed = _ask(app_client, lbpd, query={"plate": "7ABC123"})
    assert allowed["decision"] == "allow" and allowed["agency"] == "LBPD" and allowed["request_id"]

    cases = [
        (lbpd, {"data_class": "images"}, "data_class_not_allowed"),
        (lbpd, {"purpose": "felony_investigation"}, "purpose_not_allowed"),
        (lbpd, {"case_number": None}, "case_required"),
        (lbpd, {"purpose": "immigration_enforcement"}, "forbidden_purpose"),
        (lbpd, {"purpose": "whatever"}, "unknown_purpose"),
        (lbpd, {"data_class": "everything"}, "unknown_data_class"),
        (agency_key(db, "OCSD"), {}, "inactive_agency"),
        (agency_key(db, "NOPE"), {}, "unknown_agency"),
    ]
    for headers, body, code in cases:
        denied = _ask(app_client, headers, **body)
        assert denied["decision"] == "deny" and denied["reason_code"] == code, (body, denied)
        assert denied["results"] is None

    auditor = login("auditor")
    log = app_client.get("/api/v1/sharing/requests?limit=100&purpose=audit_review", headers=auditor).json()
    assert len(log) == 1 + len(cases)
    assert sum(1 for r in log if r["decision"] == "allow") == 1
    assert app_client.get("/api/v1/sharing/requests?decision=allow&purpose=audit_review", headers=auditor).json()[0][
        "query"
    ] == {"plate": "7ABC123"}
    entries = app_client.get("/api/v1/audit/entries?action=sharing.request", headers=auditor).json()
    assert len(entries) == 1 + len(cases)
    newest = entries[0]
    assert newest["actor_role"] == "agency" and newest["details"]["agency"] == "NOPE"
    assert newest["details"]["decision"] == "deny" and newest["details"]["reason"]
    ice = [e for e in entries if e["details"]["purpose"] == "immigration_enforcement"]
    assert len(ice) == 1 and ice[0]["details"]["decision"] == "deny"


def test_only_agency_keys_may_request(app_client: TestClient, login: Any, listed: dict[str, str]) -> None:
    body = {"data_class": "reads_hit", "purpose": "stolen_vehicle", "case_number": "LB-1"}
    assert app_client.post("/api/v1/sharing/requests", json=body, headers=listed).status_code == 403
    app_client.cookies.clear()  # the login fixture leaves a session cookie behind
    assert app_client.post("/api/v1/sharing/requests", json=body).status_code == 401


def test_cli_agencies_and_purposes(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from rtcc import cli
    from rtcc.settings import get_settings

    monkeypatch.setenv("RTCC_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        cli._register_domains()
        runner = CliRunner()
        added = runner.invoke(
            cli.app,
            [
                "governance",
                "agencies",
                "add",
                "nwk",
                "--name",
                "Norwalk Station",
                "--classes",
                "reads_hit,alerts",
                "--purposes",
                "amber_alert",
            ],
        )
        assert added.exit_code == 0, added.output
        bad = runner.invoke(cli.app, ["governance", "agencies", "add", "x9", "--name", "X", "--purposes", "nope"])
        assert bad.exit_code == 1 and "unknown purpose" in bad.output
        listed = runner.invoke(cli.app, ["governance", "agencies", "list"])
        assert listed.exit_code == 0 and "NWK" in listed.output and "alerts, reads_hit" in listed.output
        suspended = runner.invoke(cli.app, ["governance", "agencies", "set", "NWK", "--suspend"])
        assert suspended.exit_code == 0 and "suspended" in suspended.output
        purposes = runner.invoke(cli.app, ["governance", "purposes", "list"])
        assert (
            purposes.exit_code == 0 and "immigration_enforcement" in purposes.output and "FORBIDDEN" in purposes.output
        )
        report = runner.invoke(cli.app, ["governance", "transparency"])
        assert report.exit_code == 0, report.output
        assert json.loads(report.output)["agencies"] == []  # NWK is suspended: not published
    finally:
        get_settings.cache_clear()


def _reads_of(db: Database, plate: str) -> dict[str, uuid.UUID]:
    now = utcnow()
    ids: dict[str, uuid.UUID] = {}
    with db.uow() as session:
        cam = alpr_cameras.register_camera(session, CameraCreate(code="CER-09", name="Cam 9"), actor=SYSTEM)
        for name, hit, age in (("hit", True, 1), ("plain", False, 2), ("other_plate", True, 1)):
            rid = uuid.uuid4()
            at = now - timedelta(days=age)
            session.add(
                Read(
                    id=rid,
                    camera_id=cam.id,
                    plate=plate if name != "other_plate" else "1OTHER1",
                    plate_norm=plate if name != "other_plate" else "1OTHER1",
                    plate_ocr=plate,
                    observed_at=at,
                    received_at=at,
                    source="rest",
                    is_hit=hit,
                    image_ref="img/secret.jpg",
                )
            )
            ids[name] = rid
    return ids


def test_allowed_reads_request_is_answered_within_its_class(
    app_client: TestClient, login: Any, db: Database, listed: dict[str, str]
) -> None:
    ids = _reads_of(db, "7ABC123")
    lbpd = agency_key(db, "LBPD")  # may receive reads_hit only, no images
    got = _ask(app_client, lbpd, query={"plate": "7abc 123"})
    assert got["decision"] == "allow" and got["result_count"] == 1
    [read] = got["results"]
    assert read["id"] == str(ids["hit"]) and "image_ref" not in read

    # a broader agency: both read classes and images; it still gets only the class it asked for
    wide = {**LBPD, "code": "WIDE", "data_classes": ["reads_hit", "reads_nonhit", "images", "alerts"]}
    assert app_client.post("/api/v1/sharing/agencies", json=wide, headers=listed).status_code == 201
    wide_key = agency_key(db, "WIDE")
    plain = _ask(app_client, wide_key, data_class="reads_nonhit", query={"plate": "7ABC123"})
    assert [r["id"] for r in plain["results"]] == [str(ids["plain"])]
    assert plain["results"][0]["image_ref"] == "img/secret.jpg"
    alerts = _ask(app_client, wide_key, data_class="alerts", query={"plate": "7ABC123"})
    assert alerts["decision"] == "allow" and alerts["results"] is None and alerts["request_id"] in alerts["note"]

    for query, fragment in (({"plate": "7AB*"}, "wildcards"), ({}, "plate"), ({"plate": "7ABC123", "x": 1}, "unknown")):
        denied = _ask(app_client, lbpd, query=query)
        assert (
            denied["decision"] == "deny" and denied["reason_code"] == "invalid_query" and fragment in denied["reason"]
        )

    auditor = login("auditor")
    searches = app_client.get("/api/v1/audit/entries?action=alpr.search", headers=auditor).json()
    assert {e["actor_role"] for e in searches} == {"agency"} and len(searches) == 2  # the two reads answers
    logged = app_client.get("/api/v1/sharing/requests?agency=lbpd&purpose=audit_review", headers=auditor).json()
    assert [r["result_count"] for r in logged if r["decision"] == "allow"] == [1]
