"""Queries on the ALPR tables (cameras, reads, vendor alerts, dead letters); never commits. The read insert, the
hot path, is ``rtcc.alpr.readrows``'s."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from rtcc.alpr import readrows
from rtcc.alpr.models import Camera, DeadLetter, Read, VendorAlert
from rtcc.core import divisions

#: ``touch_cameras`` in each dialect's own parameter style (ids as 32 hex digits, times as ``read_row_format`` makes
#: them: the stored form on SQLite, which compares as text exactly as SQLAlchemy's form does).
_TOUCH_SQL = {
    "sqlite": "UPDATE alpr_cameras SET last_read_at = :t WHERE id = :cid "
    "AND (last_read_at IS NULL OR last_read_at < :t)",
    "postgresql": "UPDATE alpr_cameras SET last_read_at = %(t)s WHERE id = %(cid)s::uuid "
    "AND (last_read_at IS NULL OR last_read_at < %(t)s)",
}


# --- cameras ---------------------------------------------------------------------------------------------------


def cameras_by_code(session: Session, codes: Iterable[str]) -> dict[str, uuid.UUID]:
    """Camera ids of the given codes (codes not registered are absent)."""
    wanted = list(set(codes))
    if not wanted:
        return {}
    rows = session.execute(select(Camera.code, Camera.id).where(Camera.code.in_(wanted))).all()
    return {code: cid for code, cid in rows}


def insert_cameras_if_absent(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Register cameras (dicts of Camera columns), ignoring codes that exist already (concurrent registration)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert(Camera) if dialect == "postgresql" else sqlite.insert(Camera)
    session.execute(ins.on_conflict_do_nothing(index_elements=["code"]), list(rows))


def camera_by_code(session: Session, code: str) -> Camera | None:
    """The camera with this code, or None."""
    return session.scalars(select(Camera).where(Camera.code == code)).first()


def cameras_by_codes(session: Session, codes: Iterable[str]) -> list[Camera]:
    """Camera objects with these codes."""
    wanted = list(set(codes))
    if not wanted:
        return []
    return list(session.scalars(select(Camera).where(Camera.code.in_(wanted))))


def camera_divisions(session: Session, camera_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """The division of each of these cameras."""
    stmt = select(Camera.id, Camera.division).where(Camera.id.in_(list(set(camera_ids))))
    return {cid: division for cid, division in session.execute(stmt)}


def cameras_of_agent(session: Session, agent_uid: str) -> list[Camera]:
    """Cameras fed by one OpenALPR agent."""
    return list(session.scalars(select(Camera).where(Camera.agent_uid == agent_uid)))


def list_cameras(session: Session, *, active: bool | None = None) -> list[Camera]:
    """Cameras ordered by code."""
    q = divisions.scoped(select(Camera), Camera.division).order_by(Camera.code)
    if active is not None:
        q = q.where(Camera.active.is_(active))
    return list(session.scalars(q))


#: ``session.info`` key of the camera touches a shared transaction holds back (see ``defer_touches``).
_TOUCHES = "alpr_deferred_touches"


def defer_touches(session: Session) -> list[tuple[uuid.UUID, datetime]]:
    """From now on, hold this session's ``touch_cameras`` back until ``write_deferred_touches`` (a transaction shared by
    many requests moves each camera once, at its end, so that its camera rows stay locked only for the commit).
    Returns the queue: a caller may drop what work it undid appended."""
    queued: list[tuple[uuid.UUID, datetime]] = session.info.setdefault(_TOUCHES, [])
    return queued


def write_deferred_touches(session: Session) -> None:
    """Apply the held-back touches (the newest time per camera) and stop deferring."""
    latest: dict[uuid.UUID, datetime] = {}
    for cid, t in session.info.pop(_TOUCHES, []):
        if cid not in latest or t > latest[cid]:
            latest[cid] = t
    touch_cameras(session, latest)


def touch_cameras(session: Session, latest: Mapping[uuid.UUID, datetime]) -> None:
    """Move each camera's ``last_read_at`` forward to the given time (never backwards); rows are locked in id order
    so that concurrent batches on PostgreSQL cannot deadlock on each other. Held back while deferred."""
    if not latest:
        return
    queued = session.info.get(_TOUCHES)
    if queued is not None:
        queued.extend(latest.items())
        return
    conn = session.connection()
    if conn.dialect.name in readrows.ROW_FORMATS:  # the driver's own statement: ingest runs this for every request
        fmt = readrows.ROW_FORMATS[conn.dialect.name]
        params = []
        for cid in sorted(latest):
            t = latest[cid].astimezone(UTC)
            value = fmt.time(t, t.isoformat(timespec="microseconds"))
            params.append({"cid": cid.hex, "t": value})
        conn.exec_driver_sql(_TOUCH_SQL[conn.dialect.name], params)
        return
    stmt = (
        update(Camera)
        .where(Camera.id == bindparam("cid"))
        .where((Camera.last_read_at.is_(None)) | (Camera.last_read_at < bindparam("t")))
        .values(last_read_at=bindparam("t"))
    )
    conn.execute(stmt, [{"cid": cid, "t": latest[cid]} for cid in sorted(latest)])


_ONLINE = "rtcc_cameras_online"


def set_online(session: Session, camera_ids: Iterable[uuid.UUID]) -> list[tuple[uuid.UUID, str, str]]:
    """Mark these cameras online where they were not; returns (id, code, name) of those that changed. A camera this
    transaction already marked (or found) online is not asked again (a shared ingest transaction would otherwise ask
    once per request)."""
    known: set[uuid.UUID] = session.info.setdefault(_ONLINE, set())
    ids = [cid for cid in camera_ids if cid not in known]
    if not ids:
        return []
    known.update(ids)
    if session.get_bind().dialect.name == "sqlite" and not readrows.SQLITE_RETURNING:
        changed = session.execute(
            select(Camera.id, Camera.code, Camera.name).where(Camera.id.in_(ids), Camera.status != "online")
        ).all()
        if changed:
            session.execute(update(Camera).where(Camera.id.in_([c[0] for c in changed])).values(status="online"))
        return [(c[0], c[1], c[2]) for c in changed]
    stmt = (
        update(Camera)
        .where(Camera.id.in_(ids), Camera.status != "online")
        .values(status="online")
        .returning(Camera.id, Camera.code, Camera.name)
    )
    return [(row[0], row[1], row[2]) for row in session.connection().execute(stmt).all()]


def mark_hits(session: Session, read_ids: Iterable[uuid.UUID]) -> None:
    """Flag reads that matched a hotlist entry (``is_hit``), in one statement."""
    ids = sorted(set(read_ids))
    if ids:
        session.execute(
            update(Read).where(Read.id.in_(ids)).values(is_hit=True).execution_options(synchronize_session=False)
        )


def forget_online(session: Session) -> None:
    """Forget which cameras this transaction marked online (its work since was rolled back to a savepoint)."""
    session.info.pop(_ONLINE, None)


def silent_cameras(session: Session, cutoff: datetime) -> list[Camera]:
    """Active cameras not marked offline whose newest sign of life (read, heartbeat, else creation) is before cutoff."""
    last = func.coalesce(Camera.last_read_at, Camera.last_heartbeat_at, Camera.created_at)
    q = select(Camera).where(
        Camera.active.is_(True),
        Camera.status != "offline",
        last < cutoff,
        (Camera.last_read_at.is_(None)) | (Camera.last_read_at < cutoff),
        (Camera.last_heartbeat_at.is_(None)) | (Camera.last_heartbeat_at < cutoff),
    )
    return list(session.scalars(q.with_for_update()))


def revived_cameras(session: Session, cutoff: datetime) -> list[Camera]:
    """Cameras marked offline that reported (read or heartbeat) at or after cutoff."""
    q = select(Camera).where(
        Camera.status == "offline",
        (Camera.last_read_at >= cutoff) | (Camera.last_heartbeat_at >= cutoff),
    )
    return list(session.scalars(q.with_for_update()))


# --- reads -----------------------------------------------------------------------------------------------------


def update_vehicle(session: Session, read_ids: Sequence[uuid.UUID], values: Mapping[str, str]) -> int:
    """Set vehicle attribute columns on the reads with these ids; returns how many reads were updated."""
    readrows.write_deferred_reads(session, keep_deferring=True)  # they may be queued in this transaction
    if not read_ids or not values:
        return 0
    result = session.execute(update(Read).where(Read.id.in_(list(read_ids))).values(**values))
    return int(getattr(result, "rowcount", 0) or 0)


def image_refs(session: Session, read_id: uuid.UUID) -> tuple[str | None, str | None] | None:
    """(crop_ref, image_ref) of one read, or None when there is no such read."""
    row = session.execute(select(Read.crop_ref, Read.image_ref).where(Read.id == read_id)).first()
    return None if row is None else (row[0], row[1])


def existing_read_ids(session: Session, read_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these read ids are stored."""
    readrows.write_deferred_reads(session, keep_deferring=True)  # they may be queued in this transaction
    wanted = list(set(read_ids))
    if not wanted:
        return set()
    return set(session.scalars(select(Read.id).where(Read.id.in_(wanted))))


# --- the sensors' own alerts -----------------------------------------------------------------------------------


def insert_vendor_alerts(session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert vendor alerts (dicts of VendorAlert columns), skipping ids already stored; returns how many are new."""
    if not rows:
        return 0
    ids = [row["id"] for row in rows]
    stored = set(session.scalars(select(VendorAlert.id).where(VendorAlert.id.in_(ids))))
    new = [dict(row) for row in rows if row["id"] not in stored]
    if new:  # ON CONFLICT: a concurrent copy of the same alert is stored once
        dialect = session.get_bind().dialect.name
        ins = postgresql.insert(VendorAlert) if dialect == "postgresql" else sqlite.insert(VendorAlert)
        session.execute(ins.on_conflict_do_nothing(index_elements=["id"]), new)
    return len(new)


def list_vendor_alerts(
    session: Session, *, read_ids: Sequence[uuid.UUID] | None, limit: int, offset: int
) -> tuple[list[tuple[VendorAlert, str]], int]:
    """Vendor alerts (with their camera's code), newest first, optionally only those of some reads; and the total."""
    q = select(VendorAlert, Camera.code).join(Camera, Camera.id == VendorAlert.camera_id)
    q = divisions.scoped(q, Camera.division)
    count = divisions.scoped_via(select(func.count()).select_from(VendorAlert), VendorAlert.camera_id, Camera.id,
                                 Camera.division)  # fmt: skip
    if read_ids is not None:
        q = q.where(VendorAlert.read_id.in_(list(read_ids)))
        count = count.where(VendorAlert.read_id.in_(list(read_ids)))
    total = int(session.scalar(count) or 0)
    rows = session.execute(q.order_by(VendorAlert.received_at.desc(), VendorAlert.id).limit(limit).offset(offset)).all()
    return [(row[0], row[1]) for row in rows], total


def count_reads(session: Session) -> int:
    """Number of stored reads (tests, summaries)."""
    return int(session.scalar(select(func.count()).select_from(Read)) or 0)


# --- dead letters ----------------------------------------------------------------------------------------------


def add_dead_letters(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert dead letters (dicts of DeadLetter columns)."""
    if rows:
        session.connection().execute(insert(DeadLetter), list(rows))


def get_dead_letter(session: Session, dl_id: int, *, lock: bool = False) -> DeadLetter | None:
    """One dead letter by id (row-locked on PostgreSQL when ``lock``)."""
    q = select(DeadLetter).where(DeadLetter.id == dl_id)
    if lock:
        q = q.with_for_update()
    return session.scalars(q).first()


def list_dead_letters(
    session: Session, *, source: str | None, status: str | None, limit: int, offset: int
) -> tuple[list[DeadLetter], int]:
    """Dead letters matching the filters, newest first, and how many match in all."""
    q = select(DeadLetter)
    if source:
        q = q.where(DeadLetter.source == source)
    if status:
        q = q.where(DeadLetter.status == status)
    total = int(session.scalar(select(func.count()).select_from(q.subquery())) or 0)
    items = list(session.scalars(q.order_by(DeadLetter.id.desc()).limit(limit).offset(offset)))
    return items, total


def pending_dead_letter_ids(session: Session, *, source: str | None, limit: int, after_id: int = 0) -> list[int]:
    """Ids of pending, replayable (not truncated) dead letters above ``after_id`` (oldest first), optionally of one
    source."""
    q = select(DeadLetter.id).where(
        DeadLetter.status == "pending", DeadLetter.id > after_id, DeadLetter.payload_truncated.is_(False)
    )
    if source:
        q = q.where(DeadLetter.source == source)
    return list(session.scalars(q.order_by(DeadLetter.id).limit(limit)))
