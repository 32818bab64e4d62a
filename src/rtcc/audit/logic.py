"""Pure rules of the audit chain: the canonical form of an entry and its hash."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import orjson

GENESIS = "0" * 64


def canonical_details(details: dict[str, Any] | None) -> dict[str, Any]:
    """Details as they will be stored: JSON-safe (datetimes and UUIDs become strings), keys sorted."""
    if not details:
        return {}
    parsed: dict[str, Any] = orjson.loads(orjson.dumps(details, default=str, option=orjson.OPT_SORT_KEYS))
    return parsed


def entry_body(
    *,
    seq: int,
    at: datetime,
    actor: str,
    actor_role: str | None,
    action: str,
    target_type: str | None,
    target_id: str | None,
    details: dict[str, Any],
) -> bytes:
    """The canonical JSON of an entry's fields (keys sorted, compact, UTF-8): what its chain hash covers after the
    previous hash. The export (``rtcc audit export``) carries these exact bytes so outsiders can recompute the hash."""
    return orjson.dumps(
        {
            "seq": seq,
            "at": at.isoformat(timespec="microseconds"),
            "actor": actor,
            "actor_role": actor_role,
            "action": action,
            "target_type": target_type,
            "target_id": target_id,
            "details": details,
        },
        option=orjson.OPT_SORT_KEYS,
    )


def chain_hash(prev_hash: str, body: bytes) -> str:
    """SHA-256 (hex) of the previous entry's hash (hex text), ``|`` and the entry's canonical body."""
    return hashlib.sha256(prev_hash.encode() + b"|" + body).hexdigest()


def entry_hash(
    *,
    prev_hash: str,
    seq: int,
    at: datetime,
    actor: str,
    actor_role: str | None,
    action: str,
    target_type: str | None,
    target_id: str | None,
    details: dict[str, Any],
) -> str:
    """SHA-256 over the previous hash and the canonical JSON of the entry's fields."""
    body = entry_body(
        seq=seq,
        at=at,
        actor=actor,
        actor_role=actor_role,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )
    return chain_hash(prev_hash, body)
