"""The demo footage seed (every stage, real PNG clips in the store, idempotent) and ``rtcc footage list | show |
package | verify | expire`` against it, including a tampered file that ``verify`` reports (exit 1)."""

from __future__ import annotations

import hashlib
import json
import random
import zipfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rtcc.core.db import Database
from rtcc.demo import seed_footage
from rtcc.footage import service
from rtcc.footage.cli import footage
from rtcc.footage.logic import sniff
from rtcc.footage.storage import LocalFootageStore
from rtcc.settings import get_settings


@pytest.fixture
def seeded(db: Database, tmp_path: Path) -> tuple[dict[str, int], LocalFootageStore]:
    store = LocalFootageStore(tmp_path / "evidence")
    with db.uow() as s:
        counts = seed_footage.seed(s, now=datetime.now(UTC), rng=random.Random(7), store=store)
    return counts, store


def test_seed_creates_every_stage_once(db: Database, seeded: tuple[dict[str, int], LocalFootageStore]) -> None:
    counts, store = seeded
    assert counts["requests"] == 7 and counts["clips"] == 5
    assert (counts["requested"], counts["approved"], counts["declined"], counts["fulfilled"], counts["closed"]) == (
        2,
        1,
        1,
        2,
        1,
    )
    with db.read() as s:
        page = service.request_page(s, limit=100)
    assert Counter(r.state for r in page.items) == {
        "requested": 2,
        "approved": 1,
        "declined": 1,
        "fulfilled": 2,
        "closed": 1,
    }
    clips = [c for r in page.items for c in r.clips]
    assert len(clips) == 5
    for c in clips:
        data = (store.root / c.sha256[:2] / f"{c.sha256}.png").read_bytes()
        assert sniff(data) == "image/png" and hashlib.sha256(data).hexdigest() == c.sha256
    with db.uow() as s:
        again = seed_footage.seed(s, now=datetime.now(UTC), rng=random.Random(7), store=store)
    assert again["requests"] == 0 and again["clips"] == 0
    with db.read() as s:
        assert service.request_page(s, limit=100).total == 7


def test_png_frames_are_valid_and_seeded() -> None:
    a = seed_footage.png_frame(16, 8, random.Random(1))
    assert a == seed_footage.png_frame(16, 8, random.Random(1))
    assert a != seed_footage.png_frame(16, 8, random.Random(2))
    assert sniff(a) == "image/png" and a.endswith(b"IEND\xaeB`\x82")


@pytest.fixture
def cli(database_url: str, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)
    monkeypatch.setenv("RTCC_BUS_URL", "memory://")
    monkeypatch.setenv("RTCC_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_cli_list_show_package_verify(
    cli: CliRunner, db: Database, seeded: tuple[dict[str, int], LocalFootageStore], tmp_path: Path
) -> None:
    _counts, store = seeded
    assert store.root == tmp_path / "evidence"  # the CLI finds the same store through RTCC_DATA_DIR
    listed = cli.invoke(footage, ["list", "--state", "fulfilled"])
    assert listed.exit_code == 0, listed.output
    assert "2 request(s)" in listed.output
    with db.read() as s:
        fulfilled = service.request_page(s, state="fulfilled", limit=10).items[0]
    shown = cli.invoke(footage, ["show", str(fulfilled.id)])
    assert shown.exit_code == 0, shown.output
    doc = json.loads(shown.output)
    assert doc["state"] == "fulfilled" and [e["action"] for e in doc["custody"]][:2] == ["requested", "approved"]

    out = tmp_path / "pkg.zip"
    pkg = cli.invoke(footage, ["package", str(fulfilled.id), "--out", str(out)])
    assert pkg.exit_code == 0, pkg.output
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        for entry in manifest["clips"]:
            assert hashlib.sha256(zf.read(entry["file"])).hexdigest() == entry["sha256"]
        assert json.loads(zf.read("custody_log.json"))[-1]["actor"].startswith("cli:")

    ok = cli.invoke(footage, ["verify", str(fulfilled.id)])
    assert ok.exit_code == 0, ok.output
    assert "all files match" in ok.output

    victim = fulfilled.clips[1]
    path = store.root / victim.sha256[:2] / f"{victim.sha256}.png"
    path.write_bytes(path.read_bytes()[:-4] + b"XXXX")
    bad = cli.invoke(footage, ["verify", str(fulfilled.id)])
    assert bad.exit_code == 1
    assert "MISMATCH" in bad.output and victim.sha256 in bad.output and "verification FAILED" in bad.output
    refused = cli.invoke(footage, ["package", str(fulfilled.id), "--out", str(tmp_path / "pkg2.zip")])
    assert refused.exit_code == 1 and "no longer match" in refused.output
    assert not (tmp_path / "pkg2.zip").exists()
    assert [p for p in (store.root / ".incoming").iterdir()] == []

    missing = cli.invoke(footage, ["show", "00000000-0000-0000-0000-000000000000"])
    assert missing.exit_code == 1 and "not found" in missing.output
    expired = cli.invoke(footage, ["expire"])
    assert expired.exit_code == 0 and "0 request(s) expired" in expired.output
