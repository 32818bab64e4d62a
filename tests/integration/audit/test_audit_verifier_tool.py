"""The standalone verifier (``tools/verify_audit_log.py``), run as a subprocess on what the portal serves and what
``rtcc audit export`` writes: an intact log passes; a truncated log, a rewritten log, a forged head and a broken
consistency proof each fail with exit status 1; unusable input exits 2."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from rtcc.audit import service
from rtcc.audit.service import AuditDraft
from rtcc.core.db import Database
from rtcc.settings import Settings

TOOL = Path(__file__).resolve().parents[3] / "tools" / "verify_audit_log.py"
API = "/api/v1/transparency/audit-log"


def _write(db: Database, n: int) -> None:
    with db.uow() as s:
        service.record_many(
            s, [AuditDraft("ana", "analyst", "test.action", "thing", str(i), {"i": i}) for i in range(n)]
        )


def _verify(*args: str | Path) -> subprocess.CompletedProcess[str]:
    # -I: isolated (no PYTHONPATH, no user site): the tool must not need rtcc
    return subprocess.run(
        [sys.executable, "-I", str(TOOL), *map(str, args)], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Any]:
    from rtcc import cli
    from rtcc.settings import get_settings

    key_file = tmp_path / "keys" / "audit.pem"
    monkeypatch.setenv("RTCC_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("RTCC_AUDIT_SIGNING_KEY_FILE", str(key_file))
    get_settings.cache_clear()
    cli._register_domains()
    runner = CliRunner()
    assert runner.invoke(cli.app, ["audit", "keygen", str(key_file)]).exit_code == 0
    settings.audit_signing_key_file = key_file

    def run(*args: str) -> Any:
        return runner.invoke(cli.app, list(args))

    yield run
    get_settings.cache_clear()


def _save(tmp: Path, client: TestClient) -> dict[str, Path]:
    files = {"key": tmp / "key.json", "heads": tmp / "heads.json", "proofs": tmp / "proofs.json"}
    files["key"].write_text(client.get(f"{API}/key").text)
    heads = client.get(f"{API}/heads").json()
    files["heads"].write_text(json.dumps(heads))
    sizes = [h["tree_size"] for h in heads]
    proofs = [
        client.get(f"{API}/consistency", params={"first": a, "second": b}).json()
        for a, b in itertools.pairwise(sizes)
        if b > a
    ]
    files["proofs"].write_text(json.dumps(proofs))
    return files


def test_verifier_passes_an_intact_log_and_catches_truncation(
    app_client: TestClient, db: Database, cli_env: Callable[..., Any], tmp_path: Path
) -> None:
    _write(db, 5)
    assert cli_env("audit", "publish-head").exit_code == 0
    _write(db, 11)
    assert cli_env("audit", "publish-head").exit_code == 0
    files = _save(tmp_path, app_client)
    inc = tmp_path / "inclusion.json"
    inc.write_text(app_client.get(f"{API}/inclusion", params={"seq": 4, "tree_size": 5}).text)
    export = tmp_path / "audit.jsonl"
    out = cli_env("audit", "export", "--output", str(export))
    assert out.exit_code == 0, out.output
    lines = export.read_text().splitlines()
    assert len(lines) == 16  # the entries written (publishing a head writes none; the export is recorded after)
    ok = _verify("--key", files["key"], "--heads", files["heads"], "--proofs", files["proofs"],
                 "--inclusion", inc, "--export", export)  # fmt: skip
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "2 tree head signatures verify" in ok.stdout
    assert "1 consistency proofs between successive heads verify" in ok.stdout
    assert "entry 4 is included in the signed head of size 5" in ok.stdout
    assert "matches 2 signed heads" in ok.stdout

    # truncation: the newest entries deleted, then exported again
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE seq > 12"))
    cut = tmp_path / "cut.jsonl"
    assert cli_env("audit", "export", "--output", str(cut)).exit_code == 0
    bad = _verify("--key", files["key"], "--heads", files["heads"], "--export", cut)
    assert bad.returncode == 1, bad.stdout
    assert "the log was truncated" in bad.stdout
    # and the server's own check agrees
    checked = cli_env("audit", "check-heads")
    assert checked.exit_code == 1 and "entries were deleted" in checked.output


def test_verifier_catches_rewrites_forged_heads_and_bad_proofs(
    app_client: TestClient, db: Database, cli_env: Callable[..., Any], tmp_path: Path
) -> None:
    _write(db, 6)
    assert cli_env("audit", "publish-head").exit_code == 0
    _write(db, 3)
    assert cli_env("audit", "publish-head").exit_code == 0
    files = _save(tmp_path, app_client)
    export = tmp_path / "audit.jsonl"
    assert cli_env("audit", "export", "--output", str(export)).exit_code == 0
    lines = [json.loads(x) for x in export.read_text().splitlines()]

    # an edited entry (hash not recomputed)
    import base64

    edited = [dict(x) for x in lines]
    body = json.loads(base64.b64decode(edited[2]["body"]))
    body["actor"] = "mallory"
    edited[2]["body"] = base64.b64encode(json.dumps(body).encode()).decode()
    f = tmp_path / "edited.jsonl"
    f.write_text("".join(json.dumps(x) + "\n" for x in edited))
    r = _verify("--key", files["key"], "--heads", files["heads"], "--export", f)
    assert r.returncode == 1 and "seq 3): its hash does not match its contents" in r.stdout

    # an entry removed from the middle
    f.write_text("".join(json.dumps(x) + "\n" for i, x in enumerate(lines) if i != 3))
    r = _verify("--key", files["key"], "--heads", files["heads"], "--export", f)
    assert r.returncode == 1 and "expected seq 4" in r.stdout

    # a forged head: root changed, signature kept
    heads = json.loads(files["heads"].read_text())
    heads[1]["sha256_root_hash"] = "00" * 32
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(heads))
    r = _verify("--key", files["key"], "--heads", forged)
    assert r.returncode == 1 and "signature does not verify" in r.stdout

    # a consistency proof with one bit flipped
    proofs = json.loads(files["proofs"].read_text())
    first = proofs[0]["consistency"][0]
    proofs[0]["consistency"][0] = f"{int(first[0], 16) ^ 1:x}{first[1:]}"
    files["proofs"].write_text(json.dumps(proofs))
    r = _verify("--key", files["key"], "--heads", files["heads"], "--proofs", files["proofs"])
    assert r.returncode == 1 and "consistency proof 6 -> 9 does not verify" in r.stdout

    # unusable input
    (tmp_path / "junk.json").write_text("{not json")
    r = _verify("--key", files["key"], "--heads", tmp_path / "junk.json")
    assert r.returncode == 2 and "junk.json: not JSON (line 1" in r.stderr


def test_verifier_fetches_from_a_server(
    app_client: TestClient, db: Database, cli_env: Callable[..., Any], tmp_path: Path
) -> None:
    """``--url``: the verifier fetches the key, the heads and the consistency proofs over HTTP (a local server that
    hands each request to the app)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Proxy(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            resp = app_client.get(self.path)
            self.send_response(resp.status_code)
            self.send_header("Content-Type", resp.headers.get("content-type", "application/json"))
            self.end_headers()
            self.wfile.write(resp.content)

        def log_message(self, *args: Any) -> None:
            pass

    for n in (3, 4, 9):
        _write(db, n)
        assert cli_env("audit", "publish-head").exit_code == 0
    export = tmp_path / "audit.jsonl"
    assert cli_env("audit", "export", "--output", str(export)).exit_code == 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        ok = _verify("--url", url, "--export", export)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert "3 tree head signatures verify" in ok.stdout
        assert "2 consistency proofs between successive heads verify" in ok.stdout
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_entries WHERE seq > 10"))
        cut = tmp_path / "cut.jsonl"
        assert cli_env("audit", "export", "--output", str(cut)).exit_code == 0
        bad = _verify("--url", url, "--export", cut)
        assert bad.returncode == 1 and "the log was truncated" in bad.stdout
    finally:
        server.shutdown()
        server.server_close()
