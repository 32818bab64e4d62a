"""divisions on the aggregate screens: the division of every KPI interval row, of every imported incident, and of a
stored forecast

Revision ID: 0034
Revises: 0032
Create Date: 2026-12-06 11:00:00

``oversight_call_intervals.division`` (a grouping key like the others, ``unknown`` where none): a division-scoped
KPI screen counts its division's calls only. The interval table, its refresh marks and its column chunks are derived
data: they are emptied here and the next ``rtcc oversight refresh`` (or KPI request, or the refresh job) rebuilds them
from the dispatch calls with their divisions (on a large city's history that first refresh is the backfill's time
again). ``analytics_incidents.division`` (indexed): the division holding the incident's point in the active city
profile (``RTCC_CITY_PROFILE``), backfilled here as the import now sets it. ``analytics_forecasts.division``: the
division a stored forecast was computed for (its events and grid), NULL for the city-wide one.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _backfill_incidents() -> None:
    from rtcc.places import service as places

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, lat, lon FROM analytics_incidents WHERE division IS NULL")).all()
    for start in range(0, len(rows), 5000):
        part = rows[start : start + 5000]
        found = places.divisions_of([float(r[1]) for r in part], [float(r[2]) for r in part])
        for (inc_id, _lat, _lon), code in zip(part, found, strict=True):
            if code is not None:
                bind.execute(
                    sa.text("UPDATE analytics_incidents SET division = :d WHERE id = :i"), {"d": code, "i": inc_id}
                )


def upgrade() -> None:
    with op.batch_alter_table("oversight_call_intervals") as batch:
        batch.add_column(sa.Column("division", sa.String(length=32), server_default="unknown", nullable=False))
    # derived data, rebuilt with the divisions by the next refresh
    op.execute("DELETE FROM oversight_column_chunks")
    op.execute("DELETE FROM oversight_call_intervals")
    op.execute("DELETE FROM oversight_refresh_marks")
    with op.batch_alter_table("analytics_incidents") as batch:
        batch.add_column(sa.Column("division", sa.String(length=32), nullable=True))
        batch.create_index(batch.f("ix_analytics_incidents_division"), ["division"], unique=False)
    with op.batch_alter_table("analytics_forecasts") as batch:
        batch.add_column(sa.Column("division", sa.String(length=32), nullable=True))
    _backfill_incidents()


def downgrade() -> None:
    with op.batch_alter_table("analytics_forecasts") as batch:
        batch.drop_column("division")
    with op.batch_alter_table("analytics_incidents") as batch:
        batch.drop_index(batch.f("ix_analytics_incidents_division"))
        batch.drop_column("division")
    with op.batch_alter_table("oversight_call_intervals") as batch:
        batch.drop_column("division")
