"""A sensor's API key is looked up once per ``RTCC_API_KEY_CACHE_S``, not on every request; revoking it in another
process takes effect within that time (revoking it here takes effect at once: test_identity_auth)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from rtcc.core.db import Database
from rtcc.identity import service
from rtcc.identity.logic import SYSTEM
from rtcc.identity.schemas import ApiKeyCreate
from rtcc.settings import Settings


def _client(settings: Settings, ttl: float) -> TestClient:
    from rtcc.app import create_app

    return TestClient(create_app(settings.model_copy(update={"api_key_cache_s": ttl})))


def _key(db: Database) -> tuple[str, str]:
    with db.uow() as session:
        key, secret = service.create_api_key(session, ApiKeyCreate(name="cam-1", camera_codes=["C1"]), actor=SYSTEM)
        return str(key.id), secret


def _revoke_elsewhere(db: Database, key_id: str) -> None:
    """As another process (``rtcc apikeys revoke``, another server) would: straight in the database."""
    with db.uow() as session:
        service.revoke_api_key(session, uuid.UUID(key_id), actor=SYSTEM)


@pytest.fixture
def key_lookups(db: Database) -> Iterator[list[str]]:
    """Every lookup of an API key by its prefix, on any engine of the test database."""
    seen: list[str] = []

    def before(*args: Any) -> None:
        statement = args[2]
        if "FROM api_keys" in statement and "api_keys.prefix =" in statement:  # the key lookup, not its touch
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", before)
    yield seen
    event.remove(Engine, "before_cursor_execute", before)


def test_a_key_is_looked_up_once_for_many_requests(settings: Settings, db: Database, key_lookups: list[str]) -> None:
    _, secret = _key(db)
    with _client(settings, 60) as client:
        for _ in range(30):  # authenticated (a sensor may not read its own identity: 403, not 401)
            assert client.get("/api/v1/auth/me", headers={"X-API-Key": secret}).status_code == 403
    assert len(key_lookups) == 1


def test_without_the_cache_every_request_looks_it_up(settings: Settings, db: Database, key_lookups: list[str]) -> None:
    key_id, secret = _key(db)
    with _client(settings, 0) as client:
        for _ in range(3):
            assert client.get("/api/v1/auth/me", headers={"X-API-Key": secret}).status_code == 403
        assert len(key_lookups) == 3
        _revoke_elsewhere(db, key_id)
        assert client.get("/api/v1/auth/me", headers={"X-API-Key": secret}).status_code == 401


def test_a_key_revoked_elsewhere_stops_within_the_ttl(settings: Settings, db: Database) -> None:
    key_id, secret = _key(db)
    ttl = 0.5
    with _client(settings, ttl) as client:
        assert client.get("/api/v1/auth/me", headers={"X-API-Key": secret}).status_code == 403
        _revoke_elsewhere(db, key_id)
        revoked_at = time.monotonic()
        while client.get("/api/v1/auth/me", headers={"X-API-Key": secret}).status_code != 401:
            assert time.monotonic() - revoked_at < ttl + 1.0, "a revoked key outlived the cache's ttl"
            time.sleep(0.05)


def test_requests_in_flight_share_one_lookup_of_their_key(
    settings: Settings, db: Database, key_lookups: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold or expired key met by many requests at once (a camera fleet) is looked up once, not once each."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from rtcc.identity import deps

    _, secret = _key(db)
    resolve = service.resolve_api_key
    shared = deps._shared_lookup
    asked: list[int] = []
    all_asked = threading.Event()

    def counted(*args: Any) -> Any:
        asked.append(1)
        if len(asked) >= 12:
            all_asked.set()
        return shared(*args)

    def slow_resolve(*args: Any, **kwargs: Any) -> Any:
        all_asked.wait(10)  # the lookup ends only once every request below has asked for the key
        return resolve(*args, **kwargs)

    monkeypatch.setattr(service, "resolve_api_key", slow_resolve)
    monkeypatch.setattr(deps, "_shared_lookup", counted)
    with _client(settings, 60) as client, ThreadPoolExecutor(12) as pool:
        codes = list(
            pool.map(lambda _: client.get("/api/v1/auth/me", headers={"X-API-Key": secret}).status_code, range(12))
        )
        assert codes == [403] * 12  # each authenticated (a sensor may not read its own identity)
        assert len(asked) == 12 and len(key_lookups) == 1
        asked.clear()
        all_asked.clear()
        bad = list(
            pool.map(
                lambda _: client.get("/api/v1/auth/me", headers={"X-API-Key": "rtcc_nope_x"}).status_code, range(12)
            )
        )
        assert bad == [401] * 12  # a shared lookup that fails fails for each of its requests


def test_a_key_in_use_is_renewed_ahead_so_no_request_waits_for_its_lookup(
    settings: Settings, db: Database, key_lookups: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past half its life an entry is renewed by a background lookup while requests go on with it: under steady
    traffic the key never runs out, so after the first request none waits for the database."""
    from rtcc.identity import deps

    _, secret = _key(db)
    resolve = service.resolve_api_key
    waited: list[int] = []
    shared = deps._authenticate_shared

    def slow_resolve(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.1)  # a lookup that takes a while (it ends well before the entry does)
        return resolve(*args, **kwargs)

    async def counted(request: Any) -> Any:
        waited.append(1)
        return await shared(request)

    monkeypatch.setattr(service, "resolve_api_key", slow_resolve)
    monkeypatch.setattr(deps, "_authenticate_shared", counted)
    with _client(settings, 2.0) as client:
        started = time.monotonic()
        while time.monotonic() - started < 4.5:  # more than two lifetimes of the entry
            assert client.get("/api/v1/auth/me", headers={"X-API-Key": secret}).status_code == 403
            time.sleep(0.02)
    assert len(waited) == 1  # only the first, cold request waited for a lookup
    assert len(key_lookups) >= 3  # the first, then renewals in the background
