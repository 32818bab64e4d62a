"""plate search: the reads' plate index covers the read id on PostgreSQL

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 08:30:00

``ix_alpr_reads_plate_norm_observed`` becomes ``(plate_norm, observed_at) INCLUDE (id)`` on PostgreSQL, so that a
plate search merges its candidate plates' reads in the index alone (``investigations.repository.page_reads``).
The new index is built ``CONCURRENTLY`` under a temporary name, then swapped in: ingest and searches go on while a
large table is indexed. SQLite keeps its index (its searches run one query per plate in-process; an index entry
there already carries the rowid).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = "ix_alpr_reads_plate_norm_observed"
_NEW = "ix_alpr_reads_plate_norm_observed_swap"


def _swap(include: str) -> None:
    with op.get_context().autocommit_block():
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {_NEW}")  # a leftover of an interrupted run
        op.execute(f"CREATE INDEX CONCURRENTLY {_NEW} ON alpr_reads (plate_norm, observed_at){include}")
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {_NAME}")
        op.execute(f"ALTER INDEX {_NEW} RENAME TO {_NAME}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _swap(" INCLUDE (id)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _swap("")
