"""The alert view shows what the camera itself sent (issue 10, part 3), in a real browser: an OpenALPR agent's
``alpr_alert`` for a listed plate raises our own alert, whose card shows the plate crop loaded through the audited
image route, the vehicle image, the direction of travel, the agent's camera label and the agent's own list alert."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from e2e_support import Browser, Server
from sqlalchemy import select

from rtcc.audit.models import AuditEntry
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM
from rtcc.identity.schemas import ApiKeyCreate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "alpr"


def test_alert_card_shows_the_cameras_crop_heading_label_and_own_alert(
    server: Server, browser: Browser, sign_in: Any
) -> None:
    entry = next(e for e in server.seeded.hotlist_entries if e.category == "stolen_vehicle")
    with server.runtime.db.uow() as s:
        _key, secret = identity.create_api_key(s, ApiKeyCreate(name="agent", camera_codes=["*"]), actor=SYSTEM)
    page = browser.page
    sign_in(browser, "analyst")
    page.locator("#live-status[data-state=live]").wait_for()

    doc: dict[str, Any] = json.loads((FIXTURES / "openalpr_alert.json").read_text())
    ms = int((datetime.now(UTC) - timedelta(seconds=5)).timestamp() * 1000)
    doc["epoch_time"] = doc["group"]["epoch_start"] = ms
    doc["plate_number"] = doc["group"]["best_plate_number"] = doc["group"]["best_plate"]["plate"] = entry.plate
    doc["group"]["best_plate"]["candidates"] = [{"plate": entry.plate, "confidence": 94.0}]
    doc["group"]["travel_direction"] = 181.0
    vehicle = json.loads((FIXTURES / "openalpr_group_v2.json").read_text())["vehicle_crop_jpeg"]
    doc["group"]["vehicle_crop_jpeg"] = vehicle
    resp = httpx.post(f"{server.base_url}/api/v1/ingest/openalpr", json=doc, headers={"X-API-Key": secret})
    assert resp.status_code == 202, resp.text
    assert resp.json()["images"] == 2 and resp.json()["vendor_alerts"] == 1

    card = page.locator(f'li.alert[data-plate="{entry.plate}"]')
    card.wait_for(timeout=20_000)
    crop = card.locator(".read-side figure.crop img")
    crop.wait_for()
    assert "/images/crop" in (crop.get_attribute("src") or "")
    page.wait_for_function(
        """(plate) => [...document.querySelectorAll(`li.alert[data-plate="${plate}"] .read-side img`)]
              .every((i) => i.complete && i.naturalWidth > 0)""",
        arg=entry.plate,
    )  # both images were decoded: the authenticated route served real JPEGs to the browser
    assert card.locator(".read-side figure.vehicle-image img").count() == 1
    side = card.locator(".read-side").inner_text()
    assert "Direction of travel: 181° (S)" in side and "Camera's own label: north gate" in side
    vendor = card.locator(".vendor-alerts")
    vendor.get_by_text("Agent stolen list (Blacklist)").wait_for()
    assert "test alert" in vendor.inner_text()
    browser.shot("alert-with-camera-crop-and-own-alert")
    # each image view was recorded as an access to ALPR data
    with server.runtime.db.read() as s:
        views = s.scalars(select(AuditEntry.details).where(AuditEntry.action == "alpr.image.view")).all()
    assert {v["kind"] for v in views} == {"crop", "vehicle"}
