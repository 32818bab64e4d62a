"""Hotlist file parsers: turn a CSV, NCIC fixed-width or CA DOJ CLEW ``.tbl`` file into a list of ``ParsedEntry``.

This package owns the parsed-entry contract, format detection and the shared line plumbing (decoding, line
splitting, plate and field checks, error collection). A parser reads the WHOLE file before returning: it returns
every entry or raises ``ImportFailed`` (``detail`` ``"<file>:<line>: <reason>"`` for the first bad line, ``errors``
a ``field_error`` at ``["line", n]`` for each of up to ``MAX_REPORTED_ERRORS`` bad lines) and never yields part of
a file, so the service can replace a source's entries atomically. Pure code: no database, no clock.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from rtcc.core.errors import ImportFailed, field_error
from rtcc.core.plates import MAX_PLATE_LEN, is_plausible, normalise
from rtcc.hotlists.logic import FIELD_LIMITS

logger = logging.getLogger(__name__)

#: The formats ``parse_bytes`` understands.
FORMATS: Final = ("csv", "ncic", "clew")
#: How many bad lines one ``ImportFailed`` lists in ``errors`` (the first one is always the ``detail``).
MAX_REPORTED_ERRORS: Final = 100
#: How much of a file ``detect_format`` reads to sniff it.
SNIFF_BYTES: Final = 64 * 1024

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """One hotlist entry as read from a file; ``line`` is its 1-based line number, ``expires_at`` is UTC-aware."""

    line: int
    plate: str
    plate_norm: str
    region: str | None
    category: str | None
    reason: str | None
    case_number: str | None
    expires_at: datetime | None
    vehicle_make: str | None
    vehicle_model: str | None
    vehicle_color: str | None
    vehicle_type: str | None
    vehicle_year: int | None
    extra: dict[str, Any] = field(default_factory=dict)


class LineError(ValueError):
    """A bad line inside a parser; ``parse_bytes`` turns the collected ones into one ``ImportFailed``."""

    def __init__(self, line: int, msg: str) -> None:
        super().__init__(f"line {line}: {msg}")
        self.line = line
        self.msg = msg


class LineProblems:
    """Collects bad lines of one file so a single ``ImportFailed`` can name them all (up to a limit)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.items: list[LineError] = []

    def add(self, error: LineError) -> None:
        """Record one bad line."""
        self.items.append(error)

    @property
    def full(self) -> bool:
        """True once enough bad lines were seen that reading on is pointless."""
        return len(self.items) >= MAX_REPORTED_ERRORS

    def raise_if_any(self) -> None:
        """Raise ``ImportFailed`` naming the first bad line, with every collected one in ``errors``."""
        if not self.items:
            return
        first = self.items[0]
        raise ImportFailed(
            f"{self.name}:{first.line}: {first.msg}",
            errors=[field_error(e.line, e.msg, where="line") for e in self.items[:MAX_REPORTED_ERRORS]],
        )


def fail(name: str, line: int, msg: str) -> ImportFailed:
    """An ``ImportFailed`` for a single bad line (a file-level problem such as a missing header or trailer)."""
    return ImportFailed(f"{name}:{line}: {msg}", errors=[field_error(line, msg, where="line")])


def decode_text(data: bytes, name: str) -> str:
    """Decode a file as UTF-8, dropping a leading byte-order mark; a bad byte fails naming its line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise fail(name, line, f"byte 0x{data[exc.start]:02X} is not valid UTF-8; save the file as UTF-8") from None


def split_lines(text: str) -> list[str]:
    """Split on LF, CRLF or CR (and nothing else, so line numbers match an editor's); no final empty line."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def check_plate(line: int, raw: str) -> tuple[str, str]:
    """The plate as written (stripped) and its normalised form; LineError when empty or implausible."""
    plate = raw.strip()
    if not plate:
        raise LineError(line, "plate is empty")
    norm = normalise(plate)
    if not is_plausible(norm):
        raise LineError(
            line,
            f"plate has {len(norm)} letters or digits; a plate needs 2 to {MAX_PLATE_LEN}",
        )
    if len(plate) > FIELD_LIMITS["plate"]:
        raise LineError(line, f"plate is longer than {FIELD_LIMITS['plate']} characters")
    return plate, norm


def check_text(line: int, field_name: str, value: str | None, label: str | None = None) -> str | None:
    """Strip an optional text field (empty -> None); LineError when longer than its column allows."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    limit = FIELD_LIMITS[field_name]
    if len(text) > limit:
        raise LineError(line, f"{label or field_name} is longer than {limit} characters")
    return text


def parse_bytes(data: bytes, fmt: str, name: str, *, force: bool = False) -> list[ParsedEntry]:
    """Parse a whole file held in memory (``name`` is used in error messages and, for CLEW, picks the list).

    ``force`` accepts a CLEW file whose trailer count disagrees with its records (logged as a warning).
    """
    # Imported here: the format modules import this package's helpers, so they cannot be imported at its top.
    from rtcc.hotlists.parsers import clew, csv_format, ncic

    if fmt == "csv":
        entries = csv_format.parse(data, name)
    elif fmt == "ncic":
        entries = ncic.parse(data, name)
    elif fmt == "clew":
        entries = clew.parse(data, name, force=force)
    else:
        raise ImportFailed(f"{name}: unknown hotlist format {fmt!r} (expected one of: {', '.join(FORMATS)})")
    logger.info("parsed hotlist file %s (%s): %d entries", name, fmt, len(entries))
    return entries


def parse_file(path: Path, fmt: str, *, force: bool = False) -> list[ParsedEntry]:
    """Read and parse a whole hotlist file; ``ImportFailed`` when it cannot be read or has a bad line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"{path.name}: cannot read the file: {exc.strerror or exc}") from exc
    return parse_bytes(data, fmt, path.name, force=force)


def sniff_format(data: bytes, name: str) -> str:
    """Guess a file's format from its name (``.tbl`` clew, ``.csv`` csv) or else its first lines."""
    suffix = Path(name).suffix.lower()
    if suffix == ".tbl":
        return "clew"
    if suffix == ".csv":
        return "csv"
    from rtcc.hotlists.parsers import clew, csv_format, ncic

    text = data[:SNIFF_BYTES].decode("utf-8-sig", errors="replace")
    lines = [ln for ln in split_lines(text)[:20] if ln.strip()]
    if not lines:
        raise ImportFailed(f"{name}: the file is empty, so its format cannot be told")
    if any(ncic.looks_like_record(ln) for ln in lines):
        return "ncic"
    if clew.looks_like_header(lines[0]):
        return "clew"
    if csv_format.looks_like_header(lines[0]):
        return "csv"
    raise ImportFailed(f"{name}: cannot tell whether this is a CSV, NCIC or CLEW file; name the format")


def detect_format(path: Path) -> str:
    """The format of a hotlist file: by extension (``.tbl`` -> clew, ``.csv`` -> csv), else by sniffing it."""
    suffix = path.suffix.lower()
    if suffix in (".tbl", ".csv"):
        return sniff_format(b"", path.name)
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as exc:
        raise ImportFailed(f"{path.name}: cannot read the file: {exc.strerror or exc}") from exc
    return sniff_format(head, path.name)


__all__ = [
    "FORMATS",
    "MAX_REPORTED_ERRORS",
    "LineError",
    "LineProblems",
    "ParsedEntry",
    "check_plate",
    "check_text",
    "decode_text",
    "detect_format",
    "fail",
    "parse_bytes",
    "parse_file",
    "sniff_format",
    "split_lines",
]
