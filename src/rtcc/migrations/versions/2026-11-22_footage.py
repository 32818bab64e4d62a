"""footage

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 01:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rtcc.core.db


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('footage_requests',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('camera_id', sa.Uuid(), nullable=False),
    sa.Column('camera_code', sa.String(length=64), nullable=False),
    sa.Column('camera_name', sa.String(length=128), nullable=False),
    sa.Column('owner_type', sa.String(length=16), nullable=False),
    sa.Column('owner_user_id', sa.Uuid(), nullable=True),
    sa.Column('case_number', sa.String(length=64), nullable=False),
    sa.Column('incident_number', sa.String(length=64), nullable=True),
    sa.Column('purpose', sa.String(length=48), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('window_start', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('window_end', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('requested_by', sa.String(length=128), nullable=False),
    sa.Column('requested_by_role', sa.String(length=32), nullable=True),
    sa.Column('requested_by_id', sa.String(length=64), nullable=True),
    sa.Column('requested_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=128), nullable=True),
    sa.Column('decided_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('fulfilled_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('clip_count', sa.Integer(), nullable=False),
    sa.Column('custody_seq', sa.Integer(), nullable=False),
    sa.Column('custody_head', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_footage_requests'))
    )
    with op.batch_alter_table('footage_requests', schema=None) as batch_op:
        batch_op.create_index('ix_footage_requests_camera', ['camera_id'], unique=False)
        batch_op.create_index('ix_footage_requests_case', ['case_number'], unique=False)
        batch_op.create_index('ix_footage_requests_owner', ['owner_user_id'], unique=False)
        batch_op.create_index('ix_footage_requests_state_requested', ['state', 'requested_at'], unique=False)

    op.create_table('footage_clips',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('request_id', sa.Uuid(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('storage_key', sa.String(length=128), nullable=False),
    sa.Column('uploaded_by', sa.String(length=128), nullable=False),
    sa.Column('uploaded_by_role', sa.String(length=32), nullable=True),
    sa.Column('uploaded_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('upload_started_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_start', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recorded_end', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['footage_requests.id'], name=op.f('fk_footage_clips_request_id_footage_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_footage_clips')),
    sa.UniqueConstraint('request_id', 'sha256', name='uq_footage_clips_request_sha256')
    )
    with op.batch_alter_table('footage_clips', schema=None) as batch_op:
        batch_op.create_index('ix_footage_clips_sha256', ['sha256'], unique=False)

    op.create_table('footage_custody',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('request_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('clip_id', sa.Uuid(), nullable=True),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('actor_role', sa.String(length=32), nullable=True),
    sa.Column('at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('client_ip', sa.String(length=64), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['footage_requests.id'], name=op.f('fk_footage_custody_request_id_footage_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_footage_custody')),
    sa.UniqueConstraint('request_id', 'seq', name='uq_footage_custody_request_seq'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('footage_custody', schema=None) as batch_op:
        batch_op.create_index('ix_footage_custody_at', ['at'], unique=False)
        batch_op.create_index('ix_footage_custody_clip', ['clip_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('footage_custody', schema=None) as batch_op:
        batch_op.drop_index('ix_footage_custody_clip')
        batch_op.drop_index('ix_footage_custody_at')
    op.drop_table('footage_custody')
    with op.batch_alter_table('footage_clips', schema=None) as batch_op:
        batch_op.drop_index('ix_footage_clips_sha256')
    op.drop_table('footage_clips')
    with op.batch_alter_table('footage_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_footage_requests_state_requested')
        batch_op.drop_index('ix_footage_requests_owner')
        batch_op.drop_index('ix_footage_requests_case')
        batch_op.drop_index('ix_footage_requests_camera')
    op.drop_table('footage_requests')
