"""Pure hotlist rules: the entry categories, the table mapping NCIC and CA DOJ CLEW list codes to them, region
and category parsing, field size limits and the expiry rule.

No I/O and no database: importers, the service and the matcher all decide the same way by calling these. Also the
identity of an entry (``entry_fingerprint``): two entries with equal fingerprints are the same entry, so identical
lines of a file become one entry and a re-import keeps an unchanged entry's row. The list
codes are the ones documented for the NCIC fixed-width extract (one letter, the NIC prefix) and for the CLEW ``.tbl``
files (the file name says which list it is), as recorded in ``shared/data/hotlist_formats``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

import orjson


class Category(StrEnum):
    """Why a plate is on a list. Stored as its value in ``hotlists.category``; at most 32 characters."""

    stolen_vehicle = "stolen_vehicle"
    stolen_plate = "stolen_plate"
    felony_vehicle = "felony_vehicle"
    wanted_person = "wanted_person"
    missing_person = "missing_person"
    amber_alert = "amber_alert"
    silver_alert = "silver_alert"
    supervised_release = "supervised_release"
    protection_order = "protection_order"
    protective_interest = "protective_interest"
    violent_person = "violent_person"
    gang_terrorist = "gang_terrorist"
    sex_offender = "sex_offender"
    bolo = "bolo"
    custom = "custom"


#: Source format -> list code -> category. NCIC codes are the first character of the NIC (list type); CLEW codes are
#: the file's base name (``svs`` stolen vehicles, ``sfr`` felony vehicles, ``slr`` stolen licence plates).
LIST_CODE_CATEGORIES: Final[Mapping[str, Mapping[str, Category]]] = MappingProxyType(
    {
        "ncic": MappingProxyType(
            {
                "A": Category.amber_alert,
                "F": Category.felony_vehicle,
                "W": Category.wanted_person,
                "V": Category.stolen_vehicle,
                "P": Category.stolen_plate,
                "M": Category.missing_person,
                "C": Category.supervised_release,
                "H": Category.protection_order,
                "K": Category.protective_interest,
                "L": Category.violent_person,
                "R": Category.stolen_vehicle,  # stolen Canadian vehicle (CPIC record)
                "T": Category.gang_terrorist,
                "X": Category.sex_offender,
            }
        ),
        "clew": MappingProxyType(
            {
                "svs": Category.stolen_vehicle,
                "sfr": Category.felony_vehicle,
                "slr": Category.stolen_plate,
            }
        ),
    }
)

#: The list names the sources give to the same codes, used as the entry's human-readable reason.
LIST_CODE_NAMES: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "ncic": MappingProxyType(
            {
                "A": "Amber Alert",
                "F": "Felony",
                "W": "Wanted Person",
                "V": "Stolen Vehicle",
                "P": "Stolen Plate",
                "M": "Missing Person",
                "C": "Supervised Release",
                "H": "Protection Order",
                "K": "Protective Interest",
                "L": "Violent Person",
                "R": "Stolen Canadian Vehicle",
                "T": "Gang/Terrorist Member",
                "X": "Sex Offender",
            }
        ),
        "clew": MappingProxyType({"svs": "Stolen Vehicles", "sfr": "Felony Vehicles", "slr": "Stolen License Plates"}),
    }
)

#: Longest text each entry field may hold; mirrors the column sizes of ``hotlists.models.HotlistEntry``.
FIELD_LIMITS: Final[Mapping[str, int]] = MappingProxyType(
    {
        "plate": 16,
        "region": 8,
        "reason": 255,
        "case_number": 64,
        "vehicle_make": 32,
        "vehicle_model": 48,
        "vehicle_color": 24,
        "vehicle_type": 24,
    }
)

_CATEGORY_SEPARATORS = re.compile(r"[\s\-/]+")
_REGION_PREFIXED = re.compile(r"^(?:US|CA|MX)-([A-Z]{2,3})$")
_REGION = re.compile(r"^[A-Z]{2,3}$")


def category_for_list_code(source: str, code: str) -> Category | None:
    """The category of a source's list code (``("ncic", "V")``, ``("clew", "svs")``), or None when unknown."""
    return LIST_CODE_CATEGORIES.get(source, {}).get(code)


def parse_category(value: str) -> Category:
    """Read a loosely written category (``Stolen Vehicle``, ``stolen-vehicle``); ValueError if unknown."""
    key = _CATEGORY_SEPARATORS.sub("_", value.strip().lower())
    try:
        return Category(key)
    except ValueError:
        allowed = ", ".join(c.value for c in Category)
        raise ValueError(f"unknown category {value.strip()!r} (expected one of: {allowed})") from None


def normalise_region(value: str) -> str:
    """Upper-case a state/province code, dropping a ``us-``/``ca-``/``mx-`` country prefix; ValueError if malformed.

    ``"ca"`` -> ``"CA"`` (California), ``"us-tx"`` -> ``"TX"``, ``"ca-on"`` -> ``"ON"`` (Ontario).
    """
    text = value.strip().upper()
    prefixed = _REGION_PREFIXED.match(text)
    if prefixed:
        return prefixed.group(1)
    if not _REGION.match(text):
        raise ValueError(f"state {value.strip()!r} is not a 2- or 3-letter state/province code")
    return text


def is_expired(expires_at: datetime | None, now: datetime) -> bool:
    """True once ``now`` is past ``expires_at``; an entry without an expiry never expires. Both must be aware."""
    if expires_at is None:
        return False
    if expires_at.utcoffset() is None or now.utcoffset() is None:
        raise ValueError("is_expired needs timezone-aware datetimes")
    return now > expires_at


def extra_json(extra: Mapping[str, Any]) -> str:
    """The canonical JSON text of an entry's ``extra`` (sorted keys, compact): stored as is and fingerprinted."""
    return orjson.dumps(extra, option=orjson.OPT_SORT_KEYS, default=str).decode()


def entry_fingerprint(
    plate: str,
    region: str | None,
    reason: str | None,
    case_number: str | None,
    expires_at: datetime | None,
    make: str | None,
    model: str | None,
    color: str | None,
    vehicle_type: str | None,
    year: int | None,
    extra_json_text: str | None,
) -> bytes:
    """A 128-bit digest of everything stored about an entry: equal digests mean an identical entry."""
    expires = expires_at.astimezone(UTC).isoformat() if expires_at is not None else None
    # repr() of a tuple of str/int/None is unambiguous (quoted, escaped) and computed in C.
    text = repr((plate, region, reason, case_number, expires, make, model, color, vehicle_type, year, extra_json_text))
    return hashlib.blake2b(text.encode(), digest_size=16).digest()
