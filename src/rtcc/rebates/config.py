"""Settings of the rebates domain (the home security camera rebate program), mixed into ``rtcc.settings.Settings``
(env ``RTCC_<FIELD>``). Money is in integer cents; the program budget set here is only the starting figure: once the
program row exists, staff change the budget through ``POST /api/v1/rebates/program``.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class RebatesSettings(BaseModel):
    """Rebates settings."""

    rebate_max_cents: int = Field(
        default=20_000, ge=1, description="Most the city pays per household toward a camera, in cents ($200.00)."
    )
    rebate_commitment_years: int = Field(
        default=2,
        ge=0,
        description="Years a rebated camera must stay registered (and not withdrawn) after approval; "
        "earlier withdrawals are flagged by 'rtcc rebates compliance' for recapture.",
    )
    rebate_budget_cents: int = Field(
        default=5_000_000,
        ge=0,
        description="Initial program budget in cents, used when the program row is first created ($50,000.00).",
    )
    rebate_purchase_max_age_days: int = Field(
        default=90, ge=0, description="A purchase older than this many days on submission does not qualify."
    )
    rebate_program_start: date | None = Field(
        default=None, description="First purchase date that qualifies (program window start); unset: no lower bound."
    )
    rebate_max_upload_mb: int = Field(
        default=10, ge=1, description="Largest proof-of-purchase upload (PDF, JPEG or PNG) in megabytes."
    )
