"""Parser for the NCIC fixed-width vehicle hotlist extract (the plain ``ncic`` layout, also used by NC and PA).

Layout, 0-based end-exclusive character offsets (from ``shared/data/hotlist_formats/PROVENANCE.md``)::

    [0:1]   list type, the NIC prefix (A F W V P M C H K L R T X; see logic.LIST_CODE_CATEGORIES["ncic"])
    [0:10]  NIC, the NCIC record number            -> case_number
    [10:19] ORI of the entering agency             -> extra["ori"]
    [19:27] incident date YYYYMMDD (required)      -> extra["incident_date"] (ISO date)
    [27:37] plate                                  -> plate / plate_norm
    [37:39] plate state; digit 0 is the letter O   -> region ("0H" -> "OH")
    [39:43] plate year, 4 digits or NX             -> extra["plate_year"]
    [43:45] plate type (NCIC LIT code)             -> vehicle_type (decoded), extra["plate_type_code"]
    [45:49] vehicle year                           -> vehicle_year
    [49:53] make (NCIC VMA code)                   -> vehicle_make (decoded), extra["make_code"]
    [53:56] model (NCIC VMO code)                  -> vehicle_model (as written)
    [56:58] vehicle style (NCIC VST code)          -> extra["vehicle_style_code"]
    [58:]   colour, AAA or AAA/BBB (NCIC VCO)      -> vehicle_color (decoded), extra["color_code"]

Example: ``V123456789LA057020020190509AB123456  CA2009MC2009YAMACYLMCBLK``. A record is 39 to 65 characters long
(trailing blanks ignored); the fields after the plate state may be blank or cut off. The first non-empty line of an
extract is a header and is skipped, unless it is itself a well-formed record (so a headerless file loses nothing).
Codes are decoded with ``hotlists/data/ncic_codes.json``; an unknown make, type or colour code is kept as written.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from functools import cache
from importlib import resources
from typing import Any, Final

from rtcc.hotlists.logic import FIELD_LIMITS, LIST_CODE_CATEGORIES, LIST_CODE_NAMES
from rtcc.hotlists.parsers import (
    LineError,
    LineProblems,
    ParsedEntry,
    check_plate,
    decode_text,
    fail,
    split_lines,
)

logger = logging.getLogger(__name__)

#: Shortest record: through the plate state, which ends at column 39.
MIN_RECORD_LEN: Final = 39
#: Longest record: a two-tone colour ``AAA/BBB`` starting at column 58.
MAX_RECORD_LEN: Final = 65

_CODES = LIST_CODE_CATEGORIES["ncic"]
_NAMES = LIST_CODE_NAMES["ncic"]
_DIGITS8 = re.compile(r"^\d{8}$")
_YEAR = re.compile(r"^\d{4}$")
_STATE = re.compile(r"^[A-Z]{2}$")
_COLOR = re.compile(r"^[A-Z0-9]{3}(?:/[A-Z0-9]{3})?$")


@cache
def code_tables() -> dict[str, dict[str, str]]:
    """The NCIC colour, make and plate-type code tables (code -> readable name), loaded once."""
    raw: dict[str, Any] = json.loads(
        resources.files("rtcc.hotlists").joinpath("data/ncic_codes.json").read_text(encoding="utf-8")
    )
    return {key: dict(raw[key]) for key in ("colors", "makes", "types")}


def decode(table: str, code: str) -> str:
    """A code's readable name from one table (``colors``, ``makes``, ``types``), or the code itself if unknown.

    NCIC writes the letter O as the digit 0 in some codes, so both spellings are tried.
    """
    names = code_tables()[table]
    for candidate in (code, code.replace("O", "0"), code.replace("0", "O")):
        if candidate in names:
            return names[candidate]
    return code


def _date(text: str) -> date | None:
    if not _DIGITS8.match(text):
        return None
    try:
        return date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def looks_like_record(line: str) -> bool:
    """True when a line has the shape of an NCIC record (used to tell a header line and to sniff the format)."""
    text = line.rstrip()
    return (
        MIN_RECORD_LEN <= len(text) <= MAX_RECORD_LEN
        and text[0] in _CODES
        and _date(text[19:27]) is not None
        and bool(text[27:37].strip())
        and _STATE.match(text[37:39].replace("0", "O")) is not None
    )


def _color(line: int, code: str) -> tuple[str | None, str | None]:
    if not code:
        return None, None
    if not _COLOR.match(code):
        raise LineError(line, f"colour {code!r} (column 59 on) is not an NCIC colour code AAA or AAA/BBB")
    name = "/".join(decode("colors", part) for part in code.split("/"))
    return (name if len(name) <= FIELD_LIMITS["vehicle_color"] else code), code


def parse_record(text: str, line: int) -> ParsedEntry:
    """Parse one NCIC record line; LineError naming the problem."""
    record = text.rstrip()
    if len(record) < MIN_RECORD_LEN:
        raise LineError(
            line,
            f"line is {len(record)} characters long; an NCIC record needs at least {MIN_RECORD_LEN} "
            "(through the plate state)",
        )
    if len(record) > MAX_RECORD_LEN:
        raise LineError(line, f"line is {len(record)} characters long; an NCIC record has at most {MAX_RECORD_LEN}")
    list_code = record[0]
    category = _CODES.get(list_code)
    if category is None:
        raise LineError(
            line, f"unknown NCIC list code {list_code!r} in column 1 (expected one of: {', '.join(_CODES)})"
        )
    incident_text = record[19:27]
    incident = _date(incident_text)
    if incident is None:
        raise LineError(line, f"incident date {incident_text!r} (columns 20-27) is not a valid YYYYMMDD date")
    plate, plate_norm = check_plate(line, record[27:37])
    state_text = record[37:39]
    region = state_text.replace("0", "O")
    if not _STATE.match(region):
        raise LineError(line, f"plate state {state_text!r} (columns 38-39) is not a two-letter code")

    extra: dict[str, Any] = {"list_code": list_code, "incident_date": incident.isoformat()}
    ori = record[10:19].strip()
    if ori:
        extra["ori"] = ori
    plate_year = record[39:43].strip()
    if plate_year:
        if _YEAR.match(plate_year):
            extra["plate_year"] = int(plate_year)
        elif plate_year == "NX":  # non-expiring plate
            extra["plate_year"] = plate_year
        else:
            raise LineError(line, f"plate year {plate_year!r} (columns 40-43) is not a four-digit year or NX")
    plate_type = record[43:45].strip()
    vehicle_type = None
    if plate_type:
        extra["plate_type_code"] = plate_type
        decoded_type = decode("types", plate_type)
        vehicle_type = decoded_type if len(decoded_type) <= FIELD_LIMITS["vehicle_type"] else plate_type
    year_text = record[45:49].strip()
    vehicle_year = None
    if year_text:
        if not _YEAR.match(year_text):
            raise LineError(line, f"vehicle year {year_text!r} (columns 46-49) is not a four-digit year")
        vehicle_year = int(year_text)
    make_code = record[49:53].strip()
    if make_code:
        extra["make_code"] = make_code
    style = record[56:58].strip()
    if style:
        extra["vehicle_style_code"] = style
    color, color_code = _color(line, record[58:].strip())
    if color_code:
        extra["color_code"] = color_code
    return ParsedEntry(
        line=line,
        plate=plate,
        plate_norm=plate_norm,
        region=region,
        category=category.value,
        reason=f"NCIC {_NAMES[list_code]}",
        case_number=record[0:10].strip(),
        expires_at=None,
        vehicle_make=decode("makes", make_code) if make_code else None,
        vehicle_model=record[53:56].strip() or None,
        vehicle_color=color,
        vehicle_type=vehicle_type,
        vehicle_year=vehicle_year,
        extra=extra,
    )


def parse(data: bytes, name: str) -> list[ParsedEntry]:
    """Parse a whole NCIC fixed-width extract; ``ImportFailed`` naming the bad lines if any record is wrong."""
    lines = split_lines(decode_text(data, name))
    if not any(ln.strip() for ln in lines):
        raise fail(name, 1, "the file is empty; an NCIC extract has a header line and then one record per line")
    problems = LineProblems(name)
    entries: list[ParsedEntry] = []
    first = True
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        if first:
            first = False
            if not looks_like_record(text):
                logger.debug("%s: line %d is the header, skipped", name, number)
                continue
        try:
            entries.append(parse_record(text, number))
        except LineError as exc:
            problems.add(exc)
            if problems.full:
                break
    problems.raise_if_any()
    return entries
