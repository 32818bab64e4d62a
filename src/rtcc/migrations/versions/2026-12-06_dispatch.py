"""dispatch: premises, effective-dated priority rules, call-number counters, calls with their timeline and notes,
units with their status log and position track, assignments (the unique active_unit claim), shifts, rosters and
overtime budgets.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 00:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rtcc.core.db


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('dispatch_call_counters',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_dispatch_call_counters'))
    )
    op.create_table('dispatch_overtime_budgets',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('total_cents', sa.BigInteger(), nullable=False),
    sa.Column('used_cents', sa.BigInteger(), nullable=False),
    sa.Column('used_minutes', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_overtime_budgets')),
    sa.UniqueConstraint('name', name=op.f('uq_dispatch_overtime_budgets_name'))
    )
    op.create_table('dispatch_premises',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=True),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('district', sa.String(length=32), nullable=True),
    sa.Column('division', sa.String(length=32), nullable=True),
    sa.Column('hazards', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('alarm_permit', sa.String(length=64), nullable=True),
    sa.Column('created_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_premises'))
    )
    with op.batch_alter_table('dispatch_premises', schema=None) as batch_op:
        batch_op.create_index('ix_dispatch_premises_lat_lon', ['lat', 'lon'], unique=False)

    op.create_table('dispatch_priority_rules',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('call_type', sa.String(length=32), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('effective_from', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_priority_rules')),
    sa.UniqueConstraint('call_type', 'version', name='uq_dispatch_priority_rules_call_type_version'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('dispatch_priority_rules', schema=None) as batch_op:
        batch_op.create_index('ix_dispatch_priority_rules_type_from', ['call_type', 'effective_from'], unique=False)

    op.create_table('dispatch_calls',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.String(length=9), nullable=False),
    sa.Column('call_type', sa.String(length=32), nullable=False),
    sa.Column('apco_code', sa.String(length=16), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('priority_rank', sa.Integer(), nullable=False),
    sa.Column('priority_rule_id', sa.Integer(), nullable=True),
    sa.Column('priority_rule_version', sa.Integer(), nullable=True),
    sa.Column('priority_basis', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('queue', sa.String(length=16), nullable=False),
    sa.Column('offer_online_report', sa.Boolean(), nullable=False),
    sa.Column('units_needed', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=24), nullable=False),
    sa.Column('source_ref', sa.String(length=128), nullable=True),
    sa.Column('source_party', sa.String(length=128), nullable=True),
    sa.Column('caller_name', sa.String(length=128), nullable=True),
    sa.Column('caller_phone', sa.String(length=32), nullable=True),
    sa.Column('location_kind', sa.String(length=16), nullable=False),
    sa.Column('location_text', sa.String(length=255), nullable=True),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('district', sa.String(length=32), nullable=True),
    sa.Column('division', sa.String(length=32), nullable=True),
    sa.Column('neighborhood', sa.String(length=32), nullable=True),
    sa.Column('premise_id', sa.Uuid(), nullable=True),
    sa.Column('narrative', sa.Text(), nullable=True),
    sa.Column('disposition', sa.String(length=24), nullable=True),
    sa.Column('proposed_duplicate_of', sa.Uuid(), nullable=True),
    sa.Column('duplicate_of', sa.Uuid(), nullable=True),
    sa.Column('duplicate_decision', sa.String(length=16), nullable=True),
    sa.Column('received_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('queued_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('dispatched_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('en_route_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('on_scene_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cleared_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reopened_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['premise_id'], ['dispatch_premises.id'], name=op.f('fk_dispatch_calls_premise_id_dispatch_premises'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['priority_rule_id'], ['dispatch_priority_rules.id'], name=op.f('fk_dispatch_calls_priority_rule_id_dispatch_priority_rules'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_calls')),
    sa.UniqueConstraint('number', name=op.f('uq_dispatch_calls_number'))
    )
    with op.batch_alter_table('dispatch_calls', schema=None) as batch_op:
        batch_op.create_index('ix_dispatch_calls_lat_lon', ['lat', 'lon'], unique=False)
        batch_op.create_index('ix_dispatch_calls_premise', ['premise_id', 'received_at'], unique=False)
        batch_op.create_index('ix_dispatch_calls_received', ['received_at'], unique=False)
        batch_op.create_index('ix_dispatch_calls_status_received', ['status', 'received_at'], unique=False)

    op.create_table('dispatch_shifts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('template', sa.String(length=32), nullable=True),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('starts_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('budget_id', sa.Uuid(), nullable=True),
    sa.Column('hourly_rate_cents', sa.Integer(), nullable=True),
    sa.Column('cost_cents', sa.BigInteger(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['budget_id'], ['dispatch_overtime_budgets.id'], name=op.f('fk_dispatch_shifts_budget_id_dispatch_overtime_budgets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_shifts'))
    )
    with op.batch_alter_table('dispatch_shifts', schema=None) as batch_op:
        batch_op.create_index('ix_dispatch_shifts_starts', ['starts_at'], unique=False)

    op.create_table('dispatch_units',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('call_sign', sa.String(length=16), nullable=False),
    sa.Column('unit_type', sa.String(length=32), nullable=False),
    sa.Column('home_area', sa.String(length=32), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('current_user_id', sa.Uuid(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('heading', sa.Float(), nullable=True),
    sa.Column('speed_mps', sa.Float(), nullable=True),
    sa.Column('position_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['current_user_id'], ['users.id'], name=op.f('fk_dispatch_units_current_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_units')),
    sa.UniqueConstraint('call_sign', name=op.f('uq_dispatch_units_call_sign'))
    )
    op.create_table('dispatch_assignments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('call_id', sa.Uuid(), nullable=False),
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('call_sign', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('active_unit', sa.Uuid(), nullable=True),
    sa.Column('dispatched_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('en_route_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('on_scene_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cleared_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('assigned_by', sa.String(length=64), nullable=False),
    sa.Column('eta_s', sa.Float(), nullable=True),
    sa.Column('eta_method', sa.String(length=32), nullable=True),
    sa.Column('recommended_rank', sa.Integer(), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['dispatch_calls.id'], name=op.f('fk_dispatch_assignments_call_id_dispatch_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['dispatch_units.id'], name=op.f('fk_dispatch_assignments_unit_id_dispatch_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_assignments')),
    sa.UniqueConstraint('active_unit', name=op.f('uq_dispatch_assignments_active_unit'))
    )
    with op.batch_alter_table('dispatch_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_dispatch_assignments_call', ['call_id'], unique=False)
        batch_op.create_index('ix_dispatch_assignments_unit', ['unit_id', 'dispatched_at'], unique=False)

    op.create_table('dispatch_call_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('call_id', sa.Uuid(), nullable=False),
    sa.Column('at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('unit', sa.String(length=16), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['dispatch_calls.id'], name=op.f('fk_dispatch_call_events_call_id_dispatch_calls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_call_events')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('dispatch_call_events', schema=None) as batch_op:
        batch_op.create_index('ix_dispatch_call_events_call', ['call_id', 'id'], unique=False)

    op.create_table('dispatch_call_notes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('call_id', sa.Uuid(), nullable=False),
    sa.Column('at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['dispatch_calls.id'], name=op.f('fk_dispatch_call_notes_call_id_dispatch_calls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_call_notes')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('dispatch_call_notes', schema=None) as batch_op:
        batch_op.create_index('ix_dispatch_call_notes_call', ['call_id', 'id'], unique=False)

    op.create_table('dispatch_positions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('heading', sa.Float(), nullable=True),
    sa.Column('speed_mps', sa.Float(), nullable=True),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['dispatch_units.id'], name=op.f('fk_dispatch_positions_unit_id_dispatch_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_positions')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('dispatch_positions', schema=None) as batch_op:
        batch_op.create_index('ix_dispatch_positions_unit_at', ['unit_id', 'at'], unique=False)

    op.create_table('dispatch_roster_entries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('shift_id', sa.Uuid(), nullable=False),
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shift_id'], ['dispatch_shifts.id'], name=op.f('fk_dispatch_roster_entries_shift_id_dispatch_shifts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['dispatch_units.id'], name=op.f('fk_dispatch_roster_entries_unit_id_dispatch_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_dispatch_roster_entries_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_roster_entries')),
    sa.UniqueConstraint('shift_id', 'unit_id', name='uq_dispatch_roster_entries_shift_unit')
    )
    op.create_table('dispatch_unit_status_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('at', rtcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('call_id', sa.Uuid(), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['dispatch_units.id'], name=op.f('fk_dispatch_unit_status_log_unit_id_dispatch_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_unit_status_log')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('dispatch_unit_status_log', schema=None) as batch_op:
        batch_op.create_index('ix_dispatch_unit_status_log_unit', ['unit_id', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('dispatch_unit_status_log', schema=None) as batch_op:
        batch_op.drop_index('ix_dispatch_unit_status_log_unit')

    op.drop_table('dispatch_unit_status_log')
    op.drop_table('dispatch_roster_entries')
    with op.batch_alter_table('dispatch_positions', schema=None) as batch_op:
        batch_op.drop_index('ix_dispatch_positions_unit_at')

    op.drop_table('dispatch_positions')
    with op.batch_alter_table('dispatch_call_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_dispatch_call_notes_call')

    op.drop_table('dispatch_call_notes')
    with op.batch_alter_table('dispatch_call_events', schema=None) as batch_op:
        batch_op.drop_index('ix_dispatch_call_events_call')

    op.drop_table('dispatch_call_events')
    with op.batch_alter_table('dispatch_assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_dispatch_assignments_unit')
        batch_op.drop_index('ix_dispatch_assignments_call')

    op.drop_table('dispatch_assignments')
    op.drop_table('dispatch_units')
    with op.batch_alter_table('dispatch_shifts', schema=None) as batch_op:
        batch_op.drop_index('ix_dispatch_shifts_starts')

    op.drop_table('dispatch_shifts')
    with op.batch_alter_table('dispatch_calls', schema=None) as batch_op:
        batch_op.drop_index('ix_dispatch_calls_status_received')
        batch_op.drop_index('ix_dispatch_calls_received')
        batch_op.drop_index('ix_dispatch_calls_premise')
        batch_op.drop_index('ix_dispatch_calls_lat_lon')

    op.drop_table('dispatch_calls')
    with op.batch_alter_table('dispatch_priority_rules', schema=None) as batch_op:
        batch_op.drop_index('ix_dispatch_priority_rules_type_from')

    op.drop_table('dispatch_priority_rules')
    with op.batch_alter_table('dispatch_premises', schema=None) as batch_op:
        batch_op.drop_index('ix_dispatch_premises_lat_lon')

    op.drop_table('dispatch_premises')
    op.drop_table('dispatch_overtime_budgets')
    op.drop_table('dispatch_call_counters')
