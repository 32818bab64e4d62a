"""vendor payloads kept whole: a read's travel direction and camera label, the sensors' own alerts

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-05 18:30:00

``alpr_reads`` gains ``heading_deg`` (the direction of travel an OpenALPR group or a native read sends) and
``camera_label`` (what the agent calls its camera). Both are nullable without a default: an instant
``ALTER TABLE ... ADD COLUMN`` on PostgreSQL and on SQLite (batch mode adds columns without recreating the table),
so a large reads table is not rewritten. ``alpr_vendor_alerts`` holds the agents' own hotlist alerts
(``rtcc.alpr.models.VendorAlert``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rtcc.core.db

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_REF_INDEXES = (("ix_alpr_reads_crop_ref_stored", "crop_ref"), ("ix_alpr_reads_image_ref_stored", "image_ref"))


def _stored_ref_indexes(*, drop: bool = False) -> None:
    """Partial indexes of the reads whose images are in our store (retention checks a file is unused before it
    deletes it); built CONCURRENTLY on PostgreSQL, so ingest goes on while a large table is indexed."""
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, column in _REF_INDEXES:
        if postgres:
            with op.get_context().autocommit_block():
                op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
                if not drop:
                    op.execute(
                        f"CREATE INDEX CONCURRENTLY {name} ON alpr_reads ({column}) "
                        f"WHERE {column} LIKE 'alpr-images/%'"
                    )
        elif drop:
            op.drop_index(name, table_name="alpr_reads")
        else:
            op.create_index(name, "alpr_reads", [column], sqlite_where=sa.text(f"{column} LIKE 'alpr-images/%'"))


def upgrade() -> None:
    with op.batch_alter_table("alpr_reads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heading_deg", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("camera_label", sa.String(length=128), nullable=True))
    op.create_table(
        "alpr_vendor_alerts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("read_id", sa.Uuid(), nullable=False),
        sa.Column("camera_id", sa.Uuid(), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=True),
        sa.Column("alert_list", sa.String(length=128), nullable=True),
        sa.Column("list_type", sa.String(length=64), nullable=True),
        sa.Column("description", sa.String(length=255), nullable=True),
        sa.Column("site_name", sa.String(length=128), nullable=True),
        sa.Column("camera_name", sa.String(length=128), nullable=True),
        sa.Column("agent_uid", sa.String(length=128), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("observed_at", rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["alpr_cameras.id"], name=op.f("fk_alpr_vendor_alerts_camera_id_alpr_cameras")
        ),
        sa.ForeignKeyConstraint(
            ["read_id"], ["alpr_reads.id"], name=op.f("fk_alpr_vendor_alerts_read_id_alpr_reads"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alpr_vendor_alerts")),
    )
    with op.batch_alter_table("alpr_vendor_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alpr_vendor_alerts_read_id"), ["read_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alpr_vendor_alerts_received_at"), ["received_at"], unique=False)
    _stored_ref_indexes()


def downgrade() -> None:
    _stored_ref_indexes(drop=True)
    with op.batch_alter_table("alpr_vendor_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alpr_vendor_alerts_received_at"))
        batch_op.drop_index(batch_op.f("ix_alpr_vendor_alerts_read_id"))
    op.drop_table("alpr_vendor_alerts")
    with op.batch_alter_table("alpr_reads", schema=None) as batch_op:
        batch_op.drop_column("camera_label")
        batch_op.drop_column("heading_deg")
