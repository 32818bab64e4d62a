"""event outbox: stored reads and their pending match commit in one transaction

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 18:00:00

``event_outbox`` holds one row per ``alpr.reads.stored`` envelope, written by ingest in the transaction that stores
the reads and deleted by the match consumer in the transaction that records the hits; the match reconciler
re-drives rows left behind (``rtcc.bus.outbox``, ``rtcc.matching.reconciler``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rtcc.core.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_outbox")),
    )
    with op.batch_alter_table("event_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_event_outbox_type_due", ["type", "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("event_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_event_outbox_type_due")
    op.drop_table("event_outbox")
