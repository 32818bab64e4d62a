"""Administration and audit screens in a real browser: a legal hold through the two-person rule (request, approve by
another person, release), user administration (role, deactivation, a sensor key shown once that works and then is
revoked), the misuse queue (a real flag from repeated lookups, a scan run from the page, its evidence, resolution)
and the sharing policy (an agency added on screen, its API key's allowed and forbidden requests in the on-screen log).
Every step is checked on the page and against the API."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from e2e_support import Browser, Server

LONG = 20_000


def _needs(server: Server, *paths: str) -> None:
    for p in paths:
        if not server.has_api(p):
            pytest.skip(f"{p} is not installed in this build")


def _unlabelled_controls(page: Any) -> list[str]:
    """Form controls without an accessible name (label, aria-label or aria-labelledby)."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea, button, summary')]
                .filter(e => e.type !== 'hidden' && !e.closest('.trap, .leaflet-control-attribution'))
                .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                             && !e.getAttribute('aria-labelledby')
                             && !(['BUTTON', 'SUMMARY'].includes(e.tagName) && e.textContent.trim()) && !e.title)
                .map(e => e.outerHTML.slice(0, 120))"""
        )
    )


def _open(browser: Browser, server: Server, path: str) -> Any:
    page = browser.page
    page.goto(f"{server.base_url}{path}")
    return page


def test_legal_hold_requested_approved_by_another_and_released(server: Server, browser: Browser, sign_in: Any) -> None:
    _needs(server, "/api/v1/holds")
    case = f"E2E-HOLD-{uuid.uuid4().hex[:6].upper()}"
    review = (date.today() + timedelta(days=60)).isoformat()
    # a hold names a case on record: a BOLO is filed under it first
    bolo = server.api("POST", "/api/v1/hotlists", "supervisor", json={"name": f"BOLO {case}", "category": "bolo"})
    filed = server.api("POST", f"/api/v1/hotlists/{bolo.json()['id']}/entries", "supervisor",
                       json={"plate": "0HOLD00", "case_number": case})  # fmt: skip
    assert filed.status_code == 201, filed.text

    # the analyst requests the hold
    sign_in(browser, "analyst")
    page = _open(browser, server, "/app/governance")
    form = page.locator('form[aria-label="Request a hold"]')
    form.get_by_label("Case number").fill(case)
    form.get_by_label("Reason").fill("Evidence for a burglary series")
    form.get_by_label("Plates").fill("7ABC123, 8XYZ999")
    form.get_by_label("Review date").fill(review)
    form.get_by_role("button", name="Request a hold").click()
    row = page.locator("#holds tbody tr").filter(has_text=case)
    row.locator('[data-status="requested"]').wait_for()
    assert row.get_by_role("button", name="Approve").count() == 0  # the analyst may not approve
    browser.shot("admin-01-hold-requested")
    [hold] = [h for h in server.api("GET", "/api/v1/holds?limit=100", "supervisor").json() if h["case_number"] == case]
    assert hold["status"] == "requested" and hold["requested_by"] == "analyst"
    assert hold["review_date"] == review and sorted(hold["plates"]) == ["7ABC123", "8XYZ999"]

    # a supervisor (another person) approves it; it is active
    page.locator("#sign-out").click()
    sign_in(browser, "supervisor")
    page = _open(browser, server, "/app/governance")
    row = page.locator("#holds tbody tr").filter(has_text=case)
    row.get_by_role("button", name="Approve").click()
    row.locator('[data-status="active"]').wait_for()
    browser.shot("admin-02-hold-active")
    got = server.api("GET", f"/api/v1/holds/{hold['id']}", "supervisor").json()
    assert got["status"] == "active" and got["decided_by"] == "supervisor"

    # and releases it
    row.get_by_role("button", name="Release").click()
    row.locator('[data-status="released"]').wait_for()
    assert row.get_by_role("button", name="Release").count() == 0
    browser.shot("admin-03-hold-released")
    got = server.api("GET", f"/api/v1/holds/{hold['id']}", "supervisor").json()
    assert got["status"] == "released" and got["released_by"] == "supervisor"


def _read(camera: str) -> dict[str, Any]:
    from rtcc.demo import world

    cam = world.camera(camera)
    return {
        "reads": [
            {
                "plate": "6KEY001",
                "region": "CA",
                "confidence": 91.0,
                "observed_at": datetime.now(UTC).isoformat(),
                "camera": camera,
                "lat": cam.lat,
                "lon": cam.lon,
                "id": f"e2e-{uuid.uuid4().hex}",
            }
        ]
    }


def _login(server: Server, username: str) -> httpx.Response:
    return httpx.post(f"{server.base_url}/api/v1/auth/login", json={"username": username, "password": server.password})


def test_users_role_deactivation_and_a_sensor_key(server: Server, browser: Browser, sign_in: Any) -> None:
    page = browser.page
    page.on("dialog", lambda d: d.accept())
    sign_in(browser, "admin")
    page.get_by_role("link", name="Users & keys").click()
    users = page.locator("#users")
    users.wait_for()

    # change the officer's role
    page.get_by_label("Role of officer").select_option("dispatcher")
    page.locator("#users-status").filter(has_text="officer is now dispatcher").wait_for()
    listed = {u["username"]: u for u in server.api("GET", "/api/v1/users", "admin").json()}
    assert listed["officer"]["role"] == "dispatcher"

    # put the officer in a division of the city profile (Cerritos has one station); the header names what one sees
    page.get_by_label("Division of officer").select_option("CER")
    page.locator("#users-status").filter(has_text="officer now belongs to division Cerritos Station").wait_for()
    listed = {u["username"]: u for u in server.api("GET", "/api/v1/users", "admin").json()}
    assert listed["officer"]["division"] == "CER"
    page.locator("#my-division").filter(has_text="Station: Cerritos Station").wait_for()

    # deactivate program_staff, who then cannot sign in
    assert _login(server, "program_staff").status_code == 200
    page.get_by_label("program_staff is active").uncheck()
    page.locator("#users-status").filter(has_text="program_staff is deactivated").wait_for()
    listed = {u["username"]: u for u in server.api("GET", "/api/v1/users", "admin").json()}
    assert listed["program_staff"]["is_active"] is False
    refused = _login(server, "program_staff")
    assert refused.status_code in (401, 403), refused.text
    browser.shot("admin-04-users")
    page.reload()  # the change is kept
    expect_unchecked = page.get_by_label("program_staff is active")
    expect_unchecked.wait_for()
    assert not expect_unchecked.is_checked()
    assert page.get_by_label("Role of officer").input_value() == "dispatcher"

    # a sensor key: the secret is shown once and works against the ingest API
    name = f"e2e-sensor-{uuid.uuid4().hex[:6]}"
    kform = page.locator('form[aria-label="Create a key"]')
    kform.get_by_label("Kind of key").select_option("sensor")
    kform.get_by_label("Name").fill(name)
    kform.get_by_label("Cameras").fill("CER-ALPR-04")
    kform.get_by_role("button", name="Create a key").click()
    secret_node = page.locator("#new-key-secret")
    secret_node.wait_for()
    secret = secret_node.inner_text().strip()
    assert len(secret) > 20
    row = page.locator("#api-keys tbody tr").filter(has_text=name)
    row.wait_for()
    assert secret not in row.inner_text()  # the list never shows the secret
    browser.shot("admin-05-key-created")
    ok = httpx.post(f"{server.base_url}/api/v1/reads", json=_read("CER-ALPR-04"), headers={"X-API-Key": secret})
    assert ok.status_code == 202 and ok.json()["accepted"] == 1, ok.text
    [key] = [k for k in server.api("GET", "/api/v1/api-keys", "admin").json() if k["name"] == name]
    assert key["camera_codes"] == ["CER-ALPR-04"] and key["revoked_at"] is None
    page.reload()
    assert page.locator("#new-key-secret").count() == 0  # shown once: gone after a reload

    # revoke it: the ingest API refuses it from then on
    page.get_by_role("button", name=f"Revoke {name}").click()
    page.locator("#api-keys tbody tr").filter(has_text=name).filter(has_text="revoked").wait_for()
    refused = httpx.post(f"{server.base_url}/api/v1/reads", json=_read("CER-ALPR-04"), headers={"X-API-Key": secret})
    assert refused.status_code in (401, 403), refused.text
    [key] = [k for k in server.api("GET", "/api/v1/api-keys", "admin").json() if k["name"] == name]
    assert key["revoked_at"] is not None
    browser.shot("admin-06-key-revoked")


def test_misuse_flag_scanned_from_the_page_with_evidence_and_resolved(
    server: Server, browser: Browser, sign_in: Any
) -> None:
    _needs(server, "/api/v1/governance/misuse-flags", "/api/v1/governance/misuse-scans", "/api/v1/search/plates")
    plate = f"9E2E{uuid.uuid4().hex[:3].upper()}"
    # the analyst looks one plate up four times without a case number (a purpose that needs none)
    now = datetime.now(UTC)  # inside hit_verification's case-free window (2 h)
    recent = {"start": (now - timedelta(hours=1)).isoformat(), "end": (now + timedelta(minutes=30)).isoformat()}
    for _ in range(4):
        body = {"plate": plate, "purpose": "hit_verification", **recent}
        r = server.api("POST", "/api/v1/search/plates", "analyst", json=body)
        assert r.status_code == 200, r.text
    subject = f"analyst|{plate}"
    before = server.api("GET", "/api/v1/governance/misuse-flags?limit=500", "auditor").json()["items"]
    assert not [f for f in before if f["subject"] == subject]  # nothing yet: the scan raises it

    page = browser.page
    sign_in(browser, "auditor")
    page.get_by_role("link", name="Audit").click()
    page.get_by_role("button", name="Run a misuse scan now").click()
    page.locator("#misuse-status").filter(has_text="Scan done").wait_for(timeout=LONG)
    row = page.locator("#misuse-flags tbody tr").filter(has_text=subject)
    row.wait_for()
    assert "one plate looked up repeatedly without a case" in row.inner_text()
    assert row.locator('[data-status="open"]').count() == 1

    # its evidence: the four searches it cites, from the audit log
    row.get_by_label(f"Evidence for the flag on {subject}").click()
    cited = row.locator(".evidence-entries tbody tr")
    cited.first.wait_for()
    assert cited.count() == 4
    assert all("alpr.search" in t and "analyst" in t for t in cited.all_inner_texts())
    assert plate in row.locator(".evidence").inner_text()
    row.scroll_into_view_if_needed()
    browser.shot("admin-07-misuse-evidence")
    flags = server.api("GET", "/api/v1/governance/misuse-flags?limit=500", "auditor").json()["items"]
    [flag] = [f for f in flags if f["subject"] == subject]
    assert flag["detector"] == "repeated_plate" and len(flag["evidence"]["seqs"]) == 4

    # resolve it
    row.locator("summary", has_text="Resolve").click()
    form = page.locator(f'form[aria-label="Resolve the flag on {subject}"]')
    form.get_by_label("Outcome").select_option("training")
    form.get_by_label("Note").fill("Spoke with the analyst; refresher on case numbers scheduled.")
    form.get_by_role("button", name="Resolve").click()
    page.locator("#misuse-status").filter(has_text="is resolved").wait_for()
    row = page.locator("#misuse-flags tbody tr").filter(has_text=subject)
    row.locator('[data-status="resolved"]').wait_for()
    assert "requires training" in row.inner_text() or "training" in row.inner_text()
    assert "Resolved by auditor" in row.inner_text()
    row.scroll_into_view_if_needed()
    browser.shot("admin-08-misuse-resolved")
    got = server.api("GET", f"/api/v1/governance/misuse-flags/{flag['id']}", "auditor").json()
    assert got["status"] == "resolved" and got["disposition"] == "training" and got["resolved_by"] == "auditor"


def test_sharing_agency_added_on_screen_and_requests_logged(server: Server, browser: Browser, sign_in: Any) -> None:
    _needs(server, "/api/v1/sharing/agencies", "/api/v1/sharing/requests")
    code = f"E2E-PD-{uuid.uuid4().hex[:4].upper()}"
    page = browser.page
    page.on("dialog", lambda d: d.accept())
    sign_in(browser, "admin")
    page = _open(browser, server, "/app/governance")
    form = page.locator("#agency-form")
    form.wait_for()
    # forbidden purposes are not offered
    assert form.get_by_label(re.compile("Immigration enforcement")).count() == 0
    assert "Immigration enforcement" in form.inner_text()  # but named as never allowed
    form.get_by_label("Code").fill(code)
    form.get_by_label("Agency").fill("E2E Police Department")
    form.get_by_label("Contact").fill("records@e2e-pd.example")
    form.get_by_label(re.compile(r"^Alerts")).check()
    form.get_by_label(re.compile(r"^Hotlist hits")).check()
    form.get_by_label(re.compile(r"^Stolen vehicle")).check()
    form.get_by_label(re.compile(r"^AMBER alert")).check()
    form.get_by_role("button", name="Save the agency").click()
    page.locator("#sharing-status").filter(has_text=f"Agency {code} added").wait_for()
    row = page.locator("#sharing-agencies tbody tr").filter(has_text=code)
    row.wait_for()
    assert "Stolen vehicle" in row.inner_text() and "Alerts" in row.inner_text()
    row.scroll_into_view_if_needed()
    browser.shot("admin-09-agency-added")
    assert _unlabelled_controls(page) == []
    agency = server.api("GET", f"/api/v1/sharing/agencies/{code}", "admin").json()
    assert agency["data_classes"] == ["alerts", "hotlist_hits"]
    assert agency["purposes"] == ["amber_alert", "stolen_vehicle"]
    assert agency["contact"] == "records@e2e-pd.example" and agency["active"] is True

    # edit it: add a data class
    row.get_by_role("button", name="Edit E2E Police Department").click()
    assert form.get_by_label("Code").is_disabled()
    form.get_by_label(re.compile(r"^Plate and vehicle images")).check()
    form.get_by_role("button", name="Save the agency").click()
    page.locator("#sharing-status").filter(has_text=f"Agency {code} saved").wait_for()
    assert server.api("GET", f"/api/v1/sharing/agencies/{code}", "admin").json()["data_classes"] == [
        "alerts",
        "hotlist_hits",
        "images",
    ]

    # an agency API key for it, made on the users screen (secret shown once)
    page.get_by_role("link", name="Users & keys").click()
    kform = page.locator('form[aria-label="Create a key"]')
    kform.get_by_label("Kind of key").select_option("agency")
    kform.get_by_label("Agency").select_option(code)
    kform.get_by_label("Name").fill(f"{code} records unit")
    kform.get_by_role("button", name="Create a key").click()
    page.locator("#new-key-secret").wait_for()
    secret = page.locator("#new-key-secret").inner_text().strip()
    page.locator("#api-keys tbody tr").filter(has_text=f"{code} records unit").filter(has_text="agency").wait_for()

    def ask(purpose: str) -> dict[str, Any]:
        resp = httpx.post(
            f"{server.base_url}/api/v1/sharing/requests",
            json={"data_class": "alerts", "purpose": purpose, "case_number": "E2E-2026-0777"},
            headers={"X-API-Key": secret},
            timeout=30,
        )
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    allowed = ask("stolen_vehicle")
    assert allowed["decision"] == "allow", allowed
    denied = ask("immigration_enforcement")
    assert denied["decision"] == "deny" and denied["reason_code"] == "forbidden_purpose", denied

    # both are in the sharing log on screen, with the policy's reason
    page.get_by_role("link", name="Retention & sharing").click()
    log = page.locator("#sharing-requests tbody tr").filter(has_text=code)
    log.filter(has=page.locator('[data-decision="allow"]')).filter(has_text="stolen_vehicle").wait_for()
    deny_row = log.filter(has=page.locator('[data-decision="deny"]')).filter(has_text="immigration_enforcement")
    deny_row.wait_for()
    assert "forbidden" in deny_row.inner_text()
    page.get_by_label("Show", exact=True).select_option("deny")
    from playwright.sync_api import expect

    expect(page.locator("#sharing-requests [data-decision=allow]")).to_have_count(0, timeout=LONG)
    expect(deny_row).to_have_count(1)
    page.locator("#sharing-requests").scroll_into_view_if_needed()
    browser.shot("admin-10-sharing-log")
    logged = server.api("GET", f"/api/v1/sharing/requests?agency={code}&purpose=audit_review", "admin").json()
    assert sorted(r["decision"] for r in logged) == ["allow", "deny"]

    # suspend the agency: from then on its requests are denied
    page.get_by_role("button", name="Suspend sharing with E2E Police Department").click()
    page.locator("#sharing-status").filter(has_text=f"Sharing with {code} is suspended").wait_for()
    assert server.api("GET", f"/api/v1/sharing/agencies/{code}", "admin").json()["active"] is False
    assert ask("stolen_vehicle")["reason_code"] == "inactive_agency"

    # marking a forbidden purpose as allowed is refused by the API (the page offers no way to try)
    forbidden = {"purposes": ["immigration_enforcement"]}
    refused = server.api("PATCH", f"/api/v1/sharing/agencies/{code}", "admin", json=forbidden)
    assert refused.status_code == 422 and "forbidden" in refused.text


def test_duty_schedule_set_and_removed(server: Server, browser: Browser, sign_in: Any) -> None:
    _needs(server, "/api/v1/governance/duty-schedules")
    page = browser.page
    sign_in(browser, "admin")
    page.get_by_role("link", name="Audit").click()
    form = page.locator('form[aria-labelledby="duty-form-title"]')
    form.get_by_label("User").fill("dispatcher")
    for day in ("Mon", "Tue", "Wed", "Thu", "Fri"):
        form.get_by_label(day, exact=True).uncheck()
    form.get_by_label("Sat", exact=True).check()
    form.get_by_label("Sun", exact=True).check()
    form.get_by_label("Shift starts").fill("22:00")
    form.get_by_label("Shift ends").fill("06:00")
    form.get_by_role("button", name="Save the schedule").click()
    row = page.locator("#duty-schedules tbody tr").filter(has_text="dispatcher")
    row.wait_for()
    assert "Sat Sun" in row.inner_text() and "22:00" in row.inner_text()
    assert _unlabelled_controls(page) == []
    row.scroll_into_view_if_needed()
    browser.shot("admin-11-duty-schedule")
    [got] = [
        d for d in server.api("GET", "/api/v1/governance/duty-schedules", "admin").json() if d["actor"] == "dispatcher"
    ]
    assert got["weekdays"] == [5, 6] and got["start"] == "22:00" and got["end"] == "06:00"
    page.get_by_role("button", name="Remove the duty schedule of dispatcher").click()
    row.wait_for(state="detached")
    assert not [
        d for d in server.api("GET", "/api/v1/governance/duty-schedules", "admin").json() if d["actor"] == "dispatcher"
    ]
