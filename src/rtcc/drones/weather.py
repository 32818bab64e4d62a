"""Wind observations for launch decisions, from standard weather feeds, parsed without I/O.

Two feed formats are read (a new one is a new parser behind ``WeatherFeed``, ``rtcc.drones.weather_feed``):

- **METAR** (the aviation routine weather report, WMO FM 15; the text aviationweather.gov serves, e.g.
  ``KLGB 061453Z 27012G22KT 10SM FEW020 18/09 A2998``): the station, the day/time group ``DDHHMMZ`` (resolved to a
  full UTC time against the receiving clock: a day after today is last month's), and the wind group
  ``dddffGggKT`` (``KT`` knots, ``MPS`` m/s, ``KMH`` km/h; ``VRB`` variable direction; ``00000KT`` calm;
  ``/////KT`` not measured). A wind group that is missing or not measured is an error naming it.
- **NWS API observation** (``https://api.weather.gov/stations/{id}/observations/latest``, GeoJSON): the
  ``properties`` ``stationId`` (or the ``station`` URL), ``timestamp``, and ``windSpeed``, ``windGust``,
  ``windDirection`` as quantitative values with a WMO ``unitCode`` (``wmoUnit:km_h-1``, ``wmoUnit:m_s-1``,
  ``wmoUnit:kn``); a ``null`` wind speed is an error naming the field.

Speeds are returned in m/s. The launch rules (``rtcc.drones.logic``: ``wind``, ``wind.stale``) take the latest
observation and its age; what "stale" means is the policy's ``weather_max_age_s``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

KT_MPS = 1852.0 / 3600.0
KMH_MPS = 1.0 / 3.6
_UNITS = {"KT": KT_MPS, "MPS": 1.0, "KMH": KMH_MPS}
_WMO_UNITS = {"wmoUnit:km_h-1": KMH_MPS, "wmoUnit:m_s-1": 1.0, "wmoUnit:kn": KT_MPS, "unit:km_h-1": KMH_MPS}
_STATION = re.compile(r"^[A-Z][A-Z0-9]{3}$")
_TIME = re.compile(r"^(\d{2})(\d{2})(\d{2})Z$")
_WIND = re.compile(r"^(\d{3}|VRB)(\d{2,3})(?:G(\d{2,3}))?(KT|MPS|KMH)$")
_WIND_MISSING = re.compile(r"^/{5}(KT|MPS|KMH)$")


class WeatherParseError(ValueError):
    """A feed message that cannot be read; the message names the field or group."""


@dataclass(frozen=True)
class WindObservation:
    """One wind observation: where (``station``), when observed, sustained wind and gusts (m/s; gust None when the
    report has none), direction (degrees true; None for variable), the feed (``source``) and the raw text."""

    station: str
    observed_at: datetime
    wind_mps: float
    gust_mps: float | None
    direction_deg: float | None
    source: str
    raw: str


def _metar_time(day: int, hour: int, minute: int, now: datetime) -> datetime:
    """The full UTC time of a METAR day/time group: this month, or last month when the day lies ahead of today."""
    now = now.astimezone(UTC)
    year, month = now.year, now.month
    for _ in range(2):
        try:
            at = datetime(year, month, day, hour, minute, tzinfo=UTC)
        except ValueError:
            at = None
        if at is not None and at <= now + timedelta(hours=1):
            return at
        month, year = (month - 1, year) if month > 1 else (12, year - 1)
    raise WeatherParseError(f"time: day {day:02d} is not a day of this month or the last")


def parse_metar(text: str, *, now: datetime) -> WindObservation:
    """The wind of one METAR/SPECI report (module docstring)."""
    raw = " ".join(text.split())
    tokens = raw.split(" ")
    if tokens and tokens[0] in ("METAR", "SPECI"):
        tokens = tokens[1:]
    if not tokens or not _STATION.match(tokens[0]):
        raise WeatherParseError(f"station: {tokens[0] if tokens else ''!r} is not a 4-letter ICAO station id")
    station = tokens[0]
    if len(tokens) < 2 or not (m := _TIME.match(tokens[1])):
        raise WeatherParseError(f"time: {tokens[1] if len(tokens) > 1 else ''!r} is not a DDHHMMZ group")
    day, hour, minute = (int(g) for g in m.groups())
    if not (1 <= day <= 31 and hour <= 23 and minute <= 59):
        raise WeatherParseError(f"time: {tokens[1]!r} is not a valid day and time")
    observed = _metar_time(day, hour, minute, now)
    for tok in tokens[2:5]:  # the wind group follows the time (after AUTO/COR when present)
        if tok in ("AUTO", "COR", "NIL"):
            if tok == "NIL":
                raise WeatherParseError("wind: the report is NIL (missing)")
            continue
        if _WIND_MISSING.match(tok):
            raise WeatherParseError(f"wind: {tok} (not measured)")
        w = _WIND.match(tok)
        if w is None:
            break
        factor = _UNITS[w.group(4)]
        direction = None if w.group(1) == "VRB" else float(w.group(1))
        gust = float(w.group(3)) * factor if w.group(3) else None
        return WindObservation(
            station, observed, round(float(w.group(2)) * factor, 2), None if gust is None else round(gust, 2),
            direction, "metar", raw,
        )  # fmt: skip
    raise WeatherParseError("wind: no wind group (dddffKT) after the time group")


def _quantity(props: Mapping[str, Any], name: str) -> float | None:
    q = props.get(name)
    if q is None:
        return None
    if not isinstance(q, Mapping):
        raise WeatherParseError(f"properties.{name}: must be an object with value and unitCode")
    value = q.get("value")
    if value is None:
        return None
    unit = str(q.get("unitCode", ""))
    if name == "windDirection":
        return float(value)
    factor = _WMO_UNITS.get(unit)
    if factor is None:
        raise WeatherParseError(f"properties.{name}.unitCode: {unit!r} is not a speed unit this parser knows")
    return round(float(value) * factor, 2)


def parse_nws_observation(doc: Any) -> WindObservation:
    """The wind of one NWS API observation document (module docstring)."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("properties"), Mapping):
        raise WeatherParseError("properties: missing (not an api.weather.gov observation)")
    props = doc["properties"]
    station = props.get("stationId") or str(props.get("station") or "").rstrip("/").rsplit("/", 1)[-1]
    if not station:
        raise WeatherParseError("properties.stationId: missing")
    stamp = props.get("timestamp")
    try:
        observed = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        raise WeatherParseError(f"properties.timestamp: {stamp!r} is not an ISO 8601 time") from None
    if observed.tzinfo is None:
        raise WeatherParseError("properties.timestamp: carries no time zone")
    wind = _quantity(props, "windSpeed")
    if wind is None:
        raise WeatherParseError("properties.windSpeed.value: null (the station reported no wind)")
    return WindObservation(
        str(station), observed.astimezone(UTC), wind, _quantity(props, "windGust"),
        _quantity(props, "windDirection"), "nws", str(props.get("rawMessage") or ""),
    )  # fmt: skip


def manual(station: str, observed_at: datetime, wind_mps: float, gust_mps: float | None) -> WindObservation:
    """An observation a pilot or supervisor enters (read from the dock's anemometer or a hand-held meter)."""
    if observed_at.tzinfo is None:
        raise WeatherParseError("observed_at: carries no time zone")
    return WindObservation(station, observed_at.astimezone(UTC), wind_mps, gust_mps, None, "manual", "")


def age_s(observed_at: datetime | None, now: datetime) -> float | None:
    """Seconds since an observation (None without one)."""
    if observed_at is None:
        return None
    at = observed_at if observed_at.tzinfo is not None else observed_at.replace(tzinfo=UTC)
    return (now - at).total_seconds()
