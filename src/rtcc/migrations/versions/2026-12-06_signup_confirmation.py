"""sign-up confirmation: a self-service account signs in only once its e-mail address is confirmed
(users.awaiting_confirmation), and every sign-up attempt is counted per client address (community_signup_attempts),
so that neither signing in after a sign-up nor the sign-up rate limit tells whether a username was taken (issue 15).

Revision ID: 0035
Revises: 0032
Create Date: 2026-12-06 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("awaiting_confirmation", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "community_signup_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_ip", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_signup_attempts")),
    )
    op.create_index(
        op.f("ix_community_signup_attempts_client_ip_at"), "community_signup_attempts", ["client_ip", "at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_community_signup_attempts_client_ip_at"), table_name="community_signup_attempts")
    op.drop_table("community_signup_attempts")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("awaiting_confirmation")
