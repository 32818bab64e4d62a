"""oversight: the interval table packed as numpy column chunks (the KPI screen's first read); dispatch: the zone an
imported history was recorded in

Revision ID: 0032
Revises: 0021
Create Date: 2026-12-06 07:30:00

``oversight_column_chunks`` is derived data (``rtcc.oversight.chunks``): each row packs the interval-table rows of
one id range as numpy arrays. The first ``rtcc oversight refresh`` (or KPI request) after this migration fills it
from ``oversight_call_intervals``; dropping it loses nothing. ``dispatch_history_batches.zone``: the IANA zone of the
export's wall times (its layout's), so the history keeps its own clock; NULL for batches imported before (read in the
city's zone, as they were).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oversight_column_chunks",
        sa.Column("chunk", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("max_id", sa.BigInteger(), nullable=False),
        sa.Column("labels", sa.Text(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("chunk", name=op.f("pk_oversight_column_chunks")),
    )
    with op.batch_alter_table("dispatch_history_batches") as batch:
        batch.add_column(sa.Column("zone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dispatch_history_batches") as batch:
        batch.drop_column("zone")
    op.drop_table("oversight_column_chunks")
