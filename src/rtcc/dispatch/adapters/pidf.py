"""PIDF-LO (RFC 4119 / RFC 5491 presence documents with a civic address, RFC 5139, or a GML point, RFC 5491) as the
EIDO location component carries it, written from and read into plain values.

Writing: a ``<presence>`` with one ``<dm:device>`` whose ``<gp:location-info>`` holds a civic address (country, A1
state, A3 city, PC postal code, NAM place name, HNO house number, RD street) and/or a ``gml:Point`` (EPSG:4326,
"lat lon"), both describing the same place as RFC 5491 requires. Text is XML-escaped.

Reading is deliberately tolerant and does not use an XML parser: PIDF-LO from the field is often not well formed
(NENA's own historical sample leaves a tag unclosed and uses undeclared prefixes), and a location must not be lost
for that. It looks for the first ``<*:pos>`` (Point, Circle, Ellipsoid... all have one) and for civic elements by
local name, ignoring prefixes and attributes, and never expands entities (so no XML bombs).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Final

#: RFC 4776/5139 civic address elements read, in the order an address line is built from them.
_STREET_PARTS: Final = ("HNO", "HNS", "PRD", "RD", "STS", "POD")
_CIVIC_TAGS: Final = (
    "country",
    "A1",
    "A2",
    "A3",
    "A4",
    "A5",
    "A6",
    "PRD",
    "POD",
    "STS",
    "HNO",
    "HNS",
    "LMK",
    "LOC",
    "NAM",
    "PC",
    "RD",
    "BLD",
    "UNIT",
    "FLR",
)
_CIVIC_RE: Final = re.compile(
    r"<(?:[\w.-]+:)?(" + "|".join(_CIVIC_TAGS) + r")(?:\s[^<>]*)?>([^<]*)</(?:[\w.-]+:)?\1\s*>"
)
_POS_RE: Final = re.compile(r"<(?:[\w.-]+:)?pos(?:\s[^<>]*)?>\s*([-+]?\d+(?:\.\d+)?)\s+([-+]?\d+(?:\.\d+)?)")
_HOUSE_RE: Final = re.compile(r"^(\d+[A-Za-z]?)\s+(.+)$")


@dataclass(frozen=True, slots=True)
class PidfLocation:
    """What a PIDF-LO says about a place (None where it says nothing)."""

    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    place_name: str | None = None

    def is_empty(self) -> bool:
        """Whether nothing usable was found."""
        return self.lat is None and not any((self.address, self.city, self.place_name))


def _civic_xml(
    *,
    address: str | None,
    city: str | None,
    state: str | None,
    postal_code: str | None,
    country: str | None,
    place_name: str | None,
) -> str:
    parts: list[tuple[str, str]] = []
    for tag, value in (("country", country), ("A1", state), ("A3", city)):
        if value:
            parts.append((tag, value))
    if address:
        house = _HOUSE_RE.match(address.strip())
        if house:
            parts += [("HNO", house.group(1)), ("RD", house.group(2))]
        else:
            parts.append(("RD", address.strip()))
    for tag, value in (("NAM", place_name), ("PC", postal_code)):
        if value:
            parts.append((tag, value))
    if not parts:
        return ""
    body = "".join(f"<{tag}>{html.escape(value, quote=False)}</{tag}>" for tag, value in parts)
    return f'<civicAddress xmlns="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr">{body}</civicAddress>'


def write_pidf(
    *,
    entity: str,
    lat: float | None = None,
    lon: float | None = None,
    address: str | None = None,
    city: str | None = None,
    state: str | None = None,
    postal_code: str | None = None,
    country: str | None = None,
    place_name: str | None = None,
    method: str = "Manual",
) -> str:
    """A PIDF-LO document for one place (see the module docstring); ``entity`` is the presentity URI."""
    shapes = []
    if lat is not None and lon is not None:
        shapes.append(
            '<gml:Point xmlns:gml="http://www.opengis.net/gml" srsName="urn:ogc:def:crs:EPSG::4326">'
            f"<gml:pos>{lat:.7f} {lon:.7f}</gml:pos></gml:Point>"
        )
    civic = _civic_xml(
        address=address, city=city, state=state, postal_code=postal_code, country=country, place_name=place_name
    )
    if civic:
        shapes.append(civic)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10" '
        'xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" '
        f'entity="{html.escape(entity, quote=True)}"><dm:device id="location"><gp:geopriv><gp:location-info>'
        f"{''.join(shapes)}</gp:location-info><gp:usage-rules/><gp:method>{html.escape(method)}</gp:method>"
        "</gp:geopriv></dm:device></presence>"
    )


def read_pidf(text: str) -> PidfLocation:
    """What a PIDF-LO (or any text with civic/GML elements) says about a place; tolerant, see the module docstring."""
    lat = lon = None
    pos = _POS_RE.search(text)
    if pos:
        a, b = float(pos.group(1)), float(pos.group(2))
        if -90 <= a <= 90 and -180 <= b <= 180:
            lat, lon = a, b
    civic: dict[str, str] = {}
    for tag, value in _CIVIC_RE.findall(text):
        value = " ".join(html.unescape(value).split())
        if value and tag not in civic:
            civic[tag] = value
    street = " ".join(civic[t] for t in _STREET_PARTS if t in civic) or civic.get("LOC") or None
    return PidfLocation(
        lat=lat,
        lon=lon,
        address=street,
        city=civic.get("A3") or civic.get("A2"),
        state=civic.get("A1"),
        postal_code=civic.get("PC"),
        country=civic.get("country"),
        place_name=civic.get("NAM") or civic.get("LMK"),
    )
