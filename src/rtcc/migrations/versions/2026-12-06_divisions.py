"""divisions: every camera, call, unit and user belongs to a division of the city profile; row-level security keeps
other divisions' rows out of a scoped request's queries on PostgreSQL.

Revision ID: 0030
Revises: 0021
Create Date: 2026-12-06 07:30:00

Columns: ``alpr_cameras.division``, ``registry_cameras.division`` and ``dispatch_units.division`` (new, indexed),
an index on the existing ``dispatch_calls.division``. Reads and alerts have no column: they belong to their camera's division (the reads
table is not restructured). Backfill from the active city profile (``RTCC_CITY_PROFILE``): a profile of one division
gives every row that division; otherwise cameras and calls by point in polygon, units by their home area (else their
last position); staff users of a one-division profile get that division, the others are set by an administrator.

PostgreSQL only: ``rtcc_divisions_unscoped()`` and ``rtcc_division_visible(code)`` read the transaction-local
``rtcc.divisions`` setting (``rtcc.core.divisions``); a policy on ``alpr_cameras``, ``dispatch_calls`` and
``dispatch_units`` keeps rows of divisions outside it, and one on ``alpr_reads`` and ``alerts`` keeps rows whose
camera it does not see (``registry_cameras`` has no policy: the canvass index over it is built once and shared by
every request, so it is scoped where its results are read). The setting unset (workers, the CLI, RTCC-wide roles) is no restriction. FORCE makes the
table owner subject to the policies too; a superuser or a BYPASSRLS role still bypasses them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Tables scoped by their own ``division`` column, and tables scoped through their camera.
OWN_DIVISION = ("alpr_cameras", "dispatch_calls", "dispatch_units")
THROUGH_CAMERA = ("alpr_reads", "alerts")
POLICY = "rtcc_division_scope"

_FUNCTIONS = """
CREATE OR REPLACE FUNCTION rtcc_divisions_unscoped() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('rtcc.divisions', true), '') = ''
$$;
CREATE OR REPLACE FUNCTION rtcc_division_visible(code text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT rtcc_divisions_unscoped()
        OR code = ANY (string_to_array(current_setting('rtcc.divisions', true), ','))
$$;
"""


def _backfill() -> None:
    from rtcc.places import service as places

    bind = op.get_bind()
    codes = places.division_codes()
    single = codes[0] if len(codes) == 1 else None
    cameras = bind.execute(sa.text("SELECT id, lat, lon FROM alpr_cameras WHERE division IS NULL")).all()
    for cam_id, lat, lon in cameras:
        code = places.division_of(lat, lon)
        if code is not None:
            bind.execute(sa.text("UPDATE alpr_cameras SET division = :d WHERE id = :i"), {"d": code, "i": cam_id})
    shared = bind.execute(sa.text("SELECT id, lat, lon FROM registry_cameras WHERE division IS NULL")).all()
    for cam_id, lat, lon in shared:
        code = places.division_of(lat, lon)
        if code is not None:
            bind.execute(sa.text("UPDATE registry_cameras SET division = :d WHERE id = :i"), {"d": code, "i": cam_id})
    calls = bind.execute(sa.text("SELECT id, lat, lon FROM dispatch_calls WHERE division IS NULL")).all()
    for call_id, lat, lon in calls:
        code = places.division_of(lat, lon)
        if code is not None:
            bind.execute(sa.text("UPDATE dispatch_calls SET division = :d WHERE id = :i"), {"d": code, "i": call_id})
    units = bind.execute(sa.text("SELECT id, home_area, lat, lon FROM dispatch_units WHERE division IS NULL")).all()
    for unit_id, home_area, lat, lon in units:
        code = single or places.division_of_area(home_area) or places.division_of(lat, lon)
        if code is not None:
            bind.execute(sa.text("UPDATE dispatch_units SET division = :d WHERE id = :i"), {"d": code, "i": unit_id})
    if single is not None:
        bind.execute(
            sa.text("UPDATE users SET division = :d WHERE division IS NULL AND role NOT IN ('resident', 'business')"),
            {"d": single},
        )


def upgrade() -> None:
    with op.batch_alter_table("alpr_cameras", schema=None) as batch_op:
        batch_op.add_column(sa.Column("division", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_alpr_cameras_division"), ["division"], unique=False)
    with op.batch_alter_table("dispatch_units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("division", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_dispatch_units_division"), ["division"], unique=False)
    with op.batch_alter_table("dispatch_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispatch_calls_division"), ["division"], unique=False)
    with op.batch_alter_table("registry_cameras", schema=None) as batch_op:
        batch_op.add_column(sa.Column("division", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_registry_cameras_division"), ["division"], unique=False)
    _backfill()
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_FUNCTIONS)
    for table in OWN_DIVISION + THROUGH_CAMERA:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    for table in OWN_DIVISION:
        op.execute(f"CREATE POLICY {POLICY} ON {table} USING (rtcc_division_visible(division)) WITH CHECK (true)")
    for table in THROUGH_CAMERA:
        op.execute(
            f"CREATE POLICY {POLICY} ON {table} USING "
            "(rtcc_divisions_unscoped() OR camera_id IN (SELECT id FROM alpr_cameras)) WITH CHECK (true)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in OWN_DIVISION + THROUGH_CAMERA:
            op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute("DROP FUNCTION IF EXISTS rtcc_division_visible(text)")
        op.execute("DROP FUNCTION IF EXISTS rtcc_divisions_unscoped()")
    with op.batch_alter_table("registry_cameras", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_cameras_division"))
        batch_op.drop_column("division")
    with op.batch_alter_table("dispatch_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatch_calls_division"))
    with op.batch_alter_table("dispatch_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatch_units_division"))
        batch_op.drop_column("division")
    with op.batch_alter_table("alpr_cameras", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alpr_cameras_division"))
        batch_op.drop_column("division")
