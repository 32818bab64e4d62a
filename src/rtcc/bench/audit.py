"""``rtcc bench audit``: how fast the audit log's Merkle tree answers proofs over a large log, from the stored
complete subtrees, against the strongest fair baseline without them.

Setup: N audit entries (default 1,000,000) appended with ``audit.service.record_many`` in chunks of ``CHUNK``; after
each fifth of the log the tree is extended and a signed tree head published (5 heads; extension time is measured and
summed as ``tree_build_s``). Measured over the last head (N entries): ``SAMPLES`` inclusion proofs of random entries
and ``SAMPLES`` consistency proofs between random pairs of heads, each through ``rtcc.audit.tree`` in a read
transaction (what the public endpoints do). Baseline, same run, same database: the same proof computed without
stored interior nodes, i.e. reading the N leaf hashes in one query and hashing the tree in memory
(``BASELINE_SAMPLES`` times). Correctness: every proof verifies against its signed head's root, and each baseline
proof equals the stored-node proof for the same entry. Keys: rows, heads, load_s, tree_build_s, nodes,
publish_head_ms, inclusion_p50_ms, inclusion_p95_ms, consistency_p50_ms, consistency_p95_ms, baseline_ms,
speedup_p50, proofs_verified, proofs_failed, baseline_agrees, tree_check_s, tree_check_ok.
"""

from __future__ import annotations

import random
import time
from typing import Any

import numpy as np
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from rtcc.audit import merkle, service, tree
from rtcc.audit.models import AuditMerkleNode
from rtcc.audit.service import AuditDraft
from rtcc.core.db import Database
from rtcc.core.scratch import scratch_database

CHUNK = 20_000
HEADS = 5
SAMPLES = 200
BASELINE_SAMPLES = 3


def _pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 3) if values else 0.0


def _load(db: Database, n: int, key: Ed25519PrivateKey) -> tuple[float, float, list[int], list[float]]:
    """Append n entries, publishing HEADS heads along the way; returns (load_s, build_s, head sizes, publish ms)."""
    load_s = build_s = 0.0
    sizes: list[int] = []
    publish_ms: list[float] = []
    marks = {max(1, n * k // HEADS) for k in range(1, HEADS + 1)}
    done = 0
    while done < n:
        step = min(CHUNK, n - done, min(m for m in marks if m > done) - done)
        t0 = time.perf_counter()
        with db.uow() as s:
            service.record_many(
                s,
                [
                    AuditDraft(f"user{(done + i) % 97}", "analyst", "alpr.search", "plate", None, {"i": done + i})
                    for i in range(step)
                ],
            )
        load_s += time.perf_counter() - t0
        done += step
        if done in marks:
            t0 = time.perf_counter()
            with db.uow() as s:
                tree.extend_tree(s)
            build_s += time.perf_counter() - t0
            t0 = time.perf_counter()
            with db.uow() as s:
                sizes.append(tree.publish_head(s, key).tree_size)
            publish_ms.append((time.perf_counter() - t0) * 1000)
    return load_s, build_s, sizes, publish_ms


def run(*, rows: int | None = None, database_url: str | None = None) -> dict[str, Any]:
    """Measure proofs from stored subtrees against the in-memory baseline over the same log."""
    n = rows or 1_000_000
    rng = random.Random(6962)
    key = Ed25519PrivateKey.generate()
    with scratch_database(database_url, prefix="rtcc_bench_audit") as url:
        db = Database(url)
        try:
            load_s, build_s, sizes, publish_ms = _load(db, n, key)
            with db.read() as s:
                roots = {h.tree_size: bytes.fromhex(h.root_hash) for h in tree.heads(s)}
                nodes = int(s.scalar(select(func.count()).select_from(AuditMerkleNode)) or 0)
            verified = failed = 0
            inc_ms: list[float] = []
            samples = [rng.randrange(1, n + 1) for _ in range(SAMPLES)]
            proofs: dict[int, list[bytes]] = {}
            for seq in samples:
                t0 = time.perf_counter()
                with db.read() as s:
                    p = tree.inclusion(s, seq=seq, tree_size=n)
                inc_ms.append((time.perf_counter() - t0) * 1000)
                path = [bytes.fromhex(x) for x in p.audit_path]
                proofs[seq] = path
                ok = merkle.verify_inclusion(bytes.fromhex(p.leaf_hash), seq - 1, n, path, roots[n])
                verified += ok
                failed += not ok
            con_ms: list[float] = []
            for _ in range(SAMPLES):
                a, b = sorted(rng.sample(sizes, 2)) if len(sizes) > 1 else (sizes[0], sizes[0])
                t0 = time.perf_counter()
                with db.read() as s:
                    c = tree.consistency(s, first=a, second=b)
                con_ms.append((time.perf_counter() - t0) * 1000)
                ok = merkle.verify_consistency(a, b, roots[a], roots[b], [bytes.fromhex(x) for x in c.consistency])
                verified += ok
                failed += not ok
            base_ms: list[float] = []
            agrees = True
            for seq in samples[:BASELINE_SAMPLES]:
                t0 = time.perf_counter()
                with db.read() as s:
                    leaves = [
                        bytes(h)
                        for h in s.scalars(
                            select(AuditMerkleNode.hash).where(AuditMerkleNode.level == 0).order_by(AuditMerkleNode.idx)
                        )
                    ]
                mem = merkle.MemoryTree(leaves)
                path = merkle.inclusion_path(seq - 1, n, mem.node)
                base_ms.append((time.perf_counter() - t0) * 1000)
                agrees = agrees and path == proofs[seq]
                del mem, leaves
            t0 = time.perf_counter()
            with db.read() as s:
                check = tree.check(s)
            check_s = time.perf_counter() - t0
        finally:
            db.dispose()
    p50 = _pct(inc_ms, 50)
    return {
        "rows": n,
        "database": "sqlite" if not database_url or database_url.startswith("sqlite") else "postgresql",
        "heads": len(sizes),
        "load_s": round(load_s, 2),
        "tree_build_s": round(build_s, 2),
        "nodes": nodes,
        "publish_head_ms": _pct(publish_ms, 50),
        "inclusion_p50_ms": p50,
        "inclusion_p95_ms": _pct(inc_ms, 95),
        "consistency_p50_ms": _pct(con_ms, 50),
        "consistency_p95_ms": _pct(con_ms, 95),
        "baseline_ms": _pct(base_ms, 50),
        "speedup_p50": round(_pct(base_ms, 50) / p50, 1) if p50 else None,
        "proofs_verified": verified,
        "proofs_failed": failed,
        "baseline_agrees": agrees,
        "tree_check_s": round(check_s, 2),
        "tree_check_ok": check.ok,
    }
