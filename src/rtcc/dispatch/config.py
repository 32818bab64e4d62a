"""Settings of the dispatch domain, mixed into ``rtcc.settings.Settings`` (env ``RTCC_<FIELD>``): which catalogue of
call types, priorities and unit types applies, how intake finds duplicates and premise history, alarm permits'
verified-response limit and the alarm context, the MQTT topics units report their positions on, and the NENA EIDO
interchange (the schema bundle an operator installs, the agency id EIDOs are written as)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class DispatchSettings(BaseModel):
    """Dispatch settings."""

    dispatch_catalogue: str | None = Field(
        default=None,
        description="Dispatch catalogue (priority scheme, unit types, shifts, call types): a packaged one "
        "('cerritos', 'los_angeles') or the path of a catalogue JSON file; unset: the one named like the city profile.",
    )
    dispatch_duplicate_radius_m: float = Field(
        default=150.0, gt=0, description="An open call this close with the same call type is proposed as a duplicate."
    )
    dispatch_duplicate_window_min: int = Field(
        default=60, ge=1, description="Only open calls received this many minutes before a new one can be duplicates."
    )
    dispatch_history_radius_m: float = Field(
        default=50.0, gt=0, description="Calls this close to a new call's location count as 'at the location'."
    )
    dispatch_alarm_false_alarm_limit: int = Field(
        default=3,
        ge=1,
        description="False alarms in 12 months after which an alarm permit requires a verified response: its "
        "burglary alarms are created as 'verification required' and not dispatched at their priority until verified.",
    )
    dispatch_alarm_unverified_priority: str | None = Field(
        default=None,
        max_length=16,
        description="Priority of a burglary alarm waiting for verification (unset: the scheme's least urgent).",
    )
    dispatch_alarm_context_minutes: float = Field(
        default=15.0,
        gt=0,
        le=1440,
        description="The alarm context shows reads from this many minutes before the alarm.",
    )
    dispatch_alarm_context_radius_m: float = Field(
        default=400.0, gt=0, le=5000, description="The alarm context shows reads within this distance of the premise."
    )
    dispatch_mqtt_positions: bool = Field(
        default=True,
        description="Subscribe to unit positions on <RTCC_MQTT_TOPIC_PREFIX>/units/<call sign>/position when "
        "RTCC_MQTT_URL is set.",
    )
    eido_schema: Path | None = Field(
        default=None,
        description="Path of NENA's EIDO 1.0 JSON Schema bundle (.json or .json.gz), which is not shipped: derive it "
        "with 'python tools/derive_eido_schema.py --schema EIDO-JSON/Schema --out FILE' (docs/eido_schema.md). "
        "Unset: EIDO export and import answer 503 saying how to install it.",
    )
    eido_agency_id: str | None = Field(
        default=None,
        max_length=128,
        description="The agency's domain-style identifier in the EIDOs it writes (e.g. 'sheriff.cerritos.ca.us'); "
        "unset: '<city profile slug>.rtcc.invalid'.",
    )
