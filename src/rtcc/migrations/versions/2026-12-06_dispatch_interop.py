"""dispatch interchange: imported historic CAD calls (and their batches) and EIDO records

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-06 12:00:00

``dispatch_history_batches`` and ``dispatch_history_calls`` (``rtcc dispatch import-history``): another system's past
calls with their time chain, unique by (origin, external id). ``dispatch_eido_records``: each EIDO received, by its
Incident Tracking Identifier, with the live call it created or updates. Chained after 0015 on the interop branch; the
integrator re-chains it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rtcc.core.db

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, rtcc.core.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "dispatch_history_batches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("origin", sa.String(length=48), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _utc("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_history_batches")),
    )
    op.create_table(
        "dispatch_history_calls",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("origin", sa.String(length=48), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=True),
        sa.Column("agency", sa.String(length=64), nullable=True),
        sa.Column("call_type", sa.String(length=32), nullable=True),
        sa.Column("call_type_raw", sa.String(length=128), nullable=True),
        sa.Column("apco_code", sa.String(length=16), nullable=True),
        sa.Column("priority", sa.String(length=32), nullable=True),
        _utc("received_at", nullable=False),
        _utc("queued_at"),
        _utc("dispatched_at"),
        _utc("acknowledged_at"),
        _utc("en_route_at"),
        _utc("on_scene_at"),
        _utc("cleared_at"),
        _utc("closed_at"),
        _utc("reopened_at"),
        sa.Column("time_precision", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=True),
        sa.Column("beat", sa.String(length=32), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("units", sa.JSON(), nullable=False),
        sa.Column("disposition_code", sa.String(length=32), nullable=True),
        sa.Column("disposition_text", sa.String(length=128), nullable=True),
        sa.Column("disposition_common", sa.String(length=4), nullable=True),
        sa.Column("call_taker", sa.String(length=64), nullable=True),
        sa.Column("dispatcher", sa.String(length=64), nullable=True),
        sa.Column("narrative", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["dispatch_history_batches.id"],
            name=op.f("fk_dispatch_history_calls_batch_id_dispatch_history_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_history_calls")),
        sa.UniqueConstraint("origin", "external_id", name="uq_dispatch_history_calls_origin_external_id"),
    )
    op.create_index("ix_dispatch_history_calls_received", "dispatch_history_calls", ["received_at"], unique=False)
    op.create_table(
        "dispatch_eido_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.String(length=255), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=True),
        sa.Column("agency", sa.String(length=128), nullable=True),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        _utc("received_at"),
        _utc("last_updated"),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("held_reason", sa.Text(), nullable=True),
        sa.Column("updates", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _utc("created_at", nullable=False),
        _utc("updated_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["dispatch_calls.id"],
            name=op.f("fk_dispatch_eido_records_call_id_dispatch_calls"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_eido_records")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_dispatch_eido_records_incident_id")),
    )
    op.create_index(
        op.f("ix_dispatch_eido_records_call_id"), "dispatch_eido_records", ["call_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_dispatch_eido_records_call_id"), table_name="dispatch_eido_records")
    op.drop_table("dispatch_eido_records")
    op.drop_index("ix_dispatch_history_calls_received", table_name="dispatch_history_calls")
    op.drop_table("dispatch_history_calls")
    op.drop_table("dispatch_history_batches")
