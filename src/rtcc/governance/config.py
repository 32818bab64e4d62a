"""Settings of the governance domain, mixed into ``rtcc.settings.Settings`` (env ``RTCC_<FIELD>``).

They parameterise the misuse detectors (duty window, volume outlier test, repeated lookups, inactive cases), the
scheduled misuse scan, and the public transparency portal (its window and the usage-policy text).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class GovernanceSettings(BaseModel):
    """Governance settings."""

    governance_timezone: str | None = Field(
        default=None,
        description="IANA time zone in which duty hours are read (default duty window and per-user schedules); "
        "unset uses the city profile's time zone.",
    )
    misuse_duty_start_hour: int = Field(
        default=6,
        ge=0,
        le=23,
        description="Default duty window start (local hour, inclusive) for users without a duty schedule.",
    )
    misuse_duty_end_hour: int = Field(
        default=22,
        ge=0,
        le=24,
        description="Default duty window end (local hour, exclusive; smaller than the start = overnight shift).",
    )
    misuse_volume_window_days: int = Field(
        default=7, ge=1, description="Length of the windows in which a user's search volume is compared with peers."
    )
    misuse_volume_z: float = Field(
        default=3.5, gt=0, description="Robust z-score (median/MAD) above which a user's search volume is flagged."
    )
    misuse_volume_min_searches: int = Field(
        default=20, ge=1, description="A user's searches in a window must reach this count to be a volume outlier."
    )
    misuse_volume_min_peers: int = Field(
        default=3, ge=2, description="Users searching in a window needed before the volume comparison is made."
    )
    misuse_repeat_window_days: int = Field(
        default=7, ge=1, description="Window in which repeated lookups of one plate without a case are counted."
    )
    misuse_repeat_threshold: int = Field(
        default=3, ge=2, description="Lookups of one plate by one user without a case number, in a window, to flag."
    )
    misuse_case_inactive_days: int = Field(
        default=14,
        ge=1,
        description="A searched case with no follow-up activity (opened read/image, export, hold, footage request, "
        "sharing, hotlist entry) this many days after its first search is flagged.",
    )
    misuse_scan_lookback_days: int = Field(
        default=35, ge=1, description="How far back each misuse scan reads the audit log."
    )
    misuse_scan_interval_s: int = Field(
        default=3600, description="Interval of the scheduled misuse scan in seconds (0 or less disables it)."
    )
    transparency_window_days: int = Field(
        default=30, ge=1, description="Window of the transparency portal's figures (reads, hits, alerts, searches)."
    )
    transparency_policy_file: Path | None = Field(
        default=None,
        description="Markdown/text file with the ALPR usage and privacy policy shown on the transparency portal; "
        "unset uses the packaged policy.",
    )
