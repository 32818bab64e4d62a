"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when RTCC_TEST_DATABASE_URL is set
(a fresh database is created on that server for the run and dropped after). Tables are emptied after each test.

Service tests (MQTT, NATS, PostgreSQL) call ``require_service``: they skip when the service is unreachable, unless
RTCC_REQUIRE_SERVICES=1 (CI), where they fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from rtcc.core.db import Base, Database
from rtcc.core.migrate import upgrade
from rtcc.core.scratch import scratch_database
from rtcc.models_registry import import_all_models
from rtcc.settings import Settings
from rtcc_testing import SHARED_DATA, require_service, shared_data

__all__ = ["SHARED_DATA", "require_service", "shared_data"]

# Outside the demo, staff need a second factor and the session cookie is Secure by default. The suite's servers speak
# plain http and its staff sign in with a password, so every Settings() built in a test (and every server a test
# starts as a subprocess) turns both off; the MFA tests (tests/*/identity/test_mfa*) turn MFA on explicitly.
os.environ.setdefault("RTCC_MFA_REQUIRED", "false")
os.environ.setdefault("RTCC_COOKIE_SECURE", "false")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database for the whole run: a temp SQLite file, or a fresh PostgreSQL database."""
    import_all_models()
    pg = os.environ.get("RTCC_TEST_DATABASE_URL")
    if not pg:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        upgrade(url)
        yield url
        return
    base = make_url(pg)
    require_service("PostgreSQL", base.host or "127.0.0.1", base.port or 5432)
    with scratch_database(pg, prefix=f"rtcc_test_{os.getpid()}") as url:
        yield url


def _empty_all_tables(db: Database) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(t.delete())


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """The test database; every table is emptied after the test."""
    database = Database(database_url)
    try:
        yield database
    finally:
        _empty_all_tables(database)
        database.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Embedded-profile settings pointing at the test database. MFA (on by default outside the demo) and the
    Secure cookie (the test servers speak plain http) are turned off here; the MFA tests turn MFA on."""
    return Settings(
        database_url=database_url,
        bus_url="memory://",
        mqtt_url=None,
        data_dir=tmp_path,
        session_idle_minutes=30,
        mfa_required=False,
        cookie_secure=False,
        gc_freeze=False,  # hundreds of apps start in this process: a full collection each (test_gc_freeze: on)
        ingest_writer_process=False,  # a child process per app; test_ingest_writer_process runs it
    )


@pytest.fixture
def app_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    """A test client with the app's lifespan running (bus started, consumers running)."""
    from rtcc.app import create_app

    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def login(app_client: TestClient, db: Database) -> Callable[..., dict[str, str]]:
    """``login(role)`` creates a user of that role and returns Authorization headers for it."""
    from rtcc.identity import service
    from rtcc.identity.logic import SYSTEM, Role
    from rtcc.identity.schemas import UserCreate

    def _login(role: str, username: str | None = None, **kw: Any) -> dict[str, str]:
        username = username or f"{role}_{uuid.uuid4().hex[:6]}"
        with db.uow() as session:
            service.create_user(
                session,
                UserCreate(
                    username=username,
                    display_name=username.title(),
                    password="correct horse battery",
                    role=Role(role),
                    **kw,
                ),
                actor=SYSTEM,
            )
        resp = app_client.post("/api/v1/auth/login", json={"username": username, "password": "correct horse battery"})
        assert resp.status_code == 200, resp.text
        return {"Authorization": f"Bearer {resp.json()['token']}"}

    return _login


@pytest.fixture
def sensor_key(app_client: TestClient, db: Database) -> Callable[[list[str]], dict[str, str]]:
    """``sensor_key(["CAM-1"])`` creates an API key for those cameras and returns its headers."""
    from rtcc.identity import service
    from rtcc.identity.logic import SYSTEM
    from rtcc.identity.schemas import ApiKeyCreate

    def _key(cameras: list[str]) -> dict[str, str]:
        with db.uow() as session:
            _k, secret = service.create_api_key(
                session, ApiKeyCreate(name="sensor", camera_codes=cameras), actor=SYSTEM
            )
        return {"X-API-Key": secret}

    return _key


# --- which tests the PostgreSQL run repeats -------------------------------------------------------------------------
# CI runs the suite twice, on SQLite and on PostgreSQL (RTCC_TEST_DATABASE_URL). The PostgreSQL run repeats only what
# can differ there: tests that use the database (the ``database_url`` fixture, directly or through ``db``,
# ``settings``, ``app_client``...) or that read RTCC_TEST_DATABASE_URL themselves. Tests that never touch a database
# (pure logic, parsers, kernels) and the browser tests (tests/e2e: the same pages and scripts over the same API, which
# the integration tests cover on PostgreSQL) ran in the SQLite run and are deselected, with a line in the header.
# RTCC_TEST_ALL=1 runs everything on PostgreSQL too.

_E2E_DIR = Path(__file__).resolve().parent / "e2e"
_READS_URL: dict[str, bool] = {}


def _reads_test_database_url(path: Path) -> bool:
    key = str(path)
    if key not in _READS_URL:
        try:
            _READS_URL[key] = "RTCC_TEST_DATABASE_URL" in path.read_text(encoding="utf-8")
        except OSError:
            _READS_URL[key] = True
    return _READS_URL[key]


def _repeated_on_postgresql(item: pytest.Item) -> bool:
    path = Path(str(item.fspath))
    if _E2E_DIR in path.parents:
        return False
    return "database_url" in getattr(item, "fixturenames", ()) or _reads_test_database_url(path)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not os.environ.get("RTCC_TEST_DATABASE_URL") or os.environ.get("RTCC_TEST_ALL") == "1":
        return
    keep = [i for i in items if _repeated_on_postgresql(i)]
    dropped = [i for i in items if not _repeated_on_postgresql(i)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
        config._rtcc_pg_deselected = len(dropped)  # type: ignore[attr-defined]


def pytest_report_collectionfinish(config: pytest.Config) -> str | None:
    n = getattr(config, "_rtcc_pg_deselected", 0)
    if not n:
        return None
    return (
        f"PostgreSQL run: {n} tests that use no database, and the browser tests, ran in the SQLite run and are "
        "deselected here (RTCC_TEST_ALL=1 runs them too)"
    )
