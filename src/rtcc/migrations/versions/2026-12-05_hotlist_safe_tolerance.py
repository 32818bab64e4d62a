"""hotlists: tolerance 0 by default; state/federal and large lists move to exact + OCR-class matching

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 18:30:00

Adds ``hotlists.allow_large_fuzzy`` (false): the explicit choice a list needs to keep edit-distance tolerance
(``max_diff`` >= 1) while it is large or fed from a state/federal extract (``rtcc.hotlists.tolerance``).

It also sets ``max_diff`` to 0 on existing lists that are state or federal lists or large, and that is the right call:
``max_diff`` defaulted to 1 for every list until now, so on these lists k = 1 was almost never a choice anyone made,
and it is unsafe - on a 1,000,000-entry list it flagged 54 % of ordinary, unlisted traffic, which buries the real hits
that analysts must act on (alert fatigue is how a stolen car gets waved through). k = 0 still finds every exact read
and every misread inside a camera's confusion classes (0/O/D/Q, 1/I, 2/Z, 5/S, 8/B, 6/G). A list moves when it
tolerates k >= 1 and either

* its refresh file is an NCIC or CLEW extract (``refresh_format``), or its source names NCIC, CLEW or the DOJ; or
* it holds more entries than k may have without an explicit choice (1,000 for k = 1, 25 for k = 2).

Small local BOLO lists keep their tolerance (there it may have been chosen, and it costs little). Each moved list gets
a new ``version`` so running matchers rebuild; the lists moved are logged. Downgrade drops the column and leaves
``max_diff`` as it is (which lists had k = 1 before is not recorded: set it again by hand where it was wanted).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

logger = logging.getLogger("alembic.runtime.migration")

# Frozen copies of rtcc.hotlists.tolerance at the time of this revision (a migration never imports live rules).
_LIMITS = {1: 1_000, 2: 25}
_BULK_FORMATS = ("ncic", "clew")
_BULK_SOURCES = ("%ncic%", "%clew%", "%doj%")


def upgrade() -> None:
    with op.batch_alter_table("hotlists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("allow_large_fuzzy", sa.Boolean(), server_default=sa.false(), nullable=False))

    hotlists = sa.table(
        "hotlists",
        sa.column("id", sa.Uuid()),
        sa.column("name", sa.String()),
        sa.column("source", sa.String()),
        sa.column("max_diff", sa.Integer()),
        sa.column("refresh_format", sa.String()),
        sa.column("entry_count", sa.Integer()),
        sa.column("version", sa.Integer()),
    )
    bulk = sa.or_(
        hotlists.c.refresh_format.in_(_BULK_FORMATS),
        *(sa.func.lower(hotlists.c.source).like(p) for p in _BULK_SOURCES),
    )
    large = sa.or_(*(sa.and_(hotlists.c.max_diff == k, hotlists.c.entry_count > n) for k, n in _LIMITS.items()))
    unsafe = sa.and_(hotlists.c.max_diff >= 1, sa.or_(bulk, large))
    bind = op.get_bind()
    moved = bind.execute(sa.select(hotlists.c.name, hotlists.c.max_diff).where(unsafe)).all()
    if moved:
        bind.execute(sa.update(hotlists).where(unsafe).values(max_diff=0, version=hotlists.c.version + 1))
        logger.info(
            "hotlists now matching exactly and by OCR class (tolerance 0): %s",
            ", ".join(f"{name!r} (was {k})" for name, k in moved),
        )


def downgrade() -> None:
    with op.batch_alter_table("hotlists", schema=None) as batch_op:
        batch_op.drop_column("allow_large_fuzzy")
