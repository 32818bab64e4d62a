"""What every historic-CAD reader yields and reports: ``CallRow`` (one call, flat and cheap), ``RowProblem`` (one bad
cell of one line, collected, never fatal), ``CadLayoutError`` (a whole-file problem) and ``LocalClock`` (local wall
times of a layout's zone to UTC, cached per hour because an import converts hundreds of thousands of them).

``CallRow`` is a slotted dataclass rather than a ``CallDocument`` so that parsing stays far faster than the import's
target of 20,000 calls/s with database writes; ``CallRow.to_document`` gives the validated neutral record when a
caller wants one. Its times are already timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rtcc.core.errors import ImportFailed, field_error
from rtcc.dispatch.adapters.document import (
    CallDocument,
    CallTimes,
    CallType,
    Disposition,
    Location,
    Note,
    Source,
    TimePrecision,
    UnitRecord,
    UnitTimes,
)

#: How many problems one reader keeps in detail (the count goes on past it).
MAX_PROBLEMS: Final = 1000


class CadLayoutError(ImportFailed):
    """A file that cannot be imported at all (unknown layout, a required column missing, a bad mapping);
    ``detail`` names the file and the column, ``errors`` has one ``field_error`` per problem."""


def layout_error(file: str, column: str, msg: str) -> CadLayoutError:
    """A CadLayoutError about one column (or the whole file when ``column`` is empty) of ``file``."""
    where = f"{file}: {column}: {msg}" if column else f"{file}: {msg}"
    return CadLayoutError(where, errors=[field_error(column, msg, where=file)])


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One bad cell: file, 1-based line where the record starts, column, the value, what is wrong, and whether the
    row was skipped (a required cell) or kept without that value."""

    file: str
    line: int
    column: str
    value: str
    message: str
    skipped: bool

    def __str__(self) -> str:
        action = "row skipped" if self.skipped else "value dropped"
        return f"{self.file}:{self.line}: {self.column}: {self.message} ({self.value!r}; {action})"


@dataclass(slots=True)
class CallRow:
    """One call read from a CAD export, flat (see the module docstring); fields mean what ``CallDocument``'s do."""

    line: int
    external_id: str
    origin: str
    received: datetime
    time_precision: TimePrecision = "second"
    agency: str | None = None
    call_type_code: str | None = None
    call_type_text: str | None = None
    apco: str | None = None
    priority: str | None = None
    source: Source | None = None
    queued: datetime | None = None
    dispatched: datetime | None = None
    acknowledged: datetime | None = None
    en_route: datetime | None = None
    on_scene: datetime | None = None
    cleared: datetime | None = None
    closed: datetime | None = None
    reopened: datetime | None = None
    address: str | None = None
    cross_street: str | None = None
    place_name: str | None = None
    city: str | None = None
    state: str | None = None
    beat: str | None = None
    lat: float | None = None
    lon: float | None = None
    narrative: str | None = None
    notes: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    disposition_code: str | None = None
    disposition_text: str | None = None
    disposition_common: str | None = None
    call_taker: str | None = None
    dispatcher: str | None = None
    officer: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def to_document(self) -> CallDocument:
        """The validated ``CallDocument`` of this row (units get the call's step times: a CAD export row has no
        per-unit times, so each listed unit is taken to have moved with the call; the first is the primary)."""
        has_type = self.call_type_code or self.call_type_text or self.apco
        location = None
        if any((self.address, self.cross_street, self.place_name, self.beat, self.lat is not None)):
            location = Location(
                lat=self.lat,
                lon=self.lon,
                address=self.address,
                cross_street=self.cross_street,
                place_name=self.place_name,
                city=self.city,
                state=self.state,
                beat=self.beat,
            )
        unit_times = UnitTimes(
            dispatched=self.dispatched,
            acknowledged=self.acknowledged,
            en_route=self.en_route,
            on_scene=self.on_scene,
            cleared=self.cleared,
        )
        disposition = None
        if self.disposition_code or self.disposition_text:
            disposition = Disposition(
                code=self.disposition_code, text=self.disposition_text, common_code=self.disposition_common
            )
        return CallDocument(
            external_id=self.external_id,
            origin=self.origin,
            source=self.source,
            agency=self.agency,
            call_type=CallType(code=self.call_type_code, text=self.call_type_text, apco=self.apco)
            if has_type
            else None,
            priority=self.priority,
            times=CallTimes(
                received=self.received,
                queued=self.queued,
                dispatched=self.dispatched,
                acknowledged=self.acknowledged,
                en_route=self.en_route,
                on_scene=self.on_scene,
                cleared=self.cleared,
                closed=self.closed,
                reopened=self.reopened,
            ),
            time_precision=self.time_precision,
            location=location,
            narrative=self.narrative,
            notes=[Note(text=text) for text in self.notes],
            units=[UnitRecord(unit_id=unit, primary=i == 0, times=unit_times) for i, unit in enumerate(self.units)],
            disposition=disposition,
            call_taker=self.call_taker,
            dispatcher=self.dispatcher,
            officer=self.officer,
            extra=self.extra,
        )


_NAIVE_EPOCH: Final = datetime(1970, 1, 1)
_UTC_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


class LocalClock:
    """Wall-clock times of one IANA zone to UTC, with the zone's offset cached per local hour.

    In the hour a fall-back transition repeats, a wall time is ambiguous: ``to_utc`` takes the earlier instant
    (``fold=0``, PEP 495) unless that falls before ``not_before`` (the call's previous step) and the later one does
    not, so a call that straddles the transition keeps its steps in order. A time in a spring-forward gap does not
    exist; it is read as the zone rules do (``fold=0``: the offset before the gap).

    Speed matters here (an import converts a million times): the UTC instant is built by timedelta arithmetic from an
    aware epoch rather than ``replace(tzinfo=...)``, and ``iso_to_utc`` parses ISO text with a "+00:00" suffix and the
    hour's cached offset, which is five times faster than parsing, looking up the zone and converting."""

    __slots__ = ("_hours", "_prefixes", "zone")

    def __init__(self, zone: str) -> None:
        try:
            self.zone = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {zone!r}") from exc
        self._hours: dict[int, tuple[timedelta, timedelta]] = {}
        self._prefixes: dict[str, tuple[timedelta, timedelta]] = {}

    def _offsets(self, naive: datetime) -> tuple[timedelta, timedelta]:
        key = naive.toordinal() * 24 + naive.hour
        offsets = self._hours.get(key)
        if offsets is None:
            hour = naive.replace(minute=0, second=0, microsecond=0, tzinfo=self.zone)
            early = hour.utcoffset()
            late = hour.replace(fold=1).utcoffset()
            assert early is not None and late is not None
            offsets = self._hours[key] = (early, late)
        return offsets

    def to_utc(self, naive: datetime, not_before: datetime | None = None) -> datetime:
        """The UTC instant of a naive local wall time (see the class docstring for the repeated hour)."""
        early, late = self._offsets(naive)
        since = naive - _NAIVE_EPOCH
        utc = _UTC_EPOCH + (since - early)
        if early != late and not_before is not None and utc < not_before:
            later = _UTC_EPOCH + (since - late)
            if later >= not_before:
                return later
        return utc

    def iso_to_utc(self, text: str, not_before: datetime | None = None) -> datetime:
        """The UTC instant of ISO 8601 text: a local wall time ("2025-08-24 00:07:06.000"), or a time with its own
        offset, which wins over the zone. ValueError when the text is not ISO 8601."""
        offsets = self._prefixes.get(text[:13])
        if offsets is not None:
            try:
                utc = datetime.fromisoformat(text + "+00:00") - offsets[0]
            except ValueError:
                pass  # the text has its own offset, or is bad: the full path below says which
            else:
                if offsets[0] == offsets[1] or not_before is None or utc >= not_before:
                    return utc
                later = utc + offsets[0] - offsets[1]
                return later if later >= not_before else utc
        value = datetime.fromisoformat(text)
        if value.tzinfo is not None:
            return value if value.tzinfo is UTC else value.astimezone(UTC)
        if len(text) >= 13 and text[4] == "-" and text[7] == "-" and text[10] in " T":
            self._prefixes[text[:13]] = self._offsets(value)
        return self.to_utc(value, not_before)
