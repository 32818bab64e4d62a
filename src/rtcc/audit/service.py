"""Audit use cases: append an entry inside the caller's transaction, and verify the whole chain.

A unit of work that runs many small actions in one transaction (ingest's group commit) may ``defer`` the session's
entries: ``record`` then queues each entry, unchanged, and ``write_deferred`` appends them all in order with one
chain lock, one lookup and one bulk insert before the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from rtcc.audit import repository, tree
from rtcc.audit.logic import GENESIS, canonical_details, entry_hash
from rtcc.audit.models import AuditEntry, AuditSigningKey, AuditTreeHead
from rtcc.core.clock import utcnow
from rtcc.core.errors import NotFound


def record(
    session: Session,
    *,
    actor: str,
    actor_role: str | None,
    action: str,
    target_type: str | None = None,
    target_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain in the caller's transaction (it commits or rolls back with the action). While the
    session's entries are deferred (``defer``), the entry is queued and the returned one is not yet in the chain."""
    queued: list[AuditDraft] | None = session.info.get(_DEFERRED)
    if queued is not None:
        queued.append(AuditDraft(actor, actor_role, action, target_type, target_id, details))
        return AuditEntry(actor=actor, actor_role=actor_role, action=action, target_type=target_type)
    repository.lock_chain(session)
    head = repository.chain_head(session)
    seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS)
    at = utcnow()
    clean = canonical_details(details)
    h = entry_hash(
        prev_hash=prev_hash,
        seq=seq,
        at=at,
        actor=actor,
        actor_role=actor_role,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=clean,
    )
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=actor,
        actor_role=actor_role,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=clean,
        prev_hash=prev_hash,
        hash=h,
    )
    session.add(entry)
    session.flush()
    return entry


class Actor(Protocol):
    """Who acts: anything with the name the audit log records and a role (an identity ``Principal``)."""

    @property
    def audit_name(self) -> str: ...

    @property
    def role(self) -> str: ...

    @property
    def unit(self) -> str | None: ...


def record_for(
    session: Session,
    actor: Actor,
    action: str,
    *,
    target_type: str | None = None,
    target_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """``record`` for an action taken by ``actor`` (its audit name and role; its unit goes into the details)."""
    if actor.unit and (details is None or "unit" not in details):
        details = {**(details or {}), "unit": actor.unit}
    return record(
        session,
        actor=actor.audit_name,
        actor_role=actor.role,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )


@dataclass(frozen=True)
class AuditDraft:
    """One entry to append with ``record_many``."""

    actor: str
    actor_role: str | None
    action: str
    target_type: str | None = None
    target_id: str | None = None
    details: dict[str, Any] | None = None


def record_draft(session: Session, draft: AuditDraft) -> None:
    """``record`` for a caller that does not need the entry back: queued as it is while the session's entries are
    deferred (the ingest writer's shared transaction), appended at once otherwise."""
    queued: list[AuditDraft] | None = session.info.get(_DEFERRED)
    if queued is not None:
        queued.append(draft)
        return
    record_many(session, [draft])


def record_many(session: Session, drafts: Sequence[AuditDraft]) -> int:
    """Append several entries in order with one chain lock, one lookup and one bulk insert (same transaction)."""
    if not drafts:
        return 0
    repository.lock_chain(session)
    head = repository.chain_head(session)
    seq, prev_hash = head if head else (0, GENESIS)
    at = utcnow()
    rows: list[dict[str, Any]] = []
    for d in drafts:
        seq += 1
        clean = canonical_details(d.details)
        h = entry_hash(
            prev_hash=prev_hash,
            seq=seq,
            at=at,
            actor=d.actor,
            actor_role=d.actor_role,
            action=d.action,
            target_type=d.target_type,
            target_id=d.target_id,
            details=clean,
        )
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": d.actor,
                "actor_role": d.actor_role,
                "action": d.action,
                "target_type": d.target_type,
                "target_id": d.target_id,
                "details": clean,
                "prev_hash": prev_hash,
                "hash": h,
            }
        )
        prev_hash = h
    # the table's own executemany: no ORM bookkeeping per entry
    session.execute(insert(cast(Table, AuditEntry.__table__)), rows)
    return len(rows)


_DEFERRED = "audit_deferred"


def defer(session: Session) -> list[AuditDraft]:
    """Queue the session's entries from now on; returns the queue (a caller may drop entries of work it undid)."""
    queued: list[AuditDraft] = session.info.setdefault(_DEFERRED, [])
    return queued


def write_deferred(session: Session) -> int:
    """Append the queued entries (``defer``) to the chain in order and stop deferring; returns how many."""
    queued: list[AuditDraft] = session.info.pop(_DEFERRED, [])
    return record_many(session, queued)


@dataclass(frozen=True)
class Verification:
    """Outcome of walking the chain. ``problem`` says what the first bad entry shows (edited, deleted, inserted)."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    last_hash: str | None = None
    verified_at: datetime | None = None


def verify(session: Session) -> Verification:
    """Recompute every hash in order and report the first entry that was edited, inserted or deleted.

    The walk starts at genesis, or, when the oldest entries were purged by retention, at the earliest remaining
    entry if a checkpoint in the chain vouches for it (``checkpoint_for``); the checkpoint entry is itself verified
    by the walk. Without a checkpoint, missing first entries are reported as deleted."""
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    first = repository.first_entry(session)
    if first is not None and (first.seq != 1 or first.prev_hash != GENESIS) and checkpoint_for(session, first):
        prev_hash = first.prev_hash
        expected_seq = first.seq
    for e in repository.iter_chain(session):
        recomputed = entry_hash(
            prev_hash=e.prev_hash,
            seq=e.seq,
            at=e.at,
            actor=e.actor,
            actor_role=e.actor_role,
            action=e.action,
            target_type=e.target_type,
            target_id=e.target_id,
            details=e.details or {},
        )
        if e.seq != expected_seq and e.prev_hash != prev_hash:
            return Verification(
                False, checked, e.seq, f"entries deleted before seq {e.seq} (expected seq {expected_seq})"
            )
        if e.prev_hash != prev_hash:
            return Verification(False, checked, e.seq, f"entry {e.seq} was inserted or its predecessor was edited")
        if recomputed != e.hash:
            return Verification(False, checked, e.seq, f"entry {e.seq} was edited (hash mismatch)")
        if e.seq != expected_seq:
            return Verification(False, checked, e.seq, f"entry {e.seq} is out of sequence (expected {expected_seq})")
        prev_hash = e.hash
        expected_seq = e.seq + 1
        checked += 1
    return Verification(True, checked, None, None, prev_hash if checked else None, utcnow())


def entry(session: Session, seq: int) -> AuditEntry:
    """One entry by seq (NotFound when there is none)."""
    found = session.get(AuditEntry, seq)
    if found is None:
        raise NotFound(f"no audit entry {seq}")
    return found


@dataclass(frozen=True)
class PublishedHeads:
    """How many signed tree heads were published, and the newest (None before the first)."""

    count: int
    latest: AuditTreeHead | None
    recent: list[AuditTreeHead] = field(default_factory=list)  # newest first
    keys: list[AuditSigningKey] = field(default_factory=list)  # every key that signed, with its validity


def published_heads(session: Session, *, recent: int = 0) -> PublishedHeads:
    """The signed tree heads of the log, for the transparency portal: how many, the newest, the ``recent`` newest
    and every signing key with its validity."""
    newest = repository.tree_heads(session, limit=max(1, recent), newest_first=True)
    return PublishedHeads(
        repository.count_tree_heads(session),
        newest[0] if newest else None,
        newest[:recent],
        tree.signing_keys(session),
    )


def search(session: Session, **filters: Any) -> list[AuditEntry]:
    """Filtered audit entries, newest first."""
    return repository.search(session, **filters)


# --- retention: purging the oldest entries behind a checkpoint -------------------------------------------------------

#: The action whose entries may carry a checkpoint (``details["checkpoint"]``) vouching for a purged prefix.
CHECKPOINT_ACTION = "retention.purge"
CHECKPOINT_KEY = "checkpoint"
#: ``target_type`` of a checkpoint entry; its ``target_id`` is the first kept seq (so verify finds it by index).
CHECKPOINT_TARGET = "audit_checkpoint"


@dataclass(frozen=True)
class PurgedPrefix:
    """What ``purge_before`` deleted: count, oldest and newest time, and the checkpoint of the first kept entry."""

    count: int
    oldest: datetime
    newest: datetime
    first_kept_seq: int
    first_kept_prev_hash: str

    def checkpoint(self) -> dict[str, Any]:
        """The checkpoint to record (under ``details["checkpoint"]`` of a ``retention.purge`` entry)."""
        return {"first_kept_seq": self.first_kept_seq, "prev_hash": self.first_kept_prev_hash}


def purge_before(session: Session, *, before: datetime, limit: int) -> PurgedPrefix | None:
    """Delete at most ``limit`` of the oldest entries written before ``before`` (a prefix of the chain; the newest
    entry is always kept). The caller must record ``checkpoint()`` in a ``retention.purge`` entry with target
    ``audit_checkpoint`` / the first kept seq in the same transaction, or ``verify`` reports the deletion. The
    Merkle tree is extended first, so the purged entries' leaves stay in it (proofs over published heads keep
    working)."""
    repository.lock_chain(session)
    tree.extend_tree(session)
    rows = repository.oldest_entries(session, limit)
    last = repository.last_entry(session)
    if not rows or last is None:
        return None
    doomed: list[tuple[int, datetime]] = []
    for seq, at in rows:
        if at >= before or seq >= last.seq:
            break
        doomed.append((seq, at))
    if not doomed:
        return None
    through = doomed[-1][0]
    kept = repository.entry_after(session, through)
    if kept is None:  # cannot happen: the newest entry is never deleted
        return None
    kept_seq, kept_prev = kept.seq, kept.prev_hash
    count = repository.delete_through(session, through)
    session.expire_all()
    return PurgedPrefix(count, doomed[0][1], doomed[-1][1], kept_seq, kept_prev)


def checkpoint_for(session: Session, first: AuditEntry) -> bool:
    """True when a ``retention.purge`` entry records a checkpoint for exactly this first remaining entry."""
    want = {"first_kept_seq": first.seq, "prev_hash": first.prev_hash}
    for e in repository.entries_for_target(session, CHECKPOINT_ACTION, CHECKPOINT_TARGET, str(first.seq)):
        if e.seq > first.seq and (e.details or {}).get(CHECKPOINT_KEY) == want:
            return True
    return False


def due_before(session: Session, before: datetime) -> tuple[int, datetime | None, datetime | None]:
    """(count, oldest, newest) of the entries written before ``before`` (what a purge would take; dry run)."""
    return repository.span_before(session, before)
