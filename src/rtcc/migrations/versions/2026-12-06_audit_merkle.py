"""audit merkle: the Merkle tree over the audit log (every complete subtree), its signed tree heads, and a CHECK that
audit entries count from seq 1.

Revision ID: 0026
Revises: 0019
Create Date: 2026-12-06 03:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0026'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_merkle_nodes',
    sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('idx', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
    sa.PrimaryKeyConstraint('level', 'idx', name=op.f('pk_audit_merkle_nodes'))
    )
    op.create_table('audit_tree_heads',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tree_size', sa.BigInteger(), nullable=False),
    sa.Column('timestamp_ms', sa.BigInteger(), nullable=False),
    sa.Column('root_hash', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=128), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_tree_heads'))
    )
    with op.batch_alter_table('audit_tree_heads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_tree_heads_tree_size'), ['tree_size'], unique=False)
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_check_constraint('seq_positive', 'seq >= 1')


def downgrade() -> None:
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_audit_entries_seq_positive'), type_='check')
    with op.batch_alter_table('audit_tree_heads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_tree_heads_tree_size'))
    op.drop_table('audit_tree_heads')
    op.drop_table('audit_merkle_nodes')
