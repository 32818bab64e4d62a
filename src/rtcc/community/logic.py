"""Pure rules of the community portal: alert categories, which neighborhood holds a point and which subscriptions an
alert area reaches, CAP 1.2 rendering and structural validation, tip spam rules, photo type detection by magic bytes.
No database, no I/O.

Neighborhoods are the city profile's (``rtcc.places``), copied into the community tables at start-up so that watch
groups and subscriptions can refer to them; this module only tests points and circles against their rings.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from rtcc.core import geo
from rtcc.core.errors import field_error


class Category(StrEnum):
    """Alert and subscription categories."""

    burglary = "burglary"
    vehicle_crime = "vehicle_crime"
    missing_person = "missing_person"
    traffic = "traffic"
    public_safety = "public_safety"
    watch_group = "watch_group"


#: CAP 1.2 <category> of each of our categories.
CAP_CATEGORY: dict[str, str] = {
    Category.burglary: "Security",
    Category.vehicle_crime: "Security",
    Category.missing_person: "Rescue",
    Category.traffic: "Transport",
    Category.public_safety: "Safety",
    Category.watch_group: "Other",
}

EVENT_LABEL: dict[str, str] = {
    Category.burglary: "Burglary",
    Category.vehicle_crime: "Vehicle crime",
    Category.missing_person: "Missing person",
    Category.traffic: "Traffic incident",
    Category.public_safety: "Public safety",
    Category.watch_group: "Neighborhood Watch notice",
}


class Severity(StrEnum):
    Extreme = "Extreme"
    Severe = "Severe"
    Moderate = "Moderate"
    Minor = "Minor"
    Unknown = "Unknown"


class Urgency(StrEnum):
    Immediate = "Immediate"
    Expected = "Expected"
    Future = "Future"
    Past = "Past"
    Unknown = "Unknown"


class Certainty(StrEnum):
    Observed = "Observed"
    Likely = "Likely"
    Possible = "Possible"
    Unlikely = "Unlikely"
    Unknown = "Unknown"


class TipStatus(StrEnum):
    received = "received"
    reviewing = "reviewing"
    referred = "referred"
    closed = "closed"


# --- neighborhoods and areas -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """A neighborhood polygon (one ring of (lon, lat)) or a circle (centre and radius in metres)."""

    ring: tuple[tuple[float, float], ...] | None = None
    lat: float | None = None
    lon: float | None = None
    radius_m: float | None = None

    @property
    def is_circle(self) -> bool:
        return self.ring is None


def neighborhood_of(lat: float, lon: float, rings: dict[str, tuple[tuple[float, float], ...]]) -> str | None:
    """The code of the first neighborhood containing the point, or None."""
    for code, ring in rings.items():
        if geo.point_in_rings(lat, lon, [ring]):
            return code
    return None


def _min_vertex_distance_m(lat: float, lon: float, ring: tuple[tuple[float, float], ...]) -> float:
    return min(geo.distance_m(lat, lon, y, x) for x, y in ring)


def circle_meets_ring(lat: float, lon: float, radius_m: float, ring: tuple[tuple[float, float], ...]) -> bool:
    """True when the circle's centre is in the ring, or a ring vertex lies in the circle (approximate overlap)."""
    return geo.point_in_rings(lat, lon, [ring]) or _min_vertex_distance_m(lat, lon, ring) <= radius_m


def radius_subscribers_reached(
    alert: Area,
    lats: npt.NDArray[np.float64],
    lons: npt.NDArray[np.float64],
    radii: npt.NDArray[np.float64],
) -> npt.NDArray[np.bool_]:
    """Which radius subscriptions (centres and radii, metres) an alert area reaches.

    A circle alert reaches a subscription when the two circles overlap; a neighborhood alert reaches it when the
    subscription's centre lies inside the neighborhood or a neighborhood vertex lies within the radius.
    """
    if len(lats) == 0:
        return np.zeros(0, dtype=bool)
    if alert.is_circle:
        assert alert.lat is not None and alert.lon is not None and alert.radius_m is not None
        d = geo.distances_m(alert.lat, alert.lon, lats, lons)
        out: npt.NDArray[np.bool_] = d <= radii + alert.radius_m
        return out
    assert alert.ring is not None
    inside = geo.points_in_rings(lats, lons, [alert.ring])
    near = np.zeros(len(lats), dtype=bool)
    for x, y in alert.ring:
        near |= geo.distances_m(y, x, lats, lons) <= radii
    result: npt.NDArray[np.bool_] = inside | near
    return result


def neighborhoods_reached(alert: Area, rings: dict[str, tuple[tuple[float, float], ...]], code: str | None) -> set[str]:
    """The neighborhood codes whose subscriptions an alert reaches: its own neighborhood, or those a circle meets."""
    if not alert.is_circle:
        return {code} if code else set()
    assert alert.lat is not None and alert.lon is not None and alert.radius_m is not None
    return {c for c, ring in rings.items() if circle_meets_ring(alert.lat, alert.lon, alert.radius_m, ring)}


# --- CAP 1.2 ---------------------------------------------------------------------------------------------------------

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"


def cap_datetime(value: datetime) -> str:
    """CAP date-time: seconds precision with a numeric offset; UTC is written ``-00:00`` (CAP 1.2 §3.3.2)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + "-00:00"


def cap_polygon(ring: tuple[tuple[float, float], ...]) -> str:
    """CAP polygon text: space-separated ``lat,lon`` pairs, closed (first pair repeated last)."""
    pts = list(ring)
    if pts[0] != pts[-1]:
        pts.append(pts[0])
    return " ".join(f"{y:.6f},{x:.6f}" for x, y in pts)


def cap_circle(lat: float, lon: float, radius_m: float) -> str:
    """CAP circle text: ``lat,lon radius_km``."""
    return f"{lat:.6f},{lon:.6f} {radius_m / 1000.0:.3f}"


@dataclass(frozen=True)
class CapAlert:
    identifier: str
    sender: str
    sender_name: str
    sent: datetime
    category: str
    headline: str
    description: str
    severity: str
    urgency: str
    certainty: str
    area_desc: str
    expires: datetime | None
    web: str | None
    ring: tuple[tuple[float, float], ...] | None
    circle: tuple[float, float, float] | None


def cap_xml(alert: CapAlert) -> str:
    """The alert as a CAP 1.2 XML document (UTF-8, with declaration)."""
    ET.register_namespace("", CAP_NS)

    def sub(parent: ET.Element, tag: str, text: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
        el.text = text
        return el

    root = ET.Element(f"{{{CAP_NS}}}alert")
    sub(root, "identifier", alert.identifier)
    sub(root, "sender", alert.sender)
    sub(root, "sent", cap_datetime(alert.sent))
    sub(root, "status", "Actual")
    sub(root, "msgType", "Alert")
    sub(root, "scope", "Public")
    info = ET.SubElement(root, f"{{{CAP_NS}}}info")
    sub(info, "language", "en-US")
    sub(info, "category", CAP_CATEGORY.get(alert.category, "Other"))
    sub(info, "event", EVENT_LABEL.get(alert.category, alert.category))
    sub(info, "urgency", alert.urgency)
    sub(info, "severity", alert.severity)
    sub(info, "certainty", alert.certainty)
    sub(info, "effective", cap_datetime(alert.sent))
    if alert.expires is not None:
        sub(info, "expires", cap_datetime(alert.expires))
    sub(info, "senderName", alert.sender_name)
    sub(info, "headline", alert.headline)
    sub(info, "description", alert.description)
    if alert.web:
        sub(info, "web", alert.web)
    area = ET.SubElement(info, f"{{{CAP_NS}}}area")
    sub(area, "areaDesc", alert.area_desc)
    if alert.ring is not None:
        sub(area, "polygon", cap_polygon(alert.ring))
    if alert.circle is not None:
        sub(area, "circle", cap_circle(*alert.circle))
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


_CAP_DT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")
_CAP_ENUMS = {
    "status": {"Actual", "Exercise", "System", "Test", "Draft"},
    "msgType": {"Alert", "Update", "Cancel", "Ack", "Error"},
    "scope": {"Public", "Restricted", "Private"},
}
_INFO_ENUMS = {
    "category": {
        "Geo",
        "Met",
        "Safety",
        "Security",
        "Rescue",
        "Fire",
        "Health",
        "Env",
        "Transport",
        "Infra",
        "CBRNE",
        "Other",
    },
    "urgency": {u.value for u in Urgency},
    "severity": {s.value for s in Severity},
    "certainty": {c.value for c in Certainty},
}


def validate_cap(xml_text: str) -> list[str]:
    """Problems with a CAP 1.2 document's required structure (empty when valid): the required <alert> elements and
    enumerations, date-time formats, each <info>'s required elements, and each <area>'s areaDesc and shapes."""
    problems: list[str] = []
    try:
        root = ET.fromstring(xml_text)  # noqa: S314 - we only parse documents we produced or test fixtures
    except ET.ParseError as exc:
        return [f"not well-formed XML: {exc}"]
    ns = f"{{{CAP_NS}}}"
    if root.tag != f"{ns}alert":
        return [f"root element is {root.tag}, expected {ns}alert"]

    def text_of(parent: ET.Element, tag: str) -> str | None:
        el = parent.find(f"{ns}{tag}")
        return el.text if el is not None and el.text else None

    for tag in ("identifier", "sender", "sent", "status", "msgType", "scope"):
        value = text_of(root, tag)
        if value is None:
            problems.append(f"alert/{tag} missing")
        elif tag in _CAP_ENUMS and value not in _CAP_ENUMS[tag]:
            problems.append(f"alert/{tag} {value!r} not a CAP value")
    sent = text_of(root, "sent")
    if sent and not _CAP_DT.match(sent):
        problems.append(f"alert/sent {sent!r} is not a CAP date-time")
    infos = root.findall(f"{ns}info")
    if not infos:
        problems.append("alert/info missing")
    for i, info in enumerate(infos):
        for tag in ("category", "event", "urgency", "severity", "certainty"):
            value = text_of(info, tag)
            if value is None:
                problems.append(f"info[{i}]/{tag} missing")
            elif tag in _INFO_ENUMS and value not in _INFO_ENUMS[tag]:
                problems.append(f"info[{i}]/{tag} {value!r} not a CAP value")
        for tag in ("effective", "expires"):
            value = text_of(info, tag)
            if value and not _CAP_DT.match(value):
                problems.append(f"info[{i}]/{tag} {value!r} is not a CAP date-time")
        for j, area in enumerate(info.findall(f"{ns}area")):
            if text_of(area, "areaDesc") is None:
                problems.append(f"info[{i}]/area[{j}]/areaDesc missing")
            for poly in area.findall(f"{ns}polygon"):
                pairs = (poly.text or "").split()
                if len(pairs) < 4 or pairs[0] != pairs[-1]:
                    problems.append(f"info[{i}]/area[{j}]/polygon needs >= 4 pairs, first = last")
            for circle in area.findall(f"{ns}circle"):
                if not re.match(r"^-?\d+(\.\d+)?,-?\d+(\.\d+)? \d+(\.\d+)?$", circle.text or ""):
                    problems.append(f"info[{i}]/area[{j}]/circle {circle.text!r} malformed")
    return problems


# --- tips: spam rules and photos -------------------------------------------------------------------------------------

_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


def normalised_text_hash(text: str) -> str:
    """SHA-256 of the text lower-cased with whitespace collapsed (for duplicate detection)."""
    norm = " ".join(text.lower().split())
    return hashlib.sha256(norm.encode()).hexdigest()


def spam_problems(description: str, *, honeypot: str | None, min_chars: int, max_links: int) -> list[dict[str, str]]:
    """Field errors (``loc``/``msg``) that mark a submission as spam or too thin to act on."""
    errors: list[dict[str, str]] = []
    if honeypot:
        errors.append(field_error("website", "must be left empty"))
    if len(description.strip()) < min_chars:
        errors.append(field_error("description", f"describe what you saw in at least {min_chars} characters"))
    links = len(_LINK.findall(description))
    if links > max_links:
        errors.append(field_error("description", f"at most {max_links} links allowed, found {links}"))
    return errors


def photo_type(data: bytes) -> str | None:
    """The image type by magic bytes (``image/jpeg``, ``image/png``, ``image/webp``), or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
