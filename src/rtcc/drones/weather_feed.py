"""Wind observations in and out of the database, and the weather feed that polls a configurable URL.

``record`` stores one observation (``drone_weather_observations``) and copies it onto the dock it was made at, or
onto every dock for an area feed, when it is newer than what the dock holds: the launch decision reads the dock's
latest observation and its age (``rtcc.drones.logic``: ``wind``, ``wind.stale``). A person's entry (``enter``: the
pilot or a supervisor reading an anemometer) is audited; a feed's observation is its own record.

A feed is an adapter behind ``WeatherFeed`` (one ``fetch`` returning a ``WindObservation``). ``HttpWeatherFeed``
GETs ``RTCC_DRONES_WEATHER_URL`` and parses it as ``RTCC_DRONES_WEATHER_FORMAT`` (``metar``: the raw METAR text
aviationweather.gov serves, e.g. ``https://aviationweather.gov/api/data/metar?ids=KLGB``; ``nws``: an api.weather.gov
observation, e.g. ``https://api.weather.gov/stations/KLGB/observations/latest``). The job polls it every
``RTCC_DRONES_WEATHER_INTERVAL_S`` seconds (role ``jobs``); a failed poll is logged and the next one tried. Nothing
here is fetched unless the URL is set. A pilot enters a reading with ``POST /api/v1/drones/weather``; a supervisor
with the dock's update (``PATCH /api/v1/drones/docks/{id}``, ``rtcc.drones.service.update_dock``).
"""

from __future__ import annotations

import json
import logging
import urllib.request
import uuid
from datetime import datetime
from functools import partial
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.core.clock import utcnow
from rtcc.core.errors import invalid
from rtcc.core.periodic import start_periodic, stop_task
from rtcc.drones import repository, weather
from rtcc.drones.models import Dock, WeatherObservation
from rtcc.drones.schemas import WeatherEntry, WeatherRead
from rtcc.identity.logic import Principal
from rtcc.runtime import Runtime

logger = logging.getLogger(__name__)

TASK = "drones.weather"
FORMATS = ("metar", "nws")


class WeatherFeed(Protocol):
    """A source of wind observations."""

    name: str

    def fetch(self) -> weather.WindObservation:
        """The latest observation; raises on a transport or parse failure."""
        ...


class HttpWeatherFeed:
    """GET a URL and parse the body as METAR text or an NWS API observation (module docstring)."""

    def __init__(self, url: str, fmt: str, *, timeout_s: float = 10.0, user_agent: str = "OpenRTCC drones") -> None:
        if fmt not in FORMATS:
            raise ValueError(f"RTCC_DRONES_WEATHER_FORMAT: {fmt!r} is not one of {', '.join(FORMATS)}")
        self.url, self.fmt, self.timeout_s, self.user_agent = url, fmt, timeout_s, user_agent
        self.name = f"{fmt} {url}"

    def parse(self, body: bytes, *, now: datetime) -> weather.WindObservation:
        """Parse one response body."""
        text = body.decode("utf-8", "replace")
        if self.fmt == "nws":
            try:
                doc = json.loads(text)
            except json.JSONDecodeError as exc:
                raise weather.WeatherParseError(f"body: not JSON (line {exc.lineno}: {exc.msg})") from None
            return weather.parse_nws_observation(doc)
        line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
        return weather.parse_metar(line, now=now)

    def fetch(self) -> weather.WindObservation:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"RTCC_DRONES_WEATHER_URL: {self.url!r} is not an http(s) URL")
        req = urllib.request.Request(self.url, headers={"User-Agent": self.user_agent, "Accept": "*/*"})  # noqa: S310
        with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:  # noqa: S310 - checked above: http(s) only
            body = resp.read(256 * 1024)
        return self.parse(body, now=utcnow())


def record(
    session: Session, obs: weather.WindObservation, *, dock_id: uuid.UUID | None, entered_by: str
) -> WeatherRead:
    """Store an observation and copy it onto its dock (or every dock) where it is the newest; flushes."""
    now = utcnow()
    row = WeatherObservation(
        id=uuid.uuid4(),
        dock_id=dock_id,
        station=obs.station[:32],
        source=obs.source[:16],
        observed_at=obs.observed_at,
        received_at=now,
        wind_mps=obs.wind_mps,
        gust_mps=obs.gust_mps,
        direction_deg=obs.direction_deg,
        raw=obs.raw or None,
        entered_by=entered_by[:128],
    )
    session.add(row)
    q = select(Dock).with_for_update()
    docks = session.scalars(q.where(Dock.id == dock_id) if dock_id else q).all()
    for dock in docks:
        held = weather.age_s(dock.weather_at, obs.observed_at)
        if held is None or held > 0:  # the dock holds nothing, or something older
            dock.wind_mps, dock.gust_mps, dock.weather_at = obs.wind_mps, obs.gust_mps, obs.observed_at
            dock.weather_source, dock.updated_at = obs.source[:16], now
    session.flush()
    return WeatherRead.model_validate(row)


def enter(session: Session, data: WeatherEntry, *, actor: Principal) -> WeatherRead:
    """A pilot's wind reading (audited ``drones.weather.enter``; a supervisor enters one with the dock's update)."""
    dock_id = None
    station = "manual"
    if data.dock_code:
        dock = repository.dock_by_code(session, data.dock_code)
        if dock is None:
            raise invalid("dock_code", f"no dock {data.dock_code!r}")
        dock_id, station = dock.id, dock.code
    now = utcnow()
    at = data.observed_at or now
    if (at - now).total_seconds() > 300:
        raise invalid("observed_at", "lies in the future")
    obs = weather.manual(station, at, data.wind_mps, data.gust_mps)
    read = record(session, obs, dock_id=dock_id, entered_by=actor.audit_name)
    audit.record_for(
        session,
        actor,
        "drones.weather.enter",
        target_type="drone_weather",
        target_id=str(read.id),
        details={"dock": data.dock_code, "wind_mps": data.wind_mps, "gust_mps": data.gust_mps, "at": at.isoformat()},
    )
    return read


def latest(session: Session, *, limit: int = 20) -> list[WeatherRead]:
    """The newest observations, newest first."""
    q = select(WeatherObservation).order_by(WeatherObservation.observed_at.desc()).limit(limit)
    return [WeatherRead.model_validate(r) for r in session.scalars(q)]


def poll_once(runtime: Runtime, feed: WeatherFeed) -> WeatherRead:
    """Fetch one observation from ``feed`` and record it (for the dock ``RTCC_DRONES_WEATHER_DOCK``, else all)."""
    obs = feed.fetch()
    code = runtime.settings.drones_weather_dock
    with runtime.db.uow() as session:
        dock_id = None
        if code:
            dock = repository.dock_by_code(session, code)
            if dock is None:
                raise ValueError(f"RTCC_DRONES_WEATHER_DOCK: no dock {code!r}")
            dock_id = dock.id
        return record(session, obs, dock_id=dock_id, entered_by=f"feed:{obs.source}")


def _pass(runtime: Runtime, feed: WeatherFeed) -> None:
    read = poll_once(runtime, feed)
    logger.info("weather feed: %s %.1f m/s at %s", read.station, read.wind_mps, read.observed_at.isoformat())


async def start(runtime: Runtime) -> None:
    """Start polling when ``RTCC_DRONES_WEATHER_URL`` is set."""
    s = runtime.settings
    if not s.drones_weather_url:
        logger.info("drone weather feed disabled (RTCC_DRONES_WEATHER_URL unset)")
        return
    feed = HttpWeatherFeed(s.drones_weather_url, s.drones_weather_format)
    start_periodic(runtime.services, TASK, partial(_pass, runtime, feed), float(s.drones_weather_interval_s))


async def stop(runtime: Runtime) -> None:
    """Stop polling."""
    await stop_task(runtime.services, TASK)
