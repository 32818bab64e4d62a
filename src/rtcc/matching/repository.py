"""Queries of the matching domain (never commits): writing the match records, one per (read, hotlist entry).

Match rows are inserted with ``ON CONFLICT DO NOTHING ... RETURNING`` (PostgreSQL and SQLite), so that only the
(read, entry) pairs this transaction created come back: a redelivered batch, or a second match worker racing on the
same read, finds nothing new and raises no alert twice. Once the alerts domain has placed the new hits, each row is
linked to its alert (``link_matches``), which is how an alert lists its sightings.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

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
