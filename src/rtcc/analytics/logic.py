"""Pure rules of the analytics domain: the forecast categories and how an agency's crime text or a dispatch call
type maps to one, and the public crime map's masking rule.

Categories are the crimes a place-based forecast is useful for (Part I property and violent crime that happens at a
place): burglary, vehicle theft, theft from vehicles, other larceny, robbery, assault and vandalism. Everything else
(fraud, narcotics, warrants, sex and family offences, ...) is stored as ``other``: it is not forecast and never
appears on the public map (sex and family offences single out victims; fraud is located at the victim's home).

Masking (the public map): a location is published as the centre of the square of ``MASK_CELL_M`` metres (a local
equirectangular grid anchored at 0°, 0°, so every process snaps a point to the same square) that contains it, and
its address as the hundred block ("13100 block of BRIARWOOD ST"; an intersection "X and Y" stays an intersection,
a text with no house number shows no address at all). Times are published as the date only. Every house in a square
of about 1.7 hectares (about a city block and a half) looks the same on the map.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

#: Forecast categories, in the order screens list them.
CATEGORIES: Final = (
    "burglary",
    "vehicle_theft",
    "theft_from_vehicle",
    "larceny",
    "robbery",
    "assault",
    "vandalism",
)
OTHER: Final = "other"

#: Side of the public map's masking square, in metres.
MASK_CELL_M: Final = 130.0
_EARTH_R = 6_371_008.8
_DEG = math.pi / 180.0 * _EARTH_R  # metres per degree of latitude

_LASD: Final = {
    "BURGLARY": "burglary",
    "GRAND THEFT AUTO": "vehicle_theft",
    "LARCENY THEFT": "larceny",
    "ROBBERY": "robbery",
    "AGGRAVATED ASSAULT": "assault",
    "NON-AGGRAVATED ASSAULTS": "assault",
    "VANDALISM": "vandalism",
}

#: Dispatch call types (catalogue codes) that report one of the categories; alarms are not crimes until verified.
CALL_TYPES: Final = {
    "BURGLARY_IP": "burglary",
    "BURGLARY_RPT": "burglary",
    "STOLEN_VEHICLE_RPT": "vehicle_theft",
    "ROBBERY": "robbery",
    "ASSAULT": "assault",
    "FIGHT": "assault",
    "THEFT_RPT": "larceny",
    "SHOPLIFT": "larceny",
    "VANDALISM_RPT": "vandalism",
}


def lasd_category(category: str, stat_desc: str = "") -> str:
    """The forecast category of an LASD ``CATEGORY`` (theft from a vehicle told apart by its ``STAT_DESC``)."""
    cat = _LASD.get(category.strip().upper(), OTHER)
    if cat == "larceny" and "VEHICLE" in stat_desc.upper():
        return "theft_from_vehicle"
    return cat


def lapd_category(description: str) -> str:
    """The forecast category of an LAPD ``Crm Cd Desc``."""
    d = description.strip().upper()
    if d.startswith("BURGLARY FROM VEHICLE") or d.startswith("THEFT FROM MOTOR VEHICLE"):
        return "theft_from_vehicle"
    if d.startswith("BURGLARY"):
        return "burglary"
    if d.startswith("VEHICLE - STOLEN") or d.startswith("VEHICLE - ATTEMPT STOLEN"):
        return "vehicle_theft"
    if "ROBBERY" in d:
        return "robbery"
    if ("ASSAULT" in d or d.startswith("BATTERY")) and "SEXUAL" not in d and "CHILD" not in d and "INTIMATE" not in d:
        return "assault"
    if d.startswith("VANDALISM"):
        return "vandalism"
    if d.startswith(("THEFT PLAIN", "THEFT-GRAND", "SHOPLIFTING", "BIKE - STOLEN", "THEFT, PERSON")):
        return "larceny"
    return OTHER


def call_category(call_type: str) -> str:
    """The forecast category of a dispatch call type (``other`` when it reports none)."""
    return CALL_TYPES.get(call_type, OTHER)


@dataclass(frozen=True)
class Masked:
    """A published location: the square's centre and the hundred block (or None)."""

    lat: float
    lon: float
    block: str | None


_NUMBER = re.compile(r"^\s*(\d+)[A-Z]?\s+(.+)$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def hundred_block(address: str | None) -> str | None:
    """``"13127 BRIARWOOD ST, CERRITOS, CA"`` -> ``"13100 block of BRIARWOOD ST"``; an intersection stays as it is;
    anything else (no house number) -> None."""
    if not address:
        return None
    text = _SPACES.sub(" ", address.split(",")[0]).strip()
    if not text:
        return None
    m = _NUMBER.match(text)
    if m:
        return f"{int(m.group(1)) // 100 * 100} block of {m.group(2).strip()}"
    upper = f" {text.upper()} "
    if " AND " in upper or " & " in upper or "/" in text:
        return text
    return None


def mask_point(lat: float, lon: float, cell_m: float = MASK_CELL_M) -> tuple[float, float]:
    """The centre of the ``cell_m`` square holding the point (rows of latitude, columns scaled by the row's cosine)."""
    dlat = cell_m / _DEG
    row = math.floor(lat / dlat)
    clat = (row + 0.5) * dlat
    dlon = cell_m / (_DEG * math.cos(math.radians(clat)))
    col = math.floor(lon / dlon)
    return round(clat, 6), round((col + 0.5) * dlon, 6)


def mask(lat: float, lon: float, address: str | None, cell_m: float = MASK_CELL_M) -> Masked:
    """The published form of an incident's location (see the module docstring)."""
    mlat, mlon = mask_point(lat, lon, cell_m)
    return Masked(mlat, mlon, hundred_block(address))


def week_start(day: date) -> date:
    """The Monday of the week holding ``day``."""
    return day - timedelta(days=day.weekday())


def days_between(origin: datetime, at: datetime) -> float:
    """Days from ``origin`` to ``at`` (negative before it)."""
    return (at - origin).total_seconds() / 86400.0
