"""The drone screens in a real browser (issue 12): a dispatcher sees the drone line of the recommendation with its
lead over the first patrol car and requests a launch; the pilot accepts it on the pilot's screen (the drone goes in
flight); a call type the policy excludes is refused with its rule named, in the recommendation and in the pilot's
list of decisions, and a supervisor overrides it with a reason; the pilot's screen in Spanish."""

from __future__ import annotations

import re
from typing import Any

import pytest
from e2e_support import Browser, Server
from playwright.sync_api import expect
from test_web_staff import _unlabelled_controls

DRONES = "/app/drones"
DISPATCH = "/app/dispatch"


def _call(server: Server, call_type: str) -> dict[str, Any]:
    body = {"call_type": call_type, "location": {"kind": "place", "text": "Brookhaven Park"}, "source": "phone"}
    resp = server.api("POST", "/api/v1/dispatch/calls", "supervisor", json=body)
    assert resp.status_code == 201, resp.text
    return dict(resp.json()["call"])


def _requested(server: Server, call: dict[str, Any]) -> dict[str, Any]:
    """A dispatcher records the decision for the call and asks the pilots to launch (the API the panel calls)."""
    decision = server.api("POST", f"/api/v1/drones/calls/{call['id']}/decisions", "dispatcher")
    assert decision.status_code == 201, decision.text
    assert decision.json()["outcome"] == "recommended", decision.json()
    req = server.api(
        "POST", "/api/v1/drones/launch-requests", "dispatcher", json={"decision_id": decision.json()["id"]}
    )
    assert req.status_code == 201, req.text
    return dict(req.json())


def _panel(server: Server, browser: Browser, sign_in: Any, call: dict[str, Any]) -> Any:
    page = browser.page
    sign_in(browser, "dispatcher")
    page.goto(f"{server.base_url}{DISPATCH}")
    page.locator("#live-status[data-state=live]").wait_for()
    row = page.locator(f'.pending-call[data-number="{call["number"]}"]')
    row.wait_for(timeout=20_000)
    row.get_by_role("button").click()
    return page.locator(".recommendation")


def test_dispatcher_sees_the_drone_line_with_its_lead_and_requests_a_launch(
    server: Server, browser: Browser, sign_in: Any
) -> None:
    call = _call(server, "ALARM_BURG_RES")
    panel = _panel(server, browser, sign_in, call)
    line = panel.locator(".drone-line")
    line.wait_for(timeout=20_000)
    assert line.get_attribute("data-outcome") == "recommended", line.inner_text()
    preview = server.api("GET", f"/api/v1/dispatch/calls/{call['id']}/recommendation", "dispatcher").json()["drone"]
    expect(line.locator(".drone-summary")).to_contain_text(f"Drone {preview['drone_code']} from {preview['dock_code']}")
    # the lead over the first patrol car, in seconds, as the API computed it
    assert preview["lead_s"] is not None and preview["patrol_eta_s"] is not None, preview
    lead = round(abs(preview["lead_s"]))
    word = "before" if preview["lead_s"] >= 0 else "after"
    expect(line.locator(".lead")).to_have_text(f"{lead} s {word} the first patrol car")
    expect(line.locator(".rule")).to_contain_text(f"policy version {preview['policy_version']}")
    line.scroll_into_view_if_needed()
    browser.shot("drones-01-dispatch-line")

    line.get_by_role("button", name="Request launch").click()
    expect(line.locator(".drone-message")).to_contain_text(f"Launch requested: drone {preview['drone_code']}")
    pending = server.api("GET", "/api/v1/drones/launch-requests?state=pending", "dispatcher").json()
    assert [r["call_number"] for r in pending] == [call["number"]], pending
    assert _unlabelled_controls(browser.page) == []

    # the same line in Spanish
    page = browser.page
    page.locator("#lang").select_option("es")
    page.locator(f'.pending-call[data-number="{call["number"]}"]').get_by_role("button").click()
    line = page.locator(".recommendation .drone-line")
    expect(line.locator("h3")).to_have_text("Dron")
    expect(line.locator(".drone-summary")).to_contain_text(f"Dron {preview['drone_code']} desde {preview['dock_code']}")
    word = "antes" if preview["lead_s"] >= 0 else "después"
    expect(line.locator(".lead")).to_have_text(f"{lead} s {word} de la primera patrulla")
    expect(line.get_by_role("button", name="Solicitar despegue")).to_be_visible()


def test_pilot_accepts_a_launch_request(server: Server, browser: Browser, sign_in: Any) -> None:
    page = browser.page
    sign_in(browser, "pilot")
    page.goto(f"{server.base_url}/app")
    expect(page).to_have_url(re.compile(f"{DRONES}$"))  # the pilot lands on the drone screen
    expect(page.get_by_role("link", name="Drones")).to_have_attribute("aria-current", "page")
    page.locator("#live-status[data-state=live]").wait_for()
    expect(page.locator(".drone-requests")).to_contain_text("No launch request is waiting.")
    # the request arrives while the screen is open: the live topic "drones" brings it, no reload
    call = _call(server, "ALARM_BURG_RES")
    request = _requested(server, call)
    decision = server.api("GET", f"/api/v1/drones/decisions/{request['decision_id']}", "pilot").json()
    card = page.locator(f'.drone-request[data-call="{call["number"]}"]')
    card.wait_for(timeout=20_000)
    expect(card.locator("h3")).to_have_text(f"Call {call['number']} · ALARM_BURG_RES")
    expect(card.locator(".decision-line")).to_contain_text(
        re.compile(r"Dock DOCK-[WE], drone DRONE-[12]: ETA \d+:\d\d")
    )
    expect(card.locator(".lead")).to_have_text(re.compile(r"\d+ s (before|after) the first patrol car"))
    expect(card.locator(".rule")).to_contain_text(
        f"Decided by rule {decision['rule_id']} of policy version {decision['policy_version']}"
    )
    expect(page.locator("#drones-map .leaflet-interactive[aria-label*='" + call["number"] + "']")).to_have_count(1)
    # the fleet with status and battery; the drones and docks on the map
    expect(page.locator(".drone-table tbody tr")).to_have_count(2)
    expect(page.locator("#drones-map .dock-marker")).to_have_count(2)
    drone_code = page.locator(".drone-table [data-drone]").nth(0).inner_text()
    assert drone_code.startswith("DRONE-")
    assert _unlabelled_controls(page) == []
    browser.shot("drones-02-pilot-request")

    card.get_by_role("button", name="Accept launch").click()
    expect(page.locator(".drones-message")).to_contain_text("Launch accepted: drone DRONE-")
    expect(card).to_have_count(0)
    expect(page.locator(".drone-requests")).to_contain_text("No launch request is waiting.")
    answered = server.api("GET", f"/api/v1/drones/launch-requests/{request['id']}", "pilot").json()
    assert answered["state"] == "accepted" and answered["responded_by"] == "pilot", answered
    # the drone is in flight in the fleet table (the launch.answered event re-reads the fleet)
    flying = page.locator(".drone-table .drone-status.s-in_flight")
    expect(flying).to_have_count(1, timeout=20_000)
    expect(flying).to_have_text("in flight")
    browser.shot("drones-03-pilot-accepted")


def test_pilot_declines_with_a_reason(server: Server, browser: Browser, sign_in: Any) -> None:
    call = _call(server, "ROBBERY")
    request = _requested(server, call)
    page = browser.page
    sign_in(browser, "pilot")
    page.goto(f"{server.base_url}{DRONES}")
    card = page.locator(f'.drone-request[data-call="{call["number"]}"]')
    card.get_by_role("button", name="Decline", exact=True).click()
    card.get_by_role("button", name="Decline the launch").click()
    expect(page.locator(".drones-message")).to_have_text("Say why you decline (the reason is logged).")
    card.get_by_label("Reason for declining").fill("Low clouds over the dock")
    card.get_by_role("button", name="Decline the launch").click()
    expect(page.locator(".drones-message")).to_have_text(f"Launch declined for call {call['number']}.")
    answered = server.api("GET", f"/api/v1/drones/launch-requests/{request['id']}", "pilot").json()
    assert answered["state"] == "declined" and answered["response_reason"] == "Low clouds over the dock", answered


def test_an_excluded_call_type_is_refused_with_its_rule_named_and_a_supervisor_overrides(
    server: Server, browser: Browser, sign_in: Any
) -> None:
    call = _call(server, "DISTURBANCE")  # the policy excludes it: First Amendment activity (DFR-EX-2)
    panel = _panel(server, browser, sign_in, call)
    line = panel.locator(".drone-line")
    line.wait_for(timeout=20_000)
    assert line.get_attribute("data-outcome") == "refused"
    expect(line.locator(".drone-summary")).to_contain_text("No drone: refused by rule DFR-EX-2")
    expect(line.locator(".drone-summary")).to_contain_text("First Amendment activity")
    expect(line.get_by_role("button", name="Request launch")).to_have_count(0)
    line.scroll_into_view_if_needed()
    browser.shot("drones-04-dispatch-refused")

    # the dispatcher records the refusal; the supervisor finds it, rule named, and overrides it with a reason
    decision = server.api("POST", f"/api/v1/drones/calls/{call['id']}/decisions", "dispatcher").json()
    assert decision["outcome"] == "refused" and decision["rule_id"] == "DFR-EX-2", decision
    page = browser.page
    page.get_by_role("button", name="Sign out").click()
    sign_in(browser, "supervisor")
    page.goto(f"{server.base_url}{DRONES}")
    row = page.locator(".decisions-table tbody tr", has_text=call["number"]).first
    row.wait_for()
    assert row.get_attribute("data-outcome") == "refused"
    expect(row.locator(".outcome")).to_have_text("refused")
    expect(row.locator(".rule")).to_contain_text("DFR-EX-2")
    expect(row.locator(".rule")).to_contain_text("First Amendment activity")
    row.locator("summary", has_text="Override").click()
    row.get_by_label(re.compile("Why this flight is justified")).fill("Shots reported inside the crowd, lives at risk")
    row.get_by_role("button", name="Override the refusal").click()
    expect(page.locator(".drones-message")).to_contain_text(f"Refusal overridden for call {call['number']}")
    over = page.locator(".decisions-table tbody tr[data-outcome=overridden]", has_text=call["number"])
    expect(over).to_have_count(1, timeout=20_000)
    expect(over.locator(".outcome")).to_have_text("overridden by a supervisor")
    expect(over.locator(".override-reason")).to_have_text(
        "Override reason: Shots reported inside the crowd, lives at risk"
    )
    # the overridden decision may now go to the pilots: the request shows in the waiting list
    over.get_by_role("button", name="Request launch").click()
    expect(page.locator(".drones-message")).to_contain_text("Launch requested: drone DRONE-")
    card = page.locator(f'.drone-request[data-call="{call["number"]}"]')
    expect(card).to_contain_text("overridden by a supervisor: Shots reported inside the crowd")
    expect(over.get_by_role("button", name="Request launch")).to_have_count(0)
    audit = server.api("GET", "/api/v1/audit/entries?action=drones.decision.override&limit=50", "admin").json()
    assert any("Shots reported inside the crowd" in str(e) for e in audit), audit
    browser.shot("drones-05-overridden")


def test_the_pilot_screen_in_spanish(server: Server, browser: Browser, sign_in: Any) -> None:
    call = _call(server, "ALARM_BURG_COM")
    _requested(server, call)
    page = browser.page
    sign_in(browser, "pilot")
    page.goto(f"{server.base_url}{DRONES}")
    page.locator(f'.drone-request[data-call="{call["number"]}"]').wait_for()
    page.locator("#lang").select_option("es")
    assert page.locator("html").get_attribute("lang") == "es"
    expect(page.get_by_role("heading", name="Programa de drones")).to_be_visible()
    expect(page.get_by_role("heading", name="Solicitudes de despegue en espera de un piloto")).to_be_visible()
    card = page.locator(f'.drone-request[data-call="{call["number"]}"]')
    expect(card.locator("h3")).to_have_text(f"Llamada {call['number']} · ALARM_BURG_COM")
    expect(card.locator(".decision-line")).to_contain_text("llegada estimada")
    expect(card.locator(".lead")).to_have_text(re.compile(r"\d+ s (antes|después) de la primera patrulla"))
    expect(card.locator(".rule")).to_contain_text("versión")
    expect(card.get_by_role("button", name="Aceptar el despegue")).to_be_visible()
    expect(card.get_by_role("button", name="Rechazar", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Flota")).to_be_visible()
    expect(page.locator(".drone-table .drone-status").first).to_have_text(re.compile("en la base|cargando|en vuelo"))
    expect(page.locator("span.who")).to_contain_text("piloto remoto")
    assert _unlabelled_controls(page) == []
    browser.shot("drones-06-pilot-es")


def _position(server: Server, drone: dict[str, Any], flight_id: str, lat: float, lon: float) -> None:
    """One ``drone.position`` live event in the shape telemetry publishes (rtcc.drones.live on drones-flights)."""
    from rtcc.live import service as live_service

    d = 0.0004
    ring = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]
    data = {
        "drone_id": drone["id"],
        "drone": drone["code"],
        "flight_id": flight_id,
        "call_number": "26-999999",
        "at": "2026-12-06T04:00:00+00:00",
        "lat": lat,
        "lon": lon,
        "alt_m": 60.0,
        "heading_deg": 90.0,
        "speed_mps": 14.0,
        "battery_pct": 78.0,
        "camera_pitch_deg": -60.0,
        "camera_down": True,
        "flagged": False,
        "footprint": {"type": "Polygon", "coordinates": [ring]},
    }
    with server.runtime.db.uow() as s:
        live_service.emit(s, server.runtime.bus, topic="drones", type="drone.position", data=data)


def test_the_drone_on_the_live_map_with_its_track_and_camera_footprint(
    server: Server, browser: Browser, sign_in: Any
) -> None:
    fleet = server.api("GET", "/api/v1/drones/fleet", "supervisor").json()
    drone = fleet["drones"][0]
    page = browser.page
    sign_in(browser, "supervisor")
    page.goto(f"{server.base_url}/app")
    page.locator("#live-status[data-state=live]").wait_for()
    marker = page.locator(f'#live-map .drone-marker[data-drone="{drone["code"]}"]')
    expect(marker).to_have_count(1, timeout=20_000)  # at its dock, from the fleet
    expect(page.locator("#live-map .dock-marker")).to_have_count(len(fleet["docks"]))
    expect(marker).to_have_attribute("aria-label", re.compile(f"Drone {drone['code']} · (docked|charging)"))
    flight = "5b0c8d8e-0000-4000-8000-000000000001"
    _position(server, drone, flight, 33.8700, -118.0600)
    _position(server, drone, flight, 33.8710, -118.0580)
    expect(marker).to_have_attribute("aria-label", f"Drone {drone['code']} · call 26-999999 · 60 m · battery 78 %")
    expect(marker).to_have_class(re.compile("s-in_flight"))
    expect(page.locator("#live-map path.drone-track")).to_have_count(1)
    expect(page.locator("#live-map path.drone-footprint")).to_have_count(1)
    browser.shot("drones-07-live-map")


def test_an_accepted_launch_flies_on_the_pilots_map_from_real_telemetry(
    server: Server, browser: Browser, sign_in: Any
) -> None:
    """With the flights API installed (drones-flights): accepting starts the flight, and telemetry posted over HTTP
    moves the drone on the map with its track and camera footprint."""
    if not server.has_api("/api/v1/drones/telemetry"):
        pytest.skip("the drone flights API (telemetry) is not installed on this branch")
    page = browser.page
    sign_in(browser, "pilot")
    page.goto(f"{server.base_url}{DRONES}")
    page.locator("#live-status[data-state=live]").wait_for()
    call = _call(server, "SHOTS")
    request = _requested(server, call)
    card = page.locator(f'.drone-request[data-call="{call["number"]}"]')
    card.get_by_role("button", name="Accept launch").click()
    expect(page.locator(".drones-message")).to_contain_text("(flight started)")
    drone = next(
        d for d in server.api("GET", "/api/v1/drones/fleet", "pilot").json()["drones"] if d["id"] == request["drone_id"]
    )
    fixes = [
        {"drone": drone["code"], "lat": 33.8660 + i * 0.0005, "lon": -118.0560, "alt_m": 60.0, "heading_deg": 0.0,
         "speed_mps": 15.0, "battery_pct": 90.0, "camera_pitch_deg": -60.0}
        for i in range(3)
    ]  # fmt: skip
    resp = server.api("POST", "/api/v1/drones/telemetry", "pilot", json=fixes)
    assert resp.status_code == 202, resp.text
    marker = page.locator(f'#drones-map .drone-marker[data-drone="{drone["code"]}"]')
    expect(marker).to_have_attribute(
        "aria-label", f"Drone {drone['code']} · call {call['number']} · 60 m · battery 90 %", timeout=20_000
    )
    expect(page.locator("#drones-map path.drone-track")).to_have_count(1)
    expect(page.locator("#drones-map path.drone-footprint")).to_have_count(1)
    browser.shot("drones-08-pilot-flight")


def test_the_pilot_orders_a_drone_in_the_air_back_to_its_dock(server: Server, browser: Browser, sign_in: Any) -> None:
    """The pilot's list of flights shows the drone in the air; "Return to dock" records the command (audited) and
    says which channel carried it (here none: its telemetry came over HTTP, so the pilot relays it)."""
    page = browser.page
    sign_in(browser, "pilot")
    page.goto(f"{server.base_url}{DRONES}")
    page.locator("#live-status[data-state=live]").wait_for()
    call = _call(server, "SHOTS")
    request = _requested(server, call)
    assert server.api("POST", f"/api/v1/drones/launch-requests/{request['id']}/accept", "pilot", json={}).is_success
    started = server.api("POST", "/api/v1/drones/flights", "pilot", json={"request_id": request["id"]})
    assert started.status_code == 201, started.text
    flight = started.json()
    fix = {"drone": flight["drone_code"], "lat": 33.866, "lon": -118.056, "alt_m": 60.0, "camera_pitch_deg": -10.0}
    assert server.api("POST", "/api/v1/drones/telemetry", "pilot", json=[fix]).status_code == 202
    page.reload()
    row = page.locator(f'.flights-table tr[data-flight="{flight["id"]}"]')
    expect(row).to_have_attribute("data-status", "in_flight", timeout=20_000)
    expect(row).to_contain_text(call["number"])
    row.get_by_role("button", name="Return to dock").click()
    expect(page.locator(".drones-message")).to_contain_text(
        f"Return to dock recorded for {flight['drone_code']}: no uplink reaches it"
    )
    expect(row.locator("small")).to_contain_text("last command: Return to dock (none)")
    cmds = server.api("GET", f"/api/v1/drones/flights/{flight['id']}/commands", "pilot").json()
    assert [(c["command"], c["channel"], c["issued_by"]) for c in cmds] == [("return_to_dock", "none", "pilot")]
    fleet = server.api("GET", "/api/v1/drones/fleet", "pilot").json()
    assert next(d for d in fleet["drones"] if d["code"] == flight["drone_code"])["status"] == "returning"
    assert _unlabelled_controls(page) == []
    browser.shot("drones-09-pilot-return-to-dock")
