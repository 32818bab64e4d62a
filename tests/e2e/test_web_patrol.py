"""Patrol in the browser: a resident asks for house checks on a phone (English, then the page in Spanish); a burglary
call becomes a near-repeat alert that staff publish to the neighborhood from /app/patrol (an explicit, confirmed
action); the CSO's field view shows the plan with the near repeat and the house check, dose planned against
delivered, and the CSO notes "something found"; the resident sees that check at once, and never another's request.
Dispatcher and planner steps go through the API, as their screens would."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from e2e_support import Browser, Server

from rtcc_testing import confirm_signup

P = "/api/v1/patrol"
#: Brookhaven Park (reporting district 2316) and a house two blocks away.
PARK = (33.866126, -118.051176)
HOUSE = (33.8672, -118.0498)


def _resident(server: Server, name: str) -> dict[str, str]:
    body = {
        "account_type": "resident",
        "username": name,
        "display_name": f"Resident {name}",
        "email": f"{name}@example.org",
        "password": "a long resident password",
        "lat": HOUSE[0],
        "lon": HOUSE[1],
    }
    assert httpx.post(f"{server.base_url}/api/v1/community/signup", json=body).status_code == 202
    confirm_signup(server.base_url, server.runtime.db, name)  # the link in the confirmation message: then it signs in
    resp = httpx.post(f"{server.base_url}/api/v1/auth/login", json={"username": name, "password": body["password"]})
    return {"Authorization": f"Bearer {resp.json()['token']}"}


def _portal_sign_in(server: Server, page: Any, name: str) -> None:
    page.goto(f"{server.base_url}/portal")
    form = page.locator("form", has=page.get_by_role("heading", name="Sign in"))
    form.get_by_label("User name").fill(name)
    form.get_by_label("Password").fill("a long resident password")
    form.get_by_role("button", name="Sign in").click()
    page.locator("#sign-out").wait_for()


def _sign_out(page: Any) -> None:
    page.locator("#sign-out").click()
    page.locator("#sign-out").wait_for(state="detached")


def test_house_check_near_repeat_plan_and_field_note(server: Server, phone: Browser, sign_in: Any) -> None:
    rita, other = f"rita_{uuid.uuid4().hex[:5]}", f"omar_{uuid.uuid4().hex[:5]}"
    _resident(server, rita)
    other_auth = _resident(server, other)
    today = datetime.now(ZoneInfo("America/Los_Angeles")).date()
    theirs = httpx.post(
        f"{server.base_url}{P}/me/house-checks",
        headers=other_auth,
        json={"address": "99 Other St", "lat": PARK[0], "lon": PARK[1], "starts_on": str(today), "ends_on": str(today)},
    )
    assert theirs.status_code == 201, theirs.text

    # the resident asks for house checks on her phone
    page = phone.page
    _portal_sign_in(server, page, rita)
    page.get_by_role("navigation").get_by_role("link", name="House checks").click()
    form = page.locator("#house-check-form")
    form.get_by_label("Address").fill("12 Brookhaven Lane")
    form.get_by_label("Latitude").fill(str(HOUSE[0]))
    form.get_by_label("Longitude").fill(str(HOUSE[1]))
    form.get_by_label("From").fill(str(today))
    form.get_by_label("To").fill(str(today + timedelta(days=7)))
    form.get_by_label("Keyholder's name (optional)").fill("Kim Neighbor")
    form.get_by_role("button", name="Ask for house checks").click()
    card = page.locator("article.house-check", has_text="12 Brookhaven Lane")
    card.wait_for()
    assert "No check yet." in card.inner_text()
    assert page.get_by_text("99 Other St").count() == 0  # another resident's request never shows
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.shot("60-portal-house-check", full_page=True)

    # a burglary is reported; the near-repeat alert is made and a CSO plan for C1 takes it and the house check
    call = {"call_type": "BURGLARY_RPT", "location": {"kind": "point", "lat": PARK[0], "lon": PARK[1]}, "source": "911"}
    assert server.api("POST", "/api/v1/dispatch/calls", "dispatcher", json=call).status_code == 201
    # the alert is made as the call is taken (the sync is the reconciler: it finds nothing left to make)
    assert server.api("POST", f"{P}/near-repeats/sync", "supervisor").status_code == 200
    alerts = server.api("GET", f"{P}/near-repeats?active=true", "supervisor").json()
    assert alerts, "no near-repeat alert for the burglary"
    start = datetime.now(UTC) - timedelta(minutes=5)
    plan = server.api(
        "POST",
        f"{P}/plans",
        "supervisor",
        json={
            "call_sign": "C1",
            "kind": "cso",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=4)).isoformat(),
        },
    )
    assert plan.status_code == 201, plan.text
    kinds = [s["kind"] for s in plan.json()["stops"]]
    assert "near_repeat" in kinds and "house_check" in kinds

    # staff publish the alert to the neighborhood (confirmed in a dialog)
    b = phone.page
    _sign_out(b)
    sign_in(phone, "supervisor")
    b.goto(f"{server.base_url}/app/patrol")
    b.once("dialog", lambda d: d.accept())
    b.locator("button[data-publish]").first.click()
    b.locator("#patrol-near-repeats").get_by_text("Published").first.wait_for()
    report = b.locator("#patrol-report")
    report.get_by_text("Comparable, unpatrolled").wait_for()
    assert "next-ranked cells" in report.inner_text()  # the comparison rule is printed with the figures
    phone.shot("61-patrol-near-repeats", full_page=True)
    public = httpx.get(f"{server.base_url}/api/v1/community/alerts").json()
    items = public if isinstance(public, list) else public["items"]
    assert any(a["category"] == "burglary" for a in items)

    # the CSO's field view: the plan with dose planned and delivered; a note on the house check
    field_phone = phone  # same phone, a CSO signs in on it
    _sign_out(b)
    sign_in(field_phone, "cso")
    fp = field_phone.page
    fp.goto(f"{server.base_url}/app/field")
    panel = fp.locator("#field-plan")
    panel.locator("li[data-kind='near_repeat']").first.wait_for()
    assert "Dose delivered" in panel.locator("#field-plan-totals").inner_text()
    house = panel.locator("li[data-kind='house_check']", has_text="12 Brookhaven Lane")
    house.get_by_label("Note for the resident").fill("Side gate open")
    house.get_by_role("button", name="Something found").click()
    panel.get_by_text("Check recorded.").wait_for()
    field_phone.shot("62-field-plan", full_page=True)

    # the resident sees the check at once, and the page in Spanish
    _sign_out(fp)
    _portal_sign_in(server, page, rita)
    page.goto(f"{server.base_url}/portal/house-checks")
    found = page.locator("article.house-check li[data-outcome='found']")
    found.wait_for()
    assert "Side gate open" in found.inner_text()
    page.locator("#lang").select_option("es")
    page.get_by_role("heading", name="Revisión de casa en vacaciones").wait_for()
    assert "se encontró algo" in page.locator("article.house-check li[data-outcome='found']").inner_text()
    phone.shot("63-portal-house-check-es", full_page=True)
    status = page.evaluate(
        f"fetch('{P}/me/house-checks/{theirs.json()['id']}/cancel', {{method: 'POST'}}).then(r => r.status)"
    )
    assert status in (401, 403, 404)
