"""The audit log's Merkle tree and signed tree heads: heads sign the RFC 6962 root of the chain hashes, every
inclusion and consistency proof verifies, and deleting, inserting or rewriting entries is caught against any
published head (including a rewrite that recomputes the whole hash chain, which the chain alone cannot see)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError

from rtcc.audit import merkle, service, signing, tree
from rtcc.audit.logic import entry_hash
from rtcc.audit.models import AuditEntry
from rtcc.audit.service import AuditDraft
from rtcc.core.db import Database
from rtcc.settings import Settings


def _write(db: Database, n: int, tag: str = "x") -> None:
    with db.uow() as s:
        service.record_many(
            s, [AuditDraft("ana", "analyst", "test.action", "thing", f"{tag}{i}", {"i": i}) for i in range(n)]
        )


def _publish(db: Database, key: Ed25519PrivateKey) -> dict[str, Any]:
    with db.uow() as s:
        return tree.head_json(tree.publish_head(s, key))


def _check(db: Database, key: Ed25519PrivateKey | None = None) -> tree.TreeCheck:
    pub = signing.public_key_of(key).public_key if key else None
    with db.read() as s:
        return tree.check(s, public_key_b64=pub)


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def test_head_signs_the_rfc6962_root_of_the_chain(db: Database, key: Ed25519PrivateKey) -> None:
    _write(db, 13)
    head = _publish(db, key)
    with db.read() as s:
        hashes = [bytes.fromhex(e.hash) for e in service.search(s, limit=100, oldest_first=True)]
    assert head["tree_size"] == 13
    assert head["sha256_root_hash"] == merkle.mth(hashes).hex()
    msg = signing.tree_head_message(head["timestamp"], 13, bytes.fromhex(head["sha256_root_hash"]))
    pub = signing.public_key_of(key)
    assert signing.verify(pub.public_key, msg, head["tree_head_signature"])
    assert not signing.verify(pub.public_key, msg[:-1] + b"\x00", head["tree_head_signature"])
    assert head["key_id"] == pub.key_id
    assert _check(db, key).ok


def test_every_proof_verifies_across_heads(db: Database, key: Ed25519PrivateKey) -> None:
    heads = []
    for n in (1, 2, 5, 8, 9, 0, 17):
        _write(db, n)
        heads.append(_publish(db, key))
    sizes = [h["tree_size"] for h in heads]
    assert sizes == [1, 3, 8, 16, 25, 25, 42]
    with db.read() as s:
        for h in heads:
            root = bytes.fromhex(h["sha256_root_hash"])
            for seq in range(1, h["tree_size"] + 1):
                p = tree.inclusion(s, seq=seq, tree_size=h["tree_size"])
                path = [bytes.fromhex(x) for x in p.audit_path]
                assert merkle.verify_inclusion(bytes.fromhex(p.leaf_hash), seq - 1, h["tree_size"], path, root)
        for a in heads:
            for b in heads:
                if a["tree_size"] <= b["tree_size"]:
                    c = tree.consistency(s, first=a["tree_size"], second=b["tree_size"])
                    proof = [bytes.fromhex(x) for x in c.consistency]
                    r1, r2 = bytes.fromhex(c.first_root_hash), bytes.fromhex(c.second_root_hash)
                    assert merkle.verify_consistency(a["tree_size"], b["tree_size"], r1, r2, proof)
    check = _check(db, key)
    assert check.ok and check.entries == 42 and check.heads == 7


def test_proofs_only_over_published_heads(db: Database, key: Ed25519PrivateKey) -> None:
    _write(db, 4)
    _publish(db, key)
    _write(db, 3)
    with db.read() as s, pytest.raises(Exception, match="no published tree head has size 7"):
        tree.inclusion(s, seq=1, tree_size=7)
    with db.read() as s, pytest.raises(Exception, match="entry 6 is not in the tree of 4"):
        tree.inclusion(s, seq=6)


def test_deleting_the_newest_entries_is_detected(db: Database, key: Ed25519PrivateKey) -> None:
    _write(db, 10)
    _publish(db, key)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE seq > 7"))
    result = _check(db, key)
    assert not result.ok
    assert "has 7 entries but a published tree head covers 10" in (result.problem or "")
    with db.read() as s:
        assert service.verify(s).ok  # the chain alone cannot see a cut end


def test_seq_below_one_is_refused_by_the_database(db: Database) -> None:
    _write(db, 1)
    for seq in (0, -5):
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO audit_entries (seq, at, actor, actor_role, action, details, prev_hash, hash) "
                    f"SELECT {seq}, at, 'mallory', 'admin', 'forged', '{{}}', '{'e' * 63}{abs(seq)}', "
                    f"'{'f' * 63}{abs(seq)}' FROM audit_entries WHERE seq = 1"
                )
            )


def _rechain(s: Any, entries: list[AuditEntry], prev: str) -> None:
    """Recompute the chain over ``entries`` (in order) as a forger would."""
    for e in entries:
        e.prev_hash = prev
        e.hash = entry_hash(
            prev_hash=prev,
            seq=e.seq,
            at=e.at,
            actor=e.actor,
            actor_role=e.actor_role,
            action=e.action,
            target_type=e.target_type,
            target_id=e.target_id,
            details=e.details or {},
        )
        prev = e.hash


def _load(db: Database) -> list[dict[str, Any]]:
    with db.read() as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        return [{c: getattr(r, c) for c in ("seq", "at", "actor", "actor_role", "action", "target_type",
                                            "target_id", "details", "prev_hash", "hash")} for r in rows]  # fmt: skip


def _replace_all(db: Database, rows: list[dict[str, Any]]) -> None:
    """Rewrite the whole table with ``rows`` re-chained from genesis (the strongest forger: every hash consistent)."""
    with db.uow() as s:
        s.execute(delete(AuditEntry))
    with db.uow() as s:
        objs = [AuditEntry(**{k: v for k, v in r.items() if k not in ("prev_hash", "hash")}) for r in rows]
        _rechain(s, objs, "0" * 64)
        s.add_all(objs)


@pytest.mark.parametrize("position", [1, 4, 10])
def test_inserting_at_any_position_is_detected(db: Database, key: Ed25519PrivateKey, position: int) -> None:
    _write(db, 10)
    _publish(db, key)
    rows = _load(db)
    forged = {**rows[0], "actor": "mallory", "action": "forged", "target_id": None, "details": {}}
    rows.insert(position - 1, forged)
    for i, r in enumerate(rows, 1):
        r["seq"] = i
    _replace_all(db, rows)
    with db.read() as s:
        assert service.verify(s).ok  # a fully re-chained log passes the chain check ...
    result = _check(db, key)
    assert not result.ok  # ... but not the published head
    assert "do not match tree head" in (result.problem or "")
    assert result.first_bad_seq == 10


def test_rewriting_history_is_detected_against_an_older_head(db: Database, key: Ed25519PrivateKey) -> None:
    _write(db, 6)
    _publish(db, key)
    _write(db, 6)
    _publish(db, key)
    rows = _load(db)
    rows[2]["details"] = {"i": 999}
    _replace_all(db, rows)
    result = _check(db, key)
    assert not result.ok
    assert result.first_bad_seq == 6  # the first head (size 6) already disagrees
    with db.engine.begin() as conn:  # and an edit without re-chaining is named as such
        conn.execute(text("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2"))
    assert "entry 2 was edited" in (_check(db, key).problem or "")


def test_a_forged_head_signature_is_detected(db: Database, key: Ed25519PrivateKey) -> None:
    _write(db, 3)
    _publish(db, key)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_tree_heads SET timestamp_ms = timestamp_ms + 1"))
    assert "bad signature" in (_check(db, key).problem or "")


def test_tree_is_extended_from_stored_subtrees(db: Database, key: Ed25519PrivateKey) -> None:
    """Extending in many small steps gives the same nodes as one big step (and a second call adds nothing)."""
    for n in (1, 1, 2, 3, 7, 1, 17):
        _write(db, n)
        with db.uow() as s:
            tree.extend_tree(s)
    with db.uow() as s:
        assert tree.extend_tree(s) == 0
        size, root = tree.current_root(s)
        hashes = [bytes.fromhex(e.hash) for e in service.search(s, limit=100, oldest_first=True)]
    assert size == 32 and root == merkle.mth(hashes)


def test_public_endpoints_and_staff_proof(
    app_client: TestClient, login: Callable[..., dict[str, str]], db: Database, settings: Settings, tmp_path: Path
) -> None:
    key_file = tmp_path / "audit-signing.pem"
    pub = signing.generate_key_file(key_file)
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    settings.audit_signing_key_file = key_file  # the app's settings object (no head job: the lifespan already ran)
    key = signing.load_private_key(key_file)
    _write(db, 5)
    _publish(db, key)
    _write(db, 4)
    _publish(db, key)
    base = "/api/v1/transparency/audit-log"
    got_key = app_client.get(f"{base}/key").json()
    assert got_key["public_key"] == pub.public_key and got_key["key_id"] == pub.key_id
    heads = app_client.get(f"{base}/heads").json()
    assert [h["tree_size"] for h in heads] == [5, 9]
    assert app_client.get(f"{base}/heads/latest").json()["tree_size"] == 9
    inc = app_client.get(f"{base}/inclusion", params={"seq": 3, "tree_size": 5}).json()
    assert merkle.verify_inclusion(
        bytes.fromhex(inc["leaf_hash"]), 2, 5, [bytes.fromhex(p) for p in inc["audit_path"]],
        bytes.fromhex(heads[0]["sha256_root_hash"]),
    )  # fmt: skip
    assert "actor" not in inc and "details" not in inc
    con = app_client.get(f"{base}/consistency", params={"first": 5, "second": 9}).json()
    assert merkle.verify_consistency(
        5, 9, bytes.fromhex(con["first_root_hash"]), bytes.fromhex(con["second_root_hash"]),
        [bytes.fromhex(p) for p in con["consistency"]],
    )  # fmt: skip
    bad = app_client.get(f"{base}/consistency", params={"first": 5, "second": 7})
    assert bad.status_code == 422 and "second" in bad.text
    assert app_client.get(f"{base}/inclusion", params={"seq": 2**63}).status_code == 422
    # entry contents stay staff-only
    assert app_client.get("/api/v1/audit/entries/3/proof").status_code == 401
    assert app_client.post("/api/v1/audit/tree-check").status_code == 401
    auditor = login("auditor")
    staff = app_client.get("/api/v1/audit/entries/3/proof", headers=auditor)
    assert staff.status_code == 200 and staff.json()["entry"]["seq"] == 3
    assert staff.json()["proof"]["tree_size"] == 9
    assert app_client.get("/api/v1/audit/entries/999/proof", headers=auditor).status_code == 404
    checked = app_client.post("/api/v1/audit/tree-check", headers=auditor)
    assert checked.status_code == 200 and checked.json()["ok"] is True


def test_transparency_portal_shows_the_latest_head(
    app_client: TestClient, db: Database, key: Ed25519PrivateKey
) -> None:
    page = app_client.get("/transparency?lang=en").text
    assert "No signed tree head has been published yet." in page
    _write(db, 7)
    head = _publish(db, key)
    _write(db, 2)
    _publish(db, key)
    data = app_client.get("/api/v1/transparency").json()["audit_log_heads"]
    assert data["count"] == 2 and data["latest_tree_size"] == 9
    page = app_client.get("/transparency?lang=en").text
    assert "2 signed tree heads published and kept" in page and "the first 9 audit entries" in page
    assert data["latest_root_hash"] in page and head["sha256_root_hash"] not in page
    assert '<a href="/api/v1/transparency/audit-log/heads">' in page
    es = app_client.get("/transparency?lang=es").text
    assert "cabeceras de árbol firmadas publicadas" in es
