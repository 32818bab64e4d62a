"""routing: stored road networks (networks, nodes, directed edges)

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-06 09:00:00

``routing_networks`` holds one row per imported road network (at most one active); ``routing_nodes`` and
``routing_edges`` its arrays, written by one bulk import and read whole by each process that routes
(``rtcc.routing.service``). Chained after 0013 on the routing branch; the integrator re-chains it after dispatch's 0014.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rtcc.core.db

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "routing_networks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("classes", sa.String(length=512), nullable=False),
        sa.Column("node_count", sa.Integer(), nullable=False),
        sa.Column("edge_count", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("imported_at", rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_networks")),
        sa.UniqueConstraint("name", name=op.f("uq_routing_networks_name")),
    )
    op.create_table(
        "routing_nodes",
        sa.Column("network_id", sa.Uuid(), nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["routing_networks.id"],
            name=op.f("fk_routing_nodes_network_id_routing_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("network_id", "idx", name=op.f("pk_routing_nodes")),
    )
    op.create_table(
        "routing_edges",
        sa.Column("network_id", sa.Uuid(), nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("src", sa.Integer(), nullable=False),
        sa.Column("dst", sa.Integer(), nullable=False),
        sa.Column("length_m", sa.Float(), nullable=False),
        sa.Column("road_class", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["routing_networks.id"],
            name=op.f("fk_routing_edges_network_id_routing_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("network_id", "idx", name=op.f("pk_routing_edges")),
    )


def downgrade() -> None:
    op.drop_table("routing_edges")
    op.drop_table("routing_nodes")
    op.drop_table("routing_networks")
