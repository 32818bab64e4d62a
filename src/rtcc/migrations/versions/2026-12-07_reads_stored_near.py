"""alpr: ``alpr_reads_stored_near(ids, lo, hi)`` on PostgreSQL, the ingest's look-up of reads already stored under
an id (SQLite keys reads by id alone and needs none).

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-07 08:00:00

The day partitions key reads by ``(id, observed_at)``, so before inserting, the writer asks which of a batch's ids are
stored at another time near the batch's (``rtcc.alpr.readrows``). Asked of the partitioned table with the time range
(``id = ANY(...) AND observed_at BETWEEN ...``), the planner chose the ``observed_at`` index whenever the day's
partition had no or stale statistics — every new day until autovacuum's first ``ANALYZE``, and any partition that
grew fast since — and read the whole day per batch: the look-up grew with the partition (4.7 ms at 40,000 rows,
21 ms at 100,000, measured), and a prepared generic plan made while the partition was small kept scanning it.

The function asks each day partition of ``[lo, hi]`` that exists (and the default partition) for ``id = ANY(ids)``
only, planned at each call with sequential scans off: the one index that can answer it is the primary key (its
leading column is ``id``), so the cost is one index descent per id and partition, whatever the statistics say. It
returns every stored ``(id, observed_at)`` of those partitions; the caller keeps the ones within its window. A
partition that retention drops between finding and reading it is skipped (its reads are gone, or kept in the
default partition, which is read last).

It reads the partitions themselves, so the division row-security policy of ``alpr_reads`` does not apply to it: it is
the ingest writer's (an unscoped session), and it answers only with the ids and times of the ids it is given.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FUNCTION = """
CREATE OR REPLACE FUNCTION alpr_reads_stored_near(ids uuid[], lo timestamptz, hi timestamptz)
RETURNS TABLE (read_id uuid, read_at timestamptz)
LANGUAGE plpgsql STABLE
SET enable_seqscan = off
AS $body$
DECLARE
    first_day date := (lo AT TIME ZONE 'UTC')::date;
    last_day date := (hi AT TIME ZONE 'UTC')::date;
    part regclass;
BEGIN
    IF to_regclass('alpr_reads_default') IS NULL THEN  -- not partitioned: the key is the id alone
        RETURN QUERY EXECUTE 'SELECT id, observed_at FROM alpr_reads WHERE id = ANY($1)' USING ids;
        RETURN;
    END IF;
    FOR i IN 0 .. last_day - first_day LOOP
        part := to_regclass('alpr_reads_p' || to_char(first_day + i, 'YYYYMMDD'));
        IF part IS NOT NULL THEN
            BEGIN
                RETURN QUERY EXECUTE format('SELECT id, observed_at FROM %s WHERE id = ANY($1)', part) USING ids;
            EXCEPTION WHEN undefined_table THEN
                NULL;  -- dropped by retention since to_regclass saw it: its reads are gone (or in the default)
            END;
        END IF;
    END LOOP;
    RETURN QUERY EXECUTE 'SELECT id, observed_at FROM alpr_reads_default WHERE id = ANY($1)' USING ids;
END
$body$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS alpr_reads_stored_near(uuid[], timestamptz, timestamptz)")
