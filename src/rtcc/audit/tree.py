"""The audit log as a Certificate Transparency log (use cases): keep the Merkle tree over the entries, publish signed
tree heads, answer inclusion and consistency proofs, and check the log against every published head.

Leaf ``seq - 1`` is ``SHA-256(0x00 || chain hash of entry seq)`` (``rtcc.audit.merkle``). ``extend_tree`` adds the
entries written since the last call to the stored tree (``audit_merkle_nodes``: every complete subtree), so a head or
a proof reads O(log² n) stored nodes (one query) and never walks the log. Writers of audit entries do not touch the
tree: the head job (``rtcc.audit.jobs``) extends it, under its own lock, and retention extends it before purging.

``check`` is the tamper test: it recomputes every entry's chain hash from its fields, the tree from those hashes and
the root at every published head's size; deleted newest entries (the log is shorter than a head), entries inserted
or renumbered anywhere, and rewritten entries (even with the chain recomputed after them) all make a root differ.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from rtcc.audit import merkle, repository, signing
from rtcc.audit.logic import GENESIS, chain_hash, entry_body
from rtcc.audit.models import AuditEntry, AuditSigningKey, AuditTreeHead
from rtcc.core.clock import utcnow
from rtcc.core.errors import NotFound, invalid

#: Entries read per query when the tree is extended or checked.
BATCH = 5000


class TreeError(RuntimeError):
    """The stored tree cannot be extended or read (a gap in the log, or missing nodes)."""


def body_of(e: Any) -> bytes:
    """The canonical bytes the entry's chain hash covers (after the previous hash); ``e`` is an entry or a row."""
    return entry_body(
        seq=e.seq,
        at=e.at,
        actor=e.actor,
        actor_role=e.actor_role,
        action=e.action,
        target_type=e.target_type,
        target_id=e.target_id,
        details=e.details or {},
    )


def node_source(session: Session, prefetch: Callable[[merkle.NodeSource], object] | None = None) -> merkle.NodeSource:
    """The stored complete subtrees as a node source (cached). With ``prefetch``, every node that computation will
    read is fetched first in one query (``merkle.required_nodes``), so a proof costs one round trip."""
    cache: dict[tuple[int, int], bytes] = {}
    if prefetch is not None:
        cache.update(repository.tree_nodes(session, sorted(merkle.required_nodes(prefetch))))

    def node(level: int, idx: int) -> bytes:
        key = (level, idx)
        if key not in cache:
            h = repository.tree_node(session, level, idx)
            if h is None:
                raise TreeError(f"the stored Merkle tree lacks subtree level {level} index {idx}")
            cache[key] = h
        return cache[key]

    return node


def extend_tree(session: Session, *, max_entries: int | None = None) -> int:
    """Add the entries written since the last extension to the stored tree (at most ``max_entries``, so a large
    backlog can be taken in several short transactions); returns how many were added.

    It takes the tree's lock, not the chain's: audit writers never wait for it. Appends commit in seq order (they
    hold the chain lock until they commit), so committed entries never show a gap that a later commit fills."""
    repository.lock_tree(session)
    size = repository.tree_size(session)
    frontier = merkle.Frontier.from_nodes(size, node_source(session, lambda src: merkle.Frontier.from_nodes(size, src)))
    added = 0
    while max_entries is None or added < max_entries:
        want = BATCH if max_entries is None else min(BATCH, max_entries - added)
        rows = repository.chain_hashes_after(session, frontier.size, want)
        if not rows:
            break
        new: list[dict[str, Any]] = []
        for seq, h in rows:
            if seq != frontier.size + 1:
                raise TreeError(f"audit entry seq {frontier.size + 1} is missing (next is {seq}); the tree stops there")
            for n in frontier.append(merkle.leaf_hash(bytes.fromhex(h))):
                new.append({"level": n.level, "idx": n.index, "hash": n.hash})
        repository.add_tree_nodes(session, new)
        added += len(rows)
    return added


def current_root(session: Session) -> tuple[int, bytes]:
    """(size, root) of the stored tree after extending it."""
    extend_tree(session)
    size = repository.tree_size(session)
    return size, merkle.root(size, node_source(session, lambda src: merkle.root(size, src)))


def publish_head(session: Session, key: Ed25519PrivateKey, *, timestamp_ms: int | None = None) -> AuditTreeHead:
    """Extend the tree and store a signed tree head of all entries so far."""
    size, root = current_root(session)
    ts = timestamp_ms if timestamp_ms is not None else int(utcnow().timestamp() * 1000)
    signature = signing.sign(key, signing.tree_head_message(ts, size, root))
    pub = signing.public_key_of(key)
    register_key(session, pub, now_ms=ts)
    return repository.add_tree_head(
        session, tree_size=size, timestamp_ms=ts, root_hash=root.hex(), signature=signature, key_id=pub.key_id
    )


def register_key(session: Session, pub: signing.PublicKey, *, now_ms: int) -> AuditSigningKey:
    """Record ``pub`` as the key that signs from now on (key rotation): a new key is valid from ``now_ms`` (or from
    the first head it signed before keys were recorded), and the key it replaces is valid until then. A retired key
    is refused: signing with it again would make its validity a lie."""
    row = repository.signing_key(session, pub.key_id)
    if row is not None:
        if row.valid_until_ms is not None:
            raise signing.SigningKeyError(
                f"audit signing key {pub.key_id[:16]}... was retired; sign with the current key or a new one"
            )
        return row
    first = repository.first_head_ms_of(session, pub.key_id)
    for other in repository.signing_keys(session):
        if other.valid_until_ms is None:
            other.valid_until_ms = now_ms
    return repository.add_signing_key(
        session,
        key_id=pub.key_id,
        algorithm=pub.algorithm,
        public_key=pub.public_key,
        pem=pub.pem,
        valid_from_ms=first if first is not None else now_ms,
        valid_until_ms=None,
    )


def signing_keys(session: Session) -> list[AuditSigningKey]:
    """Every key that has signed heads, with its validity, oldest first."""
    return repository.signing_keys(session)


def key_json(k: AuditSigningKey) -> dict[str, Any]:
    """A key as published: algorithm, raw public key (base64), key id, PEM and validity (ms since the epoch)."""
    return {
        "algorithm": k.algorithm,
        "public_key": k.public_key,
        "key_id": k.key_id,
        "pem": k.pem,
        "valid_from": k.valid_from_ms,
        "valid_until": k.valid_until_ms,
    }


def heads(session: Session, *, after_id: int = 0, limit: int = 1000) -> list[AuditTreeHead]:
    """Published heads in publication order."""
    return repository.tree_heads(session, after_id=after_id, limit=limit)


def latest_head(session: Session) -> AuditTreeHead | None:
    """The newest published head."""
    found = repository.tree_heads(session, limit=1, newest_first=True)
    return found[0] if found else None


def _published(session: Session, size: int, field: str) -> AuditTreeHead:
    head = repository.tree_head_with_size(session, size)
    if head is None:
        raise invalid(field, f"no published tree head has size {size}", where="query")
    return head


@dataclass(frozen=True)
class InclusionProof:
    """The audit path of one entry's leaf in a published tree."""

    seq: int
    leaf_index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    audit_path: list[str]


def inclusion(session: Session, *, seq: int, tree_size: int | None = None) -> InclusionProof:
    """The inclusion proof of entry ``seq`` in the published head of ``tree_size`` (default: the latest head)."""
    if tree_size is None:
        head = latest_head(session)
        if head is None:
            raise NotFound("no tree head has been published yet")
    else:
        head = _published(session, tree_size, "tree_size")
    if not 1 <= seq <= head.tree_size:
        raise invalid("seq", f"entry {seq} is not in the tree of {head.tree_size} entries", where="query")
    size = head.tree_size
    node = node_source(session, lambda src: (src(0, seq - 1), merkle.inclusion_path(seq - 1, size, src)))
    path = merkle.inclusion_path(seq - 1, size, node)
    return InclusionProof(seq, seq - 1, head.tree_size, node(0, seq - 1).hex(), head.root_hash, [p.hex() for p in path])


@dataclass(frozen=True)
class ConsistencyProof:
    """The proof that the tree of ``first`` entries is a prefix of the tree of ``second``."""

    first: int
    second: int
    first_root_hash: str
    second_root_hash: str
    consistency: list[str]


def consistency(session: Session, *, first: int, second: int) -> ConsistencyProof:
    """The consistency proof between two published heads (by tree size)."""
    if first > second:
        raise invalid("first", f"size {first} is larger than second ({second})", where="query")
    h1, h2 = _published(session, first, "first"), _published(session, second, "second")
    node = node_source(session, lambda src: merkle.consistency_proof(first, second, src))
    proof = merkle.consistency_proof(first, second, node)
    return ConsistencyProof(first, second, h1.root_hash, h2.root_hash, [p.hex() for p in proof])


@dataclass(frozen=True)
class TreeCheck:
    """Outcome of ``check``: the first problem found (None when the log agrees with every published head)."""

    ok: bool
    entries: int
    heads: int
    problem: str | None = None
    first_bad_seq: int | None = None


def _entries(session: Session) -> Iterator[Any]:
    return repository.iter_chain_rows(session, batch=BATCH)


def _signature_problem(h: AuditTreeHead, keys: dict[str, AuditSigningKey | str]) -> str | None:
    """Why head ``h``'s signature does not hold with the key it names (None when it does)."""
    key = keys.get(h.key_id)
    if key is None:
        return f"tree head {h.id} (size {h.tree_size}): signed by key {h.key_id[:16]}..., which is not published"
    pub = key if isinstance(key, str) else key.public_key
    if isinstance(key, AuditSigningKey) and not (
        key.valid_from_ms <= h.timestamp_ms and (key.valid_until_ms is None or h.timestamp_ms <= key.valid_until_ms)
    ):
        return f"tree head {h.id} (size {h.tree_size}): signed by key {h.key_id[:16]}... outside its validity"
    msg = signing.tree_head_message(h.timestamp_ms, h.tree_size, bytes.fromhex(h.root_hash))
    if not signing.verify(pub, msg, h.signature):
        return f"tree head {h.id} (size {h.tree_size}): bad signature"
    return None


def check(session: Session, *, public_key_b64: str | None = None, verify_signatures: bool = False) -> TreeCheck:
    """Recompute the chain, the tree and the root at every published head's size from the entries themselves and
    compare. With ``verify_signatures`` each head's signature is verified with the registered key it names (within
    that key's validity: rotated keys keep verifying their heads); ``public_key_b64`` adds a key that need not be
    registered yet (the configured one). A purged prefix (retention) is taken from the stored tree's subtrees (the
    entries are gone)."""
    all_heads = heads(session, limit=10**9)
    if verify_signatures or public_key_b64 is not None:
        keys: dict[str, AuditSigningKey | str] = {k.key_id: k for k in repository.signing_keys(session)}
        if public_key_b64 is not None:
            kid = hashlib.sha256(base64.b64decode(public_key_b64)).hexdigest()
            keys.setdefault(kid, public_key_b64)
        for h in all_heads:
            problem = _signature_problem(h, keys)
            if problem:
                return TreeCheck(False, 0, len(all_heads), problem)
    by_size: dict[int, list[AuditTreeHead]] = {}
    for h in all_heads:
        by_size.setdefault(h.tree_size, []).append(h)

    def compare(size: int, root: bytes) -> str | None:
        for h in by_size.get(size, []):
            if h.root_hash != root.hex():
                return f"the log's first {size} entries do not match tree head {h.id} (rewritten, inserted or deleted)"
        return None

    first = repository.first_entry(session)
    start = 0 if first is None else first.seq - 1
    if start < 0:
        return TreeCheck(False, 0, len(all_heads), f"entry with seq {first.seq if first else 0} below 1", start + 1)
    frontier = merkle.Frontier.from_nodes(start, node_source(session)) if start else merkle.Frontier()
    prev = first.prev_hash if first is not None and start else GENESIS
    problem = compare(0, frontier.root()) if start == 0 else None
    if problem:
        return TreeCheck(False, 0, len(all_heads), problem, 1)
    checked = 0
    for e in _entries(session):
        expected = frontier.size + 1
        if e.seq != expected:
            return TreeCheck(False, checked, len(all_heads), f"entry {e.seq} where {expected} was expected", e.seq)
        if e.prev_hash != prev:
            return TreeCheck(False, checked, len(all_heads), f"entry {e.seq} does not link to its predecessor", e.seq)
        computed = chain_hash(e.prev_hash, body_of(e))
        if computed != e.hash:
            return TreeCheck(False, checked, len(all_heads), f"entry {e.seq} was edited (hash mismatch)", e.seq)
        frontier.append(merkle.leaf_hash(bytes.fromhex(computed)))
        prev = computed
        checked += 1
        problem = compare(frontier.size, frontier.root())
        if problem:
            return TreeCheck(False, checked, len(all_heads), problem, e.seq)
    longest = max((h.tree_size for h in all_heads), default=0)
    if longest > frontier.size:
        return TreeCheck(
            False,
            checked,
            len(all_heads),
            f"the log has {frontier.size} entries but a published tree head covers {longest}: entries were deleted",
            frontier.size + 1,
        )
    return TreeCheck(True, checked, len(all_heads))


def head_json(h: AuditTreeHead) -> dict[str, Any]:
    """A head as published (the verifier's input): sizes, times, hex root, base64 signature, key id."""
    return {
        "id": h.id,
        "tree_size": h.tree_size,
        "timestamp": h.timestamp_ms,
        "sha256_root_hash": h.root_hash,
        "tree_head_signature": h.signature,
        "key_id": h.key_id,
    }


def export_line(e: AuditEntry) -> dict[str, Any]:
    """One line of ``rtcc audit export``: seq, prev_hash, hash and the canonical body (base64 of the exact bytes)."""
    return {
        "seq": e.seq,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
        "body": base64.b64encode(body_of(e)).decode(),
    }
