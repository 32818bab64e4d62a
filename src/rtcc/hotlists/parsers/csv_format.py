"""The OpenRTCC hotlist CSV format (our own, documented here) and its parser.

The file is UTF-8 text (a leading byte-order mark is allowed), comma-separated with ``"`` quoting (RFC 4180), any
line ending. The first non-empty row is the header; column names are matched case-insensitively and may come in
any order. Empty lines, and rows whose cells are all blank, are skipped. Columns:

============  ========  ==================================================================================
column        required  meaning
============  ========  ==================================================================================
plate         yes       the plate as written; normalised (upper case, A-Z 0-9 only) it must have 2-10 characters
state         no        issuing state/province: ``CA``, ``tx``, ``us-ca`` or ``ca-on``; stored as ``CA``/``TX``/``ON``
category      no        one of ``rtcc.hotlists.logic.Category`` (``stolen_vehicle``, ``amber_alert``, ``bolo`` ...),
                        written loosely if you like (``Stolen Vehicle``); empty = the hotlist's own category
reason        no        free text, at most 255 characters
case_number   no        at most 64 characters
expires_at    no        ISO 8601 date-time WITH a timezone (``2025-06-01T08:00:00Z``, ``...+02:00``), or a date
                        ``YYYY-MM-DD`` meaning the end of that day in UTC; empty = never expires
make          no        vehicle make (at most 32 characters)
model         no        vehicle model (at most 48)
color         no        vehicle colour (at most 24)
type          no        vehicle type (at most 24)
year          no        vehicle model year, four digits
(any other)   no        kept verbatim in the entry's ``extra``, keyed by the header as written
============  ========  ==================================================================================

A header-only file is a valid, empty list; a file with no header at all is rejected. Every bad row is reported as
``<file>:<line>: <reason>`` with the physical line where the row starts.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time
from typing import Final

from rtcc.hotlists.logic import normalise_region, parse_category
from rtcc.hotlists.parsers import (
    LineError,
    LineProblems,
    ParsedEntry,
    check_plate,
    check_text,
    decode_text,
    fail,
)

#: The documented columns; every other column goes to ``extra``.
KNOWN_COLUMNS: Final = (
    "plate",
    "state",
    "category",
    "reason",
    "case_number",
    "expires_at",
    "make",
    "model",
    "color",
    "type",
    "year",
)
_VEHICLE_FIELDS: Final = (
    ("make", "vehicle_make"),
    ("model", "vehicle_model"),
    ("color", "vehicle_color"),
    ("type", "vehicle_type"),
)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")


def looks_like_header(line: str) -> bool:
    """True when a text line could be this format's header (comma-separated names including ``plate``)."""
    try:
        names = next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return False
    return "plate" in {n.strip().lower() for n in names}


def parse_expiry(value: str) -> datetime:
    """An ISO 8601 date-time with timezone (to UTC), or ``YYYY-MM-DD`` as the end of that day UTC; ValueError."""
    text = value.strip()
    if _DATE_ONLY.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"expires_at {text!r} is not a valid date") from None
        return datetime.combine(day, time.max, tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"expires_at {text!r} is not an ISO 8601 date-time with a timezone or a YYYY-MM-DD date"
        ) from None
    if moment.utcoffset() is None:
        raise ValueError(f"expires_at {text!r} has no timezone; add one (Z or +HH:MM) or give only a date")
    return moment.astimezone(UTC)


def _parse_year(value: str) -> int | None:
    text = value.strip()
    if not text:
        return None
    if not _YEAR.match(text):
        raise ValueError(f"year {text!r} is not a four-digit year")
    return int(text)


class _Header:
    """Column positions of one file's header row."""

    def __init__(self, row: list[str], line: int) -> None:
        self.names = [cell.strip() for cell in row]
        self.index: dict[str, int] = {}
        for pos, raw in enumerate(self.names):
            key = raw.lower()
            if not key:
                raise LineError(line, f"column {pos + 1} of the header has no name")
            if key in self.index:
                raise LineError(line, f"column {raw!r} appears twice in the header")
            self.index[key] = pos
        if "plate" not in self.index:
            raise LineError(line, "the header has no 'plate' column")
        self.extra_columns = [(pos, n) for pos, n in enumerate(self.names) if n.lower() not in KNOWN_COLUMNS]

    def cell(self, row: list[str], column: str) -> str:
        pos = self.index.get(column)
        if pos is None or pos >= len(row):
            return ""
        return row[pos]


def _entry(header: _Header, row: list[str], line: int) -> ParsedEntry:
    if len(row) > len(header.names):
        raise LineError(line, f"row has {len(row)} fields but the header names {len(header.names)}")
    plate, plate_norm = check_plate(line, header.cell(row, "plate"))
    try:
        state = header.cell(row, "state").strip()
        region = normalise_region(state) if state else None
        category_text = header.cell(row, "category").strip()
        category = parse_category(category_text).value if category_text else None
        expiry_text = header.cell(row, "expires_at").strip()
        expires_at = parse_expiry(expiry_text) if expiry_text else None
        year = _parse_year(header.cell(row, "year"))
    except ValueError as exc:
        raise LineError(line, str(exc)) from None
    vehicle = {attr: check_text(line, attr, header.cell(row, column), column) for column, attr in _VEHICLE_FIELDS}
    extra = {name: row[pos].strip() for pos, name in header.extra_columns if pos < len(row) and row[pos].strip()}
    return ParsedEntry(
        line=line,
        plate=plate,
        plate_norm=plate_norm,
        region=region,
        category=category,
        reason=check_text(line, "reason", header.cell(row, "reason")),
        case_number=check_text(line, "case_number", header.cell(row, "case_number")),
        expires_at=expires_at,
        vehicle_make=vehicle["vehicle_make"],
        vehicle_model=vehicle["vehicle_model"],
        vehicle_color=vehicle["vehicle_color"],
        vehicle_type=vehicle["vehicle_type"],
        vehicle_year=year,
        extra=extra,
    )


def parse(data: bytes, name: str) -> list[ParsedEntry]:
    """Parse a whole hotlist CSV file; ``ImportFailed`` naming the bad lines if any row is wrong."""
    text = decode_text(data, name)
    if not text.strip():
        raise fail(name, 1, "the file is empty; a header row naming at least a 'plate' column is required")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems = LineProblems(name)
    header: _Header | None = None
    entries: list[ParsedEntry] = []
    last_line = 0
    while not problems.full:
        start = last_line + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # The reader cannot resynchronise after broken quoting: report it and stop reading.
            problems.add(LineError(start, f"malformed CSV in the row starting on this line: {exc}"))
            break
        last_line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        try:
            if header is None:
                header = _Header(row, start)
            else:
                entries.append(_entry(header, row, start))
        except LineError as exc:
            problems.add(exc)
            if header is None:
                break  # without a header no row can be read
    problems.raise_if_any()
    if header is None:
        raise fail(name, 1, "the file has no header row")
    return entries
