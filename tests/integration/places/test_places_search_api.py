"""GET /api/v1/places/search: public geography (no sign-in), matches as the user types, a named error for a missing
query."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_search_route_is_public_and_names_a_missing_query(app_client: TestClient) -> None:
    resp = app_client.get("/api/v1/places/search", params={"q": "artesia & valley view"})
    assert resp.status_code == 200, resp.text
    assert resp.json()[0] == {
        "kind": "intersection",
        "name": "Artesia Blvd & Valley View St",
        "lat": 33.873,
        "lon": -118.028,
    }
    limited = app_client.get("/api/v1/places/search", params={"q": "blvd", "limit": 2})
    assert len(limited.json()) == 2
    missing = app_client.get("/api/v1/places/search")
    assert missing.status_code == 422
    assert "q" in missing.text
