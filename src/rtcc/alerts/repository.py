"""Queries of the alerts domain (never commits): alerts and transitions, the match records, and the read-only
look-ups of the read, camera and hotlist entry an alert shows side by side.

Match rows are inserted with ``ON CONFLICT DO NOTHING ... RETURNING`` (PostgreSQL and SQLite), so that only the
(read, entry) pairs this transaction created come back: a redelivered batch, or a second match worker racing on the
same read, finds nothing new and raises no alert twice. Open alerts are selected ``FOR UPDATE`` on PostgreSQL (SQLite
write transactions are exclusive already), so that repeat reads fold into an alert without losing an update.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from rtcc.alerts.models import Alert, AlertTransition
from rtcc.alpr.models import Camera, Read
from rtcc.hotlists.models import Hotlist, HotlistEntry
from rtcc.matching.models import Match


def insert_matches(session: Session, rows: Sequence[dict[str, Any]]) -> set[tuple[uuid.UUID, int]]:
    """Insert match rows, skipping (read, entry) pairs that exist; returns the pairs inserted now."""
    if not rows:
        return set()
    dialect = session.get_bind().dialect.name
    table = cast(Table, Match.__table__)
    if dialect == "postgresql":
        pg_stmt = postgresql.insert(table).on_conflict_do_nothing(index_elements=["read_id", "entry_id"])
        stmt: Any = pg_stmt.returning(table.c.read_id, table.c.entry_id)
    elif dialect == "sqlite":
        lite_stmt = sqlite.insert(table).on_conflict_do_nothing(index_elements=["read_id", "entry_id"])
        stmt = lite_stmt.returning(table.c.read_id, table.c.entry_id)
    else:  # pragma: no cover - the two supported databases are handled above
        raise NotImplementedError(f"unsupported database {dialect}")
    inserted: set[tuple[uuid.UUID, int]] = set()
    for row in session.execute(stmt, list(rows)):
        inserted.add((row[0], row[1]))
    return inserted


def link_matches(session: Session, links: Sequence[tuple[uuid.UUID, int, uuid.UUID]]) -> None:
    """Set ``alert_id`` on the match rows (read_id, entry_id, alert_id)."""
    if not links:
        return
    table = cast(Table, Match.__table__)
    stmt = (
        update(table)
        .where(table.c.read_id == bindparam("b_read"), table.c.entry_id == bindparam("b_entry"))
        .values(alert_id=bindparam("b_alert"))
    )
    session.connection().execute(stmt, [{"b_read": r, "b_entry": e, "b_alert": a} for r, e, a in links])


def add_transitions(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert alert transitions (dicts of AlertTransition columns) in one statement."""
    if rows:
        session.connection().execute(insert(cast(Table, AlertTransition.__table__)), list(rows))


def mark_reads_hit(session: Session, read_ids: Iterable[uuid.UUID]) -> None:
    """Flag reads that matched a hotlist entry."""
    ids = sorted(set(read_ids))
    if ids:
        session.execute(
            update(Read).where(Read.id.in_(ids)).values(is_hit=True).execution_options(synchronize_session=False)
        )


def open_alerts_by_keys(session: Session, keys: Iterable[str]) -> dict[str, Alert]:
    """Alerts holding these de-duplication keys, locked for update (PostgreSQL), fresh from the database."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = session.scalars(
        select(Alert)
        .where(Alert.dedup_key.in_(wanted))
        .order_by(Alert.dedup_key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {a.dedup_key: a for a in rows if a.dedup_key is not None}


def alerts_of_read(session: Session, read_id: uuid.UUID) -> list[tuple[str, str]]:
    """(kind, state) of every alert ``read_id`` belongs to: as its first or latest read, or as a sighting."""
    direct = select(Alert.kind, Alert.state).where(or_(Alert.read_id == read_id, Alert.last_read_id == read_id))
    sighted = select(Alert.kind, Alert.state).join(Match, Match.alert_id == Alert.id).where(Match.read_id == read_id)
    return [(str(k), str(st)) for k, st in session.execute(direct.union(sighted)).all()]


def get_alert(session: Session, alert_id: uuid.UUID, *, lock: bool = False) -> Alert | None:
    """One alert by id (locked for update when ``lock``)."""
    q = select(Alert).where(Alert.id == alert_id)
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    return session.scalars(q).first()


def _visible_clause(q: Select[Any], *, everything: bool, field_states: Sequence[str], offline: bool) -> Select[Any]:
    if everything:
        return q
    conds: list[ColumnElement[bool]] = [(Alert.kind == "hit") & Alert.state.in_(list(field_states))]
    if offline:
        conds.append(Alert.kind == "camera_offline")
    return q.where(or_(*conds))


def list_alerts(
    session: Session,
    *,
    everything: bool,
    field_states: Sequence[str],
    offline: bool,
    state: str | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Alert], int]:
    """A page of alerts newest first, and the total matching the filters.

    ``everything`` lists all alerts; otherwise only hits in ``field_states`` (and camera-offline alerts when
    ``offline``) are listed.
    """
    q = _visible_clause(select(Alert), everything=everything, field_states=field_states, offline=offline)
    if state:
        q = q.where(Alert.state == state)
    if kind:
        q = q.where(Alert.kind == kind)
    if since:
        q = q.where(Alert.created_at >= since)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = list(session.scalars(q.order_by(Alert.created_at.desc(), Alert.id.desc()).limit(limit).offset(offset)))
    return rows, int(total)


def transitions_for(session: Session, alert_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[AlertTransition]]:
    """The transitions of these alerts, oldest first, keyed by alert."""
    ids = list(set(alert_ids))
    out: dict[uuid.UUID, list[AlertTransition]] = {i: [] for i in ids}
    if ids:
        q = select(AlertTransition).where(AlertTransition.alert_id.in_(ids)).order_by(AlertTransition.id)
        for t in session.scalars(q):
            out[t.alert_id].append(t)
    return out


#: Columns loaded with an alert for showing it (prefixed per table so the names do not collide).
_READ_COLS = ("id", "plate", "region", "confidence", "observed_at", "received_at", "image_ref", "crop_ref",
              "vehicle_make", "vehicle_model", "vehicle_color", "vehicle_type",
              "heading_deg", "camera_label")  # fmt: skip
_CAMERA_COLS = ("id", "code", "name", "location", "status", "lat", "lon", "last_heartbeat_at", "last_read_at")
_ENTRY_COLS = ("id", "hotlist_id", "plate", "region", "reason", "case_number", "vehicle_make", "vehicle_model",
               "vehicle_color", "vehicle_type", "vehicle_year", "expires_at")  # fmt: skip
_HOTLIST_COLS = ("name", "category", "active")


#: What ``related`` loads with an alert: prefix -> (model, columns).
_RELATED_PARTS: dict[str, tuple[Any, tuple[str, ...]]] = {"read": (Read, _READ_COLS), "camera": (Camera, _CAMERA_COLS),
                  "entry": (HotlistEntry, _ENTRY_COLS), "hotlist": (Hotlist, _HOTLIST_COLS)}  # fmt: skip


@functools.cache
def _related_query() -> Select[Any]:
    """The statement of ``related`` (built once: it is run for every batch of new alerts)."""
    cols: list[Any] = [Alert.id.label("alert_id")]
    for prefix, (model, names) in _RELATED_PARTS.items():
        cols += [getattr(model, n).label(f"{prefix}__{n}") for n in names]
    return (
        select(*cols)
        .select_from(Alert)
        .outerjoin(Read, Read.id == Alert.read_id)
        .outerjoin(Camera, Camera.id == Alert.camera_id)
        .outerjoin(HotlistEntry, HotlistEntry.id == Alert.entry_id)
        .outerjoin(Hotlist, Hotlist.id == HotlistEntry.hotlist_id)
        .where(Alert.id.in_(bindparam("alert_ids", expanding=True)))
    )


def related(session: Session, alerts: Sequence[Alert]) -> dict[uuid.UUID, dict[str, dict[str, Any] | None]]:
    """For each alert: its first read, camera, hotlist entry and list as plain mappings (None when absent), in one
    query. Keys: ``read``, ``camera``, ``entry``, ``hotlist``."""
    ids = [a.id for a in alerts]
    if not ids:
        return {}
    q = _related_query()
    out: dict[uuid.UUID, dict[str, dict[str, Any] | None]] = {}
    for row in session.execute(q, {"alert_ids": ids}).mappings():
        found: dict[str, dict[str, Any] | None] = {}
        for prefix, (_model, names) in _RELATED_PARTS.items():
            values = {n: row[f"{prefix}__{n}"] for n in names}
            key = "name" if prefix == "hotlist" else "id"
            found[prefix] = values if values[key] is not None else None
        out[row["alert_id"]] = found
    return out


def sightings(session: Session, alert_id: uuid.UUID, *, limit: int) -> list[dict[str, Any]]:
    """The reads linked to an alert (through their match rows), latest first, each with its camera."""
    q = (
        select(
            Read.id.label("read_id"),
            Read.plate.label("plate"),
            Read.observed_at.label("observed_at"),
            Read.crop_ref.label("crop_ref"),
            Match.kind.label("match_kind"),
            Camera.id.label("camera_id"),
            Camera.code.label("camera_code"),
            Camera.name.label("camera_name"),
            Camera.lat.label("lat"),
            Camera.lon.label("lon"),
        )
        .select_from(Match)
        .join(Read, Read.id == Match.read_id)
        .outerjoin(Camera, Camera.id == Read.camera_id)
        .where(Match.alert_id == alert_id)
        .order_by(Read.observed_at.desc(), Read.id)
        .limit(limit)
    )
    return [dict(row) for row in session.execute(q).mappings()]


def last_sightings(session: Session, alerts: Sequence[Alert]) -> dict[uuid.UUID, dict[str, Any]]:
    """For each alert with a latest read: that read's time and camera (where the vehicle was seen last)."""
    ids = [a.id for a in alerts if a.last_read_id is not None]
    if not ids:
        return {}
    q = (
        select(
            Alert.id.label("alert_id"),
            Read.id.label("read_id"),
            Read.plate.label("plate"),
            Read.observed_at.label("observed_at"),
            Read.crop_ref.label("crop_ref"),
            Alert.match_kind.label("match_kind"),
            Camera.id.label("camera_id"),
            Camera.code.label("camera_code"),
            Camera.name.label("camera_name"),
            Camera.lat.label("lat"),
            Camera.lon.label("lon"),
        )
        .select_from(Alert)
        .join(Read, Read.id == Alert.last_read_id)
        .outerjoin(Camera, Camera.id == Read.camera_id)
        .where(Alert.id.in_(ids))
    )
    out: dict[uuid.UUID, dict[str, Any]] = {}
    for row in session.execute(q).mappings():
        values = dict(row)
        out[values.pop("alert_id")] = values
    return out


def entries_by_ids(session: Session, ids: Iterable[int]) -> dict[int, tuple[HotlistEntry, Hotlist | None]]:
    """Hotlist entries by id, each with its list (for the name, category and whether it is active)."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    q = (
        select(HotlistEntry, Hotlist)
        .join(Hotlist, Hotlist.id == HotlistEntry.hotlist_id, isouter=True)
        .where(HotlistEntry.id.in_(wanted))
    )
    return {entry.id: (entry, hotlist) for entry, hotlist in session.execute(q)}
