"""Queries of the alerts domain (never commits): alerts and transitions, and the read-only look-ups of the read,
camera, hotlist entry and sightings an alert shows side by side.

Open alerts are selected ``FOR UPDATE`` on PostgreSQL (SQLite write transactions are exclusive already), so that
repeat reads fold into an alert without losing an update. The other domains' tables are reached only through the
views they publish (``alpr.queries``, ``hotlists.queries``, ``matching.queries``); the match rows that link sightings
to an alert are written by the matching domain.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, TableClause, bindparam, func, insert, or_, select
from sqlalchemy.orm import Session

from rtcc.alerts.models import Alert, AlertTransition
from rtcc.alpr import queries as alpr_queries
from rtcc.hotlists import queries as hotlists_queries
from rtcc.matching import queries as matching_queries

_reads = alpr_queries.READS
_cameras = alpr_queries.CAMERAS
_entries = hotlists_queries.ENTRIES
_hotlists = hotlists_queries.HOTLISTS
_matches = matching_queries.MATCHES


def add_transitions(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert alert transitions (dicts of AlertTransition columns) in one statement."""
    if rows:
        session.connection().execute(insert(cast(Table, AlertTransition.__table__)), list(rows))


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
    sighted = (
        select(Alert.kind, Alert.state)
        .join(_matches, _matches.c.alert_id == Alert.id)
        .where(_matches.c.read_id == read_id)
    )
    return [(str(k), str(st)) for k, st in session.execute(direct.union(sighted)).all()]


def get_alert(session: Session, alert_id: uuid.UUID, *, lock: bool = False) -> Alert | None:
    """One alert by id (locked for update when ``lock``)."""
    q = alpr_queries.scoped_reads(select(Alert).where(Alert.id == alert_id), Alert.camera_id)
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
    q = alpr_queries.scoped_reads(q, Alert.camera_id)  # an alert belongs to its camera's division
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
_CAMERA_COLS = ("id", "code", "name", "location", "status", "lat", "lon", "last_heartbeat_at", "last_read_at",
                "division")  # fmt: skip
_ENTRY_COLS = ("id", "hotlist_id", "plate", "region", "reason", "case_number", "vehicle_make", "vehicle_model",
               "vehicle_color", "vehicle_type", "vehicle_year", "expires_at")  # fmt: skip
_HOTLIST_COLS = ("name", "category", "active")


#: What ``related`` loads with an alert: prefix -> (published table, columns).
_RELATED_PARTS: dict[str, tuple[TableClause, tuple[str, ...]]] = {"read": (_reads, _READ_COLS),
                  "camera": (_cameras, _CAMERA_COLS), "entry": (_entries, _ENTRY_COLS),
                  "hotlist": (_hotlists, _HOTLIST_COLS)}  # fmt: skip


@functools.cache
def _related_query() -> Select[Any]:
    """The statement of ``related`` (built once: it is run for every batch of new alerts)."""
    cols: list[Any] = [Alert.id.label("alert_id")]
    for prefix, (published, names) in _RELATED_PARTS.items():
        cols += [published.c[n].label(f"{prefix}__{n}") for n in names]
    return (
        select(*cols)
        .select_from(Alert)
        .outerjoin(_reads, _reads.c.id == Alert.read_id)
        .outerjoin(_cameras, _cameras.c.id == Alert.camera_id)
        .outerjoin(_entries, _entries.c.id == Alert.entry_id)
        .outerjoin(_hotlists, _hotlists.c.id == _entries.c.hotlist_id)
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
        for prefix, (_published, names) in _RELATED_PARTS.items():
            values = {n: row[f"{prefix}__{n}"] for n in names}
            key = "name" if prefix == "hotlist" else "id"
            found[prefix] = values if values[key] is not None else None
        out[row["alert_id"]] = found
    return out


def _sighting_cols() -> list[Any]:
    """The columns of a sighting: the read (when and what) and its camera (where)."""
    return [
        _reads.c.id.label("read_id"),
        _reads.c.plate.label("plate"),
        _reads.c.observed_at.label("observed_at"),
        _reads.c.crop_ref.label("crop_ref"),
        _cameras.c.id.label("camera_id"),
        _cameras.c.code.label("camera_code"),
        _cameras.c.name.label("camera_name"),
        _cameras.c.lat.label("lat"),
        _cameras.c.lon.label("lon"),
    ]


def sightings(session: Session, alert_id: uuid.UUID, *, limit: int) -> list[dict[str, Any]]:
    """The reads linked to an alert (through their match rows), latest first, each with its camera."""
    q = (
        select(*_sighting_cols(), _matches.c.kind.label("match_kind"))
        .select_from(_matches)
        .join(_reads, _reads.c.id == _matches.c.read_id)
        .outerjoin(_cameras, _cameras.c.id == _reads.c.camera_id)
        .where(_matches.c.alert_id == alert_id)
        .order_by(_reads.c.observed_at.desc(), _reads.c.id)
        .limit(limit)
    )
    q = alpr_queries.scoped_reads(q, _reads.c.camera_id)
    return [dict(row) for row in session.execute(q).mappings()]


def last_sightings(session: Session, alerts: Sequence[Alert]) -> dict[uuid.UUID, dict[str, Any]]:
    """For each alert with a latest read: that read's time and camera (where the vehicle was seen last)."""
    ids = [a.id for a in alerts if a.last_read_id is not None]
    if not ids:
        return {}
    q = (
        select(Alert.id.label("alert_id"), *_sighting_cols(), Alert.match_kind.label("match_kind"))
        .select_from(Alert)
        .join(_reads, _reads.c.id == Alert.last_read_id)
        .outerjoin(_cameras, _cameras.c.id == _reads.c.camera_id)
        .where(Alert.id.in_(ids))
    )
    q = alpr_queries.scoped_reads(q, _reads.c.camera_id)
    out: dict[uuid.UUID, dict[str, Any]] = {}
    for row in session.execute(q).mappings():
        values = dict(row)
        out[values.pop("alert_id")] = values
    return out


def entry_standing(session: Session, entry_id: int) -> tuple[datetime | None, bool | None] | None:
    """A hotlist entry's expiry and whether its list is active (None when the list is gone), or None when the entry
    is gone: what deciding whether an alert's entry is still current needs."""
    q = (
        select(_entries.c.expires_at, _hotlists.c.active)
        .select_from(_entries)
        .outerjoin(_hotlists, _hotlists.c.id == _entries.c.hotlist_id)
        .where(_entries.c.id == entry_id)
    )
    row = session.execute(q).first()
    return None if row is None else (row[0], row[1])
