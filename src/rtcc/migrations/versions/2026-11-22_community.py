"""community

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 01:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rtcc.core.db


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('community_alerts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('headline', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('urgency', sa.String(length=16), nullable=False),
    sa.Column('certainty', sa.String(length=16), nullable=False),
    sa.Column('area_kind', sa.String(length=16), nullable=False),
    sa.Column('neighborhood_code', sa.String(length=32), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('radius_m', sa.Float(), nullable=True),
    sa.Column('area_desc', sa.String(length=255), nullable=False),
    sa.Column('polygon', sa.JSON(), nullable=True),
    sa.Column('sender', sa.String(length=128), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('sent_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_alerts'))
    )
    op.create_index(op.f('ix_community_alerts_sent_at'), 'community_alerts', ['sent_at'], unique=False)
    op.create_table('community_neighborhoods',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('polygon', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_community_neighborhoods'))
    )
    op.create_table('community_outbox',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('dedup_key', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('alert_id', sa.Uuid(), nullable=True),
    sa.Column('subscription_id', sa.Uuid(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=True),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=512), nullable=True),
    sa.Column('unsubscribe_token', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_until', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('leased_by', sa.String(length=64), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_community_outbox_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_outbox')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_community_outbox_dedup_key')),
    sa.UniqueConstraint('unsubscribe_token', name=op.f('uq_community_outbox_unsubscribe_token'))
    )
    op.create_index(op.f('ix_community_outbox_alert_id'), 'community_outbox', ['alert_id'], unique=False)
    op.create_index('ix_community_outbox_status_next', 'community_outbox', ['status', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_community_outbox_user_id'), 'community_outbox', ['user_id'], unique=False)
    op.create_table('community_profiles',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=128), nullable=False),
    sa.Column('account_type', sa.String(length=16), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('address', sa.String(length=255), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('neighborhood_code', sa.String(length=32), nullable=True),
    sa.Column('email_opt_in', sa.Boolean(), nullable=False),
    sa.Column('sms_opt_in', sa.Boolean(), nullable=False),
    sa.Column('muted_categories', sa.JSON(), nullable=False),
    sa.Column('email_verified_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('email_verify_token', sa.String(length=64), nullable=True),
    sa.Column('signup_ip', sa.String(length=64), nullable=True),
    sa.Column('created_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_community_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_community_profiles')),
    sa.UniqueConstraint('email', name=op.f('uq_community_profiles_email')),
    sa.UniqueConstraint('email_verify_token', name=op.f('uq_community_profiles_email_verify_token'))
    )
    op.create_index(op.f('ix_community_profiles_created_at'), 'community_profiles', ['created_at'], unique=False)
    op.create_index(op.f('ix_community_profiles_signup_ip'), 'community_profiles', ['signup_ip'], unique=False)
    op.create_table('community_subscriptions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('area_kind', sa.String(length=16), nullable=False),
    sa.Column('neighborhood_code', sa.String(length=32), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('radius_m', sa.Float(), nullable=True),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_community_subscriptions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_subscriptions'))
    )
    op.create_index(op.f('ix_community_subscriptions_active'), 'community_subscriptions', ['active'], unique=False)
    op.create_index(op.f('ix_community_subscriptions_user_id'), 'community_subscriptions', ['user_id'], unique=False)
    op.create_table('community_tips',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('reporter_user_id', sa.Uuid(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('location_text', sa.String(length=255), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('occurred_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('text_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('submit_ip', sa.String(length=64), nullable=True),
    sa.Column('has_photo', sa.Boolean(), nullable=False),
    sa.Column('submitted_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reporter_user_id'], ['users.id'], name=op.f('fk_community_tips_reporter_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_tips')),
    sa.UniqueConstraint('reference', name=op.f('uq_community_tips_reference'))
    )
    op.create_index(op.f('ix_community_tips_reporter_user_id'), 'community_tips', ['reporter_user_id'], unique=False)
    op.create_index(op.f('ix_community_tips_status'), 'community_tips', ['status'], unique=False)
    op.create_index(op.f('ix_community_tips_submitted_at'), 'community_tips', ['submitted_at'], unique=False)
    op.create_index(op.f('ix_community_tips_text_hash'), 'community_tips', ['text_hash'], unique=False)
    op.create_table('community_watch_groups',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('neighborhood_code', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['neighborhood_code'], ['community_neighborhoods.code'], name=op.f('fk_community_watch_groups_neighborhood_code_community_neighborhoods')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_watch_groups')),
    sa.UniqueConstraint('name', name=op.f('uq_community_watch_groups_name'))
    )
    op.create_index(op.f('ix_community_watch_groups_neighborhood_code'), 'community_watch_groups', ['neighborhood_code'], unique=False)
    op.create_table('community_tip_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tip_id', sa.Uuid(), nullable=False),
    sa.Column('at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note_to_reporter', sa.Text(), nullable=True),
    sa.Column('internal_note', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['tip_id'], ['community_tips.id'], name=op.f('fk_community_tip_events_tip_id_community_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_tip_events'))
    )
    op.create_index(op.f('ix_community_tip_events_tip_id'), 'community_tip_events', ['tip_id'], unique=False)
    op.create_table('community_tip_photos',
    sa.Column('tip_id', sa.Uuid(), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['tip_id'], ['community_tips.id'], name=op.f('fk_community_tip_photos_tip_id_community_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tip_id', name=op.f('pk_community_tip_photos'))
    )
    op.create_table('community_watch_members',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('group_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('joined_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['community_watch_groups.id'], name=op.f('fk_community_watch_members_group_id_community_watch_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_community_watch_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_watch_members'))
    )
    op.create_index('ix_community_watch_members_group_user', 'community_watch_members', ['group_id', 'user_id'], unique=True)
    op.create_index(op.f('ix_community_watch_members_user_id'), 'community_watch_members', ['user_id'], unique=False)
    op.create_table('community_watch_notices',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('group_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('meeting_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('location', sa.String(length=255), nullable=True),
    sa.Column('posted_by', sa.String(length=64), nullable=False),
    sa.Column('posted_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['community_watch_groups.id'], name=op.f('fk_community_watch_notices_group_id_community_watch_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_watch_notices'))
    )
    op.create_index(op.f('ix_community_watch_notices_group_id'), 'community_watch_notices', ['group_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_community_watch_notices_group_id'), table_name='community_watch_notices')
    op.drop_table('community_watch_notices')
    op.drop_index(op.f('ix_community_watch_members_user_id'), table_name='community_watch_members')
    op.drop_index('ix_community_watch_members_group_user', table_name='community_watch_members')
    op.drop_table('community_watch_members')
    op.drop_table('community_tip_photos')
    op.drop_index(op.f('ix_community_tip_events_tip_id'), table_name='community_tip_events')
    op.drop_table('community_tip_events')
    op.drop_index(op.f('ix_community_watch_groups_neighborhood_code'), table_name='community_watch_groups')
    op.drop_table('community_watch_groups')
    op.drop_index(op.f('ix_community_tips_text_hash'), table_name='community_tips')
    op.drop_index(op.f('ix_community_tips_submitted_at'), table_name='community_tips')
    op.drop_index(op.f('ix_community_tips_status'), table_name='community_tips')
    op.drop_index(op.f('ix_community_tips_reporter_user_id'), table_name='community_tips')
    op.drop_table('community_tips')
    op.drop_index(op.f('ix_community_subscriptions_user_id'), table_name='community_subscriptions')
    op.drop_index(op.f('ix_community_subscriptions_active'), table_name='community_subscriptions')
    op.drop_table('community_subscriptions')
    op.drop_index(op.f('ix_community_profiles_signup_ip'), table_name='community_profiles')
    op.drop_index(op.f('ix_community_profiles_created_at'), table_name='community_profiles')
    op.drop_table('community_profiles')
    op.drop_index(op.f('ix_community_outbox_user_id'), table_name='community_outbox')
    op.drop_index('ix_community_outbox_status_next', table_name='community_outbox')
    op.drop_index(op.f('ix_community_outbox_alert_id'), table_name='community_outbox')
    op.drop_table('community_outbox')
    op.drop_table('community_neighborhoods')
    op.drop_index(op.f('ix_community_alerts_sent_at'), table_name='community_alerts')
    op.drop_table('community_alerts')
