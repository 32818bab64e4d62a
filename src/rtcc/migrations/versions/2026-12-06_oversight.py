"""oversight: per-call response-time intervals, their refresh marks, contract versions, council reports

Revision ID: 0021
Revises: 0024
Create Date: 2026-12-06 13:00:00

``oversight_call_intervals`` is derived data (one row per closed live call and per imported history call), filled by
``rtcc oversight refresh`` and kept current by the refresh job; dropping it loses nothing that a refresh cannot
rebuild. Chained after 0018 on the oversight branch; the integrator re-chains it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from rtcc.core.db import UTCDateTime

revision: str = "0021"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oversight_call_intervals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("origin", sa.String(length=48), nullable=False),
        sa.Column("call_ref", sa.String(length=64), nullable=False),
        sa.Column("received_s", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("priority", sa.String(length=32), nullable=False),
        sa.Column("call_type", sa.String(length=128), nullable=False),
        sa.Column("shift", sa.String(length=32), nullable=False),
        sa.Column("district", sa.String(length=32), nullable=False),
        sa.Column("unit_type", sa.String(length=32), nullable=False),
        sa.Column("self_initiated", sa.Boolean(), nullable=False),
        sa.Column("processing_s", sa.Integer(), nullable=True),
        sa.Column("queue_s", sa.Integer(), nullable=True),
        sa.Column("turnout_s", sa.Integer(), nullable=True),
        sa.Column("travel_s", sa.Integer(), nullable=True),
        sa.Column("response_s", sa.Integer(), nullable=True),
        sa.Column("on_scene_s", sa.Integer(), nullable=True),
        sa.Column("missing", sa.Boolean(), nullable=False),
        sa.Column("out_of_order", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oversight_call_intervals")),
        sa.UniqueConstraint("origin", "call_ref", name="uq_oversight_call_intervals_origin_call_ref"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_oversight_call_intervals_received", "oversight_call_intervals", ["received_s"])
    op.create_table(
        "oversight_refresh_marks",
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("last_updated_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_oversight_refresh_marks")),
    )
    op.create_table(
        "oversight_contracts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oversight_contracts")),
        sa.UniqueConstraint("effective_from", name="uq_oversight_contracts_effective_from"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "oversight_reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("csv", sa.Text(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("generated_by", sa.String(length=64), nullable=False),
        sa.Column("generated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oversight_reports")),
        sa.UniqueConstraint("month", name=op.f("uq_oversight_reports_month")),
    )


def downgrade() -> None:
    op.drop_table("oversight_reports")
    op.drop_table("oversight_contracts")
    op.drop_table("oversight_refresh_marks")
    op.drop_index("ix_oversight_call_intervals_received", table_name="oversight_call_intervals")
    op.drop_table("oversight_call_intervals")
