"""The historic CAD import on the real database: the time chain and call types stored, bad rows reported with
file:line and skipped, duplicates stored once, the whole file in one transaction, a dry run that stores nothing, the
CLI with its report, the admin upload, the benchmark's correctness check, and the real exports of ../shared/data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from rtcc.bench import _dispatch_import
from rtcc.core.db import Database
from rtcc.dispatch import history
from rtcc.dispatch.adapters.bench import synthetic_alexandria_csv
from rtcc.dispatch.adapters.cad_history import CadFile
from rtcc.dispatch.cli import dispatch
from rtcc.dispatch.interop_models import HistoryBatch, HistoryCall
from rtcc.identity.logic import SYSTEM
from rtcc.settings import get_settings
from rtcc_testing import shared_data


def _csv(tmp_path: Path, n: int = 40, *, bad: bool = True) -> Path:
    """A synthetic Alexandria export of ``n`` calls; with ``bad``, line 3 loses its call number and line 5 gets a
    start time that is no time."""
    lines = synthetic_alexandria_csv(n).splitlines()
    if bad:
        lines[2] = lines[2].replace("25-000001", "", 1)
        cells = lines[4].split(",")  # the synthetic cells hold no commas
        cells[16] = "yesterday"  # Incident_Start_Time
        lines[4] = ",".join(cells)
    path = tmp_path / "alexandria.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _count(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(HistoryCall)) or 0)


def test_a_file_is_stored_with_its_time_chain_and_bad_rows_are_reported(db: Database, tmp_path: Path) -> None:
    path = _csv(tmp_path)
    expected = {r.external_id: r for r in CadFile(path)}
    with db.uow() as s:
        report = history.import_file(s, CadFile(path), actor=SYSTEM, chunk=7)
    assert (report.records, report.imported, report.skipped, report.duplicates) == (40, 38, 2, 0)
    assert report.problem_count == 2
    assert any(p.startswith("alexandria.csv:3: Master_Incident_Number") for p in report.problems)
    assert any(p.startswith("alexandria.csv:5: Incident_Start_Time") for p in report.problems)
    with db.read() as s:
        rows = {r.external_id: r for r in s.scalars(select(HistoryCall))}
        s.expunge_all()
        batch = s.get(HistoryBatch, report.batch_id)
        assert batch is not None and (batch.imported, batch.skipped) == (38, 2) and len(batch.problems) == 2
    assert set(rows) == set(expected)
    some = rows["25-000010"]
    want = expected["25-000010"]
    assert (some.received_at, some.dispatched_at, some.on_scene_at, some.closed_at) == (
        want.received,
        want.dispatched,
        want.on_scene,
        want.closed,
    )
    assert some.origin == "cad:alexandria_decc" and some.call_type_raw == want.call_type_code
    assert some.received_at.tzinfo is not None and some.received_at.utcoffset() is not None
    # the raw codes keep themselves; those the catalogue knows by name or code get its call type
    assert all(r.call_type_raw for r in rows.values())

    # importing the same file again stores nothing twice
    with db.uow() as s:
        again = history.import_file(s, CadFile(path), actor=SYSTEM)
    assert (again.imported, again.duplicates) == (0, 38)
    assert _count(db) == 38


def test_a_file_is_one_transaction(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _csv(tmp_path, 30, bad=False)
    calls = {"n": 0}
    write = history.BulkWriter.write

    def failing(self: history.BulkWriter, rows: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return write(self, rows)

    monkeypatch.setattr(history.BulkWriter, "write", failing)
    with pytest.raises(RuntimeError), db.uow() as s:
        history.import_file(s, CadFile(path), actor=SYSTEM, chunk=5)
    assert calls["n"] == 3 and _count(db) == 0


def test_a_dry_run_stores_nothing_and_reports_the_same(db: Database, tmp_path: Path) -> None:
    path = _csv(tmp_path)
    with db.read() as s:
        report = history.import_file(s, CadFile(path), actor=SYSTEM, dry_run=True)
    assert (report.imported, report.skipped, report.batch_id) == (38, 2, None)
    assert _count(db) == 0


def test_step_times_feed_the_response_time_kernel(db: Database, tmp_path: Path) -> None:
    path = _csv(tmp_path, 10, bad=False)
    rows = list(CadFile(path))
    with db.uow() as s:
        history.import_file(s, CadFile(path), actor=SYSTEM)
    with db.read() as s:
        chain = history.step_times(s, origin="cad:alexandria_decc")
    assert len(chain["received"]) == 10
    assert chain["received"][0] == rows[0].received.timestamp()
    on_scene = rows[0].on_scene
    assert chain["on_scene"][0] == (on_scene.timestamp() if on_scene else None)
    with db.read() as s:
        assert history.step_times(s, since=datetime(2030, 1, 1, tzinfo=UTC))["received"] == []


@pytest.fixture
def cli(database_url: str, db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        yield CliRunner()
    finally:
        get_settings.cache_clear()


def test_the_cli_imports_with_a_report_and_fails_on_skipped_rows(cli: CliRunner, db: Database, tmp_path: Path) -> None:
    path = _csv(tmp_path)
    dry = cli.invoke(dispatch, ["import-history", str(path), "--dry-run", "--no-progress"])
    assert dry.exit_code == 1 and "would import 38 calls" in dry.stdout and "nothing stored" in dry.stdout
    assert "alexandria.csv:3: Master_Incident_Number" in dry.stderr
    assert _count(db) == 0
    done = cli.invoke(dispatch, ["import-history", str(path), "--layout", "alexandria_decc", "--no-progress"])
    assert done.exit_code == 1 and "imported 38 calls" in done.stdout and "2 rows skipped" in done.stdout
    assert _count(db) == 38
    clean = _csv(tmp_path, 5, bad=False)
    assert cli.invoke(dispatch, ["import-history", str(clean), "--no-progress"]).exit_code == 0
    unknown = cli.invoke(dispatch, ["import-history", str(clean), "--layout", "nope", "--no-progress"])
    assert unknown.exit_code == 1 and "unknown layout 'nope'" in unknown.output


def test_an_administrator_uploads_history(app_client: TestClient, login: Any, db: Database, tmp_path: Path) -> None:
    path = _csv(tmp_path, 12)
    files = {"file": ("alexandria.csv", path.read_bytes(), "text/csv")}
    refused = app_client.post("/api/v1/dispatch/history", files=files, headers=login("dispatcher"))
    assert refused.status_code == 403
    resp = app_client.post("/api/v1/dispatch/history", files=files, headers=login("admin"))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["imported"], body["skipped"]) == (10, 2) and body["problems"][0].startswith("alexandria.csv:")
    assert _count(db) == 10


def test_the_benchmark_checks_what_it_stored(database_url: str) -> None:
    out = _dispatch_import.measure(calls=300, database_url=database_url)
    assert out["import_correct"] is True and out["import_calls"] == 300
    assert {"import_calls_per_s", "baseline_executemany_rows_per_s", "import_vs_baseline"} <= set(out)


@pytest.mark.parametrize(
    ("folder", "name", "records", "imported", "skipped"),
    [
        ("alexandria_decc_2025", "cad_calls_weeks35_45_2025.csv", 17156, 17147, 9),
        ("slopd_2021_2022", "slopd_call_log_2021-09_to_2022-03.csv", 20076, 19063, 0),
        ("sacramento_dispatch_jan2019", "january_2019_dispatch_data.csv", 25000, 25000, 0),
    ],
)
def test_the_real_exports_import(
    db: Database, folder: str, name: str, records: int, imported: int, skipped: int
) -> None:
    path = shared_data("cad", folder, name)
    with db.uow() as s:
        report = history.import_file(s, CadFile(path), actor=SYSTEM)
    assert (report.records, report.imported, report.skipped) == (records, imported, skipped)
    assert report.duplicates == records - imported - skipped
    assert _count(db) == imported
    assert all(":" in p and p.startswith(name) for p in report.problems)
