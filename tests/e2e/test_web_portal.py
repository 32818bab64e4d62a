"""The community portal on a phone-sized screen: a resident signs up, registers a camera by dropping a pin on the
map, applies for a camera rebate (proof upload, submit, automatic checks) and follows it to approval; submits a tip
and follows it; subscribes to neighbourhood alerts. Staff steps (approving the rebate) go through the API."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from e2e_support import Browser, Server
from sqlalchemy import select

from rtcc.community.models import CommunityProfile

#: A valid 1x1 PNG (the proof-of-purchase upload checks the file type by its content).
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
PASSWORD = "a long resident password"


def _sign_up(server: Server, b: Browser) -> str:
    page = b.page
    username = f"resident_{uuid.uuid4().hex[:6]}"
    page.goto(f"{server.base_url}/portal")
    form = page.locator("form", has=page.get_by_role("heading", name="Create an account"))
    form.get_by_label("Account for").select_option("resident")
    form.get_by_label("User name").fill(username)
    form.get_by_label("Your name (or business name)").fill("Rosa Resident")
    form.get_by_label("E-mail").fill(f"{username}@example.org")
    form.get_by_label("Address").fill("13000 Park Plaza Dr, Cerritos, CA 90703")
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Create my account").click()
    # the answer is the same whether or not the name was free: confirm the address, then sign in (issue 15)
    page.locator("#portal-signup-sent").filter(has_text="follow its link to confirm the address").wait_for()
    with server.runtime.db.read() as s:
        token = s.scalars(
            select(CommunityProfile.email_verify_token).where(CommunityProfile.username == username)
        ).one()
    page.goto(f"{server.base_url}/api/v1/community/verify/{token}")  # the link in the message: one button
    page.get_by_role("button", name="Confirm").click()
    page.get_by_text('"email_verified":true').wait_for()
    page.goto(f"{server.base_url}/portal")
    signin = page.locator("form", has=page.get_by_role("heading", name="Sign in"))
    signin.get_by_label("User name").fill(username)
    signin.get_by_label("Password").fill(PASSWORD)
    signin.get_by_role("button", name="Sign in").click()
    page.get_by_text("Welcome, Rosa Resident.").wait_for()
    return username


def _no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_resident_signs_up_registers_a_camera_and_follows_a_rebate(
    server: Server, phone: Browser, tmp_path: Path
) -> None:
    for path in ("/api/v1/community/signup", "/api/v1/me/cameras", "/api/v1/me/rebates"):
        if not server.has_api(path):
            pytest.skip(f"{path} is not installed in this build")
    page = phone.page
    username = _sign_up(server, phone)
    assert _no_horizontal_scroll(page)
    phone.shot("10-portal-home-phone", full_page=True)

    # register a camera: drop the pin on the map (the map opens on the city)
    page.get_by_role("navigation").get_by_role("link", name="My cameras").click()
    form = page.locator("form", has=page.get_by_role("heading", name="Register a camera"))
    form.get_by_label("Name").fill("Front porch")
    form.get_by_label("Address").fill("13000 Park Plaza Dr")
    pin_map = form.locator(".pin-map")
    pin_map.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelectorAll('.pin-map path').length > 3")
    box = pin_map.bounding_box()
    pin_map.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    assert form.get_by_label("Latitude").input_value() != ""
    form.get_by_label("Direction it faces (degrees, 0 = north)").fill("180")
    form.get_by_label("Sharing").select_option("on_request")
    form.get_by_role("button", name="Register a camera").click()
    page.locator("#my-cameras").get_by_text("Front porch").wait_for()
    assert _no_horizontal_scroll(page)

    # an investigator asks for footage of that camera; the resident sees the request and approves it
    if server.has_api("/api/v1/footage/requests"):
        login = httpx.post(f"{server.base_url}/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
        mine = httpx.get(f"{server.base_url}/api/v1/me/cameras", headers=auth)
        cams = [c for c in mine.json() if c["name"] == "Front porch"]
        purpose = next(p for p in server.api("GET", "/api/v1/search/purposes", "analyst").json() if p["allowed"])
        now = datetime.now(ZoneInfo("UTC"))
        asked = server.api(
            "POST",
            "/api/v1/footage/requests",
            "analyst",
            json={
                "camera_id": cams[-1]["id"],
                "case_number": "E2E-FOOTAGE-1",
                "purpose": purpose["code"],
                "reason": "A car break-in on your street last night.",
                "window_start": (now - timedelta(hours=3)).isoformat(),
                "window_end": (now - timedelta(hours=2)).isoformat(),
            },
        )
        assert asked.status_code == 201, asked.text
        page.reload()
        page.locator("#footage-requests").wait_for()
        request = page.locator("#footage-requests article.request").filter(has_text="E2E-FOOTAGE-1")
        assert request.count() == 1, page.locator("#footage-requests").inner_text()
        request.get_by_role("button", name="Approve and share").click()
        page.locator("#footage-requests article.request[data-state=approved]").wait_for()
        page.locator("#footage-requests input[type=file]").wait_for()  # the clips can be uploaded now

    # apply for the rebate: the form starts from the camera; proof of purchase, then submit
    page.get_by_role("navigation").get_by_role("link", name="Camera rebate").click()
    apply = page.locator("form", has=page.get_by_role("heading", name="Apply for a rebate"))
    apply.get_by_label("Date of purchase").fill(datetime.now(ZoneInfo("America/Los_Angeles")).date().isoformat())
    apply.get_by_label("Price paid (USD)").fill("189.99")
    apply.get_by_label("Store").fill("Cerritos Hardware")
    apply.get_by_role("button", name="Start the application").click()
    card = page.locator("article.application").first
    card.wait_for()
    assert card.get_attribute("data-status") == "draft"
    proof = tmp_path / "receipt.png"
    proof.write_bytes(PNG)
    card.locator("input[type=file]").set_input_files(str(proof))
    card.get_by_role("button", name="Upload").click()
    page.get_by_text("Replace the proof of purchase").wait_for()
    page.get_by_role("button", name="Submit the application").click()
    page.locator("article.application[data-status=eligible]").wait_for()
    assert "eligible, in review" in page.locator("article.application").first.inner_text()
    phone.shot("11-portal-rebate-submitted", full_page=True)

    # the city approves it on the staff screen (with money left in the program); the resident follows it
    funded = server.api("POST", "/api/v1/rebates/program", "admin", json={"total_cents": 100_000_000})
    assert funded.status_code == 200, funded.text
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{server.base_url}/app/login")
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password").fill(server.password)
    page.get_by_label("Password").press("Enter")
    page.locator("#sign-out").wait_for()
    page.goto(f"{server.base_url}/app/programs")
    page.get_by_role("button", name="Approve the application for 13000 Park Plaza Dr").click()
    page.locator("#rebate-queue").get_by_text("13000 Park Plaza Dr").wait_for(state="detached")
    page.locator("#sign-out").click()
    page.goto(f"{server.base_url}/portal")
    signin = page.locator("form", has=page.get_by_role("heading", name="Sign in"))
    signin.get_by_label("User name").fill(username)
    signin.get_by_label("Password").fill(PASSWORD)
    signin.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation").get_by_role("link", name="Camera rebate").click()
    approved = page.locator("article.application[data-status=approved]")
    approved.wait_for()
    steps = approved.locator("ol.steps li").all_inner_texts()
    assert any("approved" in s for s in steps) and any("eligible" in s for s in steps), steps
    phone.shot("12-portal-rebate-approved", full_page=True)


def test_resident_submits_a_tip_and_subscribes_to_alerts(server: Server, phone: Browser) -> None:
    for path in ("/api/v1/community/signup", "/api/v1/community/tips", "/api/v1/community/subscriptions"):
        if not server.has_api(path):
            pytest.skip(f"{path} is not installed in this build")
    page = phone.page
    _sign_up(server, phone)
    page.get_by_role("navigation").get_by_role("link", name="Tips").click()
    form = page.locator("form", has=page.get_by_role("heading", name="Send a tip"))
    form.get_by_label("Category").select_option("vehicle_crime")
    form.get_by_label("What happened").fill("A man was trying car door handles along the street around midnight.")
    an_hour_ago = datetime.now(ZoneInfo("America/Los_Angeles")) - timedelta(hours=1)  # the browser's time zone
    form.get_by_label("When").fill(an_hour_ago.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Where").fill("Park Plaza Dr near the library")
    form.get_by_role("button", name="Send the tip").click()
    outcome = form.locator(".ok:not(:empty), .error:not(:empty)").first
    outcome.wait_for()
    assert outcome.inner_text().startswith("Thank you. Your reference is"), outcome.inner_text()
    tips = page.locator("#my-tips article.tip")
    tips.first.wait_for()
    assert tips.count() == 1 and tips.first.get_attribute("data-status") == "received"
    assert _no_horizontal_scroll(page)
    phone.shot("13-portal-tip", full_page=True)

    page.get_by_role("navigation").get_by_role("link", name="Alerts").click()
    form = page.locator("form", has=page.get_by_role("heading", name="Subscribe"))
    form.get_by_role("button", name="Subscribe").click()
    page.locator("#my-subscriptions table tbody tr").first.wait_for()
    assert "e-mail" in page.locator("#my-subscriptions").inner_text()
    # the tip reached the staff queue
    staff = server.api("GET", "/api/v1/tips", "admin").json()
    items = staff["items"] if isinstance(staff, dict) else staff
    assert any("car door handles" in t["description"] for t in items)
