"""The generic CAD reader: a column mapping file (JSON, or YAML) says which column holds what, the timestamp formats
and the time zone, so a city whose CAD exports another layout imports without code.

A mapping, with every key it may have (only ``name``, ``zone``, ``columns.external_id`` and ``columns.received`` are
required)::

    {
      "name": "springfield_cad",                   # lower-case id: a row's origin is "cad:<name>"
      "title": "Springfield PD CAD export",
      "zone": "America/Chicago",                   # IANA zone of the export's wall times
      "columns": {                                 # CallRow field -> header column
        "external_id": "Incident No", "received": "Call Received",
        "dispatched": "Dispatched", "en_route": "Enroute", "on_scene": "Arrived", "cleared": "Cleared",
        "closed": "Closed", "call_type_code": "Nature Code", "call_type_text": "Nature",
        "priority": "Pri", "source": "How Received", "address": "Address", "city": "City", "beat": "Beat",
        "lat": "Latitude", "lon": "Longitude", "units": "Units", "narrative": "Comments",
        "disposition_code": "Dispo", "officer": "Primary Officer"
      },
      "time_formats": ["%m/%d/%Y %H:%M:%S", "iso"],  # strptime formats or "iso", tried in order
      "date_formats": ["%m/%d/%Y"],                  # for columns.date (see below)
      "null_values": ["", "NULL", "NA", "N/A"],
      "unit_separator": ",",
      "projection": null,                            # "EPSG:2226"/"EPSG:2229" when columns.x / columns.y are set
      "city": "Springfield", "state": "IL", "agency": "SPD",   # defaults when no column says so
      "call_types": {"459": "BURGLARY"},             # raw call type code -> APCO common incident type
      "sources": {"9-1-1": "911"},                   # raw source text -> call source (else a best guess)
      "extra_columns": ["District"],                 # kept as text in extra
      "delimiter": ",", "encoding": "utf-8-sig", "time_precision": "second"
    }

When ``columns.date`` is set, the step columns hold times of day on that date, and a step 12 hours or more before the
received time is on the next day (a call crossing midnight). A timestamp with its own UTC offset keeps it; one without
is read in ``zone``. The mapping is validated (unknown keys refused): a bad one is a ``CadLayoutError`` naming the key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rtcc.dispatch.adapters.cad_history.base import LayoutParser, ProblemLog
from rtcc.dispatch.adapters.cad_history.rows import CadLayoutError, CallRow, LocalClock, layout_error
from rtcc.dispatch.adapters.cad_history.stateplane import PROJECTIONS
from rtcc.dispatch.adapters.document import Source, TimePrecision, normalise_source

STEP_FIELDS: Final = ("received", "queued", "dispatched", "acknowledged", "en_route", "on_scene", "cleared", "closed")
_HALF_DAY: Final = timedelta(hours=12)
_ONE_DAY: Final = timedelta(days=1)


class ColumnMapping(BaseModel):
    """Which header column holds each ``CallRow`` field (None: the export has no such column)."""

    model_config = ConfigDict(extra="forbid")

    external_id: str
    received: str
    date: str | None = None
    queued: str | None = None
    dispatched: str | None = None
    acknowledged: str | None = None
    en_route: str | None = None
    on_scene: str | None = None
    cleared: str | None = None
    closed: str | None = None
    reopened: str | None = None
    agency: str | None = None
    call_type_code: str | None = None
    call_type_text: str | None = None
    priority: str | None = None
    source: str | None = None
    address: str | None = None
    cross_street: str | None = None
    place_name: str | None = None
    city: str | None = None
    state: str | None = None
    beat: str | None = None
    lat: str | None = None
    lon: str | None = None
    x: str | None = None
    y: str | None = None
    narrative: str | None = None
    units: str | None = None
    disposition_code: str | None = None
    disposition_text: str | None = None
    call_taker: str | None = None
    dispatcher: str | None = None
    officer: str | None = None


class CadMapping(BaseModel):
    """A column mapping file; see the module docstring."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    title: str | None = None
    zone: str
    columns: ColumnMapping
    time_formats: list[str] = Field(default_factory=lambda: ["iso"], min_length=1)
    date_formats: list[str] = Field(default_factory=lambda: ["iso"], min_length=1)
    null_values: list[str] = Field(default_factory=lambda: ["", "NULL", "NA", "N/A"])
    unit_separator: str = Field(default=",", min_length=1)
    projection: Literal["EPSG:2226", "EPSG:2229"] | None = None
    city: str | None = None
    state: str | None = None
    agency: str | None = None
    call_types: dict[str, str] = Field(default_factory=dict)
    sources: dict[str, Source] = Field(default_factory=dict)
    extra_columns: list[str] = Field(default_factory=list)
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    encoding: str = "utf-8-sig"
    time_precision: TimePrecision = "second"

    @field_validator("zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        LocalClock(value)  # raises ValueError naming the zone
        return value

    def required_columns(self) -> tuple[str, ...]:
        """Every header column the mapping names (all must be in the file)."""
        named = [v for v in self.columns.model_dump().values() if v]
        return tuple(dict.fromkeys([*named, *self.extra_columns]))


def load_mapping(path: Path) -> CadMapping:
    """Read and validate a mapping file (``.json``, or ``.yaml``/``.yml``); CadLayoutError naming the bad key."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise layout_error(path.name, "", f"cannot read the mapping: {exc.strerror or exc}") from exc
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml  # only a YAML mapping needs PyYAML

            data: Any = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except ValueError as exc:  # json.JSONDecodeError and yaml.YAMLError's parse errors
        raise layout_error(path.name, "", f"not a valid mapping file: {exc}") from exc
    return parse_mapping(data, name=path.name)


def parse_mapping(data: Any, *, name: str = "mapping") -> CadMapping:
    """A validated ``CadMapping`` of decoded JSON/YAML; CadLayoutError naming the first bad key."""
    try:
        return CadMapping.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "(mapping)"
        raise CadLayoutError(
            f"{name}: {key}: {first['msg']}",
            errors=[
                {"loc": [name, *e["loc"]], "field": ".".join(str(p) for p in e["loc"]), "msg": e["msg"]}
                for e in exc.errors()
            ],
        ) from exc


class MappingParser(LayoutParser):
    """A layout reader driven by a ``CadMapping``."""

    def __init__(self, mapping: CadMapping, header: Sequence[str], log: ProblemLog) -> None:
        self.mapping = mapping
        self.name = mapping.name
        self.title = mapping.title or mapping.name
        self.zone = mapping.zone
        self.required = mapping.required_columns()
        super().__init__(header, log)
        cols = mapping.columns
        self.cells = {f: self.col(c) for f, c in cols.model_dump().items() if c}
        self.nulls = frozenset(mapping.null_values)
        self.formats = list(mapping.time_formats)
        self.date_formats = list(mapping.date_formats)
        self.projection = PROJECTIONS[mapping.projection] if mapping.projection else None
        if (cols.x or cols.y) and self.projection is None:
            raise layout_error(log.file, cols.x or cols.y or "", "x/y columns need a projection in the mapping")
        self.extras = [(c, self.col(c)) for c in mapping.extra_columns]
        self.unit_split = re.compile(r"\s*" + re.escape(mapping.unit_separator) + r"\s*")

    def _text(self, values: Sequence[str], field: str) -> str | None:
        i = self.cells.get(field)
        if i is None:
            return None
        text = values[i].strip()
        return None if text in self.nulls else text

    def _parse(self, text: str, formats: list[str]) -> datetime | None:
        for n, fmt in enumerate(formats):
            try:
                value = datetime.fromisoformat(text) if fmt == "iso" else datetime.strptime(text, fmt)
            except ValueError:
                continue
            if n:  # the format that worked goes first for the next cell
                formats.insert(0, formats.pop(n))
            return value
        return None

    def _step(self, values: Sequence[str], field: str, line: int, day: datetime | None) -> datetime | None:
        text = self._text(values, field)
        if text is None:
            return None
        value = self._parse(text, self.formats)
        if value is None:
            column = self.mapping.columns.model_dump()[field]
            self.log.add(line, column, text, f"not a time in {self.formats}", skipped=field == "received")
            return None
        if day is not None and value.tzinfo is None and value.year == 1900:  # a time of day (strptime's default date)
            value = day.replace(
                hour=value.hour, minute=value.minute, second=value.second, microsecond=value.microsecond
            )
        return value

    def _point(self, values: Sequence[str], line: int) -> tuple[float | None, float | None]:
        a_field, b_field = ("x", "y") if self.projection is not None else ("lat", "lon")
        a_text, b_text = self._text(values, a_field), self._text(values, b_field)
        if a_text is None or b_text is None:
            return None, None
        column = self.mapping.columns.model_dump()[a_field]
        try:
            a, b = float(a_text), float(b_text)
        except ValueError:
            self.log.add(line, column, f"{a_text},{b_text}", "not a number", skipped=False)
            return None, None
        if a == 0 and b == 0:
            return None, None
        if self.projection is not None:
            point = self.projection.inverse_checked(a, b)
            if point is None:
                self.log.add(line, column, f"{a_text},{b_text}", "outside the projection's zone", skipped=False)
                return None, None
            return round(point[0], 6), round(point[1], 6)
        if not (-90 <= a <= 90 and -180 <= b <= 180):
            self.log.add(line, column, f"{a_text},{b_text}", "not a latitude/longitude", skipped=False)
            return None, None
        return a, b

    def row(self, values: Sequence[str], line: int) -> CallRow | None:
        """The call of one record, or None when its number or received time is bad."""
        m, t = self.mapping, self._text
        external_id = t(values, "external_id")
        if external_id is None:
            self.log.add(line, m.columns.external_id, "", "no call number", skipped=True)
            return None
        day = None
        if m.columns.date:
            date_text = t(values, "date")
            day = self._parse(date_text, self.date_formats) if date_text else None
            if day is None:
                self.log.add(line, m.columns.date, date_text or "", "not a date", skipped=True)
                return None
        naive: dict[str, datetime | None] = {f: self._step(values, f, line, day) for f in (*STEP_FIELDS, "reopened")}
        received_local = naive["received"]
        if received_local is None:
            if t(values, "received") is None:
                self.log.add(line, m.columns.received, "", "no received time", skipped=True)
            return None
        if day is not None:
            for f, value in naive.items():
                if value is not None and value < received_local and received_local - value >= _HALF_DAY:
                    naive[f] = value + _ONE_DAY
        received = self._utc(received_local)
        times = {f: self._utc(value, received) if value is not None else None for f, value in naive.items()}
        lat, lon = self._point(values, line)
        code = t(values, "call_type_code")
        units = t(values, "units")
        source_text = t(values, "source")
        return CallRow(
            line=line,
            external_id=external_id,
            origin=f"cad:{m.name}",
            received=received,
            time_precision=m.time_precision,
            agency=t(values, "agency") or m.agency,
            call_type_code=code,
            call_type_text=t(values, "call_type_text"),
            apco=m.call_types.get(code) if code else None,
            priority=t(values, "priority"),
            source=m.sources.get(source_text, normalise_source(source_text)) if source_text else None,
            queued=times["queued"],
            dispatched=times["dispatched"],
            acknowledged=times["acknowledged"],
            en_route=times["en_route"],
            on_scene=times["on_scene"],
            cleared=times["cleared"],
            closed=times["closed"],
            reopened=times["reopened"],
            address=t(values, "address"),
            cross_street=t(values, "cross_street"),
            place_name=t(values, "place_name"),
            city=t(values, "city") or m.city,
            state=t(values, "state") or m.state,
            beat=t(values, "beat"),
            lat=lat,
            lon=lon,
            narrative=t(values, "narrative"),
            units=tuple(u for u in self.unit_split.split(units) if u) if units else (),
            disposition_code=t(values, "disposition_code"),
            disposition_text=t(values, "disposition_text"),
            call_taker=t(values, "call_taker"),
            dispatcher=t(values, "dispatcher"),
            officer=t(values, "officer"),
            extra={c: values[i].strip() for c, i in self.extras if values[i].strip() not in self.nulls},
        )

    def _utc(self, value: datetime, not_before: datetime | None = None) -> datetime:
        if value.tzinfo is not None:
            return value.astimezone(UTC)
        return self.clock.to_utc(value, not_before)
