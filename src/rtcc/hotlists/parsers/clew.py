"""Parser for California DOJ CLEW hotlist extracts (``svs.tbl`` stolen vehicles, ``sfr.tbl`` felony vehicles,
``slr.tbl`` stolen licence plates).

File layout (facts from ``shared/data/hotlist_formats``)::

    DATE07/02/2018 09:00        header, first non-empty line: DATE + extract time MM/DD/YYYY HH:MM (Pacific time)
    ABC123 CA0120180627         one record per line
    TOTAL RECORD 0000072        trailer, last non-empty line: TOTAL RECORD + count

Record layout, 0-based end-exclusive offsets, as documented for a full-width record such as
``ABC1234 CA1220190515``: plate ``[0:8]`` (blank-padded), state ``[8:10]``, county code ``[10:12]``, date of loss
``[12:20]`` (YYYYMMDD). The real sample extract pads the plate to 7 characters instead (``ABC123 CA0120180627``,
19 characters), so the fields are read from the right: the last 12 characters are state (2 letters), county
(2 digits) and date of loss (8 digits), and everything before them is the plate field (1 to 8 characters). A record
is therefore 13 to 20 characters long (trailing blanks ignored). The list, and so the category, comes from the file
name (``svs``/``sfr``/``slr`` as a word of it); for any other name the category is left to the hotlist. The trailer is
required and its count must equal the number of record lines: a file cut off in transfer, or one with records lost
or doubled, must not replace a list. Either is refused naming ``file:line`` (the trailer's line for a count that
disagrees). ``force`` accepts a count that disagrees (logged as a warning; the import is audited as forced), for an
extract known to be whole whose trailer is wrong - the published sample is one (2 records, count 72).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime
from pathlib import PurePath
from typing import Any, Final
from zoneinfo import ZoneInfo

from rtcc.hotlists.logic import LIST_CODE_CATEGORIES, LIST_CODE_NAMES
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

#: Width of the plate field in the documented layout.
PLATE_FIELD_LEN: Final = 8
#: State (2) + county (2) + date of loss (8), read from the end of the record.
TAIL_LEN: Final = 12
MIN_RECORD_LEN: Final = TAIL_LEN + 1
MAX_RECORD_LEN: Final = TAIL_LEN + PLATE_FIELD_LEN
#: Time zone of the header's extract time (the California DOJ).
EXTRACT_TZ: Final = "America/Los_Angeles"

_HEADER = re.compile(r"^DATE(\d{2})/(\d{2})/(\d{4}) (\d{2}):(\d{2})\s*$")
_TRAILER = re.compile(r"^TOTAL RECORD\s*(\d+)\s*$")
_STATE = re.compile(r"^[A-Z]{2}$")
_COUNTY = re.compile(r"^\d{2}$")
_DATE = re.compile(r"^\d{8}$")
#: ``svs.tbl``, ``sfr_20240101.tbl``, ``ca_doj_slr.tbl``: the list code as a separate token of the file name.
_LIST_IN_NAME = re.compile(r"(?:^|[^a-z])(" + "|".join(LIST_CODE_CATEGORIES["clew"]) + r")(?:[^a-z]|$)")


def list_code(name: str) -> str | None:
    """The CLEW list a file holds, from its name (``svs``, ``sfr`` or ``slr``), or None when the name says nothing."""
    match = _LIST_IN_NAME.search(PurePath(name).name.lower())
    return match.group(1) if match else None


def looks_like_header(line: str) -> bool:
    """True when a line is a CLEW header (``DATEmm/dd/yyyy hh:mm``)."""
    return _HEADER.match(line.strip()) is not None


def _header_time(line: str) -> datetime | None:
    match = _HEADER.match(line.strip())
    if match is None:
        return None
    month, day, year, hour, minute = (int(g) for g in match.groups())
    try:
        local = datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(EXTRACT_TZ))
    except ValueError:
        return None
    return local.astimezone(UTC)


def extract_time(data: bytes, name: str) -> datetime:
    """The extract time written in a CLEW file's header, in UTC; ``ImportFailed`` when the header is missing."""
    for number, text in enumerate(split_lines(decode_text(data, name)), start=1):
        if text.strip():
            moment = _header_time(text)
            if moment is None:
                raise fail(name, number, "the first line is not a CLEW header 'DATEmm/dd/yyyy hh:mm'")
            return moment
    raise fail(name, 1, "the file is empty")


def _valid_date(text: str) -> date | None:
    if not _DATE.match(text):
        return None
    try:
        return date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def parse_record(text: str, line: int, code: str | None) -> ParsedEntry:
    """Parse one CLEW record line of list ``code`` (or None); LineError naming the problem."""
    record = text.rstrip()
    if not (MIN_RECORD_LEN <= len(record) <= MAX_RECORD_LEN):
        raise LineError(
            line,
            f"line is {len(record)} characters long; a CLEW record has {MIN_RECORD_LEN} to {MAX_RECORD_LEN} "
            "(plate, state, county, date of loss)",
        )
    plate_field, state, county, loss_text = (
        record[:-TAIL_LEN],
        record[-TAIL_LEN:-10],
        record[-10:-8],
        record[-8:],
    )
    plate, plate_norm = check_plate(line, plate_field)
    if not _STATE.match(state):
        raise LineError(line, f"state {state!r} is not a two-letter code")
    if not _COUNTY.match(county):
        raise LineError(line, f"county code {county!r} is not two digits")
    loss = _valid_date(loss_text)
    if loss is None:
        raise LineError(line, f"date of loss {loss_text!r} is not a valid YYYYMMDD date")
    extra: dict[str, Any] = {"county_code": county, "date_of_loss": loss.isoformat()}
    if code is not None:
        extra["list_code"] = code
    return ParsedEntry(
        line=line,
        plate=plate,
        plate_norm=plate_norm,
        region=state,
        category=LIST_CODE_CATEGORIES["clew"][code].value if code else None,
        reason=f"CA DOJ CLEW {LIST_CODE_NAMES['clew'][code]}" if code else None,
        case_number=None,
        expires_at=None,
        vehicle_make=None,
        vehicle_model=None,
        vehicle_color=None,
        vehicle_type=None,
        vehicle_year=None,
        extra=extra,
    )


def parse(data: bytes, name: str, *, force: bool = False) -> list[ParsedEntry]:
    """Parse a whole CLEW ``.tbl`` file; ``ImportFailed`` naming the bad lines if anything is wrong.

    ``force`` accepts a trailer count that disagrees with the records (a warning instead of a refusal).
    """
    numbered = [(n, t) for n, t in enumerate(split_lines(decode_text(data, name)), start=1) if t.strip()]
    if not numbered:
        raise fail(name, 1, "the file is empty; a CLEW file has a DATE header, records and a TOTAL RECORD trailer")
    header_line, header = numbered[0]
    if _header_time(header) is None:
        raise fail(name, header_line, "the first line is not a CLEW header 'DATEmm/dd/yyyy hh:mm'")
    trailer_at = next((i for i, (_, t) in enumerate(numbered) if t.startswith("TOTAL RECORD")), None)
    if trailer_at is None:
        last = numbered[-1][0]
        raise fail(name, last, "the file ends without its 'TOTAL RECORD' trailer; it may be cut off")
    trailer_line, trailer = numbered[trailer_at]
    count = _TRAILER.match(trailer.strip())
    if count is None:
        raise fail(name, trailer_line, "the trailer is not 'TOTAL RECORD' followed by a count")
    if trailer_at != len(numbered) - 1:
        raise fail(name, numbered[trailer_at + 1][0], "text after the 'TOTAL RECORD' trailer")

    code = list_code(name)
    problems = LineProblems(name)
    entries: list[ParsedEntry] = []
    for number, text in numbered[1:trailer_at]:
        try:
            entries.append(parse_record(text, number, code))
        except LineError as exc:
            problems.add(exc)
            if problems.full:
                break
    problems.raise_if_any()
    declared = int(count.group(1))
    if declared != len(entries):
        if not force:
            raise fail(
                name,
                trailer_line,
                f"the trailer says {declared} records but the file holds {len(entries)}; the file may be cut off or "
                "damaged (import it with force to accept it anyway)",
            )
        logger.warning("%s: trailer says %s records but the file holds %d; forced", name, declared, len(entries))
    return entries
