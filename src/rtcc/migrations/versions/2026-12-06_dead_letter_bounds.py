"""alpr: dead letters keep a bounded prefix of the payload, with the whole payload's size and SHA-256

Revision ID: 0027
Revises: 0021
Create Date: 2026-12-06 08:00:00

Adds ``dead_letters.payload_bytes``, ``payload_sha256`` (null on letters written before this revision) and
``payload_truncated`` (false). Existing letters longer than 65,536 characters are cut to their first 64 KiB here,
with their size and SHA-256 recorded and ``payload_truncated`` set (security issue 15: two 50 MB posts had grown the
database by 160 MB); on SQLite the space is reused by later writes (run VACUUM to give it back to the file system).
Downgrade drops the columns; truncated payloads stay truncated.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Frozen copy of rtcc.alpr.deadletters.DEFAULT_KEEP_BYTES at the time of this revision.
_KEEP = 64 * 1024


def upgrade() -> None:
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload_bytes", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("payload_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("payload_truncated", sa.Boolean(), server_default=sa.false(), nullable=False))

    letters = sa.table(
        "dead_letters",
        sa.column("id", sa.Integer()),
        sa.column("payload", sa.Text()),
        sa.column("payload_bytes", sa.BigInteger()),
        sa.column("payload_sha256", sa.String()),
        sa.column("payload_truncated", sa.Boolean()),
    )
    conn = op.get_bind()
    ids = list(conn.scalars(sa.select(letters.c.id).where(sa.func.length(letters.c.payload) > _KEEP)))
    for letter_id in ids:  # one at a time: each may be tens of megabytes
        payload = conn.scalar(sa.select(letters.c.payload).where(letters.c.id == letter_id)) or ""
        data = payload.encode("utf-8", errors="surrogatepass")
        conn.execute(
            letters.update()
            .where(letters.c.id == letter_id)
            .values(
                payload=data[:_KEEP].decode("utf-8", errors="ignore"),
                payload_bytes=len(data),
                payload_sha256=hashlib.sha256(data).hexdigest(),
                payload_truncated=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.drop_column("payload_truncated")
        batch_op.drop_column("payload_sha256")
        batch_op.drop_column("payload_bytes")
