"""The contract as data and the council report on the real database: contract files validated with the failing field
named, effective-dated versions, the report's figures (service delivered from the unit status log, targets met,
overtime, CSO and guard calls, ALPR hits, no drone data), its HTML, PDF and CSV, the monthly job, the CLI, and the API
with its roles (a contract viewer reads and downloads, audited, and cannot change anything)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from rtcc.audit.models import AuditEntry
from rtcc.core.db import Database
from rtcc.core.errors import Conflict, ValidationFailed
from rtcc.demo import oversight_history, seed_oversight
from rtcc.dispatch import calltypes
from rtcc.dispatch.models import Unit, UnitStatusChange
from rtcc.identity.logic import SYSTEM
from rtcc.oversight import contracts, figures, jobs, reports
from rtcc.oversight.cli import oversight
from rtcc.settings import Settings

CONTRACT = """
name: Test contract
effective_from: 2024-07-01
service_units:
  - {shift: day, deputy_minutes: 960}
  - {shift: pm, deputy_minutes: 960}
targets:
  - {priority: Priority, target_s: 720}
overtime_budget_cents: 1200000
cso_hours_per_week: 40
"""


def _file(tmp_path: Path, text: str, name: str = "contract.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_contract_files_are_validated_and_versions_are_effective_dated(db: Database, tmp_path: Path) -> None:
    terms = contracts.parse_file(_file(tmp_path, CONTRACT))
    with pytest.raises(ValidationFailed, match=r"bad.yaml: service_units.0.deputy_minutes"):
        contracts.parse_file(_file(tmp_path, CONTRACT.replace("960}", "-5}", 1), "bad.yaml"))
    with pytest.raises(ValidationFailed, match=r"x.json: ") as caught:
        contracts.parse_file(_file(tmp_path, '{"colour": 1}', "x.json"))
    assert {"colour", "name", "effective_from"} <= {e["field"] for e in caught.value.errors}
    with pytest.raises(ValidationFailed, match=r"service_units.0.shift"):
        contracts.check(
            terms.model_copy(update={"service_units": [terms.service_units[0].model_copy(update={"shift": "x"})]})
        )
    with db.uow() as s:
        first = contracts.add(s, terms, actor=SYSTEM, source="contract.yaml")
        later = contracts.add(
            s, terms.model_copy(update={"effective_from": date(2025, 7, 1), "name": "FY26"}), actor=SYSTEM
        )
        with pytest.raises(Conflict):
            contracts.add(s, terms, actor=SYSTEM)
    with db.read() as s:
        assert contracts.in_force(s, date(2024, 6, 30)) is None
        assert contracts.in_force(s, date(2025, 1, 1)).id == first.id  # type: ignore[union-attr]
        assert contracts.in_force(s, date(2026, 1, 1)).id == later.id  # type: ignore[union-attr]
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "oversight.contract.add")) is not None


def _status_log(db: Database) -> None:
    """41A on duty from 2024-11-04 06:00 to 14:00 local (8 h, day shift) and C1 (a CSO) for 4 h."""
    now = datetime.now(UTC)
    start = datetime(2024, 11, 4, 14, 0, tzinfo=UTC)  # 06:00 Pacific
    with db.uow() as s:
        for sign, utype, hours in (("41A", "deputy_car", 8), ("C1", "cso", 4)):
            u = Unit(
                id=uuid.uuid4(),
                call_sign=sign,
                unit_type=utype,
                status="available",
                status_at=now,
                created_at=now,
                updated_at=now,
            )
            s.add(u)
            s.flush()
            s.add(UnitStatusChange(unit_id=u.id, at=start, status="available", actor="t"))
            s.add(UnitStatusChange(unit_id=u.id, at=start + timedelta(hours=hours), status="out_of_service", actor="t"))


def test_the_report_of_the_demo_month_shows_every_section(db: Database, tmp_path: Path) -> None:
    _status_log(db)
    with db.uow() as s:
        calltypes.add_rule(s, None, __import__("rtcc.demo.seed_dispatch", fromlist=["RULE"]).RULE, actor=SYSTEM)
        seed_oversight.seed(s)
        oversight_history.seed(s)
        f = figures.gather(s, "2024-11")
        filed = reports.generate(s, "2024-11", actor=SYSTEM)
        pdf = reports.download(s, "2024-11", "pdf", actor=SYSTEM)
        html = reports.download(s, "2024-11", "html", actor=SYSTEM).decode()
        annex = reports.download(s, "2024-11", "csv", actor=SYSTEM).decode()
    assert f["contract"]["demo"] is True and f["days"] == 30
    day = next(r for r in f["service"] if r["shift"] == "day")
    assert day["delivered"] == 480 and day["bought"] == 1920 * 30
    assert f["cso_guard"]["cso_hours"] == 4.0 and f["cso_guard"]["calls_taken"].get("cso", 0) > 0
    assert {r["priority"] for r in f["targets"]} == {"Emergent", "Priority", "Routine"}
    assert all(0 <= r["met_share"] <= 1 for r in f["targets"])
    assert f["alpr"]["hits"] == 0 and f["drones"] == {"available": False, "note": "no drone flights this month"}
    assert filed.month == "2024-11" and pdf.startswith(b"%PDF")
    assert "DEMO" in html and "<svg" in html and "Service delivered" in html
    assert annex.splitlines()[0] == "section,item,value,compared_with" and "no drone flights this month" in annex


def test_the_monthly_job_files_last_month_once(db: Database, settings: Settings) -> None:
    from rtcc.runtime import build_runtime

    runtime = build_runtime(settings)
    try:
        now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
        assert jobs.one_pass(runtime, now) == "2026-11"
        assert jobs.one_pass(runtime, now) is None
    finally:
        runtime.db.dispose()
    with db.read() as s:
        assert [r.month for r in reports.listing(s)] == ["2026-11"]


def test_the_cli_imports_a_contract_and_files_a_report(
    db: Database, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RTCC_DATABASE_URL", settings.database_url)
    from rtcc.settings import get_settings

    get_settings.cache_clear()
    try:
        runner = CliRunner()
        ok = runner.invoke(oversight, ["contract", "import", str(_file(tmp_path, CONTRACT))])
        assert ok.exit_code == 0 and "in force from 2024-07-01" in ok.output
        bad = runner.invoke(oversight, ["contract", "import", str(_file(tmp_path, "name: x\n", "short.yaml"))])
        assert bad.exit_code == 1 and "short.yaml: effective_from" in bad.output
        out = runner.invoke(oversight, ["report", "--month", "2026-11", "--out", str(tmp_path / "r")])
        assert out.exit_code == 0, out.output
        assert (tmp_path / "r" / "council-report-2026-11.pdf").read_bytes().startswith(b"%PDF")
        assert runner.invoke(oversight, ["kpis", "--group-by", "shift"]).exit_code == 0
    finally:
        get_settings.cache_clear()


def test_the_api_roles(app_client: TestClient, login: Callable[..., dict[str, str]], db: Database) -> None:
    viewer, supervisor, guard = login("contract_viewer"), login("supervisor"), login("guard")
    body = {
        "name": "API contract",
        "effective_from": "2025-07-01",
        "service_units": [{"shift": "day", "deputy_minutes": 100}],
        "targets": [{"priority": "Emergent", "target_s": 300}],
        "overtime_budget_cents": 100,
    }
    assert app_client.post("/api/v1/oversight/contracts", json=body, headers=viewer).status_code == 403
    assert app_client.post("/api/v1/oversight/contracts", json=body, headers=supervisor).status_code == 201
    bad = app_client.post(
        "/api/v1/oversight/contracts", json={**body, "effective_from": "2025-08-01", "oops": 1}, headers=supervisor
    )
    assert bad.status_code == 422 and "oops" in bad.text
    assert app_client.get("/api/v1/oversight/kpis", headers=guard).status_code == 403
    kpi = app_client.get("/api/v1/oversight/kpis?group_by=unit_type&interval=turnout", headers=viewer)
    assert kpi.status_code == 200 and kpi.json()["group_by"] == "unit_type"
    assert app_client.get("/api/v1/oversight/kpis?group_by=colour", headers=viewer).status_code == 422
    assert app_client.post("/api/v1/oversight/reports", json={"month": "2025-08"}, headers=viewer).status_code == 403
    made = app_client.post("/api/v1/oversight/reports", json={"month": "2025-08"}, headers=supervisor)
    assert made.status_code == 201
    listed = app_client.get("/api/v1/oversight/reports", headers=viewer).json()
    assert [r["month"] for r in listed] == ["2025-08"]
    pdf = app_client.get("/api/v1/oversight/reports/2025-08.pdf", headers=viewer)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert app_client.get("/api/v1/oversight/reports/2025-09.csv", headers=viewer).status_code == 404
    assert app_client.get("/api/v1/oversight/contracts", headers=viewer).json()[0]["name"] == "API contract"
    assert app_client.get("/api/v1/oversight/rules", headers=viewer).status_code == 200
    with db.read() as s:
        roles = s.scalars(select(AuditEntry.actor_role).where(AuditEntry.action == "oversight.report.read")).all()
    assert roles == ["contract_viewer"]
