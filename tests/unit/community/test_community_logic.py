"""Pure community rules: derived neighborhoods, which subscriptions an alert area reaches, CAP 1.2 rendering and its
structural validation, tip spam rules and photo types by magic bytes."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from rtcc.community import logic
from rtcc.community.logic import Area, CapAlert

BBOX = (-118.108566, 33.845875, -118.028709, 33.887567)


def _cap(**kw: object) -> CapAlert:
    base: dict[str, object] = {
        "identifier": "urn:uuid:1",
        "sender": "alerts@cerritos.example",
        "sender_name": "City of Cerritos Community Alerts",
        "sent": datetime(2026, 11, 22, 1, 2, 3, 456000, tzinfo=UTC),
        "category": "burglary",
        "headline": "Burglaries on Elm St",
        "description": "Lock doors & windows <tonight>.",
        "severity": "Moderate",
        "urgency": "Expected",
        "certainty": "Likely",
        "area_desc": "Northwest Cerritos",
        "expires": None,
        "web": None,
        "ring": ((-118.1, 33.85), (-118.05, 33.85), (-118.05, 33.88), (-118.1, 33.85)),
        "circle": None,
    }
    base.update(kw)
    return CapAlert(**base)  # type: ignore[arg-type]


def test_neighborhood_of_is_the_ring_holding_the_point() -> None:
    min_lon, min_lat, max_lon, max_lat = BBOX
    mid_lon, mid_lat = (min_lon + max_lon) / 2, (min_lat + max_lat) / 2
    rings = {
        "ne": ((mid_lon, mid_lat), (max_lon, mid_lat), (max_lon, max_lat), (mid_lon, max_lat), (mid_lon, mid_lat)),
        "sw": ((min_lon, min_lat), (mid_lon, min_lat), (mid_lon, mid_lat), (min_lon, mid_lat), (min_lon, min_lat)),
    }
    assert logic.neighborhood_of(33.88, -118.04, rings) == "ne"
    assert logic.neighborhood_of(33.85, -118.10, rings) == "sw"
    assert logic.neighborhood_of(34.5, -118.04, rings) is None


def test_circle_alert_reaches_overlapping_radius_subscriptions_only() -> None:
    alert = Area(lat=33.87, lon=-118.07, radius_m=500)
    # 0.01 deg latitude is about 1112 m
    lats = np.array([33.87, 33.88, 33.88, 33.90])
    lons = np.array([-118.07, -118.07, -118.07, -118.07])
    radii = np.array([10.0, 700.0, 500.0, 100.0])
    hit = logic.radius_subscribers_reached(alert, lats, lons, radii)
    assert hit.tolist() == [True, True, False, False]


def test_neighborhood_alert_reaches_points_inside_or_within_radius_of_a_vertex() -> None:
    ring = ((-118.08, 33.86), (-118.06, 33.86), (-118.06, 33.88), (-118.08, 33.88), (-118.08, 33.86))
    alert = Area(ring=ring)
    lats = np.array([33.87, 33.89, 33.89])
    lons = np.array([-118.07, -118.06, -118.06])
    radii = np.array([1.0, 1200.0, 100.0])
    assert logic.radius_subscribers_reached(alert, lats, lons, radii).tolist() == [True, True, False]
    rings = {"a": ring, "b": ((-118.0, 34.0), (-117.99, 34.0), (-117.99, 34.01), (-118.0, 34.0))}
    assert logic.neighborhoods_reached(Area(lat=33.87, lon=-118.07, radius_m=100), rings, None) == {"a"}
    assert logic.neighborhoods_reached(alert, rings, "a") == {"a"}


def test_cap_document_has_every_required_element_and_cap_datetimes() -> None:
    xml = logic.cap_xml(_cap(expires=datetime(2026, 11, 23, tzinfo=UTC)))
    assert logic.validate_cap(xml) == []
    assert "<sent>2026-11-22T01:02:03-00:00</sent>" in xml
    assert "<category>Security</category>" in xml
    assert "&lt;tonight&gt;" in xml  # escaped
    assert "<polygon>33.850000,-118.100000 33.850000,-118.050000" in xml


def test_cap_circle_and_validation_catches_missing_and_bad_elements() -> None:
    xml = logic.cap_xml(_cap(ring=None, circle=(33.87, -118.07, 1500.0)))
    assert "<circle>33.870000,-118.070000 1.500</circle>" in xml
    assert logic.validate_cap(xml) == []
    broken = xml.replace("<msgType>Alert</msgType>", "").replace(
        "<urgency>Expected</urgency>", "<urgency>Soon</urgency>"
    )
    problems = logic.validate_cap(broken)
    assert "alert/msgType missing" in problems
    assert any("urgency 'Soon'" in p for p in problems)
    assert logic.validate_cap(xml.replace("-00:00</sent>", "Z</sent>"))
    assert logic.validate_cap("<alert>")[0].startswith("not well-formed")


def test_spam_rules() -> None:
    ok = logic.spam_problems("A man was trying car doors on Elm St.", honeypot=None, min_chars=20, max_links=2)
    assert ok == []
    assert logic.spam_problems("x" * 30, honeypot="http://spam", min_chars=20, max_links=2)[0]["field"] == "website"
    assert logic.spam_problems("too short", honeypot=None, min_chars=20, max_links=2)[0]["field"] == "description"
    links = "buy http://a.example http://b.example www.c.example now please"
    assert "at most 2 links" in logic.spam_problems(links, honeypot=None, min_chars=20, max_links=2)[0]["msg"]
    assert logic.normalised_text_hash("Hello   World") == logic.normalised_text_hash(" hello world ")


def test_photo_type_by_magic_bytes() -> None:
    assert logic.photo_type(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert logic.photo_type(b"\x89PNG\r\n\x1a\nrest") == "image/png"
    assert logic.photo_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert logic.photo_type(b"GIF89a") is None
    assert logic.photo_type(b"<svg") is None
