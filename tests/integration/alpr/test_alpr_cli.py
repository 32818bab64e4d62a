"""``rtcc reads import``, ``rtcc deadletters list|replay`` and ``rtcc cameras list`` through typer's CliRunner
against the test database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from rtcc.alpr import cli as alpr_cli
from rtcc.alpr.models import Camera, DeadLetter, Read
from rtcc.audit.models import AuditEntry
from rtcc.core.db import Database
from rtcc.settings import get_settings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "alpr"


@pytest.fixture
def rtcc(database_url: str, db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[typer.Typer]:
    """The three ALPR command groups under one root, pointed at the test database."""
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)
    monkeypatch.setenv("RTCC_BUS_URL", "memory://")
    get_settings.cache_clear()
    root = typer.Typer()
    root.add_typer(alpr_cli.reads, name="reads")
    root.add_typer(alpr_cli.deadletters, name="deadletters")
    root.add_typer(alpr_cli.cameras, name="cameras")
    yield root
    get_settings.cache_clear()


def materialise(name: str, folder: Path) -> Path:
    """A fixture file with its {T1}.. placeholders set to recent times."""
    text = (FIXTURES / name).read_text()
    base = datetime.now(UTC) - timedelta(minutes=5)
    for i in (1, 2, 3):
        text = text.replace(f"{{T{i}}}", (base + timedelta(seconds=i)).isoformat())
    path = folder / name
    path.write_text(text)
    return path


def count(db: Database, model: object) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def test_import_csv_with_one_bad_line(rtcc: typer.Typer, db: Database, tmp_path: Path) -> None:
    path = materialise("reads_one_bad.csv", tmp_path)
    result = CliRunner().invoke(rtcc, ["reads", "import", str(path), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "4 records: 3 stored, 0 duplicates, 1 rejected (1 dead-lettered)" in result.stdout
    assert "reads_one_bad.csv:4: observed_at: timestamp has no timezone" in result.stderr
    assert "ignored unknown column(s): notes" in result.stderr
    with db.read() as s:
        plates = sorted(s.scalars(select(Read.plate_norm)))
        assert plates == ["6GHI321", "7ABC123", "8XYZ789"]
        (letter,) = s.scalars(select(DeadLetter)).all()
        assert letter.source == "file" and letter.reason.startswith("reads_one_bad.csv:4: observed_at:")
        assert letter.payload.startswith("4DEF456,CA,79,2026-01-01T10:00:00,CSV-CAM-2")
        assert letter.context["format"] == "csv" and letter.context["header"][0] == "plate"
        assert set(s.scalars(select(Camera.code))) == {"CSV-CAM-1", "CSV-CAM-2"}
    again = CliRunner().invoke(rtcc, ["reads", "import", str(path), "--no-progress"])
    assert "0 stored, 3 duplicates, 1 rejected" in again.stdout  # an import is idempotent
    assert count(db, Read) == 3


def test_import_jsonl_with_one_bad_line_and_a_default_camera(rtcc: typer.Typer, db: Database, tmp_path: Path) -> None:
    path = materialise("reads_one_bad.jsonl", tmp_path)
    result = CliRunner().invoke(rtcc, ["reads", "import", str(path), "--no-progress", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "4 records: 3 stored" in result.stdout
    assert "reads_one_bad.jsonl:4: speed: Extra inputs are not permitted" in result.stderr
    with db.read() as s:
        assert s.scalars(select(Read.vehicle_make).where(Read.plate == "8XYZ789")).one() == "Ford"
    no_camera = tmp_path / "nocam.jsonl"
    no_camera.write_text(json.dumps({"plate": "1AAA111", "observed_at": datetime.now(UTC).isoformat()}) + "\n")
    result = CliRunner().invoke(rtcc, ["reads", "import", str(no_camera), "--no-progress", "--camera", "DEF-CAM"])
    assert "1 stored" in result.stdout
    bad_header = tmp_path / "bad.csv"
    bad_header.write_text("plate,camera\nABC123,C1\n")
    failed = CliRunner().invoke(rtcc, ["reads", "import", str(bad_header)])
    assert failed.exit_code == 2 and "lacks observed_at" in failed.stderr


def test_deadletters_list_and_replay(rtcc: typer.Typer, db: Database, tmp_path: Path) -> None:
    path = tmp_path / "future.jsonl"
    soon = datetime.now(UTC) + timedelta(hours=2)
    path.write_text(json.dumps({"plate": "7ABC123", "observed_at": soon.isoformat(), "camera": "FUT-1"}) + "\n")
    CliRunner().invoke(rtcc, ["reads", "import", str(path), "--no-progress"])
    listed = CliRunner().invoke(rtcc, ["deadletters", "list", "--source", "file"])
    assert listed.exit_code == 0 and "1 of 1 dead letter(s)" in listed.stdout and "in the future" in listed.stdout
    letter_id = listed.stdout.split()[0]
    still = CliRunner().invoke(rtcc, ["deadletters", "replay", letter_id])
    assert still.exit_code == 1 and "still failing (attempt 1)" in still.stdout
    with db.uow() as s:  # the camera clock was wrong by two hours: a person corrects the stored line and replays
        letter = s.get(DeadLetter, int(letter_id))
        assert letter is not None
        letter.payload = letter.payload.replace(soon.isoformat(), datetime.now(UTC).isoformat())
    done = CliRunner().invoke(rtcc, ["deadletters", "replay", "--all"])
    assert done.exit_code == 0, done.output
    assert "1 replayed, 0 still failing" in done.stdout
    assert count(db, Read) == 1
    pending = CliRunner().invoke(rtcc, ["deadletters", "list", "--status", "pending"])
    assert "0 of 0 dead letter(s)" in pending.stdout
    with db.read() as s:
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.actor == "cli")))
    assert {"alpr.ingest", "alpr.deadletters.list", "alpr.deadletter.replay", "alpr.deadletter.replay_all"} <= actions
    usage = CliRunner().invoke(rtcc, ["deadletters", "replay"])
    assert usage.exit_code == 2


def test_cameras_list(rtcc: typer.Typer, db: Database, tmp_path: Path) -> None:
    path = materialise("reads_one_bad.csv", tmp_path)
    CliRunner().invoke(rtcc, ["reads", "import", str(path), "--no-progress"])
    result = CliRunner().invoke(rtcc, ["cameras", "list"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("CSV-CAM-1") and "online" in lines[0] and lines[-1] == "2 camera(s)"
