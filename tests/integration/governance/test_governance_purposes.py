"""Purpose codes: the packaged defaults until an admin edits the list, then the table (contract C1 unchanged)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from rtcc.core.db import Database
from rtcc.core.errors import PermissionDenied, ValidationFailed
from rtcc.governance import service
from rtcc.governance.logic import DEFAULT_PURPOSES


def test_defaults_until_edited(db: Database) -> None:
    with db.read() as session:
        assert [p.code for p in service.purposes(session)] == [p.code for p in DEFAULT_PURPOSES]
        assert service.require_purpose(session, purpose="stolen_vehicle", case_number="2026-1").code == "stolen_vehicle"
        with pytest.raises(PermissionDenied):
            service.require_purpose(session, purpose="immigration_enforcement", case_number="2026-1")
        with pytest.raises(ValidationFailed, match="purpose"):
            service.require_purpose(session, purpose=None, case_number=None)


def test_admin_adds_changes_and_retires_codes(app_client: TestClient, login: Any, db: Database) -> None:
    admin = login("admin")
    analyst = login("analyst")
    body = {"label": "Hit-and-run", "requires_case": True, "description": "Vehicle fled a collision."}
    resp = app_client.put("/api/v1/governance/purposes/hit_and_run", json=body, headers=admin)
    assert resp.status_code == 200, resp.text
    codes = [p["code"] for p in app_client.get("/api/v1/governance/purposes", headers=analyst).json()]
    assert codes[-1] == "hit_and_run" and codes[: len(DEFAULT_PURPOSES)] == [p.code for p in DEFAULT_PURPOSES]

    # AMBER alerts now need a case number; silver alerts are retired
    amber = {"label": "AMBER alert", "requires_case": True}
    assert app_client.put("/api/v1/governance/purposes/amber_alert", json=amber, headers=admin).status_code == 200
    silver = {"label": "Silver alert", "requires_case": False, "active": False}
    assert app_client.put("/api/v1/governance/purposes/silver_alert", json=silver, headers=admin).status_code == 200
    with db.read() as session:
        assert service.require_purpose(session, purpose="hit_and_run", case_number="2026-9").label == "Hit-and-run"
        with pytest.raises(ValidationFailed, match="case_number"):
            service.require_purpose(session, purpose="amber_alert", case_number=None)
        with pytest.raises(ValidationFailed, match="unknown purpose"):
            service.require_purpose(session, purpose="silver_alert", case_number=None)

    assert app_client.put("/api/v1/governance/purposes/Bad Code", json=body, headers=admin).status_code == 422
    legal = {"label": "Immigration enforcement", "requires_case": True, "allowed": True}
    refused = app_client.put("/api/v1/governance/purposes/immigration_enforcement", json=legal, headers=admin)
    assert refused.status_code == 422 and "state law" in refused.json()["detail"]
    assert app_client.put("/api/v1/governance/purposes/x_y", json=body, headers=analyst).status_code == 403
    trail = app_client.get("/api/v1/audit/entries?action=purpose.", headers=login("auditor")).json()
    assert [e["target_id"] for e in trail] == ["silver_alert", "amber_alert", "hit_and_run"]
    assert trail[1]["details"]["before"]["requires_case"] is False


def test_duty_schedules_api(app_client: TestClient, login: Any) -> None:
    admin = login("admin")
    body = {"weekdays": [0, 1, 2, 3, 4], "start": "22:00", "end": "06:00"}
    resp = app_client.put("/api/v1/governance/duty-schedules/ana", json=body, headers=admin)
    assert resp.status_code == 200 and resp.json()["start"] == "22:00"
    bad = app_client.put("/api/v1/governance/duty-schedules/ana", json={**body, "start": "25:00"}, headers=admin)
    assert bad.status_code == 422
    tz = app_client.put(
        "/api/v1/governance/duty-schedules/ana", json={**body, "timezone": "Mars/Olympus"}, headers=admin
    )
    assert tz.status_code == 422 and "timezone" in tz.json()["detail"]
    listed = app_client.get("/api/v1/governance/duty-schedules", headers=login("auditor")).json()
    assert [s["actor"] for s in listed] == ["ana"]
    assert app_client.delete("/api/v1/governance/duty-schedules/ana", headers=admin).status_code == 204
    assert app_client.delete("/api/v1/governance/duty-schedules/ana", headers=admin).status_code == 404
