"""Queries on the audit table (never commits)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from rtcc.audit.models import AuditEntry

_PG_AUDIT_LOCK = 7_243_001


def lock_chain(session: Session) -> None:
    """Serialise appends to the chain (PostgreSQL advisory lock; SQLite write transactions are already exclusive)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})


def last_entry(session: Session) -> AuditEntry | None:
    """The newest entry of the chain, or None for an empty log."""
    return session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()


def iter_chain(session: Session, batch: int = 2000) -> Iterator[AuditEntry]:
    """Every entry in chain order, fetched in batches."""
    after = 0
    while True:
        rows = list(
            session.scalars(select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(batch))
        )
        if not rows:
            return
        yield from rows
        after = rows[-1].seq
        session.expunge_all()


def search(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_seq: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Entries matching the filters, newest first (keyset-paginated by ``before_seq``)."""
    q = select(AuditEntry)
    if actor:
        q = q.where(AuditEntry.actor == actor)
    if action:
        q = q.where(AuditEntry.action.startswith(action))
    if since:
        q = q.where(AuditEntry.at >= since)
    if until:
        q = q.where(AuditEntry.at < until)
    if before_seq:
        q = q.where(AuditEntry.seq < before_seq)
    return list(session.scalars(q.order_by(AuditEntry.seq.desc()).limit(limit)))
