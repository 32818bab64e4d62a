"""The rebate API end to end: a resident applies, uploads proof (checked by magic bytes and size, stored atomically
with its sha256) and submits; another resident cannot see or touch it; staff review, approve, deny and mark paid;
the budget and the council report (JSON and CSV)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from rebates_support import PASSWORD, PDF, PNG, Resident, inside_point, resident_fixture  # noqa: F401 (fixtures)
from sqlalchemy import select

from rtcc.audit.models import AuditEntry
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.settings import Settings

Make = Callable[..., Resident]


def _headers(client: TestClient, res: Resident) -> dict[str, str]:
    resp = client.post("/api/v1/auth/login", json={"username": res.username, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['token']}"}


def _body(res: Resident, i: int = 0, **kw: Any) -> dict[str, Any]:
    lat, lon = inside_point(i)
    data = {
        "address": f"{13000 + i} Studebaker Road",
        "lat": lat,
        "lon": lon,
        "purchase_date": (utcnow() - timedelta(days=5)).date().isoformat(),
        "amount_cents": 17_950,
        "camera_id": str(res.camera_id),
        "retailer": "Costco",
    }
    data.update(kw)
    return data


def _files(root: Path) -> list[Path]:
    base = root / "rebates"
    return sorted(p for p in base.rglob("*") if p.is_file()) if base.exists() else []


def _upload(client: TestClient, h: dict[str, str], app_id: str, data: bytes, name: str = "receipt.png") -> Any:
    return client.post(f"/api/v1/me/rebates/{app_id}/proof", headers=h, files={"file": (name, data)})


def test_apply_upload_submit_and_staff_review(
    app_client: TestClient, login: Callable[..., dict[str, str]], resident: Make, settings: Settings, db: Database
) -> None:
    res = resident()
    h = _headers(app_client, res)
    resp = app_client.post("/api/v1/me/rebates", headers=h, json=_body(res))
    assert resp.status_code == 201, resp.text
    app = resp.json()
    assert (app["status"], app["rebate_cents"], app["proof_uploaded"]) == ("draft", 17_950, False)

    resp = _upload(app_client, h, app["id"], PDF, "receipt.pdf")
    assert resp.status_code == 200, resp.text
    got = resp.json()
    assert got["proof_sha256"] == hashlib.sha256(PDF).hexdigest()
    assert got["proof_content_type"] == "application/pdf" and got["proof_size"] == len(PDF)
    stored = _files(settings.data_dir)
    assert len(stored) == 1 and stored[0].read_bytes() == PDF and stored[0].suffix == ".pdf"

    # replacing the proof keeps exactly one file: the new one
    assert _upload(app_client, h, app["id"], PNG).status_code == 200
    stored = _files(settings.data_dir)
    assert len(stored) == 1 and stored[0].read_bytes() == PNG

    resp = app_client.post(f"/api/v1/me/rebates/{app['id']}/submit", headers=h)
    assert resp.status_code == 200 and resp.json()["status"] == "eligible", resp.text
    mine = app_client.get(f"/api/v1/me/rebates/{app['id']}", headers=h).json()
    assert [e["status"] for e in mine["timeline"]] == ["draft", "draft", "draft", "submitted", "eligible"]

    staff = login("program_staff")
    queue = app_client.get("/api/v1/rebates/queue", headers=staff).json()
    assert [a["id"] for a in queue["items"]] == [app["id"]] and queue["total"] == 1
    with db.read() as s:
        views = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "rebate.queue.view")))
        assert [v.details["ids"] for v in views] == [[app["id"]]] and views[0].actor_role == "program_staff"
    one = app_client.get(f"/api/v1/rebates/{app['id']}", headers=staff)
    assert one.status_code == 200 and one.json()["address"] == "13000 Studebaker Road"
    proof = app_client.get(f"/api/v1/rebates/{app['id']}/proof", headers=staff)
    assert proof.status_code == 200 and proof.content == PNG and proof.headers["content-type"] == "image/png"

    resp = app_client.post(f"/api/v1/rebates/{app['id']}/approve", headers=staff)
    assert resp.status_code == 200 and resp.json()["status"] == "approved", resp.text
    program = app_client.get("/api/v1/rebates/program", headers=staff).json()
    assert program["committed_cents"] == 17_950
    assert program["available_cents"] == settings.rebate_budget_cents - 17_950
    resp = app_client.post(f"/api/v1/rebates/{app['id']}/mark-paid", headers=staff, json={"reference": "ACH-42"})
    assert resp.status_code == 200 and resp.json()["payment_reference"] == "ACH-42"
    program = app_client.get("/api/v1/rebates/program", headers=staff).json()
    assert (program["committed_cents"], program["paid_cents"]) == (0, 17_950)
    # a paid rebate can be neither withdrawn nor denied
    assert app_client.post(f"/api/v1/me/rebates/{app['id']}/withdraw", headers=h).status_code == 409
    deny = app_client.post(f"/api/v1/rebates/{app['id']}/deny", headers=staff, json={"reason": "changed my mind"})
    assert deny.status_code == 409

    report = app_client.get("/api/v1/rebates/report", headers=staff).json()
    assert (report["applications"], report["approvals"], report["paid_cents"], report["cameras_added"]) == (
        1,
        1,
        17_950,
        1,
    )
    csv_resp = app_client.get("/api/v1/rebates/report.csv", headers=staff)
    assert csv_resp.status_code == 200 and csv_resp.headers["content-type"].startswith("text/csv")
    assert "total,paid,,17950" in csv_resp.text
    today = utcnow().date().isoformat()
    ranged = app_client.get(f"/api/v1/rebates/report?from={today}&to={today}", headers=staff).json()
    assert ranged["approvals"] == 1 and ranged["period_from"] == today


def test_bad_uploads_are_refused_and_leave_nothing(app_client: TestClient, resident: Make, settings: Settings) -> None:
    res = resident()
    h = _headers(app_client, res)
    app_id = app_client.post("/api/v1/me/rebates", headers=h, json=_body(res)).json()["id"]

    fake = _upload(app_client, h, app_id, b"GIF89a not a receipt", "receipt.pdf")  # a GIF named .pdf
    assert fake.status_code == 422 and "file" in fake.json()["detail"]
    assert _upload(app_client, h, app_id, b"", "empty.png").status_code == 422
    big = PNG + b"\x00" * (settings.rebate_max_upload_mb * 1024 * 1024)
    too_big = _upload(app_client, h, app_id, big)
    assert too_big.status_code == 422 and "MB" in too_big.json()["detail"]
    huge = _upload(app_client, h, app_id, big + b"\x00" * 256 * 1024)  # refused by Content-Length, unread
    assert huge.status_code == 413 and "MB" in huge.json()["detail"] and huge.json()["errors"][0]["field"] == "file"
    nofile = app_client.post(f"/api/v1/me/rebates/{app_id}/proof", headers=h, data={"other": "x"})
    assert nofile.status_code == 422
    assert _files(settings.data_dir) == []
    assert app_client.get(f"/api/v1/me/rebates/{app_id}", headers=h).json()["proof_uploaded"] is False

    # a valid file for an application that cannot take it (already submitted) leaves nothing either
    assert _upload(app_client, h, app_id, PNG).status_code == 200
    assert app_client.post(f"/api/v1/me/rebates/{app_id}/submit", headers=h).json()["status"] == "eligible"
    before = _files(settings.data_dir)
    late = _upload(app_client, h, app_id, PDF, "other.pdf")
    assert late.status_code == 409
    assert _files(settings.data_dir) == before and len(before) == 1


def test_applicants_see_and_touch_only_their_own(app_client: TestClient, resident: Make) -> None:
    alice, mallory = resident(), resident()
    ha, hm = _headers(app_client, alice), _headers(app_client, mallory)
    app_id = app_client.post("/api/v1/me/rebates", headers=ha, json=_body(alice)).json()["id"]

    assert app_client.get("/api/v1/me/rebates", headers=hm).json() == []
    assert [a["id"] for a in app_client.get("/api/v1/me/rebates", headers=ha).json()] == [app_id]
    assert app_client.get(f"/api/v1/me/rebates/{app_id}", headers=hm).status_code == 404
    assert app_client.post(f"/api/v1/me/rebates/{app_id}/submit", headers=hm).status_code == 404
    assert app_client.post(f"/api/v1/me/rebates/{app_id}/withdraw", headers=hm).status_code == 404
    assert _upload(app_client, hm, app_id, PNG).status_code == 404
    # nor apply with someone else's camera
    resp = app_client.post("/api/v1/me/rebates", headers=hm, json=_body(mallory, camera_id=str(alice.camera_id)))
    assert resp.status_code == 422 and "camera_id" in resp.json()["detail"]
    # residents reach no staff route
    assert app_client.get("/api/v1/rebates/queue", headers=ha).status_code == 403
    assert app_client.get(f"/api/v1/rebates/{app_id}", headers=ha).status_code == 403


def test_budget_route_and_validation(
    app_client: TestClient, login: Callable[..., dict[str, str]], resident: Make
) -> None:
    staff, supervisor = login("program_staff"), login("supervisor")
    resp = app_client.post("/api/v1/rebates/program", headers=staff, json={"total_cents": 1_000_000})
    assert resp.status_code == 200 and resp.json()["total_cents"] == 1_000_000
    assert app_client.get("/api/v1/rebates/program", headers=supervisor).json()["total_cents"] == 1_000_000
    assert app_client.post("/api/v1/rebates/program", headers=supervisor, json={"total_cents": 5}).status_code == 403
    assert app_client.post("/api/v1/rebates/program", headers=staff, json={"total_cents": -1}).status_code == 422
    bad = app_client.get("/api/v1/rebates/queue?status=bogus", headers=staff)
    assert bad.status_code == 422
    res = resident()
    h = _headers(app_client, res)
    resp = app_client.post("/api/v1/me/rebates", headers=h, json=_body(res, amount_cents=-5, address="x"))
    assert resp.status_code == 422
    deny = app_client.post(f"/api/v1/rebates/{uuid.uuid4()}/deny", headers=staff, json={"reason": "no such"})
    assert deny.status_code == 404
