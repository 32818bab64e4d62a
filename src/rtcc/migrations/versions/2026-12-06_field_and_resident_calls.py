"""dispatch: field clients' idempotency keys on steps and notes; the community account that made a call

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-06 12:00:00

``dispatch_call_events.client_id`` and ``dispatch_call_notes.client_id`` hold the id a field client gives a status
step or note it may have to resend after a lost connection (unique: a resend is answered, not applied again; NULLs
never collide). ``dispatch_calls.reporter_user_id`` links a call or online report to the community account that made
it, so the resident can follow its coarse status. Chained after 0015 on the web-field branch; the integrator
re-chains it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dispatch_call_events") as batch:
        batch.add_column(sa.Column("client_id", sa.String(length=64), nullable=True))
        batch.create_index("ix_dispatch_call_events_client_id", ["client_id"], unique=True)
    with op.batch_alter_table("dispatch_call_notes") as batch:
        batch.add_column(sa.Column("client_id", sa.String(length=64), nullable=True))
        batch.create_index("ix_dispatch_call_notes_client_id", ["client_id"], unique=True)
    with op.batch_alter_table("dispatch_calls") as batch:
        batch.add_column(sa.Column("reporter_user_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_dispatch_calls_reporter_user_id_users"),
            "users",
            ["reporter_user_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_dispatch_calls_reporter", ["reporter_user_id", "received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dispatch_calls") as batch:
        batch.drop_index("ix_dispatch_calls_reporter")
        batch.drop_constraint(op.f("fk_dispatch_calls_reporter_user_id_users"), type_="foreignkey")
        batch.drop_column("reporter_user_id")
    with op.batch_alter_table("dispatch_call_notes") as batch:
        batch.drop_index("ix_dispatch_call_notes_client_id")
        batch.drop_column("client_id")
    with op.batch_alter_table("dispatch_call_events") as batch:
        batch.drop_index("ix_dispatch_call_events_client_id")
        batch.drop_column("client_id")
