"""The dispatcher's screen in a real browser: a dispatcher takes a residential burglary alarm at a Cerritos address
from the keyboard, sees it is Priority (the rule in force), assigns the recommended unit in one action and sees the
unit's status change on the board (live, then again when the deputy goes en route); the Spanish text; and a second
dispatcher who assigned the same unit first makes the screen say so plainly."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from e2e_support import Browser, Server
from playwright.sync_api import expect
from test_web_staff import CONTRAST_JS, _unlabelled_controls

DISPATCH = "/app/dispatch"
#: A Cerritos home (in the premise registry, as alarm addresses are), near Brookhaven Park.
HOME = {
    "address": "13215 Droxford St",
    "name": "Residence (alarm permit)",
    "kind": "residential",
    "lat": 33.8684,
    "lon": -118.0545,
    "hazards": ["dog in the yard"],
    "alarm_permit": "CER-AP-0042",
}


def _premise(server: Server) -> dict[str, Any]:
    resp = server.api("POST", "/api/v1/dispatch/premises", "dispatcher", json=HOME)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def _open(server: Server, browser: Browser, sign_in: Any) -> Any:
    page = browser.page
    sign_in(browser, "dispatcher")
    page.goto(f"{server.base_url}{DISPATCH}")
    page.locator("#live-status[data-state=live]").wait_for()
    page.locator(".unit-board tr[data-unit]").first.wait_for()
    return page


def _call_via_api(server: Server, call_type: str = "ALARM_BURG_RES", minutes_ago: float = 0) -> dict[str, Any]:
    body: dict[str, Any] = {
        "call_type": call_type,
        "location": {"kind": "place", "text": "Brookhaven Park"},
        "source": "alarm_company",
    }
    if minutes_ago:
        body["received_at"] = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()
    resp = server.api("POST", "/api/v1/dispatch/calls", "supervisor", json=body)
    assert resp.status_code == 201, resp.text
    return dict(resp.json()["call"])


def test_burglary_alarm_from_the_keyboard_to_an_assigned_unit(server: Server, browser: Browser, sign_in: Any) -> None:
    premise = _premise(server)
    # the alarm company's first signal, taken a few minutes earlier by another call-taker
    earlier = server.api(
        "POST",
        "/api/v1/dispatch/calls",
        "supervisor",
        json={
            "call_type": "ALARM_BURG_RES",
            "location": {"kind": "premise", "premise_id": premise["id"]},
            "source": "alarm_company",
            "received_at": (datetime.now(UTC) - timedelta(minutes=3)).isoformat(),
        },
    )
    assert earlier.status_code == 201, earlier.text
    earlier_number = earlier.json()["call"]["number"]
    page = _open(server, browser, sign_in)
    browser.shot("dispatch-01-screen")

    # keyboard only: the call type has the focus; type, take the highlighted match with Enter
    call_type = page.get_by_role("combobox", name="Call type")
    expect(call_type).to_be_focused()
    call_type.press_sequentially("burglary res")
    page.get_by_role("option", name=re.compile("ALARM_BURG_RES")).wait_for()
    call_type.press("Enter")
    expect(call_type).to_have_value(re.compile("^ALARM_BURG_RES"))
    call_type.press("Tab")
    location = page.get_by_role("combobox", name="Location")
    expect(location).to_be_focused()
    location.press_sequentially("13215 Drox")
    page.get_by_role("option", name=re.compile("13215 Droxford St")).wait_for()
    location.press("Enter")
    page.locator(".chosen-location").filter(has_text="13215 Droxford St").wait_for()
    page.get_by_label("Caller").fill("Alarm operator 12")
    page.get_by_label("Callback number").fill("562-555-0142")
    page.get_by_label("Source").select_option("alarm_company")
    narrative = page.get_by_label("Narrative")
    narrative.fill("Rear door contact, zone 3; keyholder en route")
    narrative.press("Enter")  # Enter submits

    result = page.locator(".intake-result")
    result.wait_for()
    number = re.search(r"\d{2}-\d{6}", result.locator("h3").inner_text())
    assert number, result.inner_text()
    expect(result.locator(".intake-priority")).to_contain_text("Priority: Priority")
    expect(result.locator(".intake-priority")).to_contain_text("rule in force when received, version 1")
    expect(result.locator(".premise-history")).to_contain_text("dog in the yard")
    expect(result.locator(".premise-history")).to_contain_text("False alarms in the last 12 months: 0")
    expect(result.locator(".premise-history")).to_contain_text(earlier_number)
    expect(result.locator("table").first).to_contain_text(earlier_number)  # recent calls at the location
    # the earlier call is proposed as a duplicate: the dispatcher keeps this one separate
    expect(result.locator(".duplicate")).to_contain_text(f"Possible duplicate: call {earlier_number}")
    result.get_by_role("button", name="Keep separate").click()
    expect(result.locator(".duplicate")).to_contain_text("Kept as a separate call.")

    # the call waits in the queue with its priority and a timer against Priority's target (12:00)
    row = page.locator(f'.pending-call[data-number="{number.group(0)}"]')
    row.wait_for()
    assert row.get_attribute("data-priority") == "Priority"
    expect(row.locator(".timer .target")).to_contain_text("12:00")
    assert row.get_attribute("data-urgency") == "ok"

    # the recommendation for the new call: ranked units, ETAs and how they were estimated; the suggestion is ticked
    panel = page.locator(".recommendation")
    panel.locator(".rec-table tbody tr").first.wait_for()
    expect(panel.locator(".rec-method")).to_contain_text(re.compile(r"estimated \(straight line\)|by road"))
    suggested = panel.locator(".rec-table tr.suggested").first.get_attribute("data-unit")
    assert suggested, panel.inner_text()
    assert panel.locator(f'tr[data-unit="{suggested}"] input[type=checkbox]').is_checked()
    assert panel.locator(f'tr[data-unit="{suggested}"] .reasons li').count() >= 1
    browser.shot("dispatch-02-recommendation")
    # near the premise: the reads and registered cameras, a search under purpose alarm response (audited)
    alarm = page.locator(".alarm-context")
    alarm.get_by_role("button", name="Show reads and cameras").click()
    expect(alarm).to_contain_text("alarm_response")
    alarm.locator("#alarm-ctx-reads").wait_for()
    alarm.locator("#alarm-ctx-cameras").wait_for()
    searches = server.api("GET", "/api/v1/audit/entries?action=alpr.search&limit=50", "admin").json()
    assert any("alarm_response" in str(e.get("details")) for e in searches), searches
    assert _unlabelled_controls(page) == []
    board_row = page.locator(f'.unit-board tr[data-unit="{suggested}"]')
    expect(board_row).to_have_attribute("data-status", "available")

    panel.get_by_role("button", name=re.compile(f"Assign {suggested}")).click()
    expect(panel.locator(".rec-message")).to_contain_text(f"{suggested} assigned to call {number.group(0)}")
    expect(row).to_have_count(0)  # it left the pending queue
    # the unit's status changes on the board, live (units topic), with its call
    expect(board_row).to_have_attribute("data-status", "dispatched", timeout=20_000)
    expect(board_row.locator(".ucall")).to_have_text(number.group(0), timeout=20_000)

    # the deputy moves it en route from the field: the board follows without a reload
    call_id = server.api("GET", f"/api/v1/dispatch/calls/by-number/{number.group(0)}", "dispatcher").json()["id"]
    resp = server.api(
        "POST", f"/api/v1/dispatch/calls/{call_id}/step", "dispatcher", json={"status": "en_route", "unit": suggested}
    )
    assert resp.status_code == 200, resp.text
    expect(board_row).to_have_attribute("data-status", "en_route", timeout=20_000)
    expect(board_row.locator(".ustatus")).to_have_text("en route")
    expect(panel.locator(".on-call")).to_contain_text(f"{suggested} (en route)")
    # and the unit is on the map with its status
    expect(page.locator(f'#dispatch-map [data-unit="{suggested}"]')).to_have_attribute("data-status", "en_route")
    browser.shot("dispatch-03-assigned")


def test_a_unit_assigned_by_someone_else_first_is_a_clear_conflict(
    server: Server, browser: Browser, sign_in: Any
) -> None:
    page = _open(server, browser, sign_in)
    call = _call_via_api(server)
    row = page.locator(f'.pending-call[data-number="{call["number"]}"]')
    row.wait_for(timeout=20_000)  # arrives over the live stream
    row.get_by_role("button").click()
    panel = page.locator(".recommendation")
    panel.locator(".rec-table tr.suggested").first.wait_for()
    unit = panel.locator(".rec-table tr.suggested").first.get_attribute("data-unit")
    assert unit

    # another dispatcher (the supervisor) puts that unit on another call first
    other = _call_via_api(server, "SUSP_PERSON")
    resp = server.api("POST", f"/api/v1/dispatch/calls/{other['id']}/assign", "supervisor", json={"units": [unit]})
    assert resp.status_code == 200, resp.text

    panel.get_by_role("button", name=re.compile(f"Assign {unit}")).click()
    expect(panel.locator(".rec-message .conflict")).to_have_text(f"{unit} was just assigned by someone else.")
    browser.shot("dispatch-04-conflict")
    # the list is read again: the unit is no longer offered
    expect(panel.locator(f'.rec-table tr[data-unit="{unit}"]')).to_have_count(0)


def test_the_queue_orders_by_priority_and_age_and_colours_each_timer_against_its_target(
    server: Server, browser: Browser, sign_in: Any
) -> None:
    page = _open(server, browser, sign_in)
    # Routine (target 30:00) waiting 16 minutes: past half; Priority (12:00) waiting 13 minutes: late; one just in
    noise = _call_via_api(server, "NOISE", minutes_ago=16)
    alarm = _call_via_api(server, "ALARM_BURG_RES", minutes_ago=13)
    fresh = _call_via_api(server, "SUSP_PERSON")
    rows = page.locator(".pending-call")
    expect(rows).to_have_count(3, timeout=20_000)  # each arrived over the live stream
    assert [rows.nth(i).get_attribute("data-number") for i in range(3)] == [
        alarm["number"],
        fresh["number"],
        noise["number"],
    ]
    by_number = {
        c["number"]: page.locator(f'.pending-call[data-number="{c["number"]}"]') for c in (noise, alarm, fresh)
    }
    expect(by_number[alarm["number"]]).to_have_attribute("data-urgency", "late")
    expect(by_number[alarm["number"]].locator(".timer")).to_have_class(re.compile(r"\blate\b"))
    expect(by_number[noise["number"]]).to_have_attribute("data-urgency", "warn")
    expect(by_number[noise["number"]].locator(".timer .target")).to_contain_text("30:00")
    expect(by_number[fresh["number"]]).to_have_attribute("data-urgency", "ok")
    label = by_number[alarm["number"]].locator(".timer").get_attribute("aria-label") or ""
    assert re.match(r"waiting 13:\d\d of 12:00 \(Priority\)", label), label
    browser.shot("dispatch-06-timers")
    by_number[alarm["number"]].get_by_role("button").click()
    page.locator(".recommendation .rec-table tr.suggested").first.wait_for()
    browser.settle()
    assert page.evaluate(CONTRAST_JS) == []

    # the live map shows the same calls and the units (the layers the dispatch board feeds)
    page.get_by_role("link", name="Live map & alerts").click()
    page.locator("#live-map .leaflet-control-layers").get_by_text("Units (by type and status)").wait_for()
    expect(page.locator('#live-map [data-unit="41A"]')).to_have_attribute("data-status", "available")
    expect(page.locator(f'#live-map .call-marker[data-call="{alarm["number"]}"]')).to_have_count(1)


def test_the_dispatch_screen_in_spanish(server: Server, browser: Browser, sign_in: Any) -> None:
    page = _open(server, browser, sign_in)
    _call_via_api(server)
    page.locator("#lang").select_option("es")
    page.get_by_role("heading", name=re.compile("Llamadas pendientes")).wait_for()
    assert page.locator("html").get_attribute("lang") == "es"
    expect(page.get_by_role("link", name="Despacho")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="Tablero de estado de unidades")).to_be_visible()
    expect(page.get_by_role("combobox", name="Tipo de llamada")).to_be_visible()
    expect(page.get_by_role("button", name="Tomar la llamada (Intro)")).to_be_visible()
    expect(page.locator(".unit-board .ustatus").first).to_have_text(re.compile("disponible|despachada|en camino"))
    expect(page.locator(".pending-call .timer").first).to_have_attribute("aria-label", re.compile("en espera"))
    page.locator(".pending-call .call-pick").first.click()
    expect(page.locator(".recommendation .rec-method")).to_contain_text(re.compile("Tiempos de llegada"))
    # What the server supplies is Spanish too: the catalogue's names and each line's reasons (from their codes).
    expect(page.locator(".recommendation .rec-head h3")).to_contain_text("Alarma de robo, residencial")
    expect(page.locator(".recommendation .rec-head h3")).to_contain_text("Prioritaria")
    expect(page.locator(".pending-call .ctype").first).to_have_text("Alarma de robo, residencial")
    reasons = page.locator(".rec-table .reasons").first
    expect(reasons.locator('[data-code="travel"]')).to_have_text(re.compile(r"^viaje de [\d,.]+ min$"))
    expect(reasons.locator('[data-code="workload"]')).to_contain_text("en este turno")
    expect(reasons).not_to_contain_text(re.compile(r"\b(travel|calls yet|keeps|can do)\b"))
    expect(page.locator(".unit-board td[data-label]").filter(has_text="Patrulla de alguacil").first).to_be_visible()
    browser.shot("dispatch-05-spanish")


def test_a_location_from_an_intersection_typed_coordinates_or_a_map_click(
    server: Server, browser: Browser, sign_in: Any
) -> None:
    page = _open(server, browser, sign_in)
    call_type = page.get_by_role("combobox", name="Call type")
    location = page.get_by_role("combobox", name="Location")
    result = page.locator(".intake-result")

    def take(kind: str, where: str) -> None:
        expect(call_type).to_be_focused()  # after each call the form starts again at the call type
        call_type.press_sequentially(kind)
        page.get_by_role("option", name=re.compile(kind)).first.wait_for()
        call_type.press("Enter")
        location.focus()
        location.press_sequentially(where)
        page.get_by_role("listbox", name="Location").get_by_role("option").first.wait_for()
        location.press("Enter")  # takes the first suggestion for what is typed (not a stale one)
        expect(page.locator(".chosen-location")).to_contain_text(
            re.compile(r"Location: .* \((intersection|coordinates)\)")
        )
        location.press("Enter")  # the list is closed: Enter takes the call

    take("NOISE", "alondra carmen")
    expect(result.locator("h3")).to_contain_text("Noise or loud party")
    expect(result).to_contain_text("Alondra Blvd & Carmenita Rd")

    take("SUSP_VEHICLE", "33.8650, -118.0500")
    expect(result.locator("h3")).to_contain_text("Suspicious vehicle")
    expect(result).to_contain_text("33.86500, -118.05000")

    # a map click sets the point; the text typed then names it
    call_type.press_sequentially("FOCUSED_PATROL")
    call_type.press("Enter")
    box = page.locator("#dispatch-map").bounding_box()
    assert box
    page.mouse.click(box["x"] + box["width"] * 0.5 + 40, box["y"] + box["height"] * 0.5 + 40)
    expect(page.locator(".chosen-location")).to_contain_text("map point")
    location.fill("Behind the library")
    page.get_by_role("button", name="Take call (Enter)").click()
    expect(result.locator("h3")).to_contain_text("Focused patrol request")
    expect(result).to_contain_text("Behind the library")
    numbers = page.locator(".pending-call").evaluate_all("(rows) => rows.map((r) => r.dataset.number)")
    assert len(numbers) == 3, numbers

    # a place the city does not have is refused with the field named
    call_type.press_sequentially("NOISE")
    call_type.press("Enter")
    location.fill("Nowhere Street & Imaginary Avenue")
    page.get_by_role("listbox", name="Location").get_by_text("No match").wait_for()
    location.press("Enter")
    expect(page.locator(".call-entry .error")).to_contain_text("location.text")
