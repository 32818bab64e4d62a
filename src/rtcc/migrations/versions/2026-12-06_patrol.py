"""patrol: near-repeat alerts, patrol plans and their stops, vacation house checks and their visits

Revision ID: 0023
Revises: 0026
Create Date: 2026-12-06 14:00:00

New tables only (``rtcc.patrol.models``); other domains are referenced by value (call id and number, call sign,
community alert id), never by a foreign key into their tables. Chained after 0018 on the patrol branch; the
integrator re-chains it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from rtcc.core.db import UTCDateTime

revision: str = "0023"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "patrol_near_repeats",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("call_number", sa.String(length=16), nullable=False),
        sa.Column("call_type", sa.String(length=32), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("neighborhood", sa.String(length=32), nullable=True),
        sa.Column("radius_m", sa.Float(), nullable=False),
        sa.Column("starts_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("rule_source", sa.String(length=16), nullable=False),
        sa.Column("rule_detail", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("community_alert_id", sa.Uuid(), nullable=True),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_near_repeats")),
        sa.UniqueConstraint("call_id", name=op.f("uq_patrol_near_repeats_call_id")),
    )
    op.create_index(op.f("ix_patrol_near_repeats_ends_at"), "patrol_near_repeats", ["ends_at"], unique=False)
    op.create_table(
        "patrol_plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("call_sign", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("area", sa.String(length=32), nullable=True),
        sa.Column("starts_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("routing_method", sa.String(length=16), nullable=False),
        sa.Column("forecast_model", sa.String(length=64), nullable=False),
        sa.Column("comparison", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_plans")),
    )
    op.create_index("ix_patrol_plans_unit_start", "patrol_plans", ["call_sign", "starts_at"], unique=False)
    op.create_table(
        "patrol_plan_stops",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("box", sa.JSON(), nullable=True),
        sa.Column("radius_m", sa.Float(), nullable=True),
        sa.Column("risk", sa.Float(), nullable=False),
        sa.Column("dose_min", sa.Float(), nullable=False),
        sa.Column("travel_s", sa.Float(), nullable=True),
        sa.Column("near_repeat_id", sa.Uuid(), nullable=True),
        sa.Column("house_check_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["patrol_plans.id"], name=op.f("fk_patrol_plan_stops_plan_id_patrol_plans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_plan_stops")),
    )
    op.create_index(op.f("ix_patrol_plan_stops_plan_id"), "patrol_plan_stops", ["plan_id"], unique=False)
    op.create_table(
        "patrol_house_checks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("keyholder_name", sa.String(length=128), nullable=True),
        sa.Column("keyholder_phone", sa.String(length=32), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_patrol_house_checks_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_house_checks")),
    )
    op.create_index("ix_patrol_house_checks_dates", "patrol_house_checks", ["starts_on", "ends_on"], unique=False)
    op.create_index(op.f("ix_patrol_house_checks_user_id"), "patrol_house_checks", ["user_id"], unique=False)
    op.create_table(
        "patrol_house_check_visits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("check_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=True),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("call_sign", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_id"],
            ["patrol_house_checks.id"],
            name=op.f("fk_patrol_house_check_visits_check_id_patrol_house_checks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_house_check_visits")),
    )
    op.create_index(
        op.f("ix_patrol_house_check_visits_check_id"), "patrol_house_check_visits", ["check_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_patrol_house_check_visits_check_id"), table_name="patrol_house_check_visits")
    op.drop_table("patrol_house_check_visits")
    op.drop_index(op.f("ix_patrol_house_checks_user_id"), table_name="patrol_house_checks")
    op.drop_index("ix_patrol_house_checks_dates", table_name="patrol_house_checks")
    op.drop_table("patrol_house_checks")
    op.drop_index(op.f("ix_patrol_plan_stops_plan_id"), table_name="patrol_plan_stops")
    op.drop_table("patrol_plan_stops")
    op.drop_index("ix_patrol_plans_unit_start", table_name="patrol_plans")
    op.drop_table("patrol_plans")
    op.drop_index(op.f("ix_patrol_near_repeats_ends_at"), table_name="patrol_near_repeats")
    op.drop_table("patrol_near_repeats")
