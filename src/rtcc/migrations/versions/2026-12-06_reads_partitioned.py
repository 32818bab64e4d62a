"""alpr: reads partitioned by day on PostgreSQL (SQLite keeps the plain table)

Revision ID: 0031
Revises: 0021
Create Date: 2026-12-06 07:30:00

On PostgreSQL ``alpr_reads`` becomes a table partitioned by range of ``observed_at``: one partition per UTC day
(``alpr_reads_pYYYYMMDD``) plus a default partition (``alpr_reads_default``) that takes any read whose day has no
partition yet, so that an insert never fails for want of one (``rtcc.alpr.partitions`` creates days ahead and moves
such reads into their day). Every read is kept: the old table is renamed, the new one created with the same columns
(``LIKE``), a partition made for every day that holds reads and for yesterday to a week ahead, the rows copied in one
``INSERT ... SELECT``, the indexes rebuilt on the parent (PostgreSQL builds them on each partition), and the old table
dropped only once the counts agree.

A partitioned table's primary key must include the partition key, so the key is now ``(id, observed_at)``: the
read's id stays its idempotency key because the same read always carries the same ``observed_at``. Foreign keys to
it would need both columns, so the two tables that referenced ``alpr_reads.id`` (``matches.read_id`` and
``alpr_vendor_alerts.read_id``, both ON DELETE CASCADE) lose their foreign keys and keep integrity by triggers:
a deferred constraint trigger on each refuses (SQLSTATE 23503, as a foreign key would) a row whose read does not
exist at commit, and a row trigger on ``alpr_reads`` deletes the dependents of a deleted read (the cascade). Dropping
a whole day bypasses row triggers: ``rtcc.alpr.partitions.drop_day`` deletes the dependents itself first. Alerts
(``read_id``, ``last_read_id``) were plain ids before and stay so. Downgrade restores the plain table and its
foreign keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = "alpr_reads_unpartitioned"
_AHEAD_DAYS = 7
_INDEXES = (
    "CREATE INDEX ix_alpr_reads_plate_norm_observed ON alpr_reads (plate_norm, observed_at) INCLUDE (id)",
    "CREATE INDEX ix_alpr_reads_camera_observed ON alpr_reads (camera_id, observed_at)",
    "CREATE INDEX ix_alpr_reads_observed ON alpr_reads (observed_at)",
    "CREATE INDEX ix_alpr_reads_crop_ref_stored ON alpr_reads (crop_ref) WHERE crop_ref LIKE 'alpr-images/%'",
    "CREATE INDEX ix_alpr_reads_image_ref_stored ON alpr_reads (image_ref) WHERE image_ref LIKE 'alpr-images/%'",
)
_INDEX_NAMES = (
    "ix_alpr_reads_plate_norm_observed",
    "ix_alpr_reads_camera_observed",
    "ix_alpr_reads_observed",
    "ix_alpr_reads_crop_ref_stored",
    "ix_alpr_reads_image_ref_stored",
)
_DEPENDENTS = (
    ("matches", "fk_matches_read_id_alpr_reads"),
    ("alpr_vendor_alerts", "fk_alpr_vendor_alerts_read_id_alpr_reads"),
)

_TRIGGERS = """
CREATE FUNCTION rtcc_read_must_exist() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM alpr_reads WHERE id = NEW.read_id) THEN
    RAISE EXCEPTION 'insert or update on table "%" violates foreign key: read % is not in alpr_reads',
      TG_TABLE_NAME, NEW.read_id USING ERRCODE = '23503';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER trg_matches_read_exists AFTER INSERT OR UPDATE OF read_id ON matches
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rtcc_read_must_exist();
CREATE CONSTRAINT TRIGGER trg_alpr_vendor_alerts_read_exists AFTER INSERT OR UPDATE OF read_id ON alpr_vendor_alerts
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rtcc_read_must_exist();
CREATE FUNCTION rtcc_read_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('rtcc.moving_reads', true), '') = 'on' THEN
    RETURN NULL;  -- a read moved between partitions (rtcc.alpr.partitions) is not deleted
  END IF;
  IF NOT EXISTS (SELECT 1 FROM alpr_reads WHERE id = OLD.id) THEN
    DELETE FROM matches WHERE read_id = OLD.id;
    DELETE FROM alpr_vendor_alerts WHERE read_id = OLD.id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER trg_alpr_reads_cascade AFTER DELETE ON alpr_reads FOR EACH ROW EXECUTE FUNCTION rtcc_read_deleted();
"""
_DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS trg_alpr_reads_cascade ON alpr_reads;
DROP TRIGGER IF EXISTS trg_matches_read_exists ON matches;
DROP TRIGGER IF EXISTS trg_alpr_vendor_alerts_read_exists ON alpr_vendor_alerts;
DROP FUNCTION IF EXISTS rtcc_read_deleted();
DROP FUNCTION IF EXISTS rtcc_read_must_exist();
"""


def _day_sql(day: date) -> str:
    lo = datetime(day.year, day.month, day.day, tzinfo=UTC)
    hi = lo + timedelta(days=1)
    return (
        f"CREATE TABLE alpr_reads_p{day:%Y%m%d} PARTITION OF alpr_reads "
        f"FOR VALUES FROM ('{lo.isoformat()}') TO ('{hi.isoformat()}')"
    )


def _count(bind: sa.Connection, table: str) -> int:
    return int(bind.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


#: Division scoping's second wall (migration 0030): a policy belongs to its table, so the one on the table this
#: migration replaces goes with it and is made again on the new one (queries through the parent apply it).
_DIVISION_SCOPE = (
    "ALTER TABLE alpr_reads ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE alpr_reads FORCE ROW LEVEL SECURITY",
    "CREATE POLICY rtcc_division_scope ON alpr_reads USING "
    "(rtcc_divisions_unscoped() OR camera_id IN (SELECT id FROM alpr_cameras)) WITH CHECK (true)",
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return  # SQLite (embedded profile) keeps the plain table
    for table, fk in _DEPENDENTS:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {fk}")
    for name in _INDEX_NAMES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute(f"ALTER TABLE alpr_reads RENAME TO {_OLD}")
    op.execute(f"ALTER TABLE {_OLD} RENAME CONSTRAINT pk_alpr_reads TO pk_{_OLD}")
    op.execute(f"ALTER TABLE {_OLD} RENAME CONSTRAINT fk_alpr_reads_camera_id_alpr_cameras TO fk_{_OLD}_camera")
    op.execute(f"CREATE TABLE alpr_reads (LIKE {_OLD} INCLUDING DEFAULTS) PARTITION BY RANGE (observed_at)")
    op.execute("ALTER TABLE alpr_reads ADD CONSTRAINT pk_alpr_reads PRIMARY KEY (id, observed_at)")
    op.execute(
        "ALTER TABLE alpr_reads ADD CONSTRAINT fk_alpr_reads_camera_id_alpr_cameras "
        "FOREIGN KEY (camera_id) REFERENCES alpr_cameras (id)"
    )
    op.execute("CREATE TABLE alpr_reads_default PARTITION OF alpr_reads DEFAULT")
    days = {r[0] for r in bind.execute(sa.text(f"SELECT DISTINCT (observed_at AT TIME ZONE 'UTC')::date FROM {_OLD}"))}
    today = datetime.now(UTC).date()
    days.update(today + timedelta(days=k) for k in range(-1, _AHEAD_DAYS + 1))
    for day in sorted(days):
        op.execute(_day_sql(day))
    op.execute(f"INSERT INTO alpr_reads SELECT * FROM {_OLD}")
    before, after = _count(bind, _OLD), _count(bind, "alpr_reads")
    if before != after:
        raise RuntimeError(f"alpr_reads partitioning copied {after} of {before} reads; nothing changed")
    for ddl in _INDEXES:
        op.execute(ddl)
    op.execute(f"DROP TABLE {_OLD}")
    op.execute(_TRIGGERS)
    for ddl in _DIVISION_SCOPE:
        op.execute(ddl)
    op.execute("ANALYZE alpr_reads")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(_DROP_TRIGGERS)
    for name in _INDEX_NAMES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute(f"ALTER TABLE alpr_reads RENAME TO {_OLD}")
    op.execute(f"ALTER TABLE {_OLD} RENAME CONSTRAINT pk_alpr_reads TO pk_{_OLD}")
    op.execute(f"ALTER TABLE {_OLD} RENAME CONSTRAINT fk_alpr_reads_camera_id_alpr_cameras TO fk_{_OLD}_camera")
    op.execute(f"CREATE TABLE alpr_reads (LIKE {_OLD} INCLUDING DEFAULTS)")
    op.execute(f"INSERT INTO alpr_reads SELECT * FROM {_OLD}")
    before, after = _count(bind, _OLD), _count(bind, "alpr_reads")
    if before != after:
        raise RuntimeError(f"alpr_reads un-partitioning copied {after} of {before} reads; nothing changed")
    op.execute(f"DROP TABLE {_OLD}")  # drops every partition with it
    op.execute("ALTER TABLE alpr_reads ADD CONSTRAINT pk_alpr_reads PRIMARY KEY (id)")
    op.execute(
        "ALTER TABLE alpr_reads ADD CONSTRAINT fk_alpr_reads_camera_id_alpr_cameras "
        "FOREIGN KEY (camera_id) REFERENCES alpr_cameras (id)"
    )
    for ddl in _INDEXES:
        op.execute(ddl)
    for table, fk in _DEPENDENTS:
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {fk} FOREIGN KEY (read_id) REFERENCES alpr_reads (id) ON DELETE CASCADE"
        )
    for ddl in _DIVISION_SCOPE:
        op.execute(ddl)
