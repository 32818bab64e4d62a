"""Pydantic contracts of the audit API: entries, the filters auditors list and export by, and chain verification."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class AuditEntryRead(BaseModel):
    """One audit entry as stored (details as recorded, with the hashes that chain it)."""

    model_config = ConfigDict(from_attributes=True)
    seq: int
    at: datetime
    actor: str
    actor_role: str | None
    action: str
    target_type: str | None
    target_id: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


class AuditFilters(BaseModel):
    """What auditors filter the log by; every given filter must hold (AND). Used as a query-parameter model next to
    paging parameters, so other parameters are ignored here rather than refused."""

    model_config = ConfigDict(extra="ignore")

    actor: str | None = Field(default=None, max_length=128, description="Exact audit name (user name, apikey:...).")
    role: str | None = Field(default=None, max_length=32, description="Role of the actor at the time.")
    unit: str | None = Field(default=None, max_length=64, description="Unit recorded in the details.")
    action: str | None = Field(default=None, max_length=64, description="Action prefix, e.g. 'alpr.' or 'alpr.search'.")
    purpose: str | None = Field(default=None, max_length=48, description="Purpose code recorded in the details.")
    case_number: str | None = Field(default=None, max_length=64, description="Case number (case-insensitive).")
    target_type: str | None = Field(default=None, max_length=64, description="Type of the target.")
    target_id: str | None = Field(default=None, max_length=64, description="Id of the target.")
    since: datetime | None = Field(default=None, description="From this time (inclusive), with a timezone.")
    until: datetime | None = Field(default=None, description="Before this time (exclusive), with a timezone.")

    @field_validator("since", "until")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("give a timezone (e.g. 2026-11-01T00:00:00Z)")
        return value

    def as_kwargs(self) -> dict[str, Any]:
        """The filters that are set, as keyword arguments of ``audit.service.search``."""
        return self.model_dump(exclude_none=True)


#: Formats of an audit export.
ExportFormat = Literal["csv", "jsonl"]

#: Columns of the CSV export, in order (``details`` is one JSON column).
EXPORT_COLUMNS: tuple[str, ...] = (
    "seq",
    "at",
    "actor",
    "actor_role",
    "action",
    "target_type",
    "target_id",
    "unit",
    "purpose",
    "case_number",
    "result_count",
    "details",
    "hash",
)


class VerificationRead(BaseModel):
    """The outcome of walking the chain."""

    ok: bool
    checked: int
    first_bad_seq: int | None
    problem: str | None
    last_hash: str | None
    verified_at: datetime | None


# --- the Merkle tree: signed tree heads and proofs (public: no entry contents) --------------------------------------


class TreeHeadRead(BaseModel):
    """A signed tree head (RFC 6962 3.5). The signature (Ed25519, base64) covers the 50 bytes ``0x00 0x01``,
    ``timestamp`` and ``tree_size`` as big-endian uint64, then the 32-byte root."""

    id: int = Field(description="Publication order.")
    tree_size: int = Field(description="How many entries (seq 1..tree_size) the tree covers.")
    timestamp: int = Field(description="Milliseconds since the Unix epoch when the head was signed.")
    sha256_root_hash: str = Field(description="Merkle tree hash (hex).")
    tree_head_signature: str = Field(description="Ed25519 signature, base64.")
    key_id: str = Field(description="SHA-256 of the raw public key that signed it (hex).")


class SigningKeyRead(BaseModel):
    """The public key that verifies tree heads."""

    algorithm: str
    public_key: str = Field(description="Raw 32-byte Ed25519 public key, base64.")
    key_id: str = Field(description="SHA-256 of the raw public key (hex).")
    pem: str = Field(description="The same key as PEM (SubjectPublicKeyInfo).")


class SigningKeyValidityRead(SigningKeyRead):
    """A key that has signed tree heads and when: heads from ``valid_from`` until ``valid_until`` (both included; null
    while it is the current key) are signed by it. Rotated keys stay listed, so old heads stay verifiable."""

    valid_from: int = Field(description="Timestamp (ms since the epoch) of the first head this key signed.")
    valid_until: int | None = Field(description="When the next key took over (ms since the epoch); null: current.")


class InclusionProofRead(BaseModel):
    """The audit path of entry ``seq`` (leaf ``seq - 1``) in the published tree of ``tree_size`` entries."""

    seq: int
    leaf_index: int
    tree_size: int
    leaf_hash: str = Field(description="SHA-256(0x00 || the entry's 32-byte chain hash), hex.")
    root_hash: str
    audit_path: list[str]


class ConsistencyProofRead(BaseModel):
    """RFC 6962 PROOF(first, D[second]) between two published heads."""

    first: int
    second: int
    first_root_hash: str
    second_root_hash: str
    consistency: list[str]


class EntryProofRead(BaseModel):
    """One entry (staff only) with its inclusion proof in the latest published head."""

    entry: AuditEntryRead
    proof: InclusionProofRead


class TreeCheckRead(BaseModel):
    """The log checked against every published head."""

    ok: bool
    entries: int
    heads: int
    problem: str | None
    first_bad_seq: int | None
