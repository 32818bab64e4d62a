"""``rtcc hotlists``: create, import (with a file:line error and exit status 1 on a bad line), list, refresh,
deactivate and the skip list, against the test database."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from rtcc.audit import service as audit
from rtcc.core.db import Database
from rtcc.hotlists import lists, skiplist
from rtcc.hotlists.cli import hotlists
from rtcc.settings import get_settings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "hotlists"


@pytest.fixture
def cli(database_url: str, db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)
    monkeypatch.setenv("RTCC_BUS_URL", "memory://")
    get_settings.cache_clear()
    try:
        yield CliRunner()
    finally:
        get_settings.cache_clear()


def _ok(result: Result) -> str:
    assert result.exit_code == 0, f"{result.output}\n{result.stderr}"
    return result.stdout


def test_create_import_list_and_a_bad_file(cli: CliRunner, db: Database) -> None:
    hid = _ok(
        cli.invoke(
            hotlists,
            ["create", "Local BOLO", "--category", "bolo", "--priority", "2", "--max-diff", "0", "--require-state"],
        )
    ).strip()
    out = _ok(cli.invoke(hotlists, ["import", "Local BOLO", str(FIXTURES / "hotlist_good.csv")]))
    assert "imported 4 entries into 'Local BOLO' from hotlist_good.csv (csv)" in out and "4 added" in out

    bad = cli.invoke(hotlists, ["import", hid, str(FIXTURES / "hotlist_bad.csv")])
    assert bad.exit_code == 1
    assert "import failed: hotlist_bad.csv:3: unknown category 'stolen_bike'" in bad.stderr
    assert "line 4: plate is empty" in bad.stderr and "stays in force" in bad.stderr

    listing = _ok(cli.invoke(hotlists, ["list"]))
    assert "Local BOLO" in listing and "4 entries" in listing and "k=0 state" in listing
    with db.read() as s:
        h = lists.find_hotlist(s, "Local BOLO")
        assert (str(h.id), h.entry_count, h.priority, h.require_state) == (hid, 4, 2, True)
        (entry,) = audit.search(s, action="hotlist.import")
        assert entry.actor.startswith("cli:")

    assert cli.invoke(hotlists, ["import", "No such list", str(FIXTURES / "svs.tbl")]).exit_code == 1
    wrong = cli.invoke(hotlists, ["import", hid, str(FIXTURES / "svs.tbl"), "--format", "xml"])
    assert wrong.exit_code == 2

    _ok(cli.invoke(hotlists, ["deactivate", "Local BOLO"]))
    assert "Local BOLO" not in _ok(cli.invoke(hotlists, ["list"]))
    assert "inactive" in _ok(cli.invoke(hotlists, ["list", "--all"]))


def test_refresh_once(cli: CliRunner, db: Database, tmp_path: Path) -> None:
    path = tmp_path / "svs.tbl"
    shutil.copyfile(FIXTURES / "svs.tbl", path)
    _ok(
        cli.invoke(
            hotlists,
            ["create", "CLEW", "--category", "stolen_vehicle", "--refresh-path", str(path), "--format", "clew"],
        )
    )
    assert "imported 3 entries into 'CLEW' from svs.tbl (clew)" in _ok(cli.invoke(hotlists, ["refresh"]))
    assert "unchanged: 'CLEW'" in _ok(cli.invoke(hotlists, ["refresh"]))
    shutil.copyfile(FIXTURES / "slr_bad.tbl", path)
    failed = cli.invoke(hotlists, ["refresh"])
    assert failed.exit_code == 1 and "FAILED: 'CLEW': svs.tbl:4:" in failed.stdout
    with db.read() as s:
        assert lists.find_hotlist(s, "CLEW").entry_count == 3


def test_skip_list_commands(cli: CliRunner, db: Database) -> None:
    assert "skipping NOPLATE" in _ok(cli.invoke(hotlists, ["skip", "add", "no-plate", "--reason", "junk"]))
    assert cli.invoke(hotlists, ["skip", "add", "NOPLATE"]).exit_code == 1
    assert "NOPLATE" in _ok(cli.invoke(hotlists, ["skip", "list"]))
    with db.read() as s:
        assert skiplist.skip_plates(s) == {"NOPLATE"}
    _ok(cli.invoke(hotlists, ["skip", "remove", "NOPLATE"]))
    assert cli.invoke(hotlists, ["skip", "remove", "NOPLATE"]).exit_code == 1
    assert _ok(cli.invoke(hotlists, ["skip", "list"])).strip() == ""


def test_import_force_and_merged_lines(cli: CliRunner, db: Database, tmp_path: Path) -> None:
    _ok(cli.invoke(hotlists, ["create", "SVS", "--category", "stolen_vehicle"]))
    path = tmp_path / "svs.tbl"
    path.write_bytes(
        (FIXTURES / "svs.tbl")
        .read_bytes()
        .replace(b"NV9X  NV3720240110", b"NV9X  NV3720240110\r\nNV9X  NV3720240110")
        .replace(b"TOTAL RECORD 0000003", b"TOTAL RECORD 0000005")
    )
    refused = cli.invoke(hotlists, ["import", "SVS", str(path)])
    assert refused.exit_code == 1
    assert "import failed: svs.tbl:7: the trailer says 5 records but the file holds 4" in refused.stderr
    out = _ok(cli.invoke(hotlists, ["import", "SVS", str(path), "--force"]))
    assert "imported 3 entries into 'SVS'" in out and "1 identical lines merged (forced)" in out


def test_tolerance_command_shows_the_cost_and_sets_it(cli: CliRunner, db: Database, tmp_path: Path) -> None:
    _ok(cli.invoke(hotlists, ["create", "Big", "--category", "stolen_vehicle"]))
    path = tmp_path / "big.csv"
    path.write_text("plate,state\n" + "".join(f"{n:04d}XYZ,CA\n" for n in range(1500)), encoding="utf-8")
    _ok(cli.invoke(hotlists, ["import", "Big", str(path)]))
    report = _ok(cli.invoke(hotlists, ["tolerance", "Big"]))
    assert "'Big': 1,500 entries, tolerance k=0" in report
    assert "k=1: expected false alerts" in report and "needs --allow-large-fuzzy" in report
    refused = cli.invoke(hotlists, ["tolerance", "Big", "--max-diff", "1"])
    assert refused.exit_code == 1 and "this one has 1,500" in refused.stderr
    out = _ok(cli.invoke(hotlists, ["tolerance", "Big", "--max-diff", "1", "--allow-large-fuzzy"]))
    assert "tolerance k=1 (fuzzy matching on a large list allowed)" in out
    _ok(cli.invoke(hotlists, ["tolerance", "Big", "--max-diff", "0"]))
    with db.read() as s:
        h = lists.find_hotlist(s, "Big")
        assert (h.max_diff, h.allow_large_fuzzy) == (0, False)
