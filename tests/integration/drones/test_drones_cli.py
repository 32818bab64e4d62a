"""``rtcc drones``: a fleet file and a policy file imported (and listed), the city default policy, a bad policy file
printing every problem with its place and exiting 1, an unknown call type named by its place, and a pilot added."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from drones_support import FLEET, policy_doc, square
from typer.testing import CliRunner

from rtcc.core.db import Database
from rtcc.drones.cli import drones as drones_cli
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM, Role
from rtcc.identity.schemas import UserCreate
from rtcc.settings import get_settings


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)
    monkeypatch.setenv("RTCC_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        yield tmp_path
    finally:
        get_settings.cache_clear()


def test_the_drones_commands(db: Database, env: Path) -> None:
    runner = CliRunner()
    fleet = env / "fleet.json"
    fleet.write_text(json.dumps(FLEET))
    out = runner.invoke(drones_cli, ["fleet", "import", str(fleet)])
    assert out.exit_code == 0 and "2 dock(s), 2 drone(s)" in out.output, out.output
    listed = runner.invoke(drones_cli, ["fleet", "list"])
    assert "DK-E" in listed.output and "D-W1 (Test X, docked, 100 %)" in listed.output

    good = env / "policy.geojson"
    good.write_text(json.dumps(policy_doc([("no_fly", "Field", square(33.86, -118.06, 0.001))])))
    checked = runner.invoke(drones_cli, ["policy", "check", str(good)])
    assert checked.exit_code == 0 and "valid" in checked.output and "1 zones (1 no-fly)" in checked.output
    imported = runner.invoke(drones_cli, ["policy", "import", str(good)])
    assert imported.exit_code == 0 and "launch policy v1" in imported.output and "program limits v1" in imported.output
    default = runner.invoke(drones_cli, ["policy", "import", "--city-default"])
    assert default.exit_code == 0 and "launch policy v2" in default.output and "33 zones" in default.output
    shown = runner.invoke(drones_cli, ["policy", "show"])
    assert "launch policy v2" in shown.output and "excluded: FOCUSED_PATROL [DFR-EX-1]" in shown.output

    doc = policy_doc()
    doc["policy"]["max_range_m"] = "far"
    doc["features"] = [{"type": "Feature", "properties": {"kind": "no_fly"}, "geometry": {"type": "Point"}}]
    bad = env / "bad.geojson"
    bad.write_text(json.dumps(doc))
    failed = runner.invoke(drones_cli, ["policy", "import", str(bad)])
    assert failed.exit_code == 1
    assert "error: policy.max_range_m:" in failed.output
    assert "error: features[0].properties.name:" in failed.output
    assert "error: features[0].geometry.type: 'Point' is not a Polygon" in failed.output
    unknown = policy_doc()
    unknown["policy"]["eligible_call_types"] = ["SHOTS", "UFO_SIGHTING"]
    bad.write_text(json.dumps(unknown))
    failed = runner.invoke(drones_cli, ["policy", "check", str(bad)])
    assert failed.exit_code == 1 and "policy.eligible_call_types.1: unknown call type 'UFO_SIGHTING'" in failed.output
    broken = env / "fleet_bad.json"
    broken.write_text(json.dumps({"docks": [{"code": "X", "name": "x", "lat": 95, "lon": 0, "launch_time_s": 10}]}))
    failed = runner.invoke(drones_cli, ["fleet", "import", str(broken)])
    assert failed.exit_code == 1 and "error: docks.0.lat:" in failed.output

    with db.uow() as s:
        identity.create_user(
            s,
            UserCreate(username="pia", display_name="Pia", password="correct horse battery", role=Role.pilot),
            actor=SYSTEM,
        )
    added = runner.invoke(drones_cli, ["pilot", "add", "pia", "--certificate", "4400001", "--expires", "2030-01-31"])
    assert added.exit_code == 0 and "valid until 2030-01-31" in added.output, added.output
    assert "4400001" in runner.invoke(drones_cli, ["pilot", "list"]).output
    wrong = runner.invoke(drones_cli, ["pilot", "add", "nobody", "--certificate", "1", "--expires", "2030-01-31"])
    assert wrong.exit_code == 1 and "no user 'nobody'" in wrong.output
