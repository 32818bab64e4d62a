"""The tree-head job, the demo's key, the bench and retention: a pass publishes a signed head of every entry so far;
the hooks start and stop it (and it only runs with a key); the demo creates its key once; a purged prefix keeps the
tree checkable; ``rtcc bench audit`` prints its figures and its correctness counts at a tiny size."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from rtcc.audit import jobs, merkle, service, signing, tree
from rtcc.audit.manifest import MANIFEST
from rtcc.audit.service import AuditDraft
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.demo.audit_key import KEY_FILE, with_demo_key
from rtcc.runtime import build_runtime
from rtcc.settings import Settings


def _write(db: Database, n: int) -> None:
    with db.uow() as s:
        service.record_many(s, [AuditDraft("ana", "analyst", "a", None, None, {"i": i}) for i in range(n)])


def test_publish_once_signs_every_entry_so_far(db: Database, settings: Settings, tmp_path: Path) -> None:
    key_file = tmp_path / "k.pem"
    pub = signing.generate_key_file(key_file)
    _write(db, 4)
    runtime = build_runtime(settings)
    try:
        jobs.publish_once(runtime, signing.load_private_key(key_file))
    finally:
        runtime.db.dispose()
    with db.read() as s:
        head = tree.latest_head(s)
        assert head is not None and head.tree_size == 4 and head.key_id == pub.key_id
        assert tree.check(s, public_key_b64=pub.public_key).ok


def test_hooks_start_and_stop_the_job_and_it_needs_a_key(db: Database, settings: Settings, tmp_path: Path) -> None:
    [svc] = MANIFEST.services
    assert svc.role == "jobs"
    key_file = tmp_path / "k.pem"
    signing.generate_key_file(key_file)

    async def cycle(interval: int) -> bool:
        runtime = build_runtime(
            settings.model_copy(update={"audit_tree_head_interval_s": interval, "audit_signing_key_file": key_file})
        )
        try:
            await jobs.start(runtime)
            started = jobs.HEAD_TASK in runtime.services
            await jobs.stop(runtime)
            assert jobs.HEAD_TASK not in runtime.services
            return started
        finally:
            runtime.db.dispose()

    assert asyncio.run(cycle(3600)) is True
    assert asyncio.run(cycle(0)) is False

    async def keyless() -> bool:
        runtime = build_runtime(settings.model_copy(update={"audit_signing_key_file": None}))
        try:
            await jobs.start(runtime)
            return jobs.HEAD_TASK in runtime.services
        finally:
            await jobs.stop(runtime)
            runtime.db.dispose()

    assert asyncio.run(keyless()) is False
    (tmp_path / "bad.pem").write_text("not a key")
    with pytest.raises(signing.SigningKeyError, match=r"bad\.pem: not an unencrypted PEM private key"):
        signing.load_private_key(tmp_path / "bad.pem")
    with pytest.raises(signing.SigningKeyError, match="cannot read it"):
        signing.load_private_key(tmp_path / "missing.pem")


def test_demo_creates_its_key_once(settings: Settings, tmp_path: Path) -> None:
    first = with_demo_key(settings.model_copy(update={"data_dir": tmp_path}))
    assert first.audit_signing_key_file == tmp_path / KEY_FILE
    assert (tmp_path / KEY_FILE).stat().st_mode & 0o077 == 0
    pem = (tmp_path / KEY_FILE).read_bytes()
    again = with_demo_key(settings.model_copy(update={"data_dir": tmp_path}))
    assert again.audit_signing_key_file == first.audit_signing_key_file and (tmp_path / KEY_FILE).read_bytes() == pem
    mine = tmp_path / "mine.pem"
    assert with_demo_key(settings.model_copy(update={"audit_signing_key_file": mine})).audit_signing_key_file == mine


def test_a_purged_prefix_keeps_the_tree_checkable(db: Database) -> None:
    k = Ed25519PrivateKey.generate()
    _write(db, 10)
    with db.uow() as s:
        tree.publish_head(s, k)
    with db.uow() as s:
        purged = service.purge_before(s, before=utcnow() + timedelta(days=1), limit=4)
        assert purged is not None and purged.count == 4
    _write(db, 3)
    with db.uow() as s:
        tree.publish_head(s, k)
    with db.read() as s:
        result = tree.check(s, public_key_b64=signing.public_key_of(k).public_key)
        assert result.ok, result
        assert result.entries == 9
        assert tree.inclusion(s, seq=2, tree_size=10).tree_size == 10  # a purged entry's proof still works


def test_bench_audit_tiny() -> None:
    from rtcc.cli import app

    args = ["bench", "audit", "--json", "--rows", "300"]
    if os.environ.get("RTCC_TEST_DATABASE_URL"):
        args += ["--database", os.environ["RTCC_TEST_DATABASE_URL"]]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["rows"] == 300 and out["heads"] == 5 and out["nodes"] == 2 * 300 - bin(300).count("1")
    assert out["proofs_failed"] == 0 and out["proofs_verified"] == 400
    assert out["baseline_agrees"] is True and out["tree_check_ok"] is True
    for k in ("inclusion_p50_ms", "inclusion_p95_ms", "consistency_p50_ms", "baseline_ms", "tree_build_s", "load_s"):
        assert isinstance(out[k], float | int)


def test_extension_in_chunks_and_before_a_purge(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job takes a backlog in chunks (same tree); a purge of entries the tree never saw extends it first."""
    _write(db, 23)
    monkeypatch.setattr(jobs, "EXTEND_CHUNK", 5)
    monkeypatch.setattr(tree, "BATCH", 2)
    k = Ed25519PrivateKey.generate()
    runtime = build_runtime(settings)
    try:
        jobs.publish_once(runtime, k)
    finally:
        runtime.db.dispose()
    with db.read() as s:
        head = tree.latest_head(s)
        hashes = [bytes.fromhex(e.hash) for e in service.search(s, limit=100, oldest_first=True)]
        assert head is not None and head.tree_size == 23
        assert head.root_hash == merkle.mth(hashes).hex()
    _write(db, 4)  # never in the tree
    with db.uow() as s:
        assert service.purge_before(s, before=utcnow() + timedelta(days=1), limit=25) is not None
    with db.uow() as s:
        assert tree.publish_head(s, k).tree_size == 27
        assert tree.check(s).ok
