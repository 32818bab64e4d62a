"""governance

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 01:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rtcc.core.db


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('governance_purposes',
    sa.Column('code', sa.String(length=48), nullable=False),
    sa.Column('label', sa.String(length=128), nullable=False),
    sa.Column('requires_case', sa.Boolean(), nullable=False),
    sa.Column('allowed', sa.Boolean(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_governance_purposes'))
    )
    op.create_table('governance_duty_schedules',
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('weekdays', sa.JSON(), nullable=False),
    sa.Column('start_minute', sa.Integer(), nullable=False),
    sa.Column('end_minute', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('updated_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('actor', name=op.f('pk_governance_duty_schedules'))
    )
    op.create_table('sharing_agencies',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('data_classes', sa.JSON(), nullable=False),
    sa.Column('purposes', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('contact', sa.String(length=255), nullable=True),
    sa.Column('created_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sharing_agencies')),
    sa.UniqueConstraint('code', name=op.f('uq_sharing_agencies_code'))
    )
    op.create_table('sharing_requests',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agency_code', sa.String(length=64), nullable=False),
    sa.Column('requested_by', sa.String(length=128), nullable=False),
    sa.Column('data_class', sa.String(length=32), nullable=False),
    sa.Column('purpose', sa.String(length=48), nullable=False),
    sa.Column('case_number', sa.String(length=64), nullable=True),
    sa.Column('query', sa.JSON(), nullable=False),
    sa.Column('decision', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('result_count', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sharing_requests'))
    )
    with op.batch_alter_table('sharing_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sharing_requests_agency_code'), ['agency_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_sharing_requests_at'), ['at'], unique=False)

    op.create_table('misuse_flags',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('detector', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=160), nullable=False),
    sa.Column('window_start', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('window_end', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('dedup_key', sa.String(length=255), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('summary', sa.String(length=255), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('disposition', sa.String(length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=128), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_misuse_flags')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_misuse_flags_dedup_key'))
    )
    with op.batch_alter_table('misuse_flags', schema=None) as batch_op:
        batch_op.create_index('ix_misuse_flags_status_created', ['status', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('misuse_flags', schema=None) as batch_op:
        batch_op.drop_index('ix_misuse_flags_status_created')

    op.drop_table('misuse_flags')
    with op.batch_alter_table('sharing_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sharing_requests_at'))
        batch_op.drop_index(batch_op.f('ix_sharing_requests_agency_code'))

    op.drop_table('sharing_requests')
    op.drop_table('sharing_agencies')
    op.drop_table('governance_duty_schedules')
    op.drop_table('governance_purposes')
