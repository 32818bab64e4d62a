"""The investigations screens in a real browser: a plate search that opens the vehicle track (timeline, points and
stops), a stakeout drawn on the map, common plates over three scenes clicked on the map, co-travel, and the audited
CSV export of a plate search. Each test injects its reads through the real ingest API (at chosen times) and checks
what the screen shows AND what the server recorded (the audit log in the database)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from e2e_support import Browser, Server
from playwright.sync_api import expect
from sqlalchemy import select

from rtcc.audit.models import AuditEntry
from rtcc.demo import world
from rtcc_testing import file_case

PURPOSE = "stolen_vehicle"
#: The browser's time zone (conftest launches Chromium with it): datetime-local fields are filled in it.
BROWSER_TZ = ZoneInfo("America/Los_Angeles")
SLOW = 30_000


@pytest.fixture(autouse=True)
def _needs_search_api(server: Server) -> None:
    if not server.has_api("/api/v1/search/common"):
        pytest.skip("the investigations API (/api/v1/search/...) is not installed in this build")


def _inject(server: Server, plate: str, camera: str, at: datetime) -> None:
    """One read observed at ``at`` by ``camera``, posted through the real ingest API with the demo sensor key."""
    cam = world.camera(camera)
    body = {
        "reads": [
            {
                "plate": plate,
                "region": "CA",
                "confidence": 94.0,
                "observed_at": at.isoformat(),
                "camera": camera,
                "lat": cam.lat,
                "lon": cam.lon,
                "vehicle": {"make": "Toyota", "model": "Camry", "color": "gray", "type": "sedan"},
                "crop_ref": f"e2e://crops/{camera}/{plate}.jpg",
                "id": f"e2e-{uuid.uuid4().hex}",
            }
        ]
    }
    resp = httpx.post(f"{server.base_url}/api/v1/reads", json=body, headers={"X-API-Key": server.seeded.api_key})
    assert resp.status_code == 202 and resp.json()["accepted"] == 1, resp.text


def _audit(server: Server, action: str, case: str) -> list[tuple[str, dict[str, Any]]]:
    """(actor, details) of the audit entries with this action and case number, oldest first (read from the
    database; the demo seed records searches of its own)."""
    with server.runtime.db.read() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq))
        return [(e.actor, d) for e in rows if (d := dict(e.details or {})).get("case_number") == case]


def _local(at: datetime) -> str:
    """A datetime-local value in the browser's time zone."""
    return at.astimezone(BROWSER_TZ).strftime("%Y-%m-%dT%H:%M")


def _open_search(server: Server, browser: Browser, sign_in: Any, mode: str) -> Any:
    page = browser.page
    sign_in(browser, "analyst")
    page.get_by_role("link", name="Search").click()
    page.get_by_role("button", name=mode, exact=True).click()
    expect(page.get_by_role("button", name=mode, exact=True)).to_have_attribute("aria-pressed", "true")
    page.wait_for_function("document.querySelectorAll('#search-map path').length > 3")  # base map drawn
    return page


def _purpose(page: Any, case: str, server: Server | None = None) -> None:
    """Choose the purpose and type the case number; with ``server``, the case is put on record first (a BOLO filed
    under it): the screens search the last 7 days by default, beyond the purpose's case-free 24 h."""
    if server is not None:
        file_case(server.runtime.db, case)
    form = page.locator("form.card")
    expect(form.get_by_label("Purpose").locator(f'option[value="{PURPOSE}"]')).to_have_count(1)
    form.get_by_label("Purpose").select_option(PURPOSE)
    form.get_by_label("Case or incident number").fill(case)


def _run(page: Any) -> None:
    page.locator("form.card").get_by_role("button", name="Search", exact=True).click()


def _col(table: Any, name: str) -> list[str]:
    """The texts of one column (by header) of a results table."""
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    i = headers.index(name)
    return [r.locator("td").nth(i).inner_text().strip() for r in table.locator("tbody tr").all()]


def test_plate_search_opens_the_vehicle_track(server: Server, browser: Browser, sign_in: Any) -> None:
    now = datetime.now(UTC)
    plate = "TRK1001"
    _inject(server, plate, "CER-ALPR-09", now - timedelta(minutes=70))  # two reads 10 min apart at one
    _inject(server, plate, "CER-ALPR-09", now - timedelta(minutes=60))  # intersection: a stop
    _inject(server, plate, "CER-ALPR-10", now - timedelta(minutes=45))
    _inject(server, plate, "CER-ALPR-18", now - timedelta(minutes=30))
    page = _open_search(server, browser, sign_in, "Plate search")
    page.get_by_label("Plate", exact=True).fill(plate)
    _purpose(page, "E2E-TRACK-1")
    # the form says what the purpose allows without a case on record; the default week is more, and a case number
    # that is not on record does not lift the bound: refused, naming the field
    expect(page.locator(".purpose-bounds")).to_contain_text("Without a case on record: searches over 24 h at most")
    _run(page)
    expect(page.get_by_role("alert").filter(has_text="not a case on record")).to_have_count(1, timeout=SLOW)
    expect(page.locator("#search-results")).to_have_count(0)
    file_case(server.runtime.db, "E2E-TRACK-1")
    _run(page)
    results = page.locator("#search-results")
    expect(results.locator("tbody tr")).to_have_count(4, timeout=SLOW)

    # open the track from a plate in the results: the Track mode runs under the same purpose and case
    results.get_by_role("button", name=f"Open the track of {plate}").first.click()
    expect(page.get_by_role("button", name="Vehicle track", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_text("4 reads, 1 stops")).to_be_visible(timeout=SLOW)
    expect(page.locator(".timeline-list li")).to_have_count(4)
    expect(page.locator("#search-results tbody tr")).to_have_count(4)
    expect(page.locator('#search-map path[stroke="#0b5cad"]')).to_have_count(1)  # the track's line
    expect(page.locator('#search-map path[stroke="#e65100"]')).to_have_count(1)  # the stop
    expect(page.locator('#search-map path[stroke="#b00020"]')).to_have_count(4)  # the track's points
    browser.shot("investigations-01-vehicle-track", full_page=True)

    searches = _audit(server, "alpr.search", "E2E-TRACK-1")
    assert [(actor, d["kind"], d["purpose"]) for actor, d in searches] == [
        ("analyst", "plate", PURPOSE),
        ("analyst", "history", PURPOSE),
    ]
    assert searches[1][1]["query"]["plate"] == plate


def _pixel_mapper(page: Any) -> Any:
    """lat/lon -> pixel on #search-map, measured through the UI: two clicks in Common plates mode add two scenes
    whose coordinates the form shows; the scenes are then removed. Valid while the map view stays put."""
    box = page.locator("#search-map").bounding_box()
    pts = [(box["width"] * 0.4, box["height"] * 0.4), (box["width"] * 0.6, box["height"] * 0.6)]
    coords = []
    for i, (x, y) in enumerate(pts, start=1):
        page.locator("#search-map").click(position={"x": x, "y": y})
        scene = page.locator("#common-scenes li").nth(i - 1)
        expect(scene.get_by_label("Latitude")).not_to_have_value("")
        coords.append(
            (float(scene.get_by_label("Latitude").input_value()), float(scene.get_by_label("Longitude").input_value()))
        )
    for _ in pts:
        page.get_by_role("button", name="Remove scene 1").click()
    expect(page.locator("#common-scenes li")).to_have_count(0)
    (x0, y0), (x1, y1) = pts
    (lat0, lon0), (lat1, lon1) = coords

    def to_px(lat: float, lon: float) -> dict[str, float]:
        return {"x": x0 + (lon - lon0) / (lon1 - lon0) * (x1 - x0), "y": y0 + (lat - lat0) / (lat1 - lat0) * (y1 - y0)}

    return to_px


def test_stakeout_drawn_on_the_map_lists_the_plates_seen_there(server: Server, browser: Browser, sign_in: Any) -> None:
    now = datetime.now(UTC)
    _inject(server, "STK0001", "CER-ALPR-10", now - timedelta(minutes=25))
    _inject(server, "STK0002", "CER-ALPR-10", now - timedelta(minutes=15))
    _inject(server, "STK0999", "CER-ALPR-09", now - timedelta(minutes=20))  # another intersection, ~900 m away
    _inject(server, "STK0777", "CER-ALPR-10", now - timedelta(hours=3))  # there, but outside the hour
    page = _open_search(server, browser, sign_in, "Common plates")
    to_px = _pixel_mapper(page)
    page.get_by_role("button", name="Stakeout", exact=True).click()
    cam = world.camera("CER-ALPR-10")
    d = 0.0015  # about 150 m around the intersection
    for dlat, dlon in ((d, -d), (d, d), (-d, d), (-d, -d)):
        page.locator("#search-map").click(position=to_px(cam.lat + dlat, cam.lon + dlon))
    expect(page.get_by_text("4 corners drawn")).to_be_visible()
    form = page.locator("form.card")
    start = (now - timedelta(minutes=55)).replace(second=0)
    form.get_by_label("From").fill(_local(start))
    form.get_by_label("To").fill(_local(start + timedelta(hours=1)))
    _purpose(page, "E2E-STAKEOUT-1")
    _run(page)
    results = page.locator("#search-results")
    expect(results.locator("tbody tr")).to_have_count(2, timeout=SLOW)
    assert sorted(_col(results, "Plate")) == ["STK0001", "STK0002"]
    expect(page.get_by_text("2 plates in 2 reads")).to_be_visible()
    browser.shot("investigations-02-stakeout", full_page=True)

    ((actor, d_),) = _audit(server, "alpr.search", "E2E-STAKEOUT-1")
    assert actor == "analyst" and d_["purpose"] == PURPOSE and d_["case_number"] == "E2E-STAKEOUT-1"
    assert d_["result_count"] == 2


def test_common_plates_over_three_scenes(server: Server, browser: Browser, sign_in: Any) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    scenes = [("CER-ALPR-09", now - timedelta(minutes=150)), ("CER-ALPR-10", now - timedelta(minutes=100)),
              ("CER-ALPR-18", now - timedelta(minutes=50))]  # fmt: skip
    for i, (cam, at) in enumerate(scenes):
        _inject(server, "CMN3HIT", cam, at + timedelta(minutes=4 - 3 * i))  # at all three scenes
        if i < 2:
            _inject(server, "CMN2HIT", cam, at - timedelta(minutes=10))  # at two
    _inject(server, "CMN1HIT", "CER-ALPR-09", scenes[0][1] + timedelta(minutes=1))  # at one only
    _inject(server, "CMNLATE", "CER-ALPR-10", scenes[1][1] + timedelta(minutes=45))  # outside the ± 30 min window
    _inject(server, "CMNLATE", "CER-ALPR-09", scenes[0][1] + timedelta(minutes=2))

    page = _open_search(server, browser, sign_in, "Common plates")
    box = page.locator("#search-map").bounding_box()
    for i in range(4):  # click the map to add scenes (one too many, removed below)
        page.locator("#search-map").click(position={"x": box["width"] * (0.3 + 0.1 * i), "y": box["height"] * 0.5})
        expect(page.get_by_role("status").filter(has_text=f"Scene {i + 1} added")).to_have_count(1)
    page.get_by_role("button", name="Remove scene 4").click()
    expect(page.locator("#common-scenes li")).to_have_count(3)
    for i, (cam, at) in enumerate(scenes):  # edit each scene: the intersection and the time of the burglary
        scene = page.locator("#common-scenes li").nth(i)
        c = world.camera(cam)
        scene.get_by_label("Latitude").fill(f"{c.lat:.6f}")
        scene.get_by_label("Longitude").fill(f"{c.lon:.6f}")
        scene.get_by_label("Time of the scene").fill(_local(at))
    page.get_by_label("Radius around each scene (metres)").fill("300")
    page.get_by_label("Time window (± minutes)").fill("30")
    _purpose(page, "E2E-BURGLARY-3", server)
    browser.shot("investigations-03-common-scenes", full_page=True)
    _run(page)
    results = page.locator("#common-results")
    expect(results.locator("tbody tr")).to_have_count(2, timeout=SLOW)
    assert _col(results, "Plate") == ["CMN3HIT", "CMN2HIT"]  # most scenes first; one scene is not enough
    assert _col(results, "Scenes matched") == ["3 of 3", "2 of 3"]
    assert _col(results, "Which scenes") == ["Scene 1, Scene 2, Scene 3", "Scene 1, Scene 2"]
    assert _col(results, "Reads") == ["3", "2"]
    expect(page.locator("#search-map path.common-hit")).to_have_count(5)  # the matched reads on the map
    browser.shot("investigations-04-common-results", full_page=True)

    ((actor, d),) = [(a, x) for a, x in _audit(server, "alpr.search", "E2E-BURGLARY-3") if x["kind"] == "common"]
    assert actor == "analyst" and d["purpose"] == PURPOSE and d["case_number"] == "E2E-BURGLARY-3"
    assert d["result_count"] == 2 and len(d["query"]["places"]) == 3

    # a plate opens its track, with the same purpose and case
    results.get_by_role("button", name="Open the track of CMN3HIT").click()
    expect(page.get_by_role("button", name="Vehicle track", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".timeline-list li")).to_have_count(3, timeout=SLOW)
    history = [x for _, x in _audit(server, "alpr.search", "E2E-BURGLARY-3") if x["kind"] == "history"]
    assert [(x["query"]["plate"], x["case_number"]) for x in history] == [("CMN3HIT", "E2E-BURGLARY-3")]


def test_cotravel_finds_the_companion(server: Server, browser: Browser, sign_in: Any) -> None:
    now = datetime.now(UTC)
    for i, cam in enumerate(("CER-ALPR-09", "CER-ALPR-10", "CER-ALPR-18")):
        at = now - timedelta(minutes=40 - 10 * i)
        _inject(server, "TGT4242", cam, at)
        _inject(server, "CMP4242", cam, at + timedelta(seconds=15 + i))  # right behind the target, three times
    _inject(server, "ONE4242", "CER-ALPR-09", now - timedelta(minutes=40) + timedelta(seconds=20))  # once only
    page = _open_search(server, browser, sign_in, "Co-travel")
    page.get_by_label("Target plate").fill("TGT4242")
    page.get_by_label("Interval (seconds)").fill("60")
    page.get_by_label("At this many distinct cameras or more").fill("2")
    _purpose(page, "E2E-COTRAVEL-1", server)
    _run(page)
    results = page.locator("#cotravel-results")
    expect(results.locator("tbody tr")).to_have_count(1, timeout=SLOW)
    assert _col(results, "Plate") == ["CMP4242"]
    assert _col(results, "Distinct cameras") == ["3 (CER-ALPR-09, CER-ALPR-10, CER-ALPR-18)"]
    assert _col(results, "Passes together") == ["3"]
    evidence = results.locator("ul.evidence li")
    expect(evidence).to_have_count(3)
    assert [e.split(" · ")[0] for e in evidence.all_inner_texts()] == ["CER-ALPR-09", "CER-ALPR-10", "CER-ALPR-18"]
    assert "+15 s from the target" in evidence.first.inner_text()
    expect(page.get_by_text("Target TGT4242: 3 reads; 1 plates travelled with it")).to_be_visible()
    browser.shot("investigations-05-cotravel", full_page=True)

    ((actor, d),) = [(a, x) for a, x in _audit(server, "alpr.search", "E2E-COTRAVEL-1") if x["kind"] == "cotravel"]
    assert actor == "analyst" and d["purpose"] == PURPOSE and d["case_number"] == "E2E-COTRAVEL-1"
    assert d["result_count"] == 1

    results.get_by_role("button", name="Open the track of CMP4242").click()
    expect(page.locator(".timeline-list li")).to_have_count(3, timeout=SLOW)


def test_csv_export_of_a_plate_search_is_downloaded_and_audited(server: Server, browser: Browser, sign_in: Any) -> None:
    now = datetime.now(UTC)
    injected = {("7EXP101", "CER-ALPR-09"), ("7EXP101", "CER-ALPR-10"), ("7EXP202", "CER-ALPR-18")}
    for i, (plate, cam) in enumerate(sorted(injected)):
        _inject(server, plate, cam, now - timedelta(minutes=30 - i))
    _inject(server, "8ZZZ999", "CER-ALPR-09", now - timedelta(minutes=20))  # not matched by 7EXP*
    page = _open_search(server, browser, sign_in, "Plate search")
    page.get_by_label("Plate", exact=True).fill("7EXP*")
    _purpose(page, "E2E-EXPORT-9", server)
    _run(page)
    expect(page.locator("#search-results tbody tr")).to_have_count(3, timeout=SLOW)
    expect(page.get_by_text("recorded in the audit log with its purpose and case number")).to_be_visible()
    assert _audit(server, "alpr.export", "E2E-EXPORT-9") == []

    with page.expect_download() as info:
        page.get_by_role("button", name="Export CSV").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert {(r["plate"], r["camera_code"]) for r in rows} == injected and len(rows) == 3
    assert all(r["id"] and r["observed_at"] and r["match"] == "wildcard" for r in rows)
    expect(page.get_by_role("status").filter(has_text="Downloaded a CSV of 3 reads")).to_have_count(1)
    browser.shot("investigations-06-export", full_page=True)

    ((actor, d),) = _audit(server, "alpr.export", "E2E-EXPORT-9")
    assert actor == "analyst" and d["purpose"] == PURPOSE and d["case_number"] == "E2E-EXPORT-9"
    assert d["result_count"] == 3 and d["format"] == "csv" and d["query"]["plate"] == "7EXP*"
