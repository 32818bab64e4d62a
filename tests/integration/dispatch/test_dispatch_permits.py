"""The alarm-permit registry: CRUD for dispatchers and supervisors, false alarms counted against a permit when its
calls close as false alarms (once per call, withdrawn on reopen), "verified response required" after N of them in 12
months, a burglary alarm for such a permit held back until a dispatcher records its verification, and the
``rtcc dispatch permits`` commands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alarm_support import cerritos_rule, company, event, permitted_premise
from dispatch_support import PARK
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from rtcc.audit import service as audit
from rtcc.core.db import Database
from rtcc.dispatch.cli import dispatch as dispatch_cli
from rtcc.settings import get_settings

API = "/api/v1/dispatch"


def _alarm(client: TestClient, key: dict[str, str]) -> dict[str, Any]:
    resp = client.post(f"{API}/alarms", json=event(), headers=key)
    assert resp.status_code == 201, resp.text
    alarm: dict[str, Any] = resp.json()["alarm"]
    return alarm


def _close(client: TestClient, headers: dict[str, str], call_id: str, disposition: str = "false_alarm") -> None:
    resp = client.post(f"{API}/calls/{call_id}/close", json={"disposition": disposition}, headers=headers)
    assert resp.status_code == 200, resp.text


def test_permit_crud_for_dispatchers(app_client: TestClient, login: Any, db: Database) -> None:
    disp, guard, cso = login("dispatcher"), login("guard"), login("cso")
    premise = app_client.post(
        f"{API}/premises", json={"address": "12701 Ashworth Pl", "lat": PARK[0], "lon": PARK[1]}, headers=disp
    ).json()
    body = {"number": "AP-77", "premise_id": premise["id"], "holder": "Lee Park"}
    assert app_client.post(f"{API}/permits", json=body, headers=guard).status_code == 403
    assert app_client.post(f"{API}/permits", json=body, headers=cso).status_code == 403
    made = app_client.post(f"{API}/permits", json=body, headers=disp)
    assert made.status_code == 201, made.text
    permit = made.json()
    assert (permit["false_alarms_12m"], permit["verified_response_required"], permit["expired"]) == (0, False, False)
    assert app_client.post(f"{API}/permits", json=body, headers=disp).status_code == 409
    bad = app_client.post(f"{API}/permits", json={**body, "number": "X", "company": "nobody"}, headers=disp)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "company"
    assert app_client.get(f"{API}/premises/{premise['id']}", headers=disp).json()["alarm_permit"] == "AP-77"
    listed = app_client.get(f"{API}/permits", params={"q": "ashworth"}, headers=disp)
    assert listed.headers["X-Total-Count"] == "1" and listed.json()[0]["number"] == "AP-77"
    changed = app_client.patch(
        f"{API}/permits/{permit['id']}", json={"status": "suspended", "expires_on": "2020-01-31"}, headers=disp
    ).json()
    assert (changed["status"], changed["expired"]) == ("suspended", True)
    assert app_client.delete(f"{API}/permits/{permit['id']}", headers=disp).status_code == 204
    assert app_client.get(f"{API}/permits/{permit['id']}", headers=disp).status_code == 404
    with db.read() as s:
        actions = {e.action for e in audit.search(s, action="dispatch.permit.")}
    assert actions == {"dispatch.permit.create", "dispatch.permit.update", "dispatch.permit.delete"}


def test_false_alarms_count_and_require_verification_after_n(app_client: TestClient, login: Any, db: Database) -> None:
    cerritos_rule(db)
    _premise, permit_id = permitted_premise(db)
    acme = company(db, "acme")
    disp = login("dispatcher")
    first = _alarm(app_client, acme)
    _close(app_client, disp, first["call_id"])
    # a reopened call stops counting; closed again as a false alarm it counts once
    assert app_client.post(
        f"{API}/calls/{first['call_id']}/reopen", json={"reason": "keyholder"}, headers=disp
    ).is_success
    assert app_client.get(f"{API}/permits/{permit_id}", headers=disp).json()["false_alarms_12m"] == 0
    _close(app_client, disp, first["call_id"])
    second = _alarm(app_client, acme)
    _close(app_client, disp, second["call_id"], "report_taken")  # a real burglary does not count
    for _ in range(2):
        _close(app_client, disp, _alarm(app_client, acme)["call_id"])
    permit = app_client.get(f"{API}/permits/{permit_id}", headers=disp).json()
    assert (permit["false_alarms_12m"], permit["false_alarm_limit"]) == (3, 3)
    assert permit["verified_response_required"] is True
    with db.read() as s:
        reached = audit.search(s, action="dispatch.permit.verified_response_required", target_id=str(permit_id))
        assert len(reached) == 1 and reached[0].details["false_alarms_12m"] == 3

    held = _alarm(app_client, acme)
    assert held["verification_required"] is True and held["call_priority"] == "Routine"
    call = app_client.get(f"{API}/calls/{held['call_id']}", headers=disp).json()
    assert call["priority_basis"] == "verification_required" and call["status"] == "queued"
    assert any("VERIFICATION REQUIRED" in n["text"] for n in call["notes"])

    guard = login("guard")
    verify = {"method": "camera", "note": "doorbell camera shows a person at the rear slider"}
    assert app_client.post(f"{API}/calls/{held['call_id']}/alarm/verify", json=verify, headers=guard).status_code == 403
    done = app_client.post(f"{API}/calls/{held['call_id']}/alarm/verify", json=verify, headers=disp)
    assert done.status_code == 200, done.text
    assert done.json()["verification_method"] == "camera" and done.json()["call_priority"] == "Priority"
    call = app_client.get(f"{API}/calls/{held['call_id']}", headers=disp).json()
    assert (call["priority"], call["priority_basis"]) == ("Priority", "rule")
    assert app_client.post(f"{API}/calls/{held['call_id']}/alarm/verify", json=verify, headers=disp).status_code == 409
    with db.read() as s:
        (entry,) = audit.search(s, action="dispatch.call.alarm.verify", target_id=held["call_id"])
        assert entry.details["method"] == "camera"


def test_a_hold_up_alarm_is_never_held_for_verification(app_client: TestClient, login: Any, db: Database) -> None:
    permitted_premise(db)
    acme = company(db, "acme")
    disp = login("dispatcher")
    for _ in range(3):
        _close(app_client, disp, _alarm(app_client, acme)["call_id"])
    resp = app_client.post(f"{API}/alarms", json=event(category="holdup"), headers=acme)
    assert resp.status_code == 201, resp.text
    alarm = resp.json()["alarm"]
    assert alarm["verification_required"] is False and alarm["call_priority"] == "Emergent"


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)
    monkeypatch.setenv("RTCC_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        yield tmp_path
    finally:
        get_settings.cache_clear()


def test_the_permits_commands(db: Database, env: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(dispatch_cli, ["alarm-companies", "add", "acme", "--name", "Acme Monitoring"])
    assert out.exit_code == 0, out.output
    key = runner.invoke(dispatch_cli, ["alarm-companies", "key", "acme"])
    assert key.exit_code == 0 and "rtcck_" in key.output
    premise_id, _permit = permitted_premise(db, "AP-9", company_code="acme")
    added = runner.invoke(
        dispatch_cli,
        ["permits", "add", "AP-10", "--premise", str(premise_id), "--holder", "Kim", "--expires", "2020-05-01"],
    )
    assert added.exit_code == 0 and "(expired)" in added.output, added.output
    listed = runner.invoke(dispatch_cli, ["permits", "list"])
    assert "AP-9" in listed.output and "AP-10" in listed.output and "2 permit(s)" in listed.output
    changed = runner.invoke(dispatch_cli, ["permits", "set", "AP-9", "--status", "revoked"])
    assert changed.exit_code == 0 and "revoked" in changed.output
    shown = runner.invoke(dispatch_cli, ["permits", "show", "AP-9"])
    assert "acme" in shown.output and "false alarms 12m 0/3" in shown.output
    missing = runner.invoke(dispatch_cli, ["permits", "show", "AP-404"])
    assert missing.exit_code == 1 and "no alarm permit" in missing.output
