"""The analytics domain on the real database: the LASD and LAPD incident imports (bad rows reported by line, a second
import storing nothing twice), stored forecasts with their backtest (the winner used, baselines beside it, the flagged
cells fitting each area), the API's permissions and audit, placement of the next ALPR camera and drone dock, and the
public crime map's masking (no exact point or house number leaves the server)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from rtcc.analytics import forecasts, logic, placement, service
from rtcc.analytics.kernels.grid import SQ_MI_M2
from rtcc.analytics.kernels.hotspots import KernelDensity, NaiveAll, NaiveLast
from rtcc.audit.models import AuditEntry
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.errors import ImportFailed, ValidationFailed
from rtcc.demo import seed_analytics
from rtcc.identity.logic import SYSTEM
from rtcc.settings import Settings
from rtcc_testing import shared_data

LASD_HEADER = (
    "LURN_SAK,INCIDENT_DATE,INCIDENT_REPORTED_DATE,CATEGORY,STAT,STAT_DESC,ADDRESS,STREET,CITY,ZIP,INCIDENT_ID,"
    "REPORTING_DISTRICT,SEQ,GANG_RELATED,UNIT_ID,UNIT_NAME,LONGITUDE,LATITUDE,PART_CATEGORY"
)


def _lasd(tmp_path: Path) -> Path:
    rows = [
        LASD_HEADER,
        '1,11/02/2022 09:30:00 PM,11/03/2022,BURGLARY,60,BURGLARY RES,"13127 BRIARWOOD ST, CERRITOS, CA",'
        "13127 BRIARWOOD ST,CERRITOS,90703,922-1-2314,2314,1,NO,X,CERRITOS,-118.051,33.853,1",
        '2,11/03/2022 10:00:00 AM,11/03/2022,LARCENY THEFT,70,THEFT FROM VEHICLE,"X",17300 HOLMES CIR,CERRITOS,,'
        "922-2-2318,2318,1,NO,X,CERRITOS,-118.045,33.873,1",
        "3,not a date,11/03/2022,ROBBERY,1,R,A,100 MAIN ST,CERRITOS,,922-3,1,1,NO,X,CERRITOS,-118.05,33.86,1",
        "4,11/03/2022 10:00:00 AM,11/03/2022,ROBBERY,1,R,A,100 MAIN ST,CERRITOS,,922-4,1,1,NO,X,CERRITOS,0,0,1",
    ]
    path = tmp_path / "lasd.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_lasd_import_reports_bad_rows_and_stores_each_incident_once(db: Database, tmp_path: Path) -> None:
    path = _lasd(tmp_path)
    with db.uow() as s:
        r = service.import_incidents(s, path, layout="lasd", source=None, actor=SYSTEM)
    assert (r.records, r.imported, r.skipped) == (4, 2, 2)
    assert r.problems[0].startswith("lasd.csv:4: INCIDENT_DATE")
    assert r.problems[1].startswith("lasd.csv:5: LATITUDE/LONGITUDE")
    with db.uow() as s:
        again = service.import_incidents(s, path, layout="lasd", source=None, actor=SYSTEM)
    assert (again.imported, again.duplicates) == (0, 2)
    with db.read() as s:
        actions = [a for (a,) in s.execute(select(AuditEntry.action))]
    assert actions.count("analytics.incidents_imported") == 2


def test_an_unknown_layout_or_missing_column_names_it(db: Database, tmp_path: Path) -> None:
    path = _lasd(tmp_path)
    with db.uow() as s, pytest.raises(ImportFailed, match="layout"):
        service.import_incidents(s, path, layout="nypd", source=None, actor=SYSTEM)
    with db.uow() as s, pytest.raises(ImportFailed, match=r"missing column.*DR_NO"):
        service.import_incidents(s, path, layout="lapd", source=None, actor=SYSTEM)


@pytest.mark.parametrize(
    ("folder", "name", "layout"),
    [
        ("incidents/lasd_2021_2022", "cerritos_station_incidents.csv", "lasd"),
        ("incidents/lapd_2020", "lapd_crime_2020_sample_incidents.csv", "lapd"),
    ],
)
def test_the_real_agency_files_import(db: Database, folder: str, name: str, layout: str) -> None:
    path = shared_data(folder) / name
    with db.uow() as s:
        r = service.import_incidents(s, path, layout=layout, source=None, actor=SYSTEM)
    assert r.imported > 400 and r.imported + r.duplicates + r.skipped == r.records
    assert all(":" in p for p in r.problems)


def _seeded(db: Database) -> None:
    with db.uow() as s:
        service.store_incidents(s, seed_analytics.incidents(utcnow(), seed=3), source="demo")


def test_a_forecast_uses_the_backtest_winner_and_keeps_the_baselines_beside_it(
    db: Database, settings: Settings
) -> None:
    _seeded(db)
    models = (NaiveLast(), NaiveAll(), KernelDensity())
    with db.uow() as s:
        row = forecasts.compute(s, settings, category="larceny", horizon_days=7, models=models, actor=SYSTEM)
        f = forecasts.to_read(row)
    assert f.status == "ok" and f.events > 100
    names = {sc.model for sc in f.scores}
    assert names == {"naive_last", "naive_all", "kde"}
    best = {m: sum(sc.mean_pai or 0 for sc in f.scores if sc.model == m) for m in names}
    assert f.model == max(best, key=lambda m: best[m])
    cell_m2 = (settings.analytics_cell_ft * 0.3048) ** 2
    for area in f.areas:
        assert len(area.cells) == int(area.sq_mi * SQ_MI_M2 / cell_m2 + 1e-9)
        assert [c.rank for c in area.cells] == list(range(1, len(area.cells) + 1))
        assert area.cells[0].ring[0] == area.cells[0].ring[-1]
    assert len(f.backtest_origins) == settings.analytics_backtest_origins
    assert max(f.backtest_origins) == f.origin - timedelta(days=7)


def test_too_little_history_is_said_not_forecast(db: Database, settings: Settings) -> None:
    with db.uow() as s:
        f = forecasts.to_read(forecasts.compute(s, settings, category="robbery", horizon_days=7, actor=SYSTEM))
    assert f.status == "insufficient" and f.model is None and "events" in (f.note or "")
    with db.uow() as s, pytest.raises(ValidationFailed, match="horizon_days"):
        forecasts.compute(s, settings, category="robbery", horizon_days=120, actor=SYSTEM)


def test_api_staff_only_audited_and_the_public_map_masked(
    app_client: TestClient, db: Database, login: Callable[..., dict[str, str]]
) -> None:
    _seeded(db)
    analyst, resident = login("analyst"), login("resident")
    assert app_client.get("/api/v1/analytics/forecasts", headers=resident).status_code == 403
    assert app_client.post("/api/v1/analytics/forecasts/refresh", json={}, headers=login("cso")).status_code == 403
    r = app_client.post(
        "/api/v1/analytics/forecasts/refresh", json={"categories": ["burglary"], "horizon_days": 7}, headers=analyst
    )
    assert r.status_code == 200, r.text
    bad = app_client.post("/api/v1/analytics/forecasts/refresh", json={"categories": ["arson"]}, headers=analyst)
    assert bad.status_code == 422 and "categories" in bad.text
    got = app_client.get("/api/v1/analytics/forecasts", params={"horizon_days": 7}, headers=analyst).json()
    assert [f["category"] for f in got] == ["burglary"] and got[0]["model"]
    with db.read() as s:
        actions = {a for (a,) in s.execute(select(AuditEntry.action))}
    assert {"analytics.forecasts_computed", "analytics.forecasts_viewed"} <= actions

    alpr = app_client.get("/api/v1/analytics/placement/alpr", headers=analyst)
    assert alpr.status_code == 200, alpr.text
    a = alpr.json()
    assert len(a["proposed"]) == 1 and a["proposed"][0]["gain"] > 0 and a["covered_after"] > a["covered_before"]
    dock = app_client.get(
        "/api/v1/analytics/placement/docks", params={"docks": "33.87,-118.06", "seconds": 60}, headers=analyst
    ).json()
    assert len(dock["existing"]) == 1 and dock["covered_after"] >= dock["covered_before"]
    assert dock["parameters"]["radius_m"] == pytest.approx(20.0 * 60)
    assert (
        app_client.get("/api/v1/analytics/placement/docks", params={"docks": "x"}, headers=analyst).status_code == 422
    )

    pub = app_client.get("/api/v1/public/crime-map")  # no login
    assert pub.status_code == 200
    body = pub.json()
    assert body["incidents"] and set(i["category"] for i in body["incidents"]) <= set(logic.CATEGORIES)
    for i in body["incidents"]:
        assert (i["lat"], i["lon"]) == logic.mask_point(i["lat"], i["lon"])  # a square's centre, not a house
        assert i["block"] is None or " block of " in i["block"]
        assert i["block"] is None or i["block"].split(" ")[0].endswith("00")
    assert body["areas"] and all(w["counts"] for a in body["areas"] for w in a["weeks"])


def test_placement_keeps_existing_docks_and_proposes_more_than_one(db: Database, settings: Settings) -> None:
    _seeded(db)
    with db.uow() as s:
        two = placement.docks(s, settings, count=2, existing=[], speed_mps=10.0, seconds=60.0, actor=SYSTEM)
        one = placement.docks(
            s,
            settings,
            count=1,
            existing=[(two.proposed[0].lat, two.proposed[0].lon)],
            speed_mps=10.0,
            seconds=60.0,
            actor=SYSTEM,
        )
    assert len(two.proposed) == 2 and two.proposed[0].gain >= two.proposed[1].gain > 0
    assert one.covered_before == pytest.approx(two.proposed[0].gain / two.demand_weight)
    assert one.covered_after <= two.covered_after + 1e-9


def test_alpr_placement_counts_the_roads_entering_the_city(db: Database, settings: Settings) -> None:
    import numpy as np

    from rtcc.places import service as places
    from rtcc.routing import service as routing
    from rtcc.routing.logic import RoadNetwork

    _seeded(db)
    inside = next(p for p in places.intersections() if places.inside_city(p.lat, p.lon))
    # one primary road from a point inside the city to one far outside it, and a residential street inside it
    lat = np.array([inside.lat, inside.lat + 0.2, inside.lat + 0.001])
    lon = np.array([inside.lon, inside.lon, inside.lon])
    net = RoadNetwork(
        lat=lat,
        lon=lon,
        src=np.array([0, 1, 0]),
        dst=np.array([1, 0, 2]),
        length_m=np.array([22_000.0, 22_000.0, 110.0]),
        road_class=np.array([0, 0, 1]),
        classes=("primary", "residential"),
    )
    with db.uow() as s:
        routing.store_network(s, net, name="t", label="test", source="test", actor=SYSTEM)
    with db.uow() as s:
        assert placement.entry_points(s) == [(inside.lat, inside.lon)]
        r = placement.alpr(s, settings, count=1, actor=SYSTEM)
    assert r.parameters["entry_roads"] == 1.0 and r.note is None
    assert r.demand_weight == pytest.approx(r.parameters["incidents"] + settings.analytics_entry_weight)


def test_rebates_place_cameras_where_residents_are_and_take_a_budget(db: Database, settings: Settings) -> None:
    with db.uow() as s:
        by_budget = placement.rebates(
            s, settings, count=None, budget_cents=150_000, cost_cents=50_000, radius_m=None, actor=SYSTEM
        )
        one = placement.rebates(s, settings, count=1, budget_cents=None, cost_cents=None, radius_m=None, actor=SYSTEM)
    assert by_budget.parameters["residents"] == 49_578  # the 2020 census count of the profile's tracts
    assert len(by_budget.proposed) == 3 and by_budget.covered_after > one.covered_after > 0
    assert one.status == "optimal" and one.proposed[0].gain >= by_budget.proposed[0].gain  # the best single site
    with db.uow() as s, pytest.raises(ValidationFailed, match="cost_cents"):
        placement.rebates(s, settings, count=None, budget_cents=1000, cost_cents=None, radius_m=None, actor=SYSTEM)


def test_the_job_pass_stores_every_category_at_each_horizon(db: Database, settings: Settings) -> None:
    from types import SimpleNamespace

    from rtcc.analytics import jobs

    _seeded(db)
    one_horizon = settings.model_copy(update={"analytics_horizons_days": [14]})
    assert jobs.run_once(SimpleNamespace(db=db, settings=one_horizon)) == len(logic.CATEGORIES)  # type: ignore[arg-type]
    with db.uow() as s:
        stored = forecasts.latest(s, horizon_days=14, actor=SYSTEM)
    assert [f.category for f in stored] == list(logic.CATEGORIES)
    assert all(f.horizon_days == 14 and f.computed_by == "system" for f in stored)


def test_the_job_plans_each_division_forecast_on_a_profile_of_several(settings: Settings) -> None:
    from rtcc.places import service as places

    one = settings.model_copy(update={"analytics_horizons_days": [7]})
    assert forecasts.job_plan(one) == [(None, c, 7) for c in logic.CATEGORIES]  # Cerritos: one station, the city's
    places.activate("los_angeles")
    try:
        plan = forecasts.job_plan(one)
        codes = places.division_codes()
        assert len(codes) == 21
        assert plan == [(d, c, 7) for d in [None, *codes] for c in logic.CATEGORIES]
        city_only = one.model_copy(update={"analytics_division_forecasts": False})
        assert forecasts.job_plan(city_only) == [(None, c, 7) for c in logic.CATEGORIES]
    finally:
        places.activate(settings.city_profile)
