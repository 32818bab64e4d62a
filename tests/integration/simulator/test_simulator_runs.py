"""The simulator on the real database: fitted on an imported CAD history (a synthetic Alexandria export), the backtest
sets predicted beside observed response per priority, a scenario run started from the API runs in the background
with progress and stores the baseline beside the scenario, the CLI prints the backtest table, and only roles with
``simulator:*`` may use it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from rtcc.core.db import Database
from rtcc.dispatch import history
from rtcc.dispatch.adapters.bench import synthetic_alexandria_csv
from rtcc.dispatch.adapters.cad_history import CadFile
from rtcc.identity.logic import SYSTEM
from rtcc.settings import get_settings
from rtcc.simulator import service
from rtcc.simulator.cli import simulate
from rtcc.simulator.schemas import BacktestCreate, RunCreate, Scenario

START = datetime(2025, 8, 24, 4, tzinfo=UTC)  # the synthetic export starts 2025-08-24 00:00 New York time


@pytest.fixture
def imported(db: Database, tmp_path: Path) -> Database:
    path = tmp_path / "alexandria.csv"
    path.write_text(synthetic_alexandria_csv(3000), encoding="utf-8")  # a call every ~40 s: about 33 hours
    with db.uow() as s:
        report = history.import_file(s, CadFile(path), actor=SYSTEM)
    assert report.imported == 3000
    return db


def test_the_backtest_sets_predicted_beside_observed_per_priority(imported: Database) -> None:
    req = BacktestCreate(
        fit_from=START, fit_until=START + timedelta(hours=22), predict_until=START + timedelta(hours=33), replications=3
    )
    with imported.read() as s:
        res = service.backtest(s, req, tz="America/New_York")
    assert res["notes"][0].startswith("history mode")
    rows = {r["priority"]: r for r in res["rows"]}
    assert set(rows) == {"1", "2", "3", "4"}
    for r in rows.values():
        assert r["observed_calls"] > 50 and r["predicted_calls"] > 50
        # the synthetic chain is received -> on scene ~ 5+6+... minutes whatever the priority: within 30 %
        assert abs(r["median_error_pct"]) < 30, r
        lo, hi = r["predicted_median_ci"]
        assert lo <= r["predicted_median_s"] <= hi


def test_a_scenario_run_from_the_api_runs_in_the_background_with_progress(
    imported: Database, app_client: TestClient, login: Callable[[str], dict[str, str]]
) -> None:
    headers = login("analyst")
    body = RunCreate(
        scenario=Scenario(name="two police units out", out_of_service=["POLICE-1", "POLICE-2"]),
        hours=24,
        replications=3,
    ).model_dump(mode="json")
    resp = app_client.post("/api/v1/simulator/runs", json=body, headers=headers)
    assert resp.status_code == 202, resp.text
    run_id = resp.json()["id"]
    assert resp.json()["status"] in ("queued", "running", "done")
    deadline = time.monotonic() + 120
    seen = set()
    while time.monotonic() < deadline:
        run = app_client.get(f"/api/v1/simulator/runs/{run_id}", headers=headers).json()
        seen.add(run["progress"])
        if run["status"] in ("done", "failed"):
            break
        time.sleep(0.2)
    assert run["status"] == "done", run["error"]
    assert run["progress"] == 100
    res = run["results"]
    base = {p["priority"]: p for p in res["baseline"]["priorities"]}
    scen = {p["priority"]: p for p in res["scenario"]["priorities"]}
    assert set(base) == set(scen) == {"1", "2", "3", "4"}
    assert len(res["scenario"]["units"]) == len(res["baseline"]["units"]) - 2
    listed = app_client.get("/api/v1/simulator/runs", headers=headers).json()
    assert listed[0]["id"] == run_id


def test_a_bad_scenario_fails_with_the_field_named(imported: Database) -> None:
    with imported.read() as s, pytest.raises(Exception, match="out_of_service"):
        service.compare(s, RunCreate(scenario=Scenario(out_of_service=["NOBODY"]), hours=4, replications=1))


def test_only_simulator_roles_may_run_or_read(app_client: TestClient, login: Callable[[str], dict[str, str]]) -> None:
    officer = login("officer")
    assert app_client.get("/api/v1/simulator/runs", headers=officer).status_code == 403
    body = {"scenario": {"name": "x"}, "hours": 1, "replications": 1}
    assert app_client.post("/api/v1/simulator/runs", json=body, headers=officer).status_code == 403
    app_client.cookies.clear()
    assert app_client.get("/api/v1/simulator/runs").status_code == 401
    analyst = login("analyst")
    bad = {"scenario": {"name": "x", "typo": 1}, "hours": 1, "replications": 1}
    resp = app_client.post("/api/v1/simulator/runs", json=bad, headers=analyst)
    assert resp.status_code == 422 and "typo" in resp.text


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        yield CliRunner()
    finally:
        get_settings.cache_clear()


def test_the_cli_prints_the_backtest_table_and_stores_the_run(imported: Database, cli: CliRunner) -> None:
    res = cli.invoke(
        simulate,
        [
            "backtest",
            "--year",
            "2025",
            "--fit-weeks",
            "34",
            "--predict-weeks",
            "35",
            "--replications",
            "2",
            "--time-zone",
            "America/New_York",
        ],
    )
    # the synthetic history starts on Sunday 24 August 2025 (ISO week 34) and ends on the Monday morning (week 35)
    assert res.exit_code == 0, res.output
    assert "obs med" in res.stdout and "pred med" in res.stdout
    assert len([ln for ln in res.stdout.splitlines() if ln.strip().startswith(("1 ", "2 ", "3 ", "4 "))]) == 4
    with imported.read() as s:
        runs = service.list_runs(s)
    assert runs and runs[0].kind == "backtest" and runs[0].status == "done"
    bad = cli.invoke(simulate, ["backtest", "--year", "2025", "--fit-weeks", "35", "--predict-weeks", "40"])
    assert bad.exit_code != 0 and "--predict-weeks" in bad.output


def test_the_cli_runs_a_preset_beside_the_baseline_with_naive_times_read_as_utc(
    imported: Database, cli: CliRunner
) -> None:
    res = cli.invoke(
        simulate,
        ["run", "--preset", "out_of_service", "--since", "2025-08-24T04:00:00", "--until", "2025-08-25T04:00:00",
         "--hours", "6", "--replications", "2", "--time-zone", "America/New_York"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "out of service" in res.stdout and "baseline median" in res.stdout and "mean queue" in res.stdout
    bad = cli.invoke(simulate, ["run", "--preset", "nope"])
    assert bad.exit_code != 0 and "--preset" in bad.output
