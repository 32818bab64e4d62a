"""Historic CAD exports to ``CallRow``s: one reader per known layout (``LAYOUTS``), a generic reader driven by a
column mapping file (``generic``), layout detection from the header, and ``CadFile``, which reads a file record by
record and collects bad cells instead of stopping.

Known layouts: ``alexandria_decc`` (Alexandria, VA DECC 2025), ``slopd`` (San Luis Obispo PD call log 2021-22),
``sacramento`` (Sacramento PD dispatch data 2019). Each module's docstring says how its columns map and how its times
are read (each layout's wall times are in its own zone; every time out of here is timezone-aware UTC).

Usage::

    cad = CadFile(path)                        # detects the layout from the header, or CadLayoutError
    for row in cad:                            # CallRow, in file order; row.to_document() for a CallDocument
        ...
    cad.problems, cad.problem_count            # RowProblem "file:line: column: message", collected

A whole-file problem (an unknown layout, a required column missing, an unreadable mapping) raises
``CadLayoutError`` (an ``ImportFailed``) naming the file and the column, before any row is read. Pure: reads only the
files the caller names.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Final

from rtcc.dispatch.adapters.cad_history.alexandria import AlexandriaParser
from rtcc.dispatch.adapters.cad_history.base import LayoutParser, ProblemLog, missing_columns
from rtcc.dispatch.adapters.cad_history.generic import CadMapping, MappingParser, load_mapping, parse_mapping
from rtcc.dispatch.adapters.cad_history.rows import (
    MAX_PROBLEMS,
    CadLayoutError,
    CallRow,
    LocalClock,
    RowProblem,
    layout_error,
)
from rtcc.dispatch.adapters.cad_history.sacramento import SacramentoParser
from rtcc.dispatch.adapters.cad_history.slopd import SlopdParser

__all__ = [
    "LAYOUTS",
    "CadFile",
    "CadLayoutError",
    "CadMapping",
    "CallRow",
    "LocalClock",
    "RowProblem",
    "detect_layout",
    "load_mapping",
    "parse_mapping",
]

#: The built-in layouts by name.
LAYOUTS: Final[dict[str, type[LayoutParser]]] = {p.name: p for p in (AlexandriaParser, SlopdParser, SacramentoParser)}

# Narrative columns of real exports run to tens of kilobytes; the csv module's default cap is 128 KiB.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def detect_layout(header: Sequence[str], mappings: Sequence[CadMapping] = (), *, file: str = "file") -> str:
    """The name of the layout (built-in, or one of ``mappings``) whose columns ``header`` has; when several fit, the
    one naming the most columns. CadLayoutError naming the columns the nearest layout misses when none fits."""
    candidates: list[tuple[str, tuple[str, ...]]] = [(name, p.required) for name, p in LAYOUTS.items()]
    candidates += [(m.name, m.required_columns()) for m in mappings]
    fits = [(len(req), name) for name, req in candidates if not missing_columns(req, header)]
    if fits:
        return max(fits)[1]
    nearest = min(candidates, key=lambda c: (len(missing_columns(c[1], header)), c[0]))
    missing = missing_columns(nearest[1], header)
    known = ", ".join(name for name, _ in candidates)
    raise layout_error(
        file,
        missing[0],
        f"unknown CAD layout (known: {known}); nearest is {nearest[0]!r}, which needs {', '.join(missing)}",
    )


class CadFile:
    """One CAD export file, read record by record (see the module docstring).

    ``layout``: a built-in layout name, or None to detect it; ``mapping``: a ``CadMapping`` (or its file) for a layout
    that is not built in, which is then used whatever ``layout`` says. The header is read, and the layout resolved, at
    construction, so a whole-file problem surfaces before the first row."""

    def __init__(
        self,
        path: Path,
        *,
        layout: str | None = None,
        mapping: CadMapping | Path | None = None,
        max_problems: int = MAX_PROBLEMS,
    ) -> None:
        self.path = Path(path)
        self.mapping = load_mapping(mapping) if isinstance(mapping, Path) else mapping
        self.encoding = self.mapping.encoding if self.mapping else "utf-8-sig"
        self.delimiter = self.mapping.delimiter if self.mapping else ","
        self.log = ProblemLog(self.path.name, max_problems)
        self.header = self._header()
        if self.mapping is not None:
            self.parser: LayoutParser = MappingParser(self.mapping, self.header, self.log)
        else:
            name = layout or detect_layout(self.header, file=self.path.name)
            if name not in LAYOUTS:
                raise layout_error(self.path.name, "", f"unknown layout {name!r} (known: {', '.join(LAYOUTS)})")
            self.parser = LAYOUTS[name](self.header, self.log)
        self.layout = self.parser.name
        #: Records read so far (rows yielded plus rows skipped).
        self.records = 0
        #: Rows yielded so far.
        self.rows = 0

    def _header(self) -> list[str]:
        try:
            with self.path.open(encoding=self.encoding, newline="") as fh:
                header = next(csv.reader(fh, delimiter=self.delimiter), None)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise layout_error(self.path.name, "", f"cannot read the header: {exc}") from exc
        if not header or not any(h.strip() for h in header):
            raise layout_error(self.path.name, "", "no header line")
        return header

    @property
    def problems(self) -> list[RowProblem]:
        """The bad cells found so far (the first ``max_problems``)."""
        return self.log.problems

    @property
    def problem_count(self) -> int:
        """How many bad cells were found so far, all of them."""
        return self.log.count

    def __iter__(self) -> Iterator[CallRow]:
        """The calls of the file, in order; bad records are reported in ``problems`` and skipped."""
        width = len(self.header)
        parse = self.parser.row
        log = self.log
        with self.path.open(encoding=self.encoding, newline="") as fh:
            reader = csv.reader(fh, delimiter=self.delimiter)
            next(reader, None)
            previous = reader.line_num
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except (csv.Error, UnicodeDecodeError) as exc:
                    log.add(previous + 1, "", "", f"unreadable record: {exc}", skipped=True)
                    previous = reader.line_num
                    continue
                line, previous = previous + 1, reader.line_num
                if len(values) != width:
                    if not any(v.strip() for v in values):
                        continue  # a blank line
                    self.records += 1
                    log.add(line, "", "", f"{len(values)} fields where the header has {width}", skipped=True)
                    continue
                self.records += 1
                row = parse(values, line)
                if row is not None:
                    self.rows += 1
                    yield row
