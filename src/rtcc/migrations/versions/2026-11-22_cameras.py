"""cameras

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 01:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rtcc.core.db

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('registry_cameras',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('owner_type', sa.String(length=16), nullable=False),
    sa.Column('owner_user_id', sa.Uuid(), nullable=True),
    sa.Column('owner_name', sa.String(length=128), nullable=False),
    sa.Column('contact', sa.String(length=255), nullable=True),
    sa.Column('address', sa.String(length=255), nullable=True),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('direction_deg', sa.Float(), nullable=False),
    sa.Column('fov_deg', sa.Float(), nullable=False),
    sa.Column('range_m', sa.Float(), nullable=False),
    sa.Column('owner_retention_days', sa.Integer(), nullable=False),
    sa.Column('sharing_level', sa.String(length=16), nullable=False),
    sa.Column('stream_url', sa.String(length=512), nullable=True),
    sa.Column('snapshot_url', sa.String(length=512), nullable=True),
    sa.Column('alpr_camera_code', sa.String(length=64), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('registered_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_checked_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_ok_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['owner_user_id'], ['users.id'], name=op.f('fk_registry_cameras_owner_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_cameras')),
    sa.UniqueConstraint('code', name=op.f('uq_registry_cameras_code'))
    )
    with op.batch_alter_table('registry_cameras', schema=None) as batch_op:
        batch_op.create_index('ix_registry_cameras_owner_type', ['owner_type'], unique=False)
        batch_op.create_index('ix_registry_cameras_owner_user', ['owner_user_id'], unique=False)
        batch_op.create_index('ix_registry_cameras_sharing_level', ['sharing_level'], unique=False)

    op.create_table('registry_camera_access',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('camera_id', sa.Uuid(), nullable=False),
    sa.Column('at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('actor_role', sa.String(length=32), nullable=True),
    sa.Column('action', sa.String(length=48), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['camera_id'], ['registry_cameras.id'], name=op.f('fk_registry_camera_access_camera_id_registry_cameras'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_camera_access')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('registry_camera_access', schema=None) as batch_op:
        batch_op.create_index('ix_registry_camera_access_camera_at', ['camera_id', 'at'], unique=False)

    op.create_table('registry_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_version'))
    )


def downgrade() -> None:
    op.drop_table('registry_version')
    with op.batch_alter_table('registry_camera_access', schema=None) as batch_op:
        batch_op.drop_index('ix_registry_camera_access_camera_at')

    op.drop_table('registry_camera_access')
    with op.batch_alter_table('registry_cameras', schema=None) as batch_op:
        batch_op.drop_index('ix_registry_cameras_sharing_level')
        batch_op.drop_index('ix_registry_cameras_owner_user')
        batch_op.drop_index('ix_registry_cameras_owner_type')

    op.drop_table('registry_cameras')
