"""Settings of the matching domain, mixed into ``rtcc.settings.Settings`` (env ``RTCC_<FIELD>``); describe every
field."""

from __future__ import annotations

from pydantic import BaseModel, Field


class MatchingSettings(BaseModel):
    """Matching settings: when the match reconciler re-drives stored reads that no consumer has matched."""

    match_redrive_grace_s: float = Field(
        default=5.0,
        gt=0,
        description="Stored reads still unmatched this many seconds after they were stored (the process died, the "
        "bus was down) are matched by the reconciler of a match consumer (the API process in the embedded profile, "
        "'rtcc worker match' in production).",
    )
    match_redrive_interval_s: float = Field(
        default=1.0, gt=0, description="How often the match reconciler looks for stored reads left unmatched."
    )
