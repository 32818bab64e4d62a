"""reads: a partial index of the hits by time (``ix_alpr_reads_hit_observed``), so that a retention drop of a day's
partition finds the few reads it keeps without reading the whole day (``rtcc.alpr.partitions.drop_day``).

Revision ID: 0036
Revises: 0034
Create Date: 2026-12-06 12:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_alpr_reads_hit_observed",
        "alpr_reads",
        ["observed_at"],
        postgresql_where=sa.text("is_hit"),
        sqlite_where=sa.text("is_hit"),
    )


def downgrade() -> None:
    op.drop_index("ix_alpr_reads_hit_observed", table_name="alpr_reads")
