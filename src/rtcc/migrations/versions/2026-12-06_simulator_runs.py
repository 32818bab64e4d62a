"""simulator: scenario and backtest runs (progress and results)

Revision ID: 0022
Revises: 0023
Create Date: 2026-12-06 04:00:00

``simulator_runs`` holds one row per what-if simulator run (``rtcc.simulator``): its kind (scenario or backtest),
request, status, progress in per cent and results JSON. Chained after 0018; the integrator re-chains it on merge.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rtcc.core.db

revision: str = "0022"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "simulator_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_simulator_runs")),
    )
    op.create_index(op.f("ix_simulator_runs_created_at"), "simulator_runs", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_simulator_runs_created_at"), table_name="simulator_runs")
    op.drop_table("simulator_runs")
