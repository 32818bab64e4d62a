"""The audit tables. Entries are only ever inserted; ``audit.service.verify`` proves none was edited or removed, and
the Merkle tree over them (``audit_merkle_nodes``) with its signed tree heads (``audit_tree_heads``) lets outsiders
check that nothing was removed, inserted or rewritten since a head was published (``rtcc.audit.tree``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Integer, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rtcc.core.db import Base, UTCDateTime


class AuditEntry(Base):
    """One recorded action. ``hash = sha256(prev_hash | canonical(seq, at, actor, ..., details))``. ``seq`` counts
    from 1 (a CHECK refuses anything below: leaf ``seq - 1`` of the Merkle tree)."""

    __tablename__ = "audit_entries"
    __table_args__ = (CheckConstraint("seq >= 1", name="seq_positive"),)

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(128), index=True)
    actor_role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditMerkleNode(Base):
    """A complete subtree of the Merkle tree: the ``2**level`` leaves from ``index * 2**level`` (level 0: the leaf
    hashes). Every complete subtree is kept (about 2n rows for n entries), so any proof needs O(log² n) lookups.
    Kept when retention purges old entries, so proofs over published heads stay answerable."""

    __tablename__ = "audit_merkle_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditTreeHead(Base):
    """A signed tree head (RFC 6962 3.5): the root of the tree of the first ``tree_size`` entries at ``timestamp_ms``,
    signed with Ed25519 by the key ``key_id`` (SHA-256 of the raw public key, hex). Every head is kept."""

    __tablename__ = "audit_tree_heads"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
    key_id: Mapped[str] = mapped_column(String(64))


class AuditSigningKey(Base):
    """A public key that has signed tree heads, with its validity: from ``valid_from_ms`` (its first head) until
    ``valid_until_ms`` (the first head of the key that replaced it; None while it is the current key). Keys are
    registered when they first sign and never deleted, so heads signed before a rotation stay verifiable."""

    __tablename__ = "audit_signing_keys"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(16))
    public_key: Mapped[str] = mapped_column(String(64))
    pem: Mapped[str] = mapped_column(Text)
    valid_from_ms: Mapped[int] = mapped_column(BigInteger)
    valid_until_ms: Mapped[int | None] = mapped_column(BigInteger)
