"""The Merkle tree of the audit log, exactly as Certificate Transparency defines it (RFC 6962 section 2.1; the
verification algorithms are those of RFC 9162 section 2.1.3.2 and 2.1.4.2, which verify RFC 6962 proofs).

Leaf ``i`` is audit entry ``seq = i + 1``; its leaf data is the 32 bytes of the entry's chain hash, so the tree
commits to every field of every entry (the chain hash covers them) and to their order. Hashes:
``leaf = SHA-256(0x00 || data)``, ``node = SHA-256(0x01 || left || right)``, the empty tree's root is
``SHA-256("")``. The tree of the first ``n`` entries is defined for every ``n``.

Proofs are computed from a *node source*: a function giving the hash of a complete, aligned subtree (``level``,
``index``: the ``2**level`` leaves starting at ``index * 2**level``). An in-memory tree (``MemoryTree``) is one source;
the database's stored complete subtrees are another, so a proof over a million entries needs O(log² n) lookups and
no pass over the leaves. ``Frontier`` is the streaming form: append leaf hashes, read the root of the tree so far, and
learn which complete subtrees each append completed (what the database stores).

Pure: bytes in, bytes out; no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

#: The hash of a complete aligned subtree: ``(level, index) -> 32 bytes``.
NodeSource = Callable[[int, int], bytes]

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n >= 2``): where RFC 6962 splits a tree of ``n`` leaves."""
    if n < 2:
        raise ValueError(f"cannot split a tree of {n} leaves")
    return 1 << ((n - 1).bit_length() - 1)


def subtree_root(start: int, end: int, node: NodeSource) -> bytes:
    """MTH(D[start:end]) for a range the RFC's recursion visits (``start`` is a multiple of the largest power of two
    not above ``end - start``): complete pieces come from ``node``, the ragged right edge is combined here."""
    n = end - start
    if n <= 0:
        raise ValueError(f"empty range {start}:{end}")
    if n & (n - 1) == 0:
        level = n.bit_length() - 1
        return node(level, start >> level)
    k = split(n)
    return node_hash(subtree_root(start, start + k, node), subtree_root(start + k, end, node))


def root(size: int, node: NodeSource) -> bytes:
    """MTH of the first ``size`` leaves (the empty tree's hash for 0)."""
    if size < 0:
        raise ValueError(f"tree size {size} is negative")
    return EMPTY_ROOT if size == 0 else subtree_root(0, size, node)


def inclusion_path(index: int, size: int, node: NodeSource) -> list[bytes]:
    """PATH(index, D[size]) of RFC 6962 2.1.1: the audit path of leaf ``index`` in the tree of ``size`` leaves."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of {size} leaves")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = split(end - start)
        if index < start + k:
            path.append(subtree_root(start + k, end, node))
            end = start + k
        else:
            path.append(subtree_root(start, start + k, node))
            start += k
    path.reverse()
    return path


def consistency_proof(first: int, second: int, node: NodeSource) -> list[bytes]:
    """PROOF(first, D[second]) of RFC 6962 2.1.2 (empty when ``first`` is 0 or equals ``second``)."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    if first == 0 or first == second:
        return []
    proof: list[bytes] = []
    start, end, m, complete = 0, second, first, True
    while m != end - start:
        k = split(end - start)
        if m <= k:
            proof.append(subtree_root(start + k, end, node))
            end = start + k
        else:
            proof.append(subtree_root(start, start + k, node))
            start += k
            m -= k
            complete = False
    if not complete:
        proof.append(subtree_root(start, end, node))
    proof.reverse()
    return proof


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], expected_root: bytes) -> bool:
    """True when ``path`` proves that the leaf hash ``leaf`` sits at ``index`` of the tree of ``size`` leaves whose
    root is ``expected_root`` (RFC 9162 2.1.3.2)."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]) -> bool:
    """True when ``proof`` shows the tree of ``first`` leaves (``first_root``) is a prefix of the tree of ``second``
    leaves (``second_root``) (RFC 9162 2.1.4.2; size 0 is a prefix of anything, with an empty proof)."""
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    if not proof:
        return False
    items = list(proof)
    if first & (first - 1) == 0:
        items.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = items[0]
    for c in items[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def required_nodes(compute: Callable[[NodeSource], object]) -> set[tuple[int, int]]:
    """The complete subtrees ``compute(node)`` reads, found by running it on placeholder hashes (which nodes the
    algorithms read depends only on sizes and indexes, never on hash values): a store fetches them in one query."""
    seen: set[tuple[int, int]] = set()

    def record(level: int, index: int) -> bytes:
        seen.add((level, index))
        return bytes(32)

    compute(record)
    return seen


class MemoryTree:
    """Every complete subtree of a list of leaf hashes, in memory (a node source for tests and small logs)."""

    def __init__(self, leaves: Iterable[bytes]) -> None:
        self.levels: list[list[bytes]] = [list(leaves)]
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            self.levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])

    @property
    def size(self) -> int:
        """How many leaves."""
        return len(self.levels[0])

    def node(self, level: int, index: int) -> bytes:
        """The hash of complete subtree ``(level, index)`` (KeyError-like IndexError when it does not exist)."""
        return self.levels[level][index]


def mth(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) straight from RFC 6962's recursive definition over leaf *data* (the reference, for tests)."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hash(leaves[0])
    k = split(n)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


@dataclass(frozen=True)
class NewNode:
    """A complete subtree an append completed: what a store keeps to answer proofs later."""

    level: int
    index: int
    hash: bytes


@dataclass
class Frontier:
    """The right edge of a growing tree: the roots of its complete subtrees, largest first (at most log₂ n).

    ``append`` adds one leaf hash and returns every complete subtree it completed (the leaf itself included);
    ``root`` is the MTH of the leaves so far. ``from_nodes`` resumes from a stored tree of ``size`` leaves."""

    size: int = 0
    stack: list[tuple[int, bytes]] = field(default_factory=list)

    @classmethod
    def from_nodes(cls, size: int, node: NodeSource) -> Frontier:
        """The frontier of a tree of ``size`` leaves, read from its complete subtrees."""
        stack = [(lvl, node(lvl, (size >> lvl) - 1)) for lvl in range(size.bit_length() - 1, -1, -1) if size >> lvl & 1]
        return cls(size, stack)

    def append(self, leaf: bytes) -> list[NewNode]:
        """Add the leaf hash ``leaf`` (already ``leaf_hash``-ed); returns the complete subtrees it completed."""
        index = self.size
        made = [NewNode(0, index, leaf)]
        self.stack.append((0, leaf))
        while len(self.stack) > 1 and self.stack[-1][0] == self.stack[-2][0]:
            level, right = self.stack.pop()
            _, left = self.stack.pop()
            parent = node_hash(left, right)
            self.stack.append((level + 1, parent))
            made.append(NewNode(level + 1, index >> (level + 1), parent))
        self.size += 1
        return made

    def root(self) -> bytes:
        """MTH of the leaves appended so far."""
        if not self.stack:
            return EMPTY_ROOT
        r = self.stack[-1][1]
        for _, h in reversed(self.stack[:-1]):
            r = node_hash(h, r)
        return r
