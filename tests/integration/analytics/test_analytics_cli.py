"""``rtcc analytics import-incidents`` and ``rtcc analytics forecast`` on the real database: the report of an import
(bad rows by line), a wrong layout refused with one line, and forecasts computed and printed with their model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rtcc.analytics import service
from rtcc.analytics.cli import analytics
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.demo import seed_analytics
from rtcc.settings import get_settings

HEADER = "DR_NO,Date Rptd,DATE OCC,TIME OCC,AREA,Crm Cd Desc,LOCATION,LAT,LON"


@pytest.fixture
def cli(database_url: str, db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        yield CliRunner()
    finally:
        get_settings.cache_clear()


def test_import_incidents_reports_and_refuses_a_wrong_layout(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "lapd.csv"
    path.write_text(
        "\n".join(
            [
                HEADER,
                "200100001,01/08/2020 00:00,01/08/2020 00:00,2230,03,BURGLARY,1100 W  39TH PL,34.0141,-118.2978",
                "200100002,01/08/2020 00:00,31/31/2020 00:00,2230,03,BURGLARY,1100 W  39TH PL,34.0141,-118.2978",
            ]
        )
        + "\n"
    )
    done = cli.invoke(analytics, ["import-incidents", str(path), "--layout", "lapd"])
    assert done.exit_code == 0, done.output
    assert "2 read, 1 stored, 0 already stored, 1 skipped" in done.output
    assert "lapd.csv:3: DATE OCC/TIME OCC" in done.output
    wrong = cli.invoke(analytics, ["import-incidents", str(path), "--layout", "lasd"])
    assert wrong.exit_code == 1 and "missing column" in wrong.output


def test_forecast_command_stores_and_prints_each_category(cli: CliRunner, db: Database) -> None:
    with db.uow() as s:
        service.store_incidents(s, seed_analytics.incidents(utcnow(), seed=5), source="demo")
    done = cli.invoke(analytics, ["forecast", "--horizon", "7", "--category", "burglary", "--category", "robbery"])
    assert done.exit_code == 0, done.output
    lines = done.output.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("burglary") and "PAI" in lines[0]


def test_forecast_command_computes_one_division_forecast(cli: CliRunner, db: Database) -> None:
    from sqlalchemy import select

    from rtcc.analytics.models import StoredForecast
    from rtcc.places import service as places

    with db.uow() as s:
        service.store_incidents(s, seed_analytics.incidents(utcnow(), seed=5), source="demo")
    [code] = places.division_codes()  # Cerritos' one station
    done = cli.invoke(analytics, ["forecast", "--horizon", "7", "--category", "burglary", "--division", code])
    assert done.exit_code == 0, done.output
    with db.read() as s:
        assert list(s.scalars(select(StoredForecast.division))) == [code]
    unknown = cli.invoke(analytics, ["forecast", "--horizon", "7", "--division", "99"])
    assert unknown.exit_code != 0 and "no division '99'" in unknown.output
