"""dispatch alarms: alarm companies, their alarm events (one per company and event id), alarm permits and the false
alarms counted against them.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 00:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rtcc.core.db


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('dispatch_alarm_companies',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_alarm_companies')),
    sa.UniqueConstraint('code', name=op.f('uq_dispatch_alarm_companies_code'))
    )
    op.create_table('dispatch_alarm_permits',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('premise_id', sa.Uuid(), nullable=False),
    sa.Column('holder', sa.String(length=128), nullable=False),
    sa.Column('company_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['dispatch_alarm_companies.id'], name=op.f('fk_dispatch_alarm_permits_company_id_dispatch_alarm_companies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['premise_id'], ['dispatch_premises.id'], name=op.f('fk_dispatch_alarm_permits_premise_id_dispatch_premises'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_alarm_permits')),
    sa.UniqueConstraint('number', name=op.f('uq_dispatch_alarm_permits_number'))
    )
    with op.batch_alter_table('dispatch_alarm_permits', schema=None) as batch_op:
        batch_op.create_index('ix_dispatch_alarm_permits_premise', ['premise_id'], unique=False)

    op.create_table('dispatch_alarm_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('company_id', sa.Uuid(), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('call_id', sa.Uuid(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('premise_type', sa.String(length=16), nullable=False),
    sa.Column('occurred_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('permit_number', sa.String(length=40), nullable=True),
    sa.Column('permit_id', sa.Uuid(), nullable=True),
    sa.Column('permit_flag', sa.String(length=16), nullable=True),
    sa.Column('verification_required', sa.Boolean(), nullable=False),
    sa.Column('decided_priority', sa.String(length=16), nullable=False),
    sa.Column('decided_basis', sa.String(length=64), nullable=False),
    sa.Column('verified_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('verified_by', sa.String(length=64), nullable=True),
    sa.Column('verification_method', sa.String(length=16), nullable=True),
    sa.Column('contacts', sa.JSON(), nullable=False),
    sa.Column('call_back', sa.JSON(), nullable=False),
    sa.Column('zone', sa.String(length=100), nullable=True),
    sa.Column('cancel_requested_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('cancel_outcome', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['dispatch_calls.id'], name=op.f('fk_dispatch_alarm_events_call_id_dispatch_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['dispatch_alarm_companies.id'], name=op.f('fk_dispatch_alarm_events_company_id_dispatch_alarm_companies'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['permit_id'], ['dispatch_alarm_permits.id'], name=op.f('fk_dispatch_alarm_events_permit_id_dispatch_alarm_permits'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_alarm_events')),
    sa.UniqueConstraint('company_id', 'event_id', name='uq_dispatch_alarm_events_company_event')
    )
    with op.batch_alter_table('dispatch_alarm_events', schema=None) as batch_op:
        batch_op.create_index('ix_dispatch_alarm_events_call', ['call_id'], unique=False)

    op.create_table('dispatch_permit_false_alarms',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('permit_id', sa.Uuid(), nullable=False),
    sa.Column('call_id', sa.Uuid(), nullable=False),
    sa.Column('at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['dispatch_calls.id'], name=op.f('fk_dispatch_permit_false_alarms_call_id_dispatch_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['permit_id'], ['dispatch_alarm_permits.id'], name=op.f('fk_dispatch_permit_false_alarms_permit_id_dispatch_alarm_permits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_permit_false_alarms')),
    sa.UniqueConstraint('call_id', name='uq_dispatch_permit_false_alarms_call'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('dispatch_permit_false_alarms', schema=None) as batch_op:
        batch_op.create_index('ix_dispatch_permit_false_alarms_permit_at', ['permit_id', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('dispatch_permit_false_alarms', schema=None) as batch_op:
        batch_op.drop_index('ix_dispatch_permit_false_alarms_permit_at')

    op.drop_table('dispatch_permit_false_alarms')
    with op.batch_alter_table('dispatch_alarm_events', schema=None) as batch_op:
        batch_op.drop_index('ix_dispatch_alarm_events_call')

    op.drop_table('dispatch_alarm_events')
    with op.batch_alter_table('dispatch_alarm_permits', schema=None) as batch_op:
        batch_op.drop_index('ix_dispatch_alarm_permits_premise')

    op.drop_table('dispatch_alarm_permits')
    op.drop_table('dispatch_alarm_companies')
