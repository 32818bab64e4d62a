"""The plumbing every CAD layout reader shares: the ``LayoutParser`` base (column lookup that names a missing column,
cell readers that record a ``RowProblem`` instead of raising) and ``ProblemLog`` (problems kept up to a limit,
counted past it).

A layout reader is a ``LayoutParser`` subclass with a ``name``, the ``required`` header columns that identify it, its
local ``zone`` and a ``row(values, line)`` that returns a ``CallRow`` or None (the row was bad and is reported).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rtcc.dispatch.adapters.cad_history.rows import MAX_PROBLEMS, CallRow, LocalClock, RowProblem, layout_error


def missing_columns(required: Sequence[str], header: Sequence[str]) -> list[str]:
    """The columns of ``required`` that ``header`` lacks (header names compared without surrounding spaces)."""
    names = {h.strip() for h in header}
    return [c for c in required if c not in names]


class ProblemLog:
    """The problems of one file: the first ``limit`` in detail, all of them counted."""

    __slots__ = ("count", "file", "limit", "problems")

    def __init__(self, file: str, limit: int = MAX_PROBLEMS) -> None:
        self.file = file
        self.limit = limit
        self.count = 0
        self.problems: list[RowProblem] = []

    def add(self, line: int, column: str, value: str, message: str, *, skipped: bool) -> None:
        """Record one bad cell of ``line``."""
        self.count += 1
        if len(self.problems) < self.limit:
            self.problems.append(RowProblem(self.file, line, column, value, message, skipped))


class LayoutParser:
    """Base of a layout reader; see the module docstring."""

    name: str
    title: str
    #: Header columns that identify the layout (all must be present).
    required: tuple[str, ...]
    #: The IANA zone the export's wall times are in.
    zone: str

    def __init__(self, header: Sequence[str], log: ProblemLog) -> None:
        self.header = [h.strip() for h in header]
        self.index = {name: i for i, name in enumerate(self.header)}
        self.log = log
        self.clock = LocalClock(self.zone)
        missing = missing_columns(self.required, self.header)
        if missing:
            raise layout_error(log.file, missing[0], f"required column missing for layout {self.name!r}")

    def col(self, name: str) -> int:
        """The index of a column this layout requires (checked at construction)."""
        return self.index[name]

    def optional(self, name: str) -> int | None:
        """The index of a column the layout reads when present."""
        return self.index.get(name)

    def iso_time(
        self, values: Sequence[str], i: int, line: int, not_before: datetime | None = None, null: str = ""
    ) -> datetime | None:
        """An ISO 8601 local wall time (``2025-08-24 00:07:06.000``) of column ``i`` in UTC; None if empty, null or
        bad (a bad one is recorded, the row kept)."""
        text = values[i]
        if not text or text == null:
            return None
        try:
            return self.clock.iso_to_utc(text, not_before)
        except ValueError:
            self.log.add(line, self.header[i], text, "not an ISO 8601 date and time", skipped=False)
            return None

    def row(self, values: Sequence[str], line: int) -> CallRow | None:
        """The call of one record, or None when a required cell is bad (recorded in the log)."""
        raise NotImplementedError
