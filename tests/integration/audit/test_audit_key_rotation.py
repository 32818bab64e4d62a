"""The audit signing key can be rotated (issue 15, finding 4): heads signed by the old key stay verifiable.

Each head names its key (``key_id``); every key that signed is registered with its validity and published at
``/api/v1/transparency/audit-log/keys``; the server's check and ``tools/verify_audit_log.py`` verify each head with
the key it names, within that key's validity. The old code checked every head against the one configured key, so
after a rotation every older head "had a bad signature".
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from rtcc.audit import service
from rtcc.audit.service import AuditDraft
from rtcc.core.db import Database
from rtcc.settings import Settings, get_settings

TOOL = Path(__file__).resolve().parents[3] / "tools" / "verify_audit_log.py"
API = "/api/v1/transparency/audit-log"


def _write(db: Database, n: int) -> None:
    with db.uow() as s:
        service.record_many(s, [AuditDraft("ana", "analyst", "test.action", "t", str(i), {}) for i in range(n)])


def _verify(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", str(TOOL), *map(str, args)], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def rtcc(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    from rtcc import cli

    monkeypatch.setenv("RTCC_DATABASE_URL", settings.database_url)
    cli._register_domains()
    runner = CliRunner()

    def run(*args: str, key: Path | None = None) -> Any:
        if key is not None:
            monkeypatch.setenv("RTCC_AUDIT_SIGNING_KEY_FILE", str(key))
            settings.audit_signing_key_file = key
        get_settings.cache_clear()
        return runner.invoke(cli.app, list(args))

    yield run
    get_settings.cache_clear()


def test_rotated_keys_keep_old_heads_verifiable(
    app_client: TestClient, db: Database, rtcc: Callable[..., Any], tmp_path: Path
) -> None:
    old, new = tmp_path / "old.pem", tmp_path / "new.pem"
    assert rtcc("audit", "keygen", str(old)).exit_code == 0
    assert rtcc("audit", "keygen", str(new)).exit_code == 0
    for n in (3, 4):
        _write(db, n)
        assert rtcc("audit", "publish-head", key=old).exit_code == 0
    _write(db, 5)
    out = rtcc("audit", "publish-head", key=new)  # the rotation: the configured key file changed
    assert out.exit_code == 0, out.output

    keys = app_client.get(f"{API}/keys").json()
    heads = app_client.get(f"{API}/heads").json()
    assert len(keys) == 2 and [h["key_id"] for h in heads].count(keys[0]["key_id"]) == 2
    assert keys[0]["valid_until"] == keys[1]["valid_from"] == heads[2]["timestamp"]
    assert keys[1]["valid_until"] is None and heads[2]["key_id"] == keys[1]["key_id"]
    assert all(keys[0]["valid_from"] <= h["timestamp"] <= keys[0]["valid_until"] for h in heads[:2])

    checked = rtcc("audit", "check-heads", key=new)  # the server's own check, configured with the new key only
    assert checked.exit_code == 0, checked.output
    listed = rtcc("audit", "keys")
    assert listed.exit_code == 0 and keys[0]["key_id"] in listed.output and "current" in listed.output

    (tmp_path / "keys.json").write_text(json.dumps(keys))
    (tmp_path / "heads.json").write_text(json.dumps(heads))
    ok = _verify("--key", tmp_path / "keys.json", "--heads", tmp_path / "heads.json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "3 tree head signatures verify (2 key(s)" in ok.stdout
    (tmp_path / "new-only.json").write_text(json.dumps(keys[1]))
    partial = _verify("--key", tmp_path / "new-only.json", "--heads", tmp_path / "heads.json")
    assert partial.returncode == 1 and "not a given key" in partial.stdout
    # a head the old key signed after it was retired is refused by its validity
    late = [dict(heads[1], timestamp=keys[0]["valid_until"] + 1)]
    (tmp_path / "late.json").write_text(json.dumps(late))
    bad = _verify("--key", tmp_path / "keys.json", "--heads", tmp_path / "late.json")
    assert bad.returncode == 1 and "outside the validity" in bad.stdout

    # a retired key cannot sign again
    again = rtcc("audit", "publish-head", key=old)
    assert again.exit_code != 0 and "retired" in again.output
