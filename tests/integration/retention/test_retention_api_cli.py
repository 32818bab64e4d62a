"""Retention over HTTP and the command line: policy, runs and their history, holds with their permissions and the
two-person rule, and the CLI acting as a named user."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from rtcc.alpr.models import Camera, Read
from rtcc.audit.models import AuditEntry
from rtcc.core.db import Database
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM, Role
from rtcc.identity.schemas import UserCreate
from rtcc.retention.cli import retention
from rtcc.settings import get_settings
from rtcc_testing import file_case

NOW = datetime.now(UTC).replace(microsecond=0)
Login = Callable[..., dict[str, str]]


def add_reads(db: Database, n: int, *, age_days: float) -> None:
    cid = uuid.uuid4()
    with db.uow() as s:
        s.add(Camera(id=cid, code=f"CAM-{cid.hex[:6]}", name="c", created_at=NOW, meta={}))
        s.flush()
        for _ in range(n):
            t = NOW - timedelta(days=age_days)
            s.add(
                Read(
                    id=uuid.uuid4(),
                    camera_id=cid,
                    plate="ABC123",
                    plate_norm="ABC123",
                    plate_ocr="ABC123",
                    observed_at=t,
                    received_at=t,
                    source="rest",
                )
            )


def count_reads(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(Read)) or 0)


def test_policy_has_the_five_classes_with_defaults(app_client: TestClient, login: Login) -> None:
    resp = app_client.get("/api/v1/retention/policy", headers=login("auditor"))
    assert resp.status_code == 200, resp.text
    days = {c["name"]: c["days"] for c in resp.json()["classes"]}
    assert days == {"reads_nonhit": 30, "reads_hit": 365, "images": 30, "alerts": 730, "audit": 1825}


def test_run_purges_and_is_listed(app_client: TestClient, login: Login, db: Database) -> None:
    add_reads(db, 3, age_days=45)
    add_reads(db, 2, age_days=5)
    admin = login("admin")
    dry = app_client.post("/api/v1/retention/run", json={"dry_run": True}, headers=admin)
    assert dry.status_code == 200, dry.text
    assert {c["name"]: c["count"] for c in dry.json()}["reads_nonhit"] == 3
    assert count_reads(db) == 5
    resp = app_client.post("/api/v1/retention/run", json={"classes": ["reads_nonhit"]}, headers=admin)
    assert resp.status_code == 200, resp.text
    assert [(c["name"], c["count"]) for c in resp.json()] == [("reads_nonhit", 3)]
    assert count_reads(db) == 2
    runs = app_client.get("/api/v1/retention/runs", headers=login("analyst")).json()
    assert [(r["dry_run"], r["classes"]["reads_nonhit"]["count"]) for r in runs] == [(False, 3), (True, 3)]
    bad = app_client.post("/api/v1/retention/run", json={"classes": ["everything"]}, headers=admin)
    assert bad.status_code == 422 and "everything" in bad.json()["detail"]


def test_supervisor_may_not_run_a_purge(app_client: TestClient, login: Login) -> None:
    assert app_client.post("/api/v1/retention/run", headers=login("supervisor")).status_code == 403
    assert app_client.post("/api/v1/retention/run", headers=login("admin")).status_code == 200


def test_hold_lifecycle_over_http(app_client: TestClient, login: Login, db: Database) -> None:
    analyst = login("analyst")
    file_case(db, "24-77")
    review = (NOW + timedelta(days=30)).date().isoformat()
    body = {"case_number": "24-77", "reason": "robbery", "review_date": review, "plates": ["7abc 123"]}
    resp = app_client.post("/api/v1/holds", json=body, headers=analyst)
    assert resp.status_code == 201, resp.text
    hold = resp.json()
    assert hold["status"] == "requested" and hold["plates"] == ["7ABC123"]
    hid = hold["id"]
    assert app_client.post(f"/api/v1/holds/{hid}/approve", headers=analyst).status_code == 403
    sup = login("supervisor")
    resp = app_client.post(f"/api/v1/holds/{hid}/approve", json={"note": "ok"}, headers=sup)
    assert resp.status_code == 200 and resp.json()["status"] == "active", resp.text
    assert app_client.post(f"/api/v1/holds/{hid}/approve", headers=sup).status_code == 409
    listed = app_client.get("/api/v1/holds", params={"status": "active"}, headers=analyst).json()
    assert [h["id"] for h in listed] == [hid]
    resp = app_client.post(f"/api/v1/holds/{hid}/release", json={"note": "case closed"}, headers=sup)
    assert resp.json()["status"] == "released"
    no_date = {k: v for k, v in body.items() if k != "review_date"}
    resp = app_client.post("/api/v1/holds", json=no_date, headers=analyst)
    assert resp.status_code == 422 and "review_date" in resp.text
    past = {**body, "review_date": (NOW - timedelta(days=1)).date().isoformat()}
    resp = app_client.post("/api/v1/holds", json=past, headers=analyst)
    assert resp.status_code == 422 and "review_date" in resp.text


def test_supervisor_cannot_approve_own_request(app_client: TestClient, login: Login, db: Database) -> None:
    sup = login("supervisor")
    file_case(db, "24-78")
    body = {
        "case_number": "24-78",
        "reason": "r",
        "review_date": (NOW + timedelta(days=3)).date().isoformat(),
        "read_ids": [str(uuid.uuid4())],
    }
    hid = app_client.post("/api/v1/holds", json=body, headers=sup).json()["id"]
    resp = app_client.post(f"/api/v1/holds/{hid}/approve", headers=sup)
    assert resp.status_code == 403 and "requester" in resp.json()["detail"]


@pytest.fixture
def cli_env(database_url: str, db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)
    get_settings.cache_clear()
    with db.uow() as s:
        for name, role in (("ana", Role.analyst), ("sam", Role.supervisor)):
            identity.create_user(
                s,
                UserCreate(username=name, display_name=name, password="correct horse battery", role=role),
                actor=SYSTEM,
            )
    yield CliRunner()
    get_settings.cache_clear()


def test_cli_run_policy_and_holds(cli_env: CliRunner, db: Database) -> None:
    add_reads(db, 4, age_days=40)
    out = cli_env.invoke(retention, ["policy"])
    assert out.exit_code == 0 and "reads_hit" in out.output and "365" in out.output
    out = cli_env.invoke(retention, ["run", "--dry-run", "--class", "reads_nonhit"])
    assert out.exit_code == 0, out.output
    assert "due" in out.output and " 4 " in out.output and count_reads(db) == 4
    out = cli_env.invoke(retention, ["run", "--class", "reads_nonhit"])
    assert out.exit_code == 0 and "purged" in out.output and count_reads(db) == 0
    review = (NOW + timedelta(days=10)).date().isoformat()
    file_case(db, "24-9")
    args = ["holds", "request", "--user", "ana", "--case-number", "24-9", "--reason", "r", "--review-date", review]
    out = cli_env.invoke(retention, [*args, "--plate", "ABC123"])
    assert out.exit_code == 0, out.output
    hid = out.output.split()[0]
    out = cli_env.invoke(retention, ["holds", "approve", hid, "--user", "ana"])
    assert out.exit_code == 1 and "holds:approve" in out.output
    out = cli_env.invoke(retention, ["holds", "approve", hid, "--user", "sam"])
    assert out.exit_code == 0 and "active" in out.output
    out = cli_env.invoke(retention, ["holds", "list", "--status", "active"])
    assert hid in out.output
    out = cli_env.invoke(retention, ["holds", "release", hid, "--user", "sam", "--note", "done"])
    assert out.exit_code == 0 and "released" in out.output
    with db.read() as s:
        actions = list(
            s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("holds.%")).order_by(AuditEntry.seq))
        )
    assert actions == ["holds.request", "holds.approve", "holds.release"]
