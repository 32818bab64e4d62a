"""Helpers tests import by name (``from rtcc_testing import require_service, shared_data``).

They live here rather than in ``conftest.py`` because several test folders have a ``conftest.py`` of their own, and
``from rtcc_testing import ...`` would pick whichever of them was imported first.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

if TYPE_CHECKING:
    from rtcc.alpr.mqtt import MqttIngest
    from rtcc.runtime import Runtime

_T = TypeVar("_T")

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def require_service(name: str, host: str, port: int) -> None:
    """Skip (or fail under RTCC_REQUIRE_SERVICES=1) when host:port does not accept a TCP connection."""
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return
    except OSError as exc:
        if os.environ.get("RTCC_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{name} at {host}:{port} is required (RTCC_REQUIRE_SERVICES=1) but unreachable: {exc}")
        pytest.skip(f"{name} at {host}:{port} unreachable")


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data; skips the test when that folder is absent (users' machines)."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


_EIDO_BUNDLE: list[Path] = []


def eido_schema_file() -> Path:
    """NENA's EIDO 1.0 schema bundle, derived once per test run from ../shared/data by the operator's tool
    (``tools/derive_eido_schema.py``; the project does not ship NENA's schema); skips where the folder is absent."""
    if not _EIDO_BUNDLE:
        import gzip
        import importlib.util
        import json
        import tempfile

        schema_dir = shared_data("standards", "nena_eido", "Schema")
        tool = Path(__file__).resolve().parents[1] / "tools" / "derive_eido_schema.py"
        spec = importlib.util.spec_from_file_location("derive_eido_schema", tool)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        out = Path(tempfile.mkdtemp(prefix="rtcc-eido-")) / "eido_1.0.schema.json.gz"
        out.write_bytes(gzip.compress(json.dumps(module.derive(schema_dir)).encode()))
        _EIDO_BUNDLE.append(out)
    return _EIDO_BUNDLE[0]


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (for a private server a test starts).

    With ``RTCC_TEST_PORT_RANGE=LOW-HIGH`` the port comes from that range (people sharing a machine each give
    their runs a range of their own), never the same one twice in a run; otherwise the kernel picks one.
    """
    spec = os.environ.get("RTCC_TEST_PORT_RANGE")
    if not spec:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])
    low, _, high = spec.partition("-")
    for port in range(int(low), int(high) + 1):
        if port in _HANDED_OUT:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    raise RuntimeError(f"no free port left in RTCC_TEST_PORT_RANGE={spec}")


def wait_until(check: Callable[[], _T], timeout: float = 15.0, what: str = "the condition") -> _T:
    """Poll ``check`` until it returns something truthy, and return that; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} was not reached within {timeout:g} s")
        time.sleep(0.02)


@contextmanager
def mqtt_ingest(runtime: Runtime, broker: str = "mqtt://127.0.0.1:1883") -> Iterator[MqttIngest]:
    """A started MQTT ingest consumer on a topic prefix of its own (``<prefix>/alpr/+``, ``<prefix>/frigate/...``),
    subscribed when yielded; stopped afterwards, and its persistent session dropped from the broker."""
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    from rtcc.alpr.mqtt import MqttIngest

    require_service("Mosquitto", "127.0.0.1", 1883)
    prefix = f"rtcctest{uuid.uuid4().hex[:10]}"
    ingest = MqttIngest(
        runtime, url=broker, client_id=f"{prefix}-ingest", topic_prefix=prefix, frigate_prefix=f"{prefix}/frigate"
    )
    ingest.start()
    try:
        assert ingest.connected.wait(10), "the MQTT consumer did not connect"
        time.sleep(0.2)  # let the SUBSCRIBE be acknowledged
        yield ingest
    finally:
        ingest.stop()
        cleanup = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"{prefix}-ingest", clean_session=True
        )
        cleanup.connect("127.0.0.1", 1883)  # a clean session under the same id drops the persistent one
        cleanup.disconnect()


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 30.0) -> None:
    """Wait until host:port accepts a TCP connection (a private server a test started is up)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:g} s") from None
            time.sleep(0.05)


def file_case(db: object, case_number: str) -> None:
    """Put ``case_number`` on record (``rtcc.governance.cases``): a hotlist entry filed under it, as an analyst
    filing a BOLO for the case does. ``db`` is an ``rtcc.core.db.Database``."""
    import uuid
    from datetime import UTC, datetime

    from rtcc.core.db import Database
    from rtcc.hotlists.models import Hotlist, HotlistEntry

    assert isinstance(db, Database)
    now = datetime.now(UTC)
    with db.uow() as s:
        hl = Hotlist(name=f"Case {case_number} {uuid.uuid4().hex[:6]}", source="manual", category="bolo", priority=3,
                     owner="tests", created_at=now, updated_at=now)  # fmt: skip
        s.add(hl)
        s.flush()
        s.add(HotlistEntry(hotlist_id=hl.id, plate="9CASE99", plate_norm="9CASE99", plate_ocr="9CASE99",
                           case_number=case_number, added_by="tests", added_at=now))  # fmt: skip


def confirm_signup(client: Any, db: object, username: str) -> None:
    """Confirm a community sign-up's e-mail address through the link the sign-up sent (the token read from the
    profile), so that the new account can sign in (``users.awaiting_confirmation``). ``client`` is a TestClient, or
    the base URL of a running server; ``db`` an ``rtcc.core.db.Database``."""
    import httpx
    from sqlalchemy import select

    from rtcc.community.models import CommunityProfile
    from rtcc.core.db import Database

    assert isinstance(db, Database)
    with db.read() as s:
        token = s.scalars(
            select(CommunityProfile.email_verify_token).where(CommunityProfile.username == username)
        ).one()
    path = f"/api/v1/community/verify/{token}"
    resp = httpx.post(f"{client}{path}") if isinstance(client, str) else client.post(path)
    assert resp.status_code == 200, resp.text


def login_as(client: Any, db: object, role: str, division: str | None = None) -> dict[str, str]:
    """A new staff user of ``role`` (and ``division``; None: no division) signed in through the API; the bearer header.
    ``client`` is a FastAPI TestClient, ``db`` an ``rtcc.core.db.Database``."""
    import uuid

    from rtcc.core.db import Database
    from rtcc.identity import service as identity
    from rtcc.identity.logic import SYSTEM, Role
    from rtcc.identity.schemas import UserCreate

    assert isinstance(db, Database)
    password = "correct horse battery"
    username = f"{role}_{division or 'all'}_{uuid.uuid4().hex[:4]}"
    with db.uow() as s:
        data = UserCreate(
            username=username, display_name=username, password=password, role=Role(role), division=division
        )
        identity.create_user(s, data, actor=SYSTEM)
    resp = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['token']}"}
