"""rebates

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 01:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rtcc.core.db

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rebate_program',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('total_cents', sa.BigInteger(), nullable=False),
    sa.Column('committed_cents', sa.BigInteger(), nullable=False),
    sa.Column('paid_cents', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rebate_program'))
    )
    op.create_table('rebate_applications',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('applicant_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('address_key', sa.String(length=255), nullable=False),
    sa.Column('household_claim', sa.String(length=255), nullable=True),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('neighborhood', sa.String(length=128), nullable=True),
    sa.Column('camera_id', sa.Uuid(), nullable=False),
    sa.Column('retailer', sa.String(length=128), nullable=False),
    sa.Column('purchase_date', sa.Date(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('rebate_cents', sa.Integer(), nullable=False),
    sa.Column('proof_path', sa.String(length=512), nullable=True),
    sa.Column('proof_sha256', sa.String(length=64), nullable=True),
    sa.Column('proof_content_type', sa.String(length=32), nullable=True),
    sa.Column('proof_size', sa.Integer(), nullable=True),
    sa.Column('proof_filename', sa.String(length=255), nullable=True),
    sa.Column('checks', sa.JSON(), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('payment_reference', sa.String(length=64), nullable=True),
    sa.Column('created_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('waitlisted_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('approved_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paid_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['applicant_id'], ['users.id'], name=op.f('fk_rebate_applications_applicant_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rebate_applications')),
    sa.UniqueConstraint('household_claim', name=op.f('uq_rebate_applications_household_claim'))
    )
    with op.batch_alter_table('rebate_applications', schema=None) as batch_op:
        batch_op.create_index('ix_rebate_applications_address_key', ['address_key'], unique=False)
        batch_op.create_index('ix_rebate_applications_applicant', ['applicant_id'], unique=False)
        batch_op.create_index('ix_rebate_applications_status_submitted', ['status', 'submitted_at'], unique=False)

    op.create_table('rebate_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['rebate_applications.id'], name=op.f('fk_rebate_events_application_id_rebate_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rebate_events')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('rebate_events', schema=None) as batch_op:
        batch_op.create_index('ix_rebate_events_application', ['application_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('rebate_events', schema=None) as batch_op:
        batch_op.drop_index('ix_rebate_events_application')

    op.drop_table('rebate_events')
    with op.batch_alter_table('rebate_applications', schema=None) as batch_op:
        batch_op.drop_index('ix_rebate_applications_status_submitted')
        batch_op.drop_index('ix_rebate_applications_applicant')
        batch_op.drop_index('ix_rebate_applications_address_key')

    op.drop_table('rebate_applications')
    op.drop_table('rebate_program')
