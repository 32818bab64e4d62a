"""What a newcomer trips on, in the browser: canvass shows the registered cameras and explains an empty answer."""

from __future__ import annotations

from typing import Any

from e2e_support import Browser, Server  # isort: skip


def test_canvass_draws_the_registry_finds_the_example_and_explains_an_empty_answer(
    server: Server, browser: Browser, sign_in: Any
) -> None:
    page = browser.page
    sign_in(browser, "analyst")
    page.get_by_role("link", name="Canvass").click()
    page.locator("#canvass-map").wait_for()
    note = page.locator("#canvass-registry")
    note.get_by_text("shared cameras are drawn on the map").wait_for()
    shared = int(note.inner_text().split()[0])
    assert shared > 250  # the demo registry
    # the registry is drawn (one canvas layer with the dots) before any canvass
    page.wait_for_function("document.querySelectorAll('#canvass-map canvas').length > 0")
    browser.shot("newcomer-01-canvass-registry")

    # the intersection the form suggests finds a camera
    page.locator("#canvass-place").fill("Artesia Blvd & Norwalk Blvd")
    page.get_by_role("button", name="Find cameras").click()
    page.locator("#canvass-results").get_by_text("Traffic camera Artesia Blvd & Norwalk Blvd").first.wait_for()
    browser.shot("newcomer-02-canvass-example")

    # a point no camera sees: the answer says what was searched and which cameras are nearest
    page.locator("#canvass-place").fill("")
    page.locator("#canvass-lat").fill("33.880000")
    page.locator("#canvass-lon").fill("-118.088000")
    page.get_by_role("button", name="Find cameras").click()
    empty = page.locator("#canvass-empty")
    empty.wait_for()
    text = empty.inner_text()
    assert "No camera could have seen this place." in text
    assert f"Searched {shared} shared cameras" in text and "Nearest cameras:" in text
    assert " m away" in text
    assert empty.locator("li").count() == 3
    browser.shot("newcomer-03-canvass-empty")


CHECKS = (
    "Plate characters match the image crop",
    "State confirmed",
    "Hotlist entry still current",
    "Vehicle consistent with the description",
)


def test_verify_error_beside_the_button_and_a_verified_car_seen_again_is_a_sighting(
    server: Server, browser: Browser, sign_in: Any
) -> None:
    page = browser.page
    sign_in(browser, "analyst")
    page.locator("#live-status[data-state=live]").wait_for()
    plate = next(e.plate for e in server.seeded.hotlist_entries if e.category == "stolen_vehicle")
    server.inject_read(plate, "CER-ALPR-05")
    card = page.locator(f'li.alert[data-plate="{plate}"]')
    card.wait_for(timeout=20_000)

    # three of four items: the refusal names the missing one, in the checklist's words, beside the Verify button
    for label in CHECKS[:3]:
        card.get_by_label(label).check()
    button = card.get_by_role("button", name="Verify")
    button.click()
    msg = card.locator(".verify-error")
    msg.filter(has_text="Not verified. Confirm first: Vehicle consistent with the description.").wait_for()
    assert "Plate characters" not in msg.inner_text()
    b, m = button.bounding_box(), msg.bounding_box()
    assert m["x"] >= b["x"] + b["width"] and abs((m["y"] + m["height"] / 2) - (b["y"] + b["height"] / 2)) < 30
    assert button.get_attribute("aria-describedby") == msg.get_attribute("id")
    browser.shot("newcomer-04-verify-error-beside-button")
    card.get_by_label(CHECKS[3]).check()
    button.click()
    verified = page.locator(f'li.alert[data-plate="{plate}"][data-state="verified"]')
    verified.wait_for()

    # the verified car is read again at another camera: the same card, marked and announced, not a new queue item
    server.inject_read(plate, "CER-ALPR-07")
    verified.locator(".badge.seen-again").wait_for(timeout=20_000)
    assert "last seen at CER-ALPR-07" in verified.inner_text()
    page.wait_for_function("document.getElementById('announcer').textContent.includes('seen again at CER-ALPR-07')")
    assert page.locator(f'li.alert[data-plate="{plate}"]').count() == 1
    verified.get_by_text("Sightings (2)").click()
    rows = verified.locator(".sightings-table tbody tr")
    rows.nth(1).wait_for()
    assert rows.count() == 2
    assert "CER-ALPR-07" in rows.nth(0).inner_text() and "CER-ALPR-05" in rows.nth(1).inner_text()
    alerts = server.api("GET", "/api/v1/alerts?kind=hit&purpose=hit_verification", "supervisor").json()["items"]
    assert [(a["state"], a["read_count"]) for a in alerts if a["plate_read"] == plate] == [("verified", 2)]
    browser.shot("newcomer-05-verified-seen-again")


def test_api_docs_work_offline(server: Server, browser: Browser, sign_in: Any) -> None:
    sign_in(browser, "admin")  # the API's documentation is for staff holding api:docs (admins, ops), not the public
    page = browser.page
    outside: list[str] = []
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: None if r.url.startswith(server.base_url) else outside.append(r.url))
    page.goto(f"{server.base_url}/docs")
    # Swagger UI renders the whole spec (some 280 paths) before its title: 16-17 s on a loaded two-core machine
    render = 60_000
    page.locator(".swagger-ui .info .title").filter(has_text="OpenRTCC").wait_for(timeout=render)
    # the spec came from this server and its operations render (Swagger UI draws the tags near the viewport first,
    # so wait for any API operation rather than one far down the page)
    page.locator(".opblock-summary-path").filter(has_text="/api/v1/").first.wait_for(timeout=render)
    assert outside == [], outside  # Swagger UI comes from this server, not a CDN
    assert not [c for c in console if "Content Security Policy" in c], console
    browser.shot("newcomer-06-api-docs")


def _no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_a_resident_on_a_phone_reads_local_times_and_spanish_and_the_tables_fit(server: Server, phone: Browser) -> None:
    import re
    from datetime import UTC, datetime, timedelta

    cams = server.api("GET", "/api/v1/registry/cameras", "analyst", params={"q": "DEMO-RES-001"}).json()["items"]
    end = datetime.now(UTC) - timedelta(hours=3)
    made = server.api(
        "POST",
        "/api/v1/footage/requests",
        "analyst",
        json={"camera_id": cams[0]["id"], "case_number": "E2E-TZ-1", "purpose": "felony_investigation",
              "reason": "A burglary across the street.", "window_start": (end - timedelta(hours=1)).isoformat(),
              "window_end": end.isoformat()},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    page = phone.page
    page.goto(f"{server.base_url}/portal")
    signin = page.locator("form", has=page.get_by_role("heading", name="Sign in"))
    signin.get_by_label("User name").fill("resident1")
    signin.get_by_label("Password").fill(server.password)
    signin.get_by_role("button", name="Sign in").click()

    # the camera table becomes labelled cards: nothing wider than the phone
    page.get_by_role("navigation").get_by_role("link", name="My cameras").click()
    table = page.locator("#my-cameras-table")
    table.wait_for()
    assert _no_sideways_scroll(page)
    assert table.locator("td[data-label='Sharing']").count() >= 1
    phone.shot("newcomer-07-portal-cameras-phone")

    # the seeded footage request reached the inbox in words and local time, not ISO strings
    page.goto(f"{server.base_url}/portal/messages")
    body = page.locator("article.message[data-category=footage_request] .message-body").filter(has_text="E2E-TZ-1")
    body.wait_for()
    text = body.inner_text()
    assert "The police ask for the recordings" in text and "Español" not in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", text) and re.search(r" (PST|PDT)\b", text), text
    meta = page.locator("article.message .meta").first.inner_text()
    assert re.search(r"(PST|PDT)", meta), meta
    assert _no_sideways_scroll(page)
    page.locator("#lang").select_option("es")
    body = page.locator("article.message[data-category=footage_request] .message-body").filter(has_text="E2E-TZ-1")
    body.get_by_text("La policía solicita las grabaciones").wait_for()
    assert "The police ask" not in body.inner_text()
    phone.shot("newcomer-08-portal-inbox-spanish-phone")

    # the transparency page, in Spanish, fits the phone too
    page.goto(f"{server.base_url}/transparency?lang=es")
    page.get_by_role("heading", name="Portal de transparencia de ALPR").wait_for()
    assert _no_sideways_scroll(page)
    assert page.locator("td[data-label='Latitud']").first.is_visible()
    phone.shot("newcomer-09-transparency-spanish-phone")
