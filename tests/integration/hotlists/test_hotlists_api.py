"""The hotlist HTTP API: lists and entries, file upload (multipart and raw body) with file:line problems, the skip
list, and permissions (analysts read but cannot change lists; officers cannot read them)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rtcc.app import api_routes, create_app
from rtcc.core.db import Database
from rtcc.hotlists import routes
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM, Role
from rtcc.identity.schemas import UserCreate
from rtcc.settings import Settings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "hotlists"
BASE = "/api/v1/hotlists"
PASSWORD = "correct horse battery"


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[TestClient]:
    """The app with the hotlist router (included here until the app registers it itself)."""
    app = create_app(settings)
    if not any(r.path.startswith(BASE) for r in api_routes(app)):
        app.include_router(routes.router)
    with TestClient(app) as c:
        yield c


@pytest.fixture
def as_role(client: TestClient, db: Database) -> Callable[[str], dict[str, str]]:
    def _login(role: str) -> dict[str, str]:
        username = f"{role}_{uuid.uuid4().hex[:6]}"
        with db.uow() as s:
            identity.create_user(
                s,
                UserCreate(username=username, display_name=username, password=PASSWORD, role=Role(role)),
                actor=SYSTEM,
            )
        resp = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        assert resp.status_code == 200, resp.text
        return {"Authorization": f"Bearer {resp.json()['token']}"}

    return _login


def _new_list(client: TestClient, headers: dict[str, str], name: str = "Stolen", **kw: object) -> str:
    resp = client.post(BASE, json={"name": name, "category": "stolen_vehicle", **kw}, headers=headers)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


def test_lists_and_entries(client: TestClient, as_role: Callable[[str], dict[str, str]]) -> None:
    sup = as_role("supervisor")
    hid = _new_list(client, sup, source="local", priority=2, max_diff=0, require_state=True)
    got = client.get(f"{BASE}/{hid}", headers=sup).json()
    assert (got["name"], got["priority"], got["max_diff"], got["require_state"], got["active"]) == (
        "Stolen",
        2,
        0,
        True,
        True,
    )
    assert client.post(BASE, json={"name": "Stolen", "category": "bolo"}, headers=sup).status_code == 409
    bad = client.post(BASE, json={"name": "X", "category": "stolen_bike"}, headers=sup)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")

    entry = client.post(
        f"{BASE}/{hid}/entries",
        json={"plate": "7abc 123", "region": "ca", "reason": "stolen", "expires_at": "2031-01-01T00:00:00Z"},
        headers=sup,
    )
    assert entry.status_code == 201, entry.text
    assert entry.json()["plate_norm"] == "7ABC123" and entry.json()["category"] == "stolen_vehicle"
    naive = client.post(f"{BASE}/{hid}/entries", json={"plate": "ABC1", "expires_at": "2031-01-01T00:00"}, headers=sup)
    assert naive.status_code == 422
    client.post(f"{BASE}/{hid}/entries", json={"plate": "XYZ999"}, headers=sup)
    page = client.get(f"{BASE}/{hid}/entries", params={"plate": "7ab", "purpose": "audit_review"}, headers=sup).json()
    assert page["total"] == 1 and page["items"][0]["region"] == "CA"
    assert client.get(f"{BASE}/{hid}/entries?purpose=audit_review", headers=sup).json()["total"] == 2

    entry_id = entry.json()["id"]
    assert client.delete(f"{BASE}/{hid}/entries/{entry_id}", headers=sup).status_code == 204
    assert client.delete(f"{BASE}/{hid}/entries/{entry_id}", headers=sup).status_code == 404

    patched = client.patch(f"{BASE}/{hid}", json={"active": False, "priority": 1}, headers=sup).json()
    assert patched["active"] is False and patched["priority"] == 1 and patched["version"] > got["version"]
    assert client.get(BASE, params={"active": True}, headers=sup).json()["total"] == 0
    listing = client.get(BASE, headers=sup).json()
    assert listing["total"] == 1 and listing["items"][0]["entry_count"] == 1
    assert client.get(f"{BASE}/{uuid.uuid4()}", headers=sup).status_code == 404


def test_upload_multipart_and_raw_body(client: TestClient, as_role: Callable[[str], dict[str, str]]) -> None:
    sup = as_role("supervisor")
    hid = _new_list(client, sup)
    with (FIXTURES / "hotlist_good.csv").open("rb") as fh:
        resp = client.post(f"{BASE}/{hid}/import", files={"file": ("hotlist_good.csv", fh, "text/csv")}, headers=sup)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["format"], body["entries"], body["added"], body["source_name"]) == ("csv", 4, 4, "hotlist_good.csv")

    ncic = (FIXTURES / "ncic_extract.txt").read_bytes()
    resp = client.post(
        f"{BASE}/{hid}/import",
        params={"format": "ncic", "filename": "ncic_extract.txt"},
        content=ncic,
        headers={**sup, "Content-Type": "application/octet-stream"},
    )
    assert resp.status_code == 200, resp.text
    assert (resp.json()["format"], resp.json()["entries"], resp.json()["replaced"]) == ("ncic", 5, 4)

    with (FIXTURES / "svs.tbl").open("rb") as fh:  # the form's format field, the file's CLEW name
        resp = client.post(
            f"{BASE}/{hid}/import", files={"file": ("svs.tbl", fh)}, data={"format": "clew"}, headers=sup
        )
    assert resp.status_code == 200 and resp.json()["entries"] == 3
    entries = client.get(f"{BASE}/{hid}/entries?purpose=audit_review", headers=sup).json()["items"]
    assert {e["plate_norm"] for e in entries} == {"ABC1234", "7ABC123", "NV9X"}
    assert client.get(f"{BASE}/{hid}", headers=sup).json()["entry_count"] == 3

    wrong = client.post(
        f"{BASE}/{hid}/import", files={"file": ("x.csv", b"plate\nAAA111\n")}, data={"format": "xml"}, headers=sup
    )
    assert wrong.status_code == 422
    no_file = client.post(f"{BASE}/{hid}/import", data={"format": "csv"}, files={"other": ("x", b"")}, headers=sup)
    assert no_file.status_code == 422


def test_a_bad_upload_is_a_problem_naming_file_and_line(
    client: TestClient, as_role: Callable[[str], dict[str, str]]
) -> None:
    sup = as_role("supervisor")
    hid = _new_list(client, sup)
    with (FIXTURES / "hotlist_good.csv").open("rb") as fh:
        client.post(f"{BASE}/{hid}/import", files={"file": ("hotlist_good.csv", fh)}, headers=sup)
    before = client.get(f"{BASE}/{hid}/entries?purpose=audit_review", headers=sup).json()
    with (FIXTURES / "hotlist_bad.csv").open("rb") as fh:
        resp = client.post(f"{BASE}/{hid}/import", files={"file": ("hotlist_bad.csv", fh)}, headers=sup)
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")
    problem = resp.json()
    assert problem["title"] == "Import failed"
    assert problem["detail"].startswith("hotlist_bad.csv:3: unknown category 'stolen_bike'")
    assert [e["loc"] for e in problem["errors"]] == [["line", 3], ["line", 4]]
    assert client.get(f"{BASE}/{hid}/entries?purpose=audit_review", headers=sup).json() == before

    unknown = client.post(f"{BASE}/{hid}/import", content=b"hello\n", headers=sup)
    assert unknown.status_code == 422 and "cannot tell" in unknown.json()["detail"]


def test_skip_list_api(client: TestClient, as_role: Callable[[str], dict[str, str]]) -> None:
    sup = as_role("supervisor")
    resp = client.post(f"{BASE}/skip", json={"plate": "no plate", "reason": "junk read"}, headers=sup)
    assert resp.status_code == 201 and resp.json()["plate_norm"] == "NOPLATE"
    assert client.post(f"{BASE}/skip", json={"plate": "NOPLATE", "reason": "x"}, headers=sup).status_code == 409
    assert [s["plate_norm"] for s in client.get(f"{BASE}/skip", headers=sup).json()] == ["NOPLATE"]
    assert client.delete(f"{BASE}/skip/noplate", headers=sup).status_code == 204
    assert client.delete(f"{BASE}/skip/noplate", headers=sup).status_code == 404
    assert client.get(f"{BASE}/skip", headers=sup).json() == []


def test_analysts_read_but_cannot_change_and_officers_cannot_read(
    client: TestClient, as_role: Callable[[str], dict[str, str]]
) -> None:
    sup, analyst, officer = as_role("supervisor"), as_role("analyst"), as_role("officer")
    hid = _new_list(client, sup)
    assert client.get(f"{BASE}/{hid}", headers=analyst).status_code == 200
    assert client.get(f"{BASE}/{hid}/entries?purpose=audit_review", headers=analyst).status_code == 200
    with (FIXTURES / "hotlist_good.csv").open("rb") as fh:
        refused = client.post(f"{BASE}/{hid}/import", files={"file": ("hotlist_good.csv", fh)}, headers=analyst)
    assert refused.status_code == 403 and "hotlists:write" in refused.json()["detail"]
    assert client.post(f"{BASE}/{hid}/entries", json={"plate": "AAA111"}, headers=analyst).status_code == 403
    assert client.post(BASE, json={"name": "Mine", "category": "bolo"}, headers=analyst).status_code == 403
    assert client.patch(f"{BASE}/{hid}", json={"active": False}, headers=analyst).status_code == 403
    assert client.post(f"{BASE}/skip", json={"plate": "X1", "reason": "x"}, headers=analyst).status_code == 403
    assert client.get(BASE, headers=officer).status_code == 403
    assert client.get(f"{BASE}/skip", headers=officer).status_code == 403
    client.cookies.clear()  # the logins above left a session cookie
    assert client.get(BASE).status_code == 401
    assert client.get(f"{BASE}/{hid}/entries?purpose=audit_review", headers=sup).json()["total"] == 0


def test_import_is_documented_in_openapi(client: TestClient) -> None:
    spec = client.app.openapi()  # type: ignore[attr-defined]
    body = spec["paths"][f"{BASE}/{{hotlist_id}}/import"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in body and "application/octet-stream" in body


def test_a_refresh_file_set_over_the_api_must_lie_in_the_data_dir(
    client: TestClient, as_role: Callable[[str], dict[str, str]], settings: Settings
) -> None:
    sup = as_role("supervisor")
    outside = client.post(BASE, json={"name": "X", "category": "bolo", "refresh_path": "/etc/passwd"}, headers=sup)
    assert outside.status_code == 422 and "refresh_path" in outside.json()["detail"]
    hid = _new_list(client, sup, refresh_path="hotlists/svs.tbl", refresh_format="clew")
    stored = client.get(f"{BASE}/{hid}", headers=sup).json()
    assert stored["refresh_path"] == str(settings.data_dir.resolve() / "hotlists" / "svs.tbl")
    escape = client.patch(f"{BASE}/{hid}", json={"refresh_path": "../elsewhere.csv"}, headers=sup)
    assert escape.status_code == 422
    cleared = client.patch(f"{BASE}/{hid}", json={"refresh_path": ""}, headers=sup).json()
    assert cleared["refresh_path"] is None


def test_tolerance_is_chosen_per_list_and_its_cost_shown(
    client: TestClient, as_role: Callable[[str], dict[str, str]]
) -> None:
    sup, analyst = as_role("supervisor"), as_role("analyst")
    hid = _new_list(client, sup)
    got = client.get(f"{BASE}/{hid}", headers=sup).json()
    assert (got["max_diff"], got["allow_large_fuzzy"]) == (0, False), "a new list matches exactly and by OCR class"
    rows = "".join(f"{n:04d}ABC,CA\n" for n in range(1200))
    resp = client.post(
        f"{BASE}/{hid}/import",
        params={"format": "csv", "filename": "big.csv"},
        content=f"plate,state\n{rows}",
        headers=sup,
    )
    assert resp.status_code == 200 and resp.json()["entries"] == 1200

    report = client.get(f"{BASE}/{hid}/tolerance", headers=analyst)  # readers see the cost too
    assert report.status_code == 200, report.text
    options = report.json()["options"]
    assert [o["max_diff"] for o in options] == [0, 1, 2]
    assert options[0]["needs_confirmation"] is None and "this one has 1,200" in options[1]["needs_confirmation"]
    assert options[0]["estimated_false_hit_rate"] < options[1]["estimated_false_hit_rate"]

    refused = client.patch(f"{BASE}/{hid}", json={"max_diff": 1}, headers=sup)
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"][0]["loc"] == ["body", "max_diff"]
    assert "expected false alerts" in refused.json()["detail"]
    chosen = client.patch(f"{BASE}/{hid}", json={"max_diff": 1, "allow_large_fuzzy": True}, headers=sup)
    assert chosen.status_code == 200 and (chosen.json()["max_diff"], chosen.json()["allow_large_fuzzy"]) == (1, True)
    assert client.patch(f"{BASE}/{hid}", json={"max_diff": 1}, headers=analyst).status_code == 403


def test_clew_trailer_mismatch_needs_force_and_identical_lines_merge(
    client: TestClient, as_role: Callable[[str], dict[str, str]]
) -> None:
    sup = as_role("supervisor")
    hid = _new_list(client, sup)
    data = (FIXTURES / "svs.tbl").read_bytes().replace(b"TOTAL RECORD 0000003", b"TOTAL RECORD 0000004")
    refused = client.post(f"{BASE}/{hid}/import", files={"file": ("svs.tbl", data)}, headers=sup)
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("svs.tbl:6: the trailer says 4 records but the file holds 3")
    assert client.get(f"{BASE}/{hid}", headers=sup).json()["entry_count"] == 0
    by_form = client.post(
        f"{BASE}/{hid}/import", files={"file": ("svs.tbl", data)}, data={"force": "true"}, headers=sup
    )
    assert by_form.status_code == 200 and (by_form.json()["entries"], by_form.json()["forced"]) == (3, True)
    by_query = client.post(
        f"{BASE}/{hid}/import",
        params={"filename": "svs.tbl", "force": "true"},
        content=data,
        headers={**sup, "Content-Type": "application/octet-stream"},
    )
    assert by_query.status_code == 200 and by_query.json()["forced"] is True

    dups = b"plate,state\nAAA111,CA\nAAA111,CA\nAAA111,CA\n"
    merged = client.post(f"{BASE}/{hid}/import", files={"file": ("dups.csv", dups)}, headers=sup).json()
    assert (merged["entries"], merged["merged"]) == (1, 2)
