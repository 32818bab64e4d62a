"""``/api/v1/routing`` (``routing:read``) and ``rtcc routing``: the active network, ETAs and directions over HTTP,
import, info and eta from the command line, with clear errors and an audited import."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from rtcc.audit.models import AuditEntry
from rtcc.core.db import Database
from rtcc.identity.logic import SYSTEM
from rtcc.routing import service
from rtcc.routing.cli import routing
from rtcc.settings import get_settings
from rtcc_testing import shared_data

PBF = ("geo", "osm_la_financial_district", "Financial_District_2020-02-02_basic_tags.osm.pbf")
CALL = {"lat": 34.0503, "lon": -118.2535}
UNITS = [{"lat": 34.0495, "lon": -118.2590}, {"lat": 34.0540, "lon": -118.2500}]


def test_routes_answer_with_the_method_and_refuse_other_roles(
    app_client: TestClient, login: Callable[..., dict[str, str]], db: Database
) -> None:
    dispatcher = login("dispatcher")
    none = app_client.get("/api/v1/routing/network", headers=dispatcher)
    assert none.status_code == 200 and none.json() is None
    estimate = app_client.post("/api/v1/routing/eta", headers=dispatcher, json={"to": CALL, "origins": UNITS})
    assert estimate.status_code == 200, estimate.text
    assert estimate.json()["method"] == "straight_line" and estimate.json()["note"]

    with db.uow() as s:
        service.import_file(s, shared_data(*PBF), name="la", label="Downtown LA (OSM)", actor=SYSTEM)
    officer = login("officer")
    net = app_client.get("/api/v1/routing/network", headers=officer).json()
    assert net["name"] == "la" and net["label"] == "Downtown LA (OSM)" and net["node_count"] == 577
    assert net["edge_count"] > 0 and net["imported_at"]
    eta = app_client.post(
        "/api/v1/routing/eta", headers=dispatcher, json={"to": CALL, "origins": UNITS, "emergent": True}
    ).json()
    assert eta["method"] == "network" and eta["methods"] == ["network", "network"] and eta["emergent"] is True
    assert all(0 < s < 600 for s in eta["seconds"]) and eta["note"] is None
    route = app_client.post("/api/v1/routing/route", headers=officer, json={"start": UNITS[0], "end": CALL}).json()
    assert route["method"] == "network" and len(route["polyline"]) > 2 and route["seconds"] > 0
    assert route["polyline"][0] == [UNITS[0]["lat"], UNITS[0]["lon"]]

    bad = app_client.post(
        "/api/v1/routing/eta", headers=dispatcher, json={"to": {"lat": 91, "lon": 0}, "origins": UNITS}
    )
    assert bad.status_code == 422 and "lat" in bad.text
    extra = app_client.post("/api/v1/routing/route", headers=officer, json={"start": CALL, "end": CALL, "x": 1})
    assert extra.status_code == 422 and "x" in extra.text
    for role in ("auditor", "program_staff", "resident"):
        h = login(role)
        assert app_client.get("/api/v1/routing/network", headers=h).status_code == 403
        assert app_client.post("/api/v1/routing/eta", headers=h, json={"to": CALL, "origins": UNITS}).status_code == 403


@pytest.fixture
def cli(database_url: str, db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)
    monkeypatch.setenv("RTCC_BUS_URL", "memory://")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_cli_import_info_eta(cli: CliRunner, db: Database, tmp_path: Any) -> None:
    empty = cli.invoke(routing, ["info"])
    assert empty.exit_code == 0 and "no road network" in empty.output
    estimate = cli.invoke(routing, ["eta", "--to", "34.0503,-118.2535", "--from", "34.0495,-118.2590"])
    assert estimate.exit_code == 0 and "straight_line" in estimate.output and "note:" in estimate.output

    done = cli.invoke(routing, ["import", str(shared_data(*PBF)), "--name", "la", "--label", "Downtown LA"])
    assert done.exit_code == 0, done.output
    assert "imported la: 577 nodes" in done.output and "(active)" in done.output
    info = cli.invoke(routing, ["info"])
    assert info.exit_code == 0 and "* la" in info.output and "Downtown LA" in info.output
    eta = cli.invoke(
        routing,
        ["eta", "--to", "34.0503,-118.2535", "--from", "34.0495,-118.2590", "--from", "34.054,-118.25", "--json"],
    )
    assert eta.exit_code == 0, eta.output
    doc = json.loads(eta.output)
    assert doc["method"] == "network" and len(doc["seconds"]) == 2 and doc["network"] == "la"

    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"not a pbf")
    failed = cli.invoke(routing, ["import", str(broken), "--name", "la"])
    assert failed.exit_code == 1 and "broken.osm.pbf" in failed.output
    bad_point = cli.invoke(routing, ["eta", "--to", "34.05", "--from", "34.0495,-118.2590"])
    assert bad_point.exit_code != 0 and "--to" in bad_point.output
    unknown = cli.invoke(routing, ["activate", "nope"])
    assert unknown.exit_code == 1 and "nope" in unknown.output
    with db.read() as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
        active = service.active_network(s)
    assert actions == ["routing.network.import"] and active is not None and active.name == "la"
