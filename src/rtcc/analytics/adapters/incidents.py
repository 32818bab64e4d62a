"""Readers of published crime-incident files: the LA County Sheriff's (LASD) "crime incidents" extract and the LAPD
"Crime Data from 2020 to Present" layout. Each yields ``IncidentRow`` values and reports bad rows as
``file:line: column: message`` (the row is skipped, never silently).

LASD columns used: ``LURN_SAK`` + ``INCIDENT_ID`` + ``CATEGORY`` (the key: one LASD record can carry several
categories), ``INCIDENT_DATE`` ("MM/DD/YYYY hh:mm:ss AM/PM", local time), ``CATEGORY``, ``STAT_DESC``,
``STREET`` (or ``ADDRESS``), ``LATITUDE``, ``LONGITUDE``. LAPD: ``DR_NO``, ``DATE OCC`` ("MM/DD/YYYY hh:mm",
the date part) with ``TIME OCC`` ("HHMM"), ``Crm Cd Desc``, ``LOCATION``, ``LAT``, ``LON``. Rows at 0/0 or without
coordinates are reported and skipped (both agencies publish such rows for withheld locations).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rtcc.analytics import logic

LAYOUTS = ("lasd", "lapd")


@dataclass(frozen=True)
class IncidentRow:
    """One incident as read from a file (``occurred_at`` aware, UTC)."""

    external_id: str
    category: str
    category_raw: str
    occurred_at: datetime
    address: str | None
    lat: float
    lon: float
    line: int


class RowError(ValueError):
    """A row that cannot be read: the message names the file, line and column."""


def _coords(row: dict[str, str], lat_col: str, lon_col: str) -> tuple[float, float]:
    try:
        lat, lon = float(row[lat_col]), float(row[lon_col])
    except (KeyError, TypeError, ValueError):
        raise RowError(f"{lat_col}/{lon_col}: no coordinates") from None
    if lat == 0.0 or lon == 0.0 or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise RowError(f"{lat_col}/{lon_col}: no usable coordinates ({row.get(lat_col)}, {row.get(lon_col)})")
    return lat, lon


def _lasd(row: dict[str, str], zone: ZoneInfo) -> IncidentRow:
    raw = (row.get("CATEGORY") or "").strip()
    if not raw:
        raise RowError("CATEGORY: empty")
    try:
        local = datetime.strptime((row.get("INCIDENT_DATE") or "").strip(), "%m/%d/%Y %I:%M:%S %p")
    except ValueError:
        raise RowError(f"INCIDENT_DATE: not MM/DD/YYYY hh:mm:ss AM/PM: {row.get('INCIDENT_DATE')!r}") from None
    key = "-".join(x for x in ((row.get("LURN_SAK") or "").strip(), (row.get("INCIDENT_ID") or "").strip()) if x)
    if not key:
        raise RowError("LURN_SAK/INCIDENT_ID: empty")
    lat, lon = _coords(row, "LATITUDE", "LONGITUDE")
    return IncidentRow(
        external_id=f"{key}:{raw}"[:64],
        category=logic.lasd_category(raw, row.get("STAT_DESC") or ""),
        category_raw=raw[:128],
        occurred_at=local.replace(tzinfo=zone).astimezone(ZoneInfo("UTC")),
        address=(row.get("STREET") or row.get("ADDRESS") or "").strip() or None,
        lat=lat,
        lon=lon,
        line=0,
    )


def _lapd(row: dict[str, str], zone: ZoneInfo) -> IncidentRow:
    dr = (row.get("DR_NO") or "").strip()
    if not dr:
        raise RowError("DR_NO: empty")
    raw = (row.get("Crm Cd Desc") or "").strip()
    if not raw:
        raise RowError("Crm Cd Desc: empty")
    day = (row.get("DATE OCC") or "").strip().split(" ")[0]
    hhmm = (row.get("TIME OCC") or "0").strip().zfill(4)
    try:
        local = datetime.strptime(f"{day} {hhmm}", "%m/%d/%Y %H%M")
    except ValueError:
        raise RowError(f"DATE OCC/TIME OCC: not a date and time: {day!r} {hhmm!r}") from None
    lat, lon = _coords(row, "LAT", "LON")
    return IncidentRow(
        external_id=dr[:64],
        category=logic.lapd_category(raw),
        category_raw=raw[:128],
        occurred_at=local.replace(tzinfo=zone).astimezone(ZoneInfo("UTC")),
        address=" ".join((row.get("LOCATION") or "").split()) or None,
        lat=lat,
        lon=lon,
        line=0,
    )


_READERS = {"lasd": _lasd, "lapd": _lapd}
_REQUIRED = {
    "lasd": ("CATEGORY", "INCIDENT_DATE", "LATITUDE", "LONGITUDE"),
    "lapd": ("DR_NO", "DATE OCC", "LAT", "LON"),
}


def read(path: Path, layout: str, *, zone: ZoneInfo, problems: list[str]) -> Iterator[IncidentRow]:
    """The incidents of ``path`` in ``layout`` (times read in ``zone``); bad rows go to ``problems``."""
    if layout not in _READERS:
        raise ValueError(f"layout: {layout!r} is not one of {', '.join(LAYOUTS)}")
    reader = _READERS[layout]
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = csv.DictReader(fh)
        missing = [c for c in _REQUIRED[layout] if c not in (rows.fieldnames or [])]
        if missing:
            raise ValueError(f"{path.name}: line 1: missing column(s) {', '.join(missing)} for layout {layout}")
        for line, row in enumerate(rows, start=2):
            try:
                inc = reader(row, zone)
            except RowError as exc:
                problems.append(f"{path.name}:{line}: {exc}")
                continue
            yield IncidentRow(**{**inc.__dict__, "line": line})
