"""purpose bounds: how far (metres) and how long (hours) an area search may reach under a purpose without a case on
record (governance_purposes.case_free_radius_m, case_free_window_h; null = never without a case).

Revision ID: 0028
Revises: 0021
Create Date: 2026-12-06 07:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("governance_purposes") as batch:
        batch.add_column(sa.Column("case_free_radius_m", sa.Float(), nullable=True))
        batch.add_column(sa.Column("case_free_window_h", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("governance_purposes") as batch:
        batch.drop_column("case_free_window_h")
        batch.drop_column("case_free_radius_m")
