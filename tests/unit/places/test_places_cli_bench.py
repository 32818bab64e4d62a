"""``rtcc places`` and ``rtcc bench places`` at a tiny size: the check command names the broken file and field and
exits 1, and the bench prints its figures with the answers of all methods agreeing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rtcc.bench import places as bench_places
from rtcc.places.cli import places
from rtcc.places.loader import profile_folder


def test_check_and_list(tmp_path: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(places, ["list"])
    assert out.exit_code == 0 and out.stdout.split() == ["cerritos", "los_angeles"]
    ok = runner.invoke(places, ["check", "los_angeles"])
    assert ok.exit_code == 0, ok.output
    doc = json.loads(ok.stdout)
    assert doc["name"] == "Los Angeles" and doc["divisions"] == 21 and doc["districts"] == 1135

    folder = tmp_path / "city"
    shutil.copytree(profile_folder("cerritos"), folder)
    meta = json.loads((folder / "profile.json").read_text())
    del meta["alerts"]["cap_sender"]
    (folder / "profile.json").write_text(json.dumps(meta))
    bad = runner.invoke(places, ["check", str(folder)])
    assert bad.exit_code == 1
    assert "profile.json: alerts.cap_sender" in bad.output


def test_bench_at_a_tiny_size() -> None:
    figures = bench_places.run(rows=40)
    assert figures["points"] == 40 and figures["districts"] == 1135 and figures["agree"] is True
    for key in ("indexed_us_per_point", "vectorised_us_per_point", "naive_us_per_point", "speedup_vs_naive"):
        assert figures[key] is not None and figures[key] > 0


def test_serve_stops_on_a_bad_profile_before_touching_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rtcc import cli
    from rtcc.settings import Settings

    db = tmp_path / "never.db"
    bad = Settings(database_url=f"sqlite:///{db}", city_profile=str(tmp_path / "nowhere"))
    monkeypatch.setattr(cli, "get_settings", lambda: bad)
    out = CliRunner().invoke(cli.app, ["serve"])
    assert out.exit_code == 1
    assert "neither a packaged profile (cerritos, los_angeles) nor a folder" in out.output
    assert not db.exists()
