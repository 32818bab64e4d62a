"""security login: second factors (TOTP secrets, WebAuthn credentials), single-use recovery codes, sign-in
challenges between the password and the second factor, and the per-username/per-address sign-in throttle.

Revision ID: 0025
Revises: 0022
Create Date: 2026-12-06 03:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rtcc.core.db


revision: str = '0025'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('mfa_factors',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=True),
    sa.Column('credential_id', sa.String(length=1024), nullable=True),
    sa.Column('public_key', sa.Text(), nullable=True),
    sa.Column('sign_count', sa.Integer(), nullable=False),
    sa.Column('last_step', sa.BigInteger(), nullable=True),
    sa.Column('created_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mfa_factors_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mfa_factors')),
    sa.UniqueConstraint('credential_id', name=op.f('uq_mfa_factors_credential_id'))
    )
    with op.batch_alter_table('mfa_factors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mfa_factors_user_id'), ['user_id'], unique=False)

    op.create_table('mfa_recovery_codes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mfa_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mfa_recovery_codes'))
    )
    with op.batch_alter_table('mfa_recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mfa_recovery_codes_user_id'), ['user_id'], unique=False)

    op.create_table('mfa_challenges',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('created_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('pending_secret', sa.String(length=64), nullable=True),
    sa.Column('webauthn_challenge', sa.String(length=128), nullable=True),
    sa.Column('client', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mfa_challenges_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mfa_challenges'))
    )
    with op.batch_alter_table('mfa_challenges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mfa_challenges_user_id'), ['user_id'], unique=False)

    op.create_table('login_throttle',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('window_start', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('audited', sa.Integer(), nullable=False),
    sa.Column('suppressed', sa.Integer(), nullable=False),
    sa.Column('locked_until', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle'))
    )


def downgrade() -> None:
    op.drop_table('login_throttle')
    with op.batch_alter_table('mfa_challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mfa_challenges_user_id'))
    op.drop_table('mfa_challenges')
    with op.batch_alter_table('mfa_recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mfa_recovery_codes_user_id'))
    op.drop_table('mfa_recovery_codes')
    with op.batch_alter_table('mfa_factors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mfa_factors_user_id'))
    op.drop_table('mfa_factors')
