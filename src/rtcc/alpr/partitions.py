"""Daily partitions of ``alpr_reads`` on PostgreSQL (migration 0031): listing them, creating days ahead and on
demand, and dropping a whole day for retention. SQLite keeps one plain table, where every function here is a no-op.

Layout: one partition per UTC day, ``alpr_reads_pYYYYMMDD`` holding ``[day 00:00, next day 00:00)``, and
``alpr_reads_default`` for any read whose day has no partition (a late read of a day already dropped, a camera
clock far off, a day not created yet): an insert never fails for want of a partition. ``ensure_days`` creates the
partitions of the days asked for, moving the reads of those days out of the default partition first (PostgreSQL
refuses to create a partition whose range the default partition holds rows of); ``ensure_ahead`` is the job's call
(yesterday to ``ahead`` days ahead, and any recent day the default partition holds).

``drop_day`` is retention's bulk path: it removes a whole day with ``DETACH PARTITION`` and ``DROP TABLE`` instead
of deleting rows. The reads of that day that must stay (the caller's ``keep`` condition: hits, held reads; a read
with a match row always stays) are copied back into ``alpr_reads`` after the detach, where they land in the default
partition; the dependents of the dropped reads (vendor alerts) are deleted in the same transaction, since dropping a
table fires no row trigger. ``DETACH`` takes an ``ACCESS EXCLUSIVE`` lock on ``alpr_reads`` for the short rest of the
transaction (ingest waits milliseconds); ``lock_timeout`` bounds the wait for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, text
from sqlalchemy.orm import Session

from rtcc.alpr.logic import IMAGE_PREFIX
from rtcc.alpr.queries import READS
from rtcc.matching.queries import MATCHES

PARENT = "alpr_reads"
DEFAULT_PARTITION = "alpr_reads_default"
_DAY_NAME = re.compile(r"^alpr_reads_p(\d{8})$")
#: Days created ahead of today by the job.
AHEAD_DAYS = 7
#: How long a retention drop waits for the lock on ``alpr_reads`` before giving up (the next pass retries).
LOCK_TIMEOUT_MS = 3000


def partition_name(day: date) -> str:
    """The partition of one UTC day."""
    return f"alpr_reads_p{day:%Y%m%d}"


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """``[start, end)`` of one UTC day."""
    lo = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return lo, lo + timedelta(days=1)


def is_partitioned(session: Session) -> bool:
    """True when ``alpr_reads`` is a partitioned table (PostgreSQL after migration 0031)."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    kind = session.scalar(text("SELECT relkind FROM pg_class WHERE oid = to_regclass('alpr_reads')"))
    return str(kind) == "p"


def list_days(session: Session) -> list[date]:
    """The days that have a partition, oldest first (empty where reads are not partitioned)."""
    if not is_partitioned(session):
        return []
    names = session.scalars(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'alpr_reads'::regclass"
        )
    )
    days = []
    for name in names:
        m = _DAY_NAME.match(str(name))
        if m:
            days.append(datetime.strptime(m.group(1), "%Y%m%d").date())
    return sorted(days)


def default_days(session: Session, *, since: date | None = None) -> list[date]:
    """The UTC days of the reads in the default partition (on or after ``since``)."""
    where = "" if since is None else "WHERE observed_at >= :since"
    rows = session.execute(
        text(f"SELECT DISTINCT (observed_at AT TIME ZONE 'UTC')::date FROM {DEFAULT_PARTITION} {where}"),
        {} if since is None else {"since": day_bounds(since)[0]},
    )
    return sorted(r[0] for r in rows)


def ensure_days(session: Session, days: Iterable[date]) -> list[str]:
    """Create the partitions of ``days`` that do not exist yet (moving those days' reads out of the default
    partition into them); returns the partitions created. Never commits."""
    if not is_partitioned(session):
        return []
    have = set(list_days(session))
    created: list[str] = []
    for day in sorted(set(days) - have):
        name = partition_name(day)
        lo, hi = day_bounds(day)
        span = {"lo": lo, "hi": hi}
        strays = session.scalar(
            text(f"SELECT count(*) FROM {DEFAULT_PARTITION} WHERE observed_at >= :lo AND observed_at < :hi"), span
        )
        if strays:
            session.execute(text("SET LOCAL rtcc.moving_reads = 'on'"))  # moved reads keep their dependents
            session.execute(text(f"CREATE TEMPORARY TABLE rtcc_moving_reads (LIKE {PARENT}) ON COMMIT DROP"))
            session.execute(
                text(
                    f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE observed_at >= :lo AND observed_at < :hi "
                    "RETURNING *) INSERT INTO rtcc_moving_reads SELECT * FROM moved"
                ),
                span,
            )
        session.execute(
            text(
                f"CREATE TABLE {name} PARTITION OF {PARENT} "
                f"FOR VALUES FROM ('{lo.isoformat()}') TO ('{hi.isoformat()}')"
            )
        )
        if strays:
            session.execute(text(f"INSERT INTO {PARENT} SELECT * FROM rtcc_moving_reads"))
            session.execute(text("DROP TABLE rtcc_moving_reads"))
            session.execute(text("SET LOCAL rtcc.moving_reads = 'off'"))
        created.append(name)
    return created


def ensure_ahead(session: Session, *, today: date, ahead: int = AHEAD_DAYS, recent: int = 7) -> list[str]:
    """The job's call: partitions from yesterday to ``ahead`` days ahead, and for the days of the last ``recent``
    days that the default partition holds reads of (reads that arrived before their day had a partition)."""
    if not is_partitioned(session):
        return []
    days = {today + timedelta(days=k) for k in range(-1, ahead + 1)}
    days.update(
        d for d in default_days(session, since=today - timedelta(days=recent)) if d <= today + timedelta(days=ahead)
    )
    return ensure_days(session, days)


@dataclass(frozen=True)
class DroppedDay:
    """A day's partition dropped: how many reads went with it, how many were kept (copied to the default partition),
    the image references the dropped reads named (files to delete once no read names them) and the time span."""

    name: str
    dropped: int
    kept: int
    refs: tuple[str, ...]
    oldest: datetime | None
    newest: datetime | None


def drop_day(session: Session, day: date, *, keep: Sequence[ColumnElement[bool]]) -> DroppedDay | None:
    """Drop the partition of ``day`` (DETACH + DROP), keeping the reads any of ``keep`` selects (and every read with a
    match row) in the default partition, and deleting the dropped reads' vendor alerts. None when the day has no
    partition. Never commits; run it in its own unit of work.

    Nothing here reads the day's rows one by one: an old day is cold (a day of a city's cameras is gigabytes), and
    reading it all under the lock was most of a drop. The count and the span come from the day's time index, each
    ``keep`` condition is its own query (a hit through the hits' partial index, a held read through the index its
    hold names) and the matched reads come from the match rows."""
    if day not in set(list_days(session)):
        return None
    name = partition_name(day)
    lo, hi = day_bounds(day)
    session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_MS}ms'"))
    # no write reaches this day's reads while we decide (ingest of other days is not blocked)
    session.execute(text(f"LOCK TABLE {name} IN EXCLUSIVE MODE"))
    in_day = and_(READS.c.observed_at >= lo, READS.c.observed_at < hi)
    count, oldest, newest = session.execute(
        select(func.count(), func.min(READS.c.observed_at), func.max(READS.c.observed_at)).where(in_day)
    ).one()
    stay: set[Any] = set(
        session.scalars(select(MATCHES.c.read_id).join(READS, READS.c.id == MATCHES.c.read_id).where(in_day))
    )
    for condition in keep:
        stay.update(session.scalars(select(READS.c.id).where(in_day, condition)))
    kept_ids = sorted(stay)
    session.execute(text(f"CREATE TEMPORARY TABLE rtcc_kept_reads (LIKE {PARENT}) ON COMMIT DROP"))
    session.execute(text(f"INSERT INTO rtcc_kept_reads SELECT * FROM {name} WHERE id = ANY(:kept)"), {"kept": kept_ids})
    refs = session.execute(
        text(
            f"SELECT image_ref, crop_ref FROM {name} WHERE (image_ref LIKE :p OR crop_ref LIKE :p) "
            "AND NOT (id = ANY(:kept))"
        ),
        {"p": f"{IMAGE_PREFIX}/%", "kept": kept_ids},
    ).all()
    session.execute(
        text(
            f"DELETE FROM alpr_vendor_alerts v USING {name} r WHERE v.read_id = r.id AND NOT (r.id = ANY(:kept)) "
            "AND NOT EXISTS (SELECT 1 FROM alpr_reads o WHERE o.id = r.id AND o.observed_at <> r.observed_at)"
        ),
        {"kept": kept_ids},
    )
    session.execute(text(f"ALTER TABLE {PARENT} DETACH PARTITION {name}"))
    session.execute(text(f"DROP TABLE {name}"))
    # the day has no partition now: the kept reads land in the default one
    kept = int(session.scalar(text("SELECT count(*) FROM rtcc_kept_reads")) or 0)
    session.execute(text(f"INSERT INTO {PARENT} SELECT * FROM rtcc_kept_reads"))
    session.execute(text("DROP TABLE rtcc_kept_reads"))
    ref_set = {ref for row in refs for ref in row if ref and ref.startswith(f"{IMAGE_PREFIX}/")}
    return DroppedDay(name, int(count) - kept, kept, tuple(sorted(ref_set)), oldest, newest)


def days_due(session: Session, cutoff: datetime) -> list[date]:
    """Days whose whole partition lies before ``cutoff`` (so every read in it is past the period), oldest first."""
    return [d for d in list_days(session) if day_bounds(d)[1] <= cutoff]
