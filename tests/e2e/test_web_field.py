"""The field view on a phone (390 px) and the residents' "my reports" page: a deputy moves an assigned call through en
route, on scene and cleared with directions and the verified ALPR hits near the call; a status change made without a
connection is kept on the phone and sent once when it returns (the call's timeline shows it once); a guard sees only
its assigned task and no ALPR hits, in Spanish too; a resident follows their own report's status and never another's.
Dispatcher steps (intake, assignment) and staff steps go through the API, as the dispatcher's screen would."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
from e2e_support import Browser, Server

from rtcc_testing import confirm_signup

D = "/api/v1/dispatch"
#: Brookhaven Park (reporting district 2316), where the demo's 41A and G1 start.
PARK = (33.866126, -118.051176)


def _assigned_call(
    server: Server,
    unit: str,
    call_type: str = "ALARM_BURG_RES",
    at: tuple[float, float] = PARK,
    location: dict[str, Any] | None = None,
) -> Any:
    where = location or {"kind": "point", "lat": at[0], "lon": at[1]}
    body = {"call_type": call_type, "location": where, "source": "911"}
    resp = server.api("POST", f"{D}/calls", "dispatcher", json=body)
    assert resp.status_code == 201, resp.text
    call = resp.json()["call"]
    resp = server.api("POST", f"{D}/calls/{call['id']}/assign", "dispatcher", json={"units": [unit]})
    assert resp.status_code == 200, resp.text
    return call


def _unit_steps(server: Server, call_id: str) -> list[str]:
    timeline = server.api("GET", f"{D}/calls/{call_id}", "dispatcher").json()["timeline"]
    return [e["status"] for e in timeline if e["kind"] == "unit"]


def _open_field(server: Server, b: Browser, sign_in: Any, user: str, number: str) -> Any:
    sign_in(b, user)
    page = b.page
    page.goto(f"{server.base_url}/app/field")
    page.locator("#field-number", has_text=number).wait_for()
    return page


def _no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def _verified_hit_at(server: Server, camera: str) -> str:
    """A hotlisted plate read by ``camera`` and verified by the analyst; returns the plate."""
    plate = next(e for e in server.seeded.hotlist_entries if e.category == "stolen_vehicle").plate
    server.inject_read(plate, camera)
    deadline = time.monotonic() + 20
    while True:  # matching runs after the read is stored: wait for the alert
        items = server.api(
            "GET", "/api/v1/alerts", "analyst", params={"kind": "hit", "purpose": "hit_verification"}
        ).json()["items"]
        found = [a for a in items if a["plate_read"] == plate]
        if found:
            break
        assert time.monotonic() < deadline, "no alert for the injected read"
        time.sleep(0.2)
    checklist = {"plate_matches_crop": True, "state_confirmed": True, "entry_current": True, "vehicle_consistent": True}
    resp = server.api("POST", f"/api/v1/alerts/{found[0]['id']}/verify", "analyst", json={"checklist": checklist})
    assert resp.status_code == 200, resp.text
    return str(plate)


def test_a_deputy_moves_the_call_through_en_route_on_scene_and_cleared(
    server: Server, phone: Browser, sign_in: Any
) -> None:
    from rtcc.demo import world

    cam = world.camera("CER-ALPR-05")
    plate = _verified_hit_at(server, "CER-ALPR-05")
    premise = {"address": "12800 South St", "kind": "residential", "lat": cam.lat, "lon": cam.lon, "hazards": ["dog"]}
    made = server.api("POST", f"{D}/premises", "dispatcher", json=premise)
    assert made.status_code == 201, made.text
    call = _assigned_call(server, "41A", location={"kind": "premise", "premise_id": made.json()["id"]})
    page = _open_field(server, phone, sign_in, "officer", call["number"])
    assert page.locator("#field-unit").inner_text().startswith("Unit 41A")
    # only the valid next steps of a dispatched unit
    steps = page.locator("#field-steps button")
    assert [steps.nth(i).get_attribute("data-step") for i in range(steps.count())] == [
        "acknowledged",
        "en_route",
        "on_scene",
        "cleared",
    ]
    # directions: a polyline on the map and the time
    page.locator("#field-eta[data-seconds]").wait_for()
    assert "ETA" in page.locator("#field-eta").inner_text()
    assert page.locator("#field-directions path.leaflet-interactive").count() >= 1
    # the premise's history and the verified hit near the call (deputies only)
    page.locator("#field-premise", has_text="Hazards: dog").wait_for()
    page.locator("#field-hit-list li", has_text=plate).wait_for()
    assert _no_horizontal_scroll(page)
    phone.shot("40-field-deputy-call", full_page=True)

    page.locator("#field-steps button[data-step=en_route]").click()
    page.locator("#field-my-status[data-status=en_route]").wait_for()
    page.locator("#field-banner:empty").wait_for(state="attached")  # nothing left waiting
    assert [b.get_attribute("data-step") for b in page.locator("#field-steps button").all()] == ["on_scene", "cleared"]
    page.locator("#field-steps button[data-step=on_scene]").click()
    page.locator("#field-my-status[data-status=on_scene]").wait_for()
    page.get_by_label("New note").fill("Rear door forced; owner on the way")
    page.get_by_role("button", name="Add note").click()
    page.locator("#field-notes li:not([data-pending])", has_text="Rear door forced").wait_for()
    page.locator("#field-steps button[data-step=cleared]").click()
    page.locator("#field-my-status[data-status=cleared]").wait_for()
    page.get_by_text("No further status for your unit on this call.").wait_for()
    moves = [s for s in _unit_steps(server, call["id"]) if s in ("en_route", "on_scene", "cleared")]
    assert moves == ["en_route", "on_scene", "cleared"]
    detail = server.api("GET", f"{D}/calls/{call['id']}", "dispatcher").json()
    assert [n["text"] for n in detail["notes"]] == ["Rear door forced; owner on the way"]
    phone.shot("41-field-deputy-cleared", full_page=True)


def test_a_status_change_made_offline_is_sent_once_when_back_online(
    server: Server, phone: Browser, sign_in: Any
) -> None:
    call = _assigned_call(server, "41A")
    page = _open_field(server, phone, sign_in, "officer", call["number"])
    page.locator("#field-steps button[data-step=en_route]").wait_for()
    # the installable shell: the manifest and the service worker are served with their types
    manifest = httpx.get(f"{server.base_url}/app/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    assert manifest.json()["start_url"] == "/app/field"
    page.wait_for_function("() => navigator.serviceWorker.getRegistration('/app/').then((r) => !!(r && r.active))")

    phone.context.set_offline(True)
    page.locator("#field-steps button[data-step=en_route]").click()
    page.locator("#field-my-status[data-status=en_route]").wait_for()  # shown at once, marked as waiting
    page.locator("#field-banner", has_text="1 change(s) waiting to be sent").wait_for()
    page.get_by_label("New note").fill("Suspect left northbound on foot")
    page.get_by_role("button", name="Add note").click()
    page.locator("#field-notes li[data-pending=true]", has_text="Suspect left").wait_for()
    page.locator("#field-banner", has_text="2 change(s) waiting").wait_for()
    assert page.evaluate("JSON.parse(localStorage.getItem('rtcc.field.outbox:officer')).length") == 2
    assert "en_route" not in _unit_steps(server, call["id"])  # nothing reached the server
    phone.shot("42-field-offline-queued", full_page=True)

    phone.context.set_offline(False)
    page.locator("#field-banner:empty").wait_for(state="attached", timeout=30_000)
    page.locator("#field-notes li:not([data-pending])", has_text="Suspect left").wait_for()
    assert _unit_steps(server, call["id"]).count("en_route") == 1
    detail = server.api("GET", f"{D}/calls/{call['id']}", "dispatcher").json()
    assert [n["text"] for n in detail["notes"]] == ["Suspect left northbound on foot"]
    assert page.evaluate("JSON.parse(localStorage.getItem('rtcc.field.outbox:officer')).length") == 0
    # the service worker kept the app's shell and no API answer (no personal data in its cache)
    cached = page.evaluate(
        """() => caches.keys()
            .then((ks) => Promise.all(ks.map((k) => caches.open(k).then((c) => c.keys()))))
            .then((lists) => lists.flat().map((r) => new URL(r.url).pathname))"""
    )
    assert "/app/field" in cached and any(p.startswith("/app/assets/") for p in cached), cached
    assert not [p for p in cached if not p.startswith("/app/")], cached
    # a reload does not send anything again
    page.reload()
    page.locator("#field-my-status[data-status=en_route]").wait_for()
    assert _unit_steps(server, call["id"]).count("en_route") == 1


def test_a_guard_sees_only_its_task_and_no_alpr_hits_in_spanish_too(
    server: Server, phone: Browser, sign_in: Any
) -> None:
    deputy_call = _assigned_call(server, "41A")
    task = _assigned_call(server, "G1", "PATROL_CHECK")
    page = _open_field(server, phone, sign_in, "guard", task["number"])
    assert page.locator("#field-unit").inner_text().startswith("Unit G1")
    assert page.get_by_text(deputy_call["number"]).count() == 0
    assert page.locator("#field-hits").is_hidden() and page.locator("#field-hit-list").count() == 0
    assert page.locator("#field-premise").is_hidden()
    status = page.evaluate("fetch('/api/v1/alerts?kind=hit').then(r => r.status)")
    assert status == 403  # the API refuses guards ALPR data as well
    nav = [a.inner_text() for a in page.locator("header nav a").all()]
    assert nav == ["My call"], nav
    page.locator("#field-steps button[data-step=en_route]").wait_for()

    page.locator("#lang").select_option("es")
    page.get_by_role("heading", name="Mi llamada").wait_for()
    page.locator("#field-steps button[data-step=en_route]", has_text="En camino").wait_for()
    page.locator("#field-steps button[data-step=en_route]").click()
    page.locator("#field-my-status", has_text="Su estado en esta llamada: en camino").wait_for()
    assert page.locator("html").get_attribute("lang") == "es"
    assert _no_horizontal_scroll(page)
    phone.shot("43-field-guard-es", full_page=True)


def test_a_cso_takes_a_non_injury_collision_report_from_the_cso_queue(
    server: Server, phone: Browser, sign_in: Any
) -> None:
    body = {
        "call_type": "COLLISION_NONINJ",
        "location": {"kind": "point", "lat": PARK[0], "lon": PARK[1]},
        "source": "911",
    }
    resp = server.api("POST", f"{D}/calls", "dispatcher", json=body)
    assert resp.status_code == 201, resp.text
    call = resp.json()["call"]
    assert call["queue"] == "cso"  # differential response: it waits for a CSO, not a deputy
    sign_in(phone, "cso")
    page = phone.page
    page.goto(f"{server.base_url}/app/field")
    row = page.locator(f'#field-cso-queue li[data-call="{call["number"]}"]')
    row.wait_for()
    row.get_by_role("button", name="Take").click()
    page.locator("#field-number", has_text=call["number"]).wait_for()
    page.locator("#field-steps button[data-step=en_route]").wait_for()
    taken = server.api("GET", f"{D}/calls/{call['id']}", "dispatcher").json()
    assert [a["call_sign"] for a in taken["assignments"]] == ["C1"]
    assert _no_horizontal_scroll(page)
    phone.shot("45-field-cso-queue", full_page=True)


def test_a_new_assignment_reaches_the_phone_at_once(server: Server, phone: Browser, sign_in: Any) -> None:
    sign_in(phone, "officer")
    page = phone.page
    page.goto(f"{server.base_url}/app/field")
    page.locator("#live-status[data-state=live]").wait_for()
    call = _assigned_call(server, "41A", "DISTURBANCE")
    # the unit's own live topic, not the 20 s refresh, brings it
    page.locator("#field-number", has_text=call["number"]).wait_for(timeout=8_000)


def _resident(server: Server, name: str) -> dict[str, str]:
    body = {
        "account_type": "resident",
        "username": name,
        "display_name": f"Resident {name}",
        "email": f"{name}@example.org",
        "password": "a long resident password",
        "phone": "+15625550123",
        "lat": 33.87,
        "lon": -118.06,
    }
    assert httpx.post(f"{server.base_url}/api/v1/community/signup", json=body).status_code == 202
    confirm_signup(server.base_url, server.runtime.db, name)  # the link in the confirmation message: then it signs in
    resp = httpx.post(f"{server.base_url}/api/v1/auth/login", json={"username": name, "password": body["password"]})
    return {"Authorization": f"Bearer {resp.json()['token']}"}


def test_a_resident_sees_their_own_reports_status_and_not_anothers(server: Server, phone: Browser) -> None:
    rosa, other = f"rosa_{uuid.uuid4().hex[:5]}", f"omar_{uuid.uuid4().hex[:5]}"
    rosa_auth, other_auth = _resident(server, rosa), _resident(server, other)
    report = {"call_type": "THEFT_RPT", "lat": PARK[0], "lon": PARK[1], "narrative": "bicycle taken from the rack"}
    mine = httpx.post(f"{server.base_url}/api/v1/community/reports", json=report, headers=rosa_auth).json()
    theirs = httpx.post(
        f"{server.base_url}/api/v1/community/reports", json={**report, "narrative": "car keyed"}, headers=other_auth
    ).json()
    # the demo CSO takes Rosa's report and goes on scene
    assert server.api("POST", f"{D}/calls/{mine['id']}/take", "cso").status_code == 200
    for step in ("en_route", "on_scene"):
        assert server.api("POST", f"{D}/calls/{mine['id']}/step", "cso", json={"status": step}).status_code == 200

    page = phone.page
    page.goto(f"{server.base_url}/portal")
    form = page.locator("form", has=page.get_by_role("heading", name="Sign in"))
    form.get_by_label("User name").fill(rosa)
    form.get_by_label("Password").fill("a long resident password")
    form.get_by_role("button", name="Sign in").click()
    page.locator("#sign-out").wait_for()
    page.get_by_role("navigation").get_by_role("link", name="My reports").click()
    card = page.locator(f"article.report[data-number='{mine['number']}']")
    card.wait_for()
    assert card.get_attribute("data-status") == "visited"
    assert [li.inner_text().split(" — ")[0] for li in card.locator("ol li").all()] == [
        "Received",
        "Assigned",
        "Visited",
    ]
    assert page.get_by_text(theirs["number"]).count() == 0
    assert "C1" not in card.inner_text()  # no unit call signs
    status = page.evaluate(f"fetch('/api/v1/community/reports/{theirs['id']}').then(r => r.status)")
    assert status == 404
    assert _no_horizontal_scroll(page)
    phone.shot("44-portal-my-reports", full_page=True)

    # she files another online report on the page: it arrives as received
    form = page.locator("#report-form")
    form.get_by_label("What happened").select_option("VANDALISM_RPT")
    form.get_by_label("Describe it").fill("Graffiti on the garage door")
    pin_map = form.locator(".pin-map")
    pin_map.scroll_into_view_if_needed()
    box = pin_map.bounding_box()
    pin_map.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    form.get_by_role("button", name="Send report").click()
    form.get_by_text("received.").wait_for()
    page.locator("article.report[data-status=received]", has_text="Vandalism").wait_for()
    assert page.locator("article.report").count() == 2

    page.locator("#lang").select_option("es")
    page.get_by_role("heading", name="Mis llamadas y reportes").wait_for()
    page.locator(f"article.report[data-number='{mine['number']}'] .badge", has_text="Visitado").wait_for()
