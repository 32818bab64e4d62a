"""secrets at rest (issue 15): TOTP secrets encrypted (columns widened for the sealed form, existing clear secrets
sealed under the key file's first key), and the registry of audit signing keys with their validity (key rotation).

Revision ID: 0029
Revises: 0021
Create Date: 2026-12-06 07:40:00

The TOTP secrets are sealed with the key file of ``RTCC_MFA_KEY_FILE`` (default ``<data_dir>/mfa-secret.keys``,
created on first use) read from the settings of the process that runs ``rtcc db upgrade``: the key never enters the
database or this file. A database with no TOTP secret needs no key (none is created). Downgrade opens them again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from rtcc.identity import secretbox

revision: str = "0029"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SECRET_COLUMNS = (("mfa_factors", "secret", "id"), ("mfa_challenges", "pending_secret", "id"))


def _box() -> secretbox.SecretBox:
    from rtcc.settings import get_settings

    settings = get_settings()
    return secretbox.load(secretbox.default_path(settings.data_dir, settings.mfa_key_file))


def _rewrite(seal: bool) -> None:
    conn = op.get_bind()
    box = None
    for table, column, key in _SECRET_COLUMNS:
        t = sa.table(table, sa.column(key), sa.column(column))
        rows = conn.execute(sa.select(t.c[key], t.c[column]).where(t.c[column].is_not(None))).all()
        for row_id, value in rows:
            if secretbox.is_sealed(value) == seal:
                continue
            box = box or _box()
            new = box.seal(value) if seal else box.open(value)
            conn.execute(sa.update(t).where(t.c[key] == row_id).values({column: new}))


def upgrade() -> None:
    with op.batch_alter_table("mfa_factors", schema=None) as batch_op:
        batch_op.alter_column("secret", existing_type=sa.String(length=64), type_=sa.String(length=255))
    with op.batch_alter_table("mfa_challenges", schema=None) as batch_op:
        batch_op.alter_column("pending_secret", existing_type=sa.String(length=64), type_=sa.String(length=255))
    _rewrite(seal=True)
    op.create_table(
        "audit_signing_keys",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("pem", sa.Text(), nullable=False),
        sa.Column("valid_from_ms", sa.BigInteger(), nullable=False),
        sa.Column("valid_until_ms", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_audit_signing_keys")),
    )


def downgrade() -> None:
    op.drop_table("audit_signing_keys")
    _rewrite(seal=False)
    with op.batch_alter_table("mfa_challenges", schema=None) as batch_op:
        batch_op.alter_column("pending_secret", existing_type=sa.String(length=255), type_=sa.String(length=64))
    with op.batch_alter_table("mfa_factors", schema=None) as batch_op:
        batch_op.alter_column("secret", existing_type=sa.String(length=255), type_=sa.String(length=64))
