"""File import of reads: CSV or JSONL, record by record, so that one bad line never stops an import.

CSV: a header line, then one read per line (UTF-8, comma-separated, ``"`` quoting). Columns (any order; unknown
columns are ignored and reported):

=============  ======================================================================================
column         meaning
=============  ======================================================================================
plate          the plate as read (required)
observed_at    ISO 8601 time with a timezone, e.g. ``2026-03-01T14:05:09.120-08:00`` (required)
camera         camera code (required unless the import gives ``--camera``)
region         state/region, e.g. ``CA`` or ``us-ca``
confidence     OCR confidence, percent 0..100 (or a fraction 0..1)
lat, lon       WGS84 position
heading        direction of travel, degrees
make, model,   vehicle attributes
color, type
image_ref      reference of the scene image; ``crop_ref``: of the plate crop
id             the sensor's own id of the read (idempotent re-import)
=============  ======================================================================================

JSONL: one native read object (``ReadIn``) per line. Blank lines are skipped in both formats.

Each record keeps its exact text, file name and line number (and, for CSV, the header) in its ``Origin``, so a
refused line becomes a dead letter "file:line: reason" that ``parse_line`` can parse again on replay.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from rtcc.alpr.adapters.native import validate_item
from rtcc.alpr.logic import DocumentError, NormalizedRead, Origin, Rejection

CSV_COLUMNS: tuple[str, ...] = (
    "plate",
    "observed_at",
    "camera",
    "region",
    "confidence",
    "lat",
    "lon",
    "heading",
    "make",
    "model",
    "color",
    "type",
    "image_ref",
    "crop_ref",
    "id",
)
_VEHICLE = ("make", "model", "color", "type")
FORMATS = ("csv", "jsonl")

Record = NormalizedRead | list[Rejection]


def guess_format(path: Path) -> str:
    """``csv`` or ``jsonl`` from the file name (``.csv``; ``.jsonl``/``.ndjson``/``.json``); DocumentError otherwise."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    raise DocumentError(f"cannot tell the format of {path.name!r}; pass --format csv or --format jsonl")


def _csv_fields(text: str) -> list[str]:
    return next(csv.reader([text]), [])


def csv_item(header: list[str], values: list[str]) -> dict[str, Any]:
    """The native read dict of one CSV record (blank cells omitted, vehicle columns grouped)."""
    item: dict[str, Any] = {}
    vehicle: dict[str, str] = {}
    for col, value in zip(header, values, strict=False):
        value = value.strip()
        if not value or col not in CSV_COLUMNS:
            continue
        if col in _VEHICLE:
            vehicle[col] = value
        else:
            item[col] = value
    if vehicle:
        item["vehicle"] = vehicle
    return item


def parse_line(
    text: str,
    *,
    fmt: str,
    line: int,
    origin: Origin,
    header: list[str] | None = None,
    default_camera: str | None = None,
) -> Record:
    """Parse one record's text (a CSV line with its header, or a JSONL line) into a read or its rejections."""
    loc = "line"
    if fmt == "jsonl":
        try:
            item = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            return [Rejection(line, loc, f"invalid JSON at column {exc.colno}: {exc.msg}", "invalid", origin)]
    elif fmt == "csv":
        if not header:
            return [Rejection(line, loc, "CSV record without a header", "invalid", origin)]
        values = _csv_fields(text)
        if len(values) != len(header):
            reason = f"{len(values)} fields, but the header has {len(header)} columns"
            return [Rejection(line, loc, reason, "invalid", origin)]
        item = csv_item(header, values)
    else:
        raise DocumentError(f"unknown file format {fmt!r} (csv or jsonl)")
    return validate_item(item, index=line, loc="", origin=origin, default_camera=default_camera)


@dataclass
class FileReader:
    """Iterates the records of one file; ``header``/``ignored_columns`` are known after the first CSV line."""

    path: Path
    fmt: str
    default_camera: str | None = None
    on_progress: Callable[[int], object] | None = None
    header: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def _physical_lines(self) -> Iterator[tuple[int, bytes]]:
        with self.path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                if self.on_progress is not None:
                    self.on_progress(len(raw))
                yield number, raw[3:] if number == 1 and raw.startswith(b"\xef\xbb\xbf") else raw

    def _records(self) -> Iterator[tuple[int, str | None, bytes]]:
        """(first line number, decoded text or None if not UTF-8, raw bytes) per record; CSV quotes may span lines."""
        pending: list[bytes] = []
        first = 0
        for number, raw in self._physical_lines():
            if not pending:
                first = number
            pending.append(raw)
            joined = b"".join(pending)
            if self.fmt == "csv" and joined.count(b'"') % 2 == 1:
                continue  # an open quoted field continues on the next line
            pending = []
            try:
                text: str | None = joined.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                text = None
            yield first, text, joined
        if pending:
            joined = b"".join(pending)
            try:
                yield first, joined.decode("utf-8").rstrip("\r\n"), joined
            except UnicodeDecodeError:
                yield first, None, joined

    def __iter__(self) -> Iterator[Record]:
        if self.fmt not in FORMATS:
            raise DocumentError(f"unknown file format {self.fmt!r} (csv or jsonl)")
        base: dict[str, Any] = {"channel": "file", "format": self.fmt, "file": self.path.name}
        if self.default_camera:
            base["default_camera"] = self.default_camera
        for line, text, raw in self._records():
            if text is not None and not text.strip():
                continue
            if self.fmt == "csv" and not self.header:
                if text is None:
                    raise DocumentError(f"{self.path.name}:{line}: the header line is not UTF-8")
                self._set_header(text, line)
                base["header"] = self.header
                continue
            origin = Origin(
                "file", text if text is not None else raw.decode("utf-8", "replace"), {**base, "line": line}
            )
            if text is None:
                yield [Rejection(line, "line", "the line is not valid UTF-8", "invalid", origin)]
                continue
            yield parse_line(
                text,
                fmt=self.fmt,
                line=line,
                origin=origin,
                header=self.header or None,
                default_camera=self.default_camera,
            )

    def _set_header(self, text: str, line: int) -> None:
        header = [h.strip().lower() for h in _csv_fields(text)]
        missing = [c for c in ("plate", "observed_at") if c not in header]
        if "camera" not in header and not self.default_camera:
            missing.append("camera (or --camera)")
        if missing:
            raise DocumentError(f"{self.path.name}:{line}: the CSV header lacks {', '.join(missing)}")
        self.header = header
        self.ignored_columns = [h for h in header if h not in CSV_COLUMNS]
