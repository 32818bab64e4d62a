"""The staff dashboard in a real browser: sign in, a live alert from an injected read arrives without reloading (and
survives a dropped connection), verification with the checklist, reject as misread, a plate search that the auditor
then finds in the audit log, canvass from a clicked map point, the Spanish text, and keyboard/label basics."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from e2e_support import Browser, HeldAnswers, Server
from playwright.sync_api import expect

from rtcc_testing import file_case

STOLEN = "stolen_vehicle"


def _listed_plate(server: Server, category: str = STOLEN) -> str:
    entry = next(e for e in server.seeded.hotlist_entries if e.category == category)
    return entry.plate


def _alert_card(page: Any, plate: str) -> Any:
    return page.locator(f'li.alert[data-plate="{plate}"]')


def _unlabelled_controls(page: Any) -> list[str]:
    """Form controls without an accessible name (label, aria-label or aria-labelledby)."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea, button')]
                .filter(e => e.type !== 'hidden' && !e.closest('.trap, .leaflet-control-attribution'))
                .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                             && !e.getAttribute('aria-labelledby') && !(e.tagName === 'BUTTON' && e.textContent.trim())
                             && !e.title)
                .map(e => e.outerHTML.slice(0, 120))"""
        )
    )


def test_sign_in_live_alert_and_verify_with_the_checklist(server: Server, browser: Browser, sign_in: Any) -> None:
    page = browser.page
    sign_in(browser, "analyst")
    page.locator("#live-status[data-state=live]").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    browser.shot("01-live-map-empty")

    plate = _listed_plate(server)
    server.inject_read(plate, "CER-ALPR-05")
    card = _alert_card(page, plate)
    card.wait_for(timeout=20_000)  # arrives over SSE: no reload, no polling
    assert "new" in card.get_attribute("data-state")
    page.wait_for_function("document.getElementById('announcer').textContent.includes('New alert')")
    assert card.locator(".read-side").get_by_text(plate).count() >= 1  # the read beside the hotlist record
    assert card.locator(".entry-side").get_by_text("Hotlist record").count() == 1
    browser.shot("02-live-alert-arrived")

    # verifying without the checklist is refused, and the page says beside the button which items are missing
    card.get_by_role("button", name="Verify").click()
    card.locator(".verify-error").filter(has_text="Not verified. Confirm first: Plate characters").wait_for()
    for label in (
        "Plate characters match the image crop",
        "State confirmed",
        "Hotlist entry still current",
        "Vehicle consistent with the description",
    ):
        card.get_by_label(label).check()
    card.get_by_role("button", name="Verify").click()
    page.locator(f'li.alert[data-plate="{plate}"][data-state="verified"]').wait_for()
    browser.shot("03-alert-verified")
    # the server agrees, and recorded who verified it
    alerts = server.api("GET", "/api/v1/alerts?purpose=hit_verification", "supervisor").json()["items"]
    [mine] = [a for a in alerts if a["plate_read"] == plate]
    assert mine["state"] == "verified" and mine["checklist"]["vehicle_consistent"] is True
    # then a unit is sent, and the alert closed
    verified = page.locator(f'li.alert[data-plate="{plate}"][data-state="verified"]')
    verified.get_by_label("Unit").fill("CER-12")
    verified.get_by_role("button", name="Dispatch").click()
    dispatched = page.locator(f'li.alert[data-plate="{plate}"][data-state="dispatched"]')
    dispatched.wait_for()
    assert "dispatched to CER-12" in dispatched.inner_text()
    dispatched.get_by_role("button", name="Close").click()
    dispatched.wait_for(state="detached")  # closed alerts leave the open queue


def test_reject_as_misread_in_one_click(server: Server, browser: Browser, sign_in: Any) -> None:
    page = browser.page
    sign_in(browser, "supervisor")
    page.locator("#live-status[data-state=live]").wait_for()
    plate = _listed_plate(server)
    server.inject_read(plate, "CER-ALPR-02")
    card = _alert_card(page, plate)
    card.wait_for(timeout=20_000)
    card.get_by_role("button", name="Reject as misread").click()
    card.wait_for(state="detached")  # leaves the open queue
    page.get_by_label("Show").select_option("all")
    rejected = page.locator(f'li.alert[data-plate="{plate}"][data-state="rejected"]')
    rejected.wait_for()
    assert "misread" in rejected.inner_text()
    alerts = server.api("GET", "/api/v1/alerts?purpose=hit_verification", "supervisor").json()["items"]
    assert [a["reject_reason"] for a in alerts if a["plate_read"] == plate] == ["misread"]


def test_live_updates_survive_a_dropped_connection(server: Server, browser: Browser, sign_in: Any) -> None:
    """While the stream is down, an alert is raised; after the reconnect it is there (replayed after Last-Event-ID)."""
    page = browser.page
    sign_in(browser, "analyst")
    page.locator("#live-status[data-state=live]").wait_for()
    blocked = {"on": True}

    def block(route: Any) -> None:
        if blocked["on"]:
            route.abort("connectionrefused")
        else:
            route.continue_()

    page.route(re.compile(r".*/api/v1/live/stream.*"), block)
    # the server ends every stream after a few seconds; the reconnect is refused: the page is offline now
    page.locator("#live-status[data-state=reconnecting]").wait_for(timeout=20_000)
    browser.shot("04-live-reconnecting")
    plate = _listed_plate(server)
    server.inject_read(plate, "CER-ALPR-07")
    time.sleep(2.0)
    assert _alert_card(page, plate).count() == 0, "the alert arrived although the stream was down"
    blocked["on"] = False
    _alert_card(page, plate).wait_for(timeout=25_000)
    page.locator("#live-status[data-state=live]").wait_for()
    assert _alert_card(page, plate).count() == 1  # once, not duplicated by the replay


def test_plate_search_with_purpose_appears_in_the_audit_log(server: Server, browser: Browser, sign_in: Any) -> None:
    if not server.has_api("/api/v1/search/plates"):
        pytest.skip("the plate search API (/api/v1/search/plates) is not installed in this build")
    page = browser.page
    plate = _listed_plate(server)
    server.inject_read(plate, "CER-ALPR-03")
    sign_in(browser, "analyst")
    page.get_by_role("link", name="Search").click()
    page.get_by_label("Plate", exact=True).fill(plate[:3] + "*")
    page.get_by_label("Purpose").select_option(index=1)
    case = "E2E-2026-0042"
    file_case(server.runtime.db, case)  # the search reaches back a week: beyond the purpose's case-free window
    page.get_by_label("Case or incident number").fill(case)
    page.get_by_role("button", name="Search", exact=True).click()
    page.locator("#search-results").get_by_text(plate).first.wait_for()
    browser.shot("05-plate-search")

    # the auditor finds that search, with its purpose and case, in the audit log
    page.locator("#sign-out").click()
    sign_in(browser, "auditor")
    page.get_by_role("link", name="Audit").click()
    page.get_by_label("Action").fill("alpr.search")
    page.get_by_role("button", name="Show entries").click()
    row = page.locator("#audit-entries tbody tr").filter(has_text=case).first
    row.wait_for()
    assert "analyst" in row.inner_text()
    browser.shot("06-audit-search-entry")


def test_a_late_answer_to_the_opening_audit_list_does_not_replace_a_filtered_one(
    server: Server, browser: Browser, sign_in: Any
) -> None:
    """The audit screen asks for the newest entries as it opens; an auditor who filters by actor before that answer
    comes keeps the filtered entries when it does. The screens' list loaders take turns from `core/newest.ts`;
    without it, the late unfiltered answer replaced the table (this test fails against that bundle)."""
    server.token("analyst")  # an entry by someone other than the auditor, so the unfiltered list differs
    sign_in(browser, "auditor")
    page = browser.page
    opening = HeldAnswers(page, "**/api/v1/audit/entries?**", hold=lambda r: "actor=" not in r.url)
    page.goto(f"{server.base_url}/app/audit")
    page.get_by_label("Actor").fill("auditor")
    page.get_by_role("button", name="Show entries").click()
    actors = page.locator("#audit-entries tbody tr td:nth-child(3)")
    expect(actors.first).to_have_text("auditor", timeout=15_000)
    opening.release()
    browser.settle()
    assert set(actors.all_inner_texts()) == {"auditor"}


def test_a_slow_plate_search_answered_after_a_newer_one_does_not_replace_it(
    server: Server, browser: Browser, sign_in: Any
) -> None:
    """An analyst searches one plate, then another before the first answer comes: when it does come, the page and
    the map keep the second search's reads (a late answer must not show reads of a query no longer asked)."""
    if not server.has_api("/api/v1/search/plates"):
        pytest.skip("the plate search API (/api/v1/search/plates) is not installed in this build")
    plates = sorted({e.plate for e in server.seeded.hotlist_entries if e.category == STOLEN})
    first = plates[0]
    second = next(p for p in plates[1:] if first not in p and p not in first)
    for plate in (first, second):
        server.inject_read(plate, "CER-ALPR-03")
    case = "E2E-2026-0077"
    file_case(server.runtime.db, case)
    sign_in(browser, "analyst")
    page = browser.page
    slow = HeldAnswers(page, "**/api/v1/search/plates", hold=lambda r: first in (r.post_data or ""))
    page.get_by_role("link", name="Search").click()
    page.get_by_label("Purpose").select_option(index=1)
    page.get_by_label("Case or incident number").fill(case)
    for plate in (first, second):
        page.get_by_label("Plate", exact=True).fill(plate)
        page.get_by_role("button", name="Search", exact=True).click()
    results = page.locator("#search-results")
    results.get_by_text(second).first.wait_for()
    slow.release()
    browser.settle()
    expect(results.get_by_text(first)).to_have_count(0)
    expect(results.get_by_text(second).first).to_be_visible()


def test_canvass_from_a_clicked_map_point(server: Server, browser: Browser, sign_in: Any) -> None:
    if not server.has_api("/api/v1/canvass"):
        pytest.skip("the canvass API is not installed in this build")
    from rtcc.demo import world

    lat, lon = world.center()
    created = server.api(
        "POST",
        "/api/v1/registry/cameras",
        "admin",
        json={
            "name": "E2E Pharmacy front door",
            "owner_type": "business",
            "owner_name": "E2E Pharmacy",
            "lat": lat,
            "lon": lon + 0.0003,
            "direction_deg": 270,
            "fov_deg": 100,
            "range_m": 60,
            "owner_retention_days": 30,
            "sharing_level": "registered",
        },
    )
    assert created.status_code == 201, created.text
    page = browser.page
    sign_in(browser, "analyst")
    page.get_by_role("link", name="Canvass").click()
    map_box = page.locator("#canvass-map")
    map_box.wait_for()
    page.wait_for_function("document.querySelectorAll('#canvass-map path').length > 3")  # base map drawn
    # click the map where the registered camera looks: convert lat/lon to a pixel through Leaflet's own projection
    page.locator("#canvass-lat").fill(f"{lat:.6f}")
    page.locator("#canvass-lon").fill(f"{lon:.6f}")
    box = map_box.bounding_box()
    map_box.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    clicked_lat = float(page.locator("#canvass-lat").input_value())
    assert abs(clicked_lat - lat) < 0.05  # the click set the point (the map is centred on the city)
    page.locator("#canvass-lat").fill(f"{lat:.6f}")
    page.locator("#canvass-lon").fill(f"{lon:.6f}")
    page.get_by_role("button", name="Find cameras").click()
    results = page.locator("#canvass-results")
    results.get_by_text("E2E Pharmacy front door").wait_for()
    browser.shot("07-canvass")
    if not server.has_api("/api/v1/footage/requests"):
        return
    # ask the owner for the footage of that window, from the result row
    row = results.locator("tbody tr").filter(has_text="E2E Pharmacy front door")
    row.get_by_text("Request footage").click()
    row.get_by_label("Purpose").select_option(index=1)
    row.get_by_label("Case or incident number").fill("E2E-CANVASS-7")
    row.get_by_label("Reason (the owner reads this)").fill("A burglary across the street; your camera faces it.")
    row.get_by_role("button", name="Send request").click()
    sent = row.locator(".ok, .error").first
    sent.wait_for()
    assert sent.inner_text().startswith("Request sent"), sent.inner_text()
    requests = server.api("GET", "/api/v1/footage/requests", "admin").json()["items"]
    assert [r["case_number"] for r in requests if r["camera_name"] == "E2E Pharmacy front door"] == ["E2E-CANVASS-7"]


def test_spanish_text_and_lang_attribute(server: Server, browser: Browser, sign_in: Any) -> None:
    page = browser.page
    sign_in(browser, "dispatcher")
    page.get_by_label("Language").select_option("es")
    page.get_by_role("link", name="Mapa en vivo y alertas").wait_for()
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", name="Cola de alertas", exact=True).count() == 1
    page.reload()
    page.get_by_role("button", name="Cerrar sesión").wait_for()  # the choice is kept
    assert page.locator("html").get_attribute("lang") == "es"
    browser.shot("08-spanish")


def test_keyboard_sign_in_labels_and_role_screens(server: Server, browser: Browser) -> None:
    page = browser.page
    page.goto(f"{server.base_url}/app/login")
    # the app renders after its session check: wait for the form (auto-waiting), then read the page
    expect(page.get_by_label("User name")).to_be_focused(timeout=15_000)  # focus starts in the form
    assert _unlabelled_controls(page) == []
    order = []
    for _ in range(3):  # backwards from the form: language, the brand link, then the skip link first of all
        page.keyboard.press("Shift+Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.className"))
    assert order == ["lang", "brand", "skip"]
    page.get_by_label("User name").focus()
    page.keyboard.type("officer")
    page.keyboard.press("Tab")
    page.keyboard.type(server.password)
    page.keyboard.press("Enter")
    page.locator("#sign-out").wait_for()
    nav = page.get_by_role("navigation", name="Main")
    links = [x.strip() for x in nav.get_by_role("link").all_inner_texts()]
    assert "Live map & alerts" in links and "Audit" not in links and "Search" not in links  # per role
    for path in ("/app", "/app/cameras"):
        page.goto(f"{server.base_url}{path}")
        page.locator("main h1, main h2").first.wait_for()
        assert _unlabelled_controls(page) == [], path
    page.goto(f"{server.base_url}/app/audit")
    page.get_by_text("Your role may not open this screen.").wait_for()


def test_administration_screens_render_for_the_admin(server: Server, browser: Browser, sign_in: Any) -> None:
    """Every screen the admin can reach loads without a script error, with every control labelled."""
    page = browser.page
    sign_in(browser, "admin")
    screens = {
        "/app/hotlists": "Hotlists",
        "/app/users": "Users",
        "/app/governance": "Retention, holds and sharing",
        "/app/audit": "Audit log",
        "/app/cameras": "Camera health",
        "/app/search": "Search",
        "/app/canvass": "Canvass",
    }
    for path, heading in screens.items():
        page.goto(f"{server.base_url}{path}")
        page.get_by_role("heading", name=heading, exact=True).wait_for()
        browser.settle()
        assert _unlabelled_controls(page) == [], path
    # hotlist entries open from the list; a new entry can be added and is listed
    page.goto(f"{server.base_url}/app/hotlists")
    page.locator("#hotlists tbody tr").first.get_by_role("button").click()
    add = page.locator("form", has=page.get_by_role("heading", name="Add an entry"))
    add.get_by_label("Plate").fill("8E2E123")
    add.get_by_label("Reason").fill("e2e test entry")
    add.get_by_role("button", name="Add").click()
    page.get_by_text("8E2E123").first.wait_for()
    # the retention policy lists the data classes; users lists the demo accounts
    page.goto(f"{server.base_url}/app/governance")
    page.locator("#retention-policy").get_by_text("reads_nonhit").wait_for()
    page.goto(f"{server.base_url}/app/users")
    page.locator("#users tbody td").get_by_text("Aud Itor", exact=True).wait_for()
    browser.shot("09-admin-users")


CONTRAST_JS = """() => {
  const lum = (c) => {
    const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const bg = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.leaflet-container, .visually-hidden, option')) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || Number(st.opacity) < 0.5) continue;
    const a = lum(rgb(st.color).slice(0, 3)), b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const large = parseFloat(st.fontSize) >= 24 || (parseFloat(st.fontSize) >= 18.66 && Number(st.fontWeight) >= 700);
    const text = el.textContent.trim().slice(0, 30);
    if (ratio < (large ? 3 : 4.5)) bad.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)} "${text}"`);
  }
  return bad;
}"""


def test_text_contrast_meets_wcag_aa(server: Server, browser: Browser, sign_in: Any) -> None:
    page = browser.page
    server.inject_read(_listed_plate(server), "CER-ALPR-09")
    page.goto(f"{server.base_url}/app/login")
    page.get_by_label("User name").wait_for()  # the form is drawn after the session check
    assert page.evaluate(CONTRAST_JS) == []
    sign_in(browser, "supervisor")
    page.locator("li.alert").first.wait_for(timeout=20_000)
    for path in ("/app", "/app/audit", "/app/cameras"):
        page.goto(f"{server.base_url}{path}")
        page.locator("main h1, main h2").first.wait_for()
        browser.settle()
        assert page.evaluate(CONTRAST_JS) == [], path
    page.locator("#sign-out").click()
    page.goto(f"{server.base_url}/portal")
    page.get_by_role("heading", name="Create an account").wait_for()
    assert page.evaluate(CONTRAST_JS) == []
