"""Wind observations from the standard feeds (METAR text, NWS API JSON) and the launch rules that use them: a wind
over the limit and a stale or missing observation refuse with the rule named (``wind``, ``wind.stale``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rtcc.drones import logic, weather
from rtcc.drones.geofence import GeofenceIndex
from rtcc.drones.logic import Code, Outcome
from rtcc.drones.weather_feed import HttpWeatherFeed

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "weather"
NOW = datetime(2026, 12, 6, 15, 10, tzinfo=UTC)


def test_metar_sample_and_its_wind_groups() -> None:
    obs = weather.parse_metar((FIXTURES / "klgb_metar.txt").read_text(), now=NOW)
    assert obs.station == "KLGB" and obs.observed_at == datetime(2026, 12, 6, 14, 53, tzinfo=UTC)
    assert obs.wind_mps == pytest.approx(14 * 0.514444, abs=0.01) and obs.gust_mps == pytest.approx(12.35, abs=0.01)
    assert obs.direction_deg == 270 and obs.source == "metar"
    calm = weather.parse_metar("METAR KFUL 302353Z AUTO 00000KT 10SM CLR 12/02 A3001", now=NOW)
    assert calm.wind_mps == 0 and calm.observed_at == datetime(2026, 11, 30, 23, 53, tzinfo=UTC)  # last month
    vrb = weather.parse_metar("KSNA 061450Z VRB03MPS 9999 FEW030 17/08 Q1015", now=NOW)
    assert vrb.direction_deg is None and vrb.wind_mps == 3.0
    with pytest.raises(weather.WeatherParseError, match="wind: /////KT"):
        weather.parse_metar("KLGB 061453Z /////KT 10SM CLR", now=NOW)
    with pytest.raises(weather.WeatherParseError, match="time"):
        weather.parse_metar("KLGB 0614Z 27014KT", now=NOW)
    with pytest.raises(weather.WeatherParseError, match="station"):
        weather.parse_metar("klgb 061453Z 27014KT", now=NOW)


def test_nws_observation_sample_and_its_errors() -> None:
    doc = json.loads((FIXTURES / "klgb_nws_observation.json").read_text())
    obs = weather.parse_nws_observation(doc)
    assert obs.station == "KLGB" and obs.source == "nws" and obs.direction_deg == 270
    assert obs.wind_mps == pytest.approx(7.2, abs=0.01) and obs.gust_mps == pytest.approx(12.35, abs=0.01)
    # the METAR inside and the JSON agree
    assert obs.wind_mps == pytest.approx(weather.parse_metar(obs.raw, now=NOW).wind_mps, abs=0.01)
    doc["properties"]["windSpeed"]["value"] = None
    with pytest.raises(weather.WeatherParseError, match="windSpeed"):
        weather.parse_nws_observation(doc)
    doc["properties"]["windSpeed"] = {"unitCode": "wmoUnit:degC", "value": 3}
    with pytest.raises(weather.WeatherParseError, match="unitCode"):
        weather.parse_nws_observation(doc)
    feed = HttpWeatherFeed("https://api.weather.gov/stations/KLGB/observations/latest", "nws")
    assert feed.parse((FIXTURES / "klgb_nws_observation.json").read_bytes(), now=NOW).station == "KLGB"
    with pytest.raises(ValueError, match="RTCC_DRONES_WEATHER_FORMAT"):
        HttpWeatherFeed("https://example.org", "xml")


POLICY = logic.PolicyFacts(1, frozenset({"SHOTS"}), {}, 10.0, 12.5, False, 30.0, 20.0, 5000.0, weather_max_age_s=3900)
LIMITS = logic.LimitsFacts(1, 120.0, True, True)
PILOTS = (logic.PilotFacts("p", NOW.date() + timedelta(days=30)),)
DRONE = logic.DroneFacts("d", "D1", 20.0, 1800.0, 90.0, "docked")


def _decide(wind: float | None, at: datetime | None, policy: logic.PolicyFacts = POLICY) -> logic.Decision:
    dock = logic.DockFacts("k", "DOCK-W", 33.865, -118.06, "online", 20.0, (DRONE,), wind, None, at, "metar")
    call = logic.CallFacts("SHOTS", 33.87, -118.05, NOW)
    return logic.decide(call, policy, LIMITS, (dock,), GeofenceIndex([]), PILOTS)


def test_the_launch_rules_use_the_latest_observation_and_its_age() -> None:
    assert _decide(4.0, NOW - timedelta(minutes=20)).outcome is Outcome.recommended
    windy = _decide(11.0, NOW - timedelta(minutes=20))
    assert windy.outcome is Outcome.refused and windy.code is Code.wind and "metar" in windy.rule
    stale = _decide(4.0, NOW - timedelta(minutes=70))
    assert stale.code is Code.wind_stale and stale.rule_id == "wind.stale" and "70 min old" in stale.rule
    missing = _decide(None, None)
    assert missing.code is Code.wind_stale and "no wind observation" in missing.rule
    # a policy without weather_max_age_s keeps the old rule: no reading is a note for the pilot, not a refusal
    lax = logic.PolicyFacts(**{**POLICY.__dict__, "weather_max_age_s": None})
    unknown = _decide(None, None, lax)
    assert unknown.outcome is Outcome.recommended and unknown.option is not None
    assert any("wind" in n for n in unknown.option.notes)
    assert _decide(11.0, NOW - timedelta(hours=3), lax).outcome is Outcome.recommended  # too old to count
