"""The NIJ Portland benchmark's adapter on a synthetic folder in the challenge's format: projection, grid rules and
the ``rtcc analytics nij-forecast`` command end to end (no shared data needed)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner, Result

from rtcc import cli
from rtcc.analytics import nij

X0_FT = 2_500_000.0001424 / 0.3048


def _rtcc(args: list[str]) -> Result:
    cli._register_domains()  # mounts ``rtcc analytics`` from its manifest, as the console script does
    return CliRunner().invoke(cli.app, ["analytics", *args])


def test_projection_origin_maps_to_the_parameters_of_epsg_2913() -> None:
    lon, lat = nij.oregon_north_to_lonlat([X0_FT], [0.0])
    assert lon[0] == pytest.approx(-120.5, abs=1e-12)
    assert lat[0] == pytest.approx(43 + 2 / 3, abs=1e-9)
    # 100,000 ft (30.48 km) west of the central meridian moves west by about 30.48 / (111.2 cos 44) = 0.38 degrees
    lon, _ = nij.oregon_north_to_lonlat([X0_FT - 100_000.0], [0.0])
    assert lon[0] == pytest.approx(-120.5 - 0.381, abs=0.005)


def test_cell_sides_follow_the_challenge_areas() -> None:
    square = [(0.0, 0.0), (6000.0, 0.0), (6000.0, 6000.0), (0.0, 6000.0)]
    assert nij.challenge_grid(square).active.sum() == 100
    assert nij.challenge_grid(square, 250.0).active.sum() == 576
    with pytest.raises(ValueError, match="62,500"):
        nij.challenge_grid(square, 700.0)


def _write_folder(folder: Path) -> None:
    rng = np.random.default_rng(3)
    x0, y0 = 7_640_000.0, 680_000.0  # inner Portland, EPSG:2913 feet
    with (folder / nij.BOUNDARY_FILE).open("w") as fh:
        fh.write("x,y\n")
        for x, y in [(0, 0), (12000, 0), (12000, 12000), (0, 12000), (0, 0)]:
            fh.write(f"{x0 + x},{y0 + y}\n")
    header = (
        "occ_date,x_coordina,y_coordina,week_no,month_no,day_mo,occ_year,day_no,fyear,call_group_type,case_desc_type"
    )
    for name in nij.CATEGORIES.values():
        n = 900
        days = rng.integers(1, 731, n)
        hot = rng.random(n) < 0.5
        xs = np.where(hot, rng.normal(x0 + 3000, 300, n), rng.uniform(x0, x0 + 12000, n))
        ys = np.where(hot, rng.normal(y0 + 9000, 300, n), rng.uniform(y0, y0 + 12000, n))
        with (folder / name).open("w") as fh:
            fh.write(header + "\n")
            for d, x, y in zip(days, xs, ys, strict=True):
                when = date(2017, 3, 1) - timedelta(days=int(d))
                fh.write(f"{when.isoformat()},{int(x)},{int(y)},0,0,0,0,{d},0,4,0\n")


def test_command_writes_geojson_per_category_window_and_area(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    data.mkdir()
    _write_folder(data)
    res = _rtcc(["nij-forecast", "--data", str(data), "--out", str(out), "--window", "2w", "--origins", "3"])
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "burglary_2w_0.25sqmi.geojson",
        "burglary_2w_0.75sqmi.geojson",
        "summary.json",
        "vehicle_theft_2w_0.25sqmi.geojson",
        "vehicle_theft_2w_0.75sqmi.geojson",
    ]
    doc = json.loads((out / "burglary_2w_0.25sqmi.geojson").read_text())
    assert doc["type"] == "FeatureCollection"
    props = doc["properties"]
    assert props["days"] == 14 and props["start"] == "2017-03-01" and props["cells"] == 19  # 0.25 sq mi / 360,000
    assert props["model"] in ("naive_last", "naive_all", "kde", "gbm")
    assert props["backtest_origins"] == 3 and props["backtest_incidents"] > 0
    ring = doc["features"][0]["geometry"]["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1]
    assert all(-122.8 < lon < -122.4 and 45.4 < lat < 45.7 for lon, lat in ring)
    # the top cell is in the planted hot spot (3,000 ft east and 9,000 ft north of the corner)
    x0, y0, x1, y1 = doc["features"][0]["properties"]["epsg2913_bounds_ft"]
    assert abs((x0 + x1) / 2 - 7_643_000) < 1200 and abs((y0 + y1) / 2 - 689_000) < 1200
    assert len(json.loads((out / "burglary_2w_0.75sqmi.geojson").read_text())["features"]) == 58
    summary = json.loads((out / "summary.json").read_text())
    assert [f["window"] for f in summary["forecasts"]] == ["2w", "2w"]


def test_command_reports_a_wrong_folder(tmp_path: Path) -> None:
    res = _rtcc(["nij-forecast", "--data", str(tmp_path), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1
    assert "portland_nij_training" in res.output
