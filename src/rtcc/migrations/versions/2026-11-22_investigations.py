"""investigations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 01:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rtcc.core.db


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.create_table('plate_index',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('plate_norm', sa.String(length=16), nullable=False),
    sa.Column('plate_ocr', sa.String(length=16), nullable=False),
    sa.Column('first_seen', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plate_index')),
    sa.UniqueConstraint('plate_norm', name=op.f('uq_plate_index_plate_norm'))
    )
    with op.batch_alter_table('plate_index', schema=None) as batch_op:
        batch_op.create_index('ix_plate_index_ocr_trgm', ['plate_ocr'], unique=False, postgresql_using='gin', postgresql_ops={'plate_ocr': 'gin_trgm_ops'}, postgresql_with={'fastupdate': 'off'})
        batch_op.create_index('ix_plate_index_norm_trgm', ['plate_norm'], unique=False, postgresql_using='gin', postgresql_ops={'plate_norm': 'gin_trgm_ops'}, postgresql_with={'fastupdate': 'off'}, sqlite_where=sa.text('0'))

    op.create_table('plate_grams',
    sa.Column('gram', sa.String(length=3), nullable=False),
    sa.Column('plate_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('gram', 'plate_id', name=op.f('pk_plate_grams')),
    sqlite_with_rowid=False
    )
    op.create_table('plate_index_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('synced_to', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('rebuilt_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plate_index_state'))
    )


def downgrade() -> None:
    op.drop_table('plate_index_state')
    op.drop_table('plate_grams')
    with op.batch_alter_table('plate_index', schema=None) as batch_op:
        batch_op.drop_index('ix_plate_index_norm_trgm', postgresql_using='gin', postgresql_ops={'plate_norm': 'gin_trgm_ops'}, sqlite_where=sa.text('0'))
        batch_op.drop_index('ix_plate_index_ocr_trgm', postgresql_using='gin', postgresql_ops={'plate_ocr': 'gin_trgm_ops'})
    op.drop_table('plate_index')
