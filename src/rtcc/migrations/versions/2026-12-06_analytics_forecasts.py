"""analytics: imported crime incidents and stored hotspot forecasts

Revision ID: 0024
Revises: 0020
Create Date: 2026-12-06 04:00:00

``analytics_incidents`` holds incidents imported from agency files (LASD, LAPD) with their forecast category and the
neighborhood and district of their point; ``analytics_forecasts`` the forecasts the scheduled job stores, each with
its backtest, for the forecast screen (``rtcc.analytics.service``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rtcc.core.db

revision: str = "0024"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_incidents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("category_raw", sa.String(length=128), nullable=False),
        sa.Column("occurred_at", rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("in_city", sa.Boolean(), nullable=False),
        sa.Column("neighborhood", sa.String(length=32), nullable=True),
        sa.Column("neighborhood_name", sa.String(length=128), nullable=True),
        sa.Column("district", sa.String(length=32), nullable=True),
        sa.Column("imported_at", rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_incidents")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_analytics_incidents_source")),
    )
    op.create_index("ix_analytics_incidents_category_time", "analytics_incidents", ["category", "occurred_at"])
    op.create_index("ix_analytics_incidents_time", "analytics_incidents", ["occurred_at"])
    op.create_table(
        "analytics_forecasts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("cell_m", sa.Float(), nullable=False),
        sa.Column("origin", rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("computed_at", rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("computed_by", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("model", sa.String(length=32), nullable=True),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_forecasts")),
    )
    op.create_index(
        "ix_analytics_forecasts_key", "analytics_forecasts", ["category", "horizon_days", "cell_m", "computed_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_analytics_forecasts_key", table_name="analytics_forecasts")
    op.drop_table("analytics_forecasts")
    op.drop_index("ix_analytics_incidents_time", table_name="analytics_incidents")
    op.drop_index("ix_analytics_incidents_category_time", table_name="analytics_incidents")
    op.drop_table("analytics_incidents")
