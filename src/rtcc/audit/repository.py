"""Queries on the audit table (never commits): the chain, and the filters auditors and governance use (JSON details
are filtered through ``detail_text``, the one dialect-aware expression)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, insert, or_, select, text
from sqlalchemy.orm import Session

from rtcc.audit.models import AuditEntry, AuditMerkleNode, AuditSigningKey, AuditTreeHead
from rtcc.core import divisions
from rtcc.identity.queries import USERS

_PG_AUDIT_LOCK = 7_243_001


def lock_chain(session: Session) -> None:
    """Serialise appends to the chain (PostgreSQL advisory lock; SQLite write transactions are already exclusive)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})


def chain_head(session: Session) -> tuple[int, str] | None:
    """(seq, hash) of the newest entry, or None for an empty log: what an append needs, without loading the entry."""
    row = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    return (int(row[0]), str(row[1])) if row is not None else None


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


def detail_text(key: str) -> ColumnElement[str]:
    """The text of ``details[key]`` as a SQL expression: ``details ->> 'key'`` on PostgreSQL, ``json_extract`` on
    SQLite (SQLAlchemy renders the dialect's operator). The one place the audit log's JSON is filtered on."""
    expr: ColumnElement[str] = AuditEntry.details[key].as_string()
    return expr


def _filtered(
    q: Select[tuple[AuditEntry]],
    *,
    actor: str | None = None,
    role: str | None = None,
    unit: str | None = None,
    action: str | None = None,
    actions: Sequence[str] | None = None,
    has_detail: Sequence[str] | None = None,
    purpose: str | None = None,
    case_number: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[tuple[AuditEntry]]:
    if actor:
        q = q.where(AuditEntry.actor == actor)
    if role:
        q = q.where(AuditEntry.actor_role == role)
    if unit:
        q = q.where(detail_text("unit") == unit)
    if action:
        q = q.where(AuditEntry.action.startswith(action, autoescape=True))
    if actions:
        q = q.where(AuditEntry.action.in_(list(actions)))
    if has_detail:
        q = q.where(or_(*(detail_text(key).is_not(None) for key in has_detail)))
    if purpose:
        q = q.where(detail_text("purpose") == purpose)
    if case_number:
        q = q.where(func.upper(detail_text("case_number")) == case_number.strip().upper())
    if target_type:
        q = q.where(AuditEntry.target_type == target_type)
    if target_id:
        q = q.where(AuditEntry.target_id == target_id)
    if since:
        q = q.where(AuditEntry.at >= since)
    if until:
        q = q.where(AuditEntry.at < until)
    return q


def search(
    session: Session,
    *,
    before_seq: int | None = None,
    after_seq: int | None = None,
    limit: int = 100,
    oldest_first: bool = False,
    **filters: Any,
) -> list[AuditEntry]:
    """Entries matching the filters, newest first (keyset-paginated by ``before_seq``) or, with ``oldest_first``, in
    chain order (paginated by ``after_seq``).

    Filters: actor, role, unit, action (prefix), actions (exact names), has_detail (details carry one of these keys),
    purpose, case_number (case-insensitive), target_type, target_id, since (inclusive), until (exclusive).
    """
    q = _filtered(select(AuditEntry), **filters)
    # a divisional reader sees the entries of their division's people (RTCC-wide roles and auditors see all)
    q = divisions.scoped_via(q, AuditEntry.actor, USERS.c.username, USERS.c.division)
    if before_seq:
        q = q.where(AuditEntry.seq < before_seq)
    if after_seq:
        q = q.where(AuditEntry.seq > after_seq)
    order = AuditEntry.seq.asc() if oldest_first else AuditEntry.seq.desc()
    return list(session.scalars(q.order_by(order).limit(limit)))


# --- retention: purging the oldest entries behind a checkpoint (added by the retention domain) -----------------------


def first_entry(session: Session) -> AuditEntry | None:
    """The oldest remaining entry of the chain, or None for an empty log."""
    return session.scalars(select(AuditEntry).order_by(AuditEntry.seq).limit(1)).first()


def oldest_entries(session: Session, limit: int) -> list[tuple[int, datetime]]:
    """(seq, at) of the ``limit`` oldest entries, in chain order."""
    rows = session.execute(select(AuditEntry.seq, AuditEntry.at).order_by(AuditEntry.seq).limit(limit))
    return [(int(r[0]), r[1]) for r in rows]


def entry_after(session: Session, seq: int) -> AuditEntry | None:
    """The first entry whose seq is greater than ``seq``."""
    return session.scalars(select(AuditEntry).where(AuditEntry.seq > seq).order_by(AuditEntry.seq).limit(1)).first()


def delete_through(session: Session, last_seq: int) -> int:
    """Delete every entry up to and including ``last_seq``; returns how many."""
    from sqlalchemy import delete  # local: the module's import block is shared with other ongoing edits

    result = session.execute(delete(AuditEntry).where(AuditEntry.seq <= last_seq))
    return int(getattr(result, "rowcount", 0) or 0)


def entries_for_target(session: Session, action: str, target_type: str, target_id: str) -> list[AuditEntry]:
    """Entries of one action about one target, newest first."""
    q = select(AuditEntry).where(
        AuditEntry.action == action, AuditEntry.target_type == target_type, AuditEntry.target_id == target_id
    )
    return list(session.scalars(q.order_by(AuditEntry.seq.desc())))


def span_before(session: Session, before: datetime) -> tuple[int, datetime | None, datetime | None]:
    """(count, oldest, newest) of the entries written before ``before``."""
    from sqlalchemy import func as sql_func  # local: see delete_through

    row = session.execute(
        select(sql_func.count(), sql_func.min(AuditEntry.at), sql_func.max(AuditEntry.at)).where(AuditEntry.at < before)
    ).one()
    return int(row[0] or 0), row[1], row[2]


# --- the Merkle tree and its signed heads (``rtcc.audit.tree``) ------------------------------------------------------


_PG_TREE_LOCK = 7_243_002


def lock_tree(session: Session) -> None:
    """Serialise extensions of the Merkle tree (PostgreSQL advisory lock, separate from the chain's so audit writers
    never wait for the tree; SQLite write transactions are already exclusive)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_TREE_LOCK})


def tree_size(session: Session) -> int:
    """How many leaves the stored Merkle tree has (its level-0 nodes are leaves 0..n-1)."""
    top = session.scalar(select(func.max(AuditMerkleNode.idx)).where(AuditMerkleNode.level == 0))
    return 0 if top is None else int(top) + 1


def tree_node(session: Session, level: int, idx: int) -> bytes | None:
    """The stored hash of complete subtree (level, idx), or None."""
    node = session.get(AuditMerkleNode, (level, idx))
    return None if node is None else bytes(node.hash)


def tree_nodes(session: Session, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The stored hashes of many complete subtrees (level, idx) in one query (primary-key lookups); missing ones are
    absent. Plain SQL text: the statement's shape changes with every proof, so building it as an expression would
    cost more than running it."""
    by_level: dict[int, list[int]] = {}
    for level, idx in keys:
        by_level.setdefault(int(level), []).append(int(idx))
    out: dict[tuple[int, int], bytes] = {}
    if not by_level:
        return out
    # integers only (cast above), so inlining them is safe
    where = " OR ".join(f"(level = {lvl} AND idx IN ({','.join(map(str, idxs))}))" for lvl, idxs in by_level.items())
    for level, idx, h in session.execute(text(f"SELECT level, idx, hash FROM audit_merkle_nodes WHERE {where}")):
        out[(int(level), int(idx))] = bytes(h)
    return out


def add_tree_nodes(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert complete subtrees (``level``, ``idx``, ``hash``) in one bulk insert."""

    if rows:
        session.execute(insert(AuditMerkleNode), list(rows))


def iter_chain_rows(session: Session, batch: int = 5000) -> Iterator[Any]:
    """Every entry in chain order as plain rows (attribute access like an entry, no ORM identity map): what a full
    check of the log reads."""
    cols = [c for c in AuditEntry.__table__.c]
    after = 0
    while True:
        rows = list(session.execute(select(*cols).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(batch)))
        if not rows:
            return
        yield from rows
        after = rows[-1].seq


def chain_hashes_after(session: Session, after_seq: int, limit: int) -> list[tuple[int, str]]:
    """(seq, hash) of up to ``limit`` entries after ``after_seq``, in chain order."""
    q = select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.seq > after_seq).order_by(AuditEntry.seq).limit(limit)
    return [(int(r[0]), str(r[1])) for r in session.execute(q)]


def add_tree_head(session: Session, **fields: Any) -> AuditTreeHead:
    """Store a signed tree head; returns it (flushed, with its id)."""
    head = AuditTreeHead(**fields)
    session.add(head)
    session.flush()
    return head


def tree_heads(
    session: Session, *, after_id: int = 0, limit: int = 1000, newest_first: bool = False
) -> list[AuditTreeHead]:
    """Signed tree heads by id (publication order), after ``after_id``."""
    q = select(AuditTreeHead).where(AuditTreeHead.id > after_id)
    order = AuditTreeHead.id.desc() if newest_first else AuditTreeHead.id.asc()
    return list(session.scalars(q.order_by(order).limit(limit)))


def tree_head_with_size(session: Session, size: int) -> AuditTreeHead | None:
    """The newest signed tree head of ``size`` leaves, or None."""
    q = select(AuditTreeHead).where(AuditTreeHead.tree_size == size).order_by(AuditTreeHead.id.desc()).limit(1)
    return session.scalars(q).first()


def count_tree_heads(session: Session) -> int:
    """How many signed tree heads were published."""
    return int(session.scalar(select(func.count()).select_from(AuditTreeHead)) or 0)


def signing_keys(session: Session) -> list[AuditSigningKey]:
    """Every key that has signed tree heads, oldest first."""
    return list(
        session.scalars(select(AuditSigningKey).order_by(AuditSigningKey.valid_from_ms, AuditSigningKey.key_id))
    )


def signing_key(session: Session, key_id: str) -> AuditSigningKey | None:
    """The registered key of this id, or None."""
    return session.get(AuditSigningKey, key_id)


def add_signing_key(session: Session, **fields: Any) -> AuditSigningKey:
    """Register a key (flushed)."""
    key = AuditSigningKey(**fields)
    session.add(key)
    session.flush()
    return key


def first_head_ms_of(session: Session, key_id: str) -> int | None:
    """The timestamp of the first head this key signed, or None."""
    return session.scalar(select(func.min(AuditTreeHead.timestamp_ms)).where(AuditTreeHead.key_id == key_id))
