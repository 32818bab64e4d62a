"""Hostile values a fuzzer found (issue 15): integers beyond 64 bits in ``offset``/``before_seq``/numeric ids were
500s (the driver's overflow), and NUL or bidirectional-override characters in a path, a query or a JSON body reached
the database (PostgreSQL refuses NUL in text: a 500; SQLite stored it). Each is now a 422 problem naming the field."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"


@pytest.mark.parametrize(
    "path, field",
    [
        ("/api/v1/alerts?offset=99999999999999999999", "offset"),
        ("/api/v1/hotlists?offset=18446744073709551616", "offset"),
        ("/api/v1/dispatch/calls?offset=99999999999999999999", "offset"),
        ("/api/v1/audit/entries?before_seq=99999999999999999999", "before_seq"),
    ],
)
def test_integers_beyond_64_bits_are_named_422s(app_client: TestClient, login: Any, path: str, field: str) -> None:
    resp = app_client.get(path, headers=login("admin"))
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM)
    assert field in {e["field"] for e in resp.json()["errors"]}


def test_a_numeric_id_beyond_64_bits_in_the_path_is_a_422(app_client: TestClient, login: Any) -> None:
    resp = app_client.post("/api/v1/dead-letters/99999999999999999999/replay", headers=login("admin"))
    assert resp.status_code == 422, resp.text


@pytest.mark.parametrize("char", ["\x00", "\u202e", "\u2066"])
def test_nul_and_bidi_overrides_are_refused_in_bodies_queries_and_paths(
    app_client: TestClient, login: Any, char: str
) -> None:
    admin = login("admin")
    premise = {"address": f"1 Main{char} St", "lat": 33.87, "lon": -118.06, "kind": "residential"}
    resp = app_client.post("/api/v1/dispatch/premises", json=premise, headers=admin)
    assert resp.status_code == 422 and resp.headers["content-type"].startswith(PROBLEM), resp.text
    assert resp.json()["errors"][0]["field"] == "address"
    nested = {"call_type": "FIGHT", "location": {"kind": "place", "text": f"Park{char}"}, "source": "911"}
    resp = app_client.post("/api/v1/dispatch/calls", json=nested, headers=admin)
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "location.text", resp.text
    resp = app_client.get("/api/v1/dispatch/premises", params={"q": f"Main{char}"}, headers=admin)
    assert resp.status_code == 422 and resp.json()["errors"][0]["loc"] == ["query", "q"], resp.text
    resp = app_client.get(f"/api/v1/dispatch/units/A{quote(char)}B", headers=admin)
    assert resp.status_code == 422, resp.text
    # nothing was stored
    listed = app_client.get("/api/v1/dispatch/premises", params={"q": "Main"}, headers=admin).json()
    assert not any("Main" in p["address"] for p in listed)


def test_ordinary_text_and_right_to_left_marks_pass(app_client: TestClient, login: Any) -> None:
    admin = login("admin")
    premise = {
        "address": "1 Main St \u200f(\u05e9\u05dc\u05d5\u05dd)",
        "lat": 33.87,
        "lon": -118.06,
        "kind": "residential",
    }
    resp = app_client.post("/api/v1/dispatch/premises", json=premise, headers=admin)
    assert resp.status_code == 201, resp.text
    assert resp.json()["address"] == premise["address"]
