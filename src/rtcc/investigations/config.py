"""Settings of the investigations domain,
mixed into ``rtcc.settings.Settings`` (env ``RTCC_<FIELD>``); describe every field."""

from __future__ import annotations

from pydantic import BaseModel, Field


class InvestigationsSettings(BaseModel):
    """Investigations settings: limits of plate search, history, stakeout, common plates and co-travel."""

    search_max_candidates: int = Field(
        default=5000,
        ge=1,
        description="A wildcard, partial or similar plate pattern matching more distinct plates than this is "
        "refused as too broad (422 naming 'plate'); narrow the pattern instead.",
    )
    search_history_max_reads: int = Field(
        default=5000, ge=1, description="Most reads returned by one vehicle history (the answer says 'truncated')."
    )
    search_stakeout_max_hours: float = Field(
        default=168.0, gt=0, description="Longest time window of a stakeout or one common-plates place, in hours."
    )
    search_export_max_rows: int = Field(default=10000, ge=1, description="Most reads one CSV export holds.")
    search_index_catchup_s: float = Field(
        default=5.0,
        ge=0,
        description="A pattern search catches the plate index up from alpr_reads at most this often per process "
        "(0: before every search); between catch-ups new plates arrive through the 'alpr.reads.stored' consumer.",
    )
    search_index_overlap_s: int = Field(
        default=300,
        ge=0,
        description="Catch-up of the plate index re-examines reads observed this many seconds before its "
        "high-water mark (covers ingest transactions still open and camera clocks ahead); late uploads older than "
        "that reach the index through the 'alpr.reads.stored' consumer or 'rtcc search reindex'.",
    )
