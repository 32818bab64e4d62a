"""Browser tests: Playwright driving Debian's Chromium (``/usr/bin/chromium``) against a real server started here.

The server is the whole app (plus the web front end's router, whether or not the app includes it yet) served by
uvicorn in a thread on a free port, on the test database, with the demo city seeded (users named after their role,
password ``cerritos-demo``; the 19 ALPR cameras; the demo hotlists; a sensor key) but without the traffic
simulator: the tests inject the reads they need through the real ingest API. Live streams are cut by the server
every few seconds, so every test also exercises the browser's reconnection with Last-Event-ID.

Chromium runs headless with no network beyond this machine (a fresh profile per test). The tests skip when
Chromium or the built app (``rtcc/web/dist``) is missing, unless ``RTCC_REQUIRE_SERVICES=1`` (CI), where they fail.
Screenshots go to ``$RTCC_E2E_SCREENSHOTS`` (default ``var/e2e/screenshots``).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

import rtcc.app as app_module
from rtcc.demo.accounts import DEMO_PASSWORD
from rtcc.demo.seed import SeedResult
from rtcc.live import hub as live_hub
from rtcc.runtime import Runtime, build_runtime
from rtcc.settings import Settings
from rtcc.web import routes as web_routes

from e2e_support import Browser, RequestTracker, Server  # isort: skip

CHROMIUM = Path(os.environ.get("RTCC_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: A live stream is ended by the server after this many seconds (the browser reconnects with Last-Event-ID).
STREAM_S = 6.0


def _missing(what: str) -> None:
    if os.environ.get("RTCC_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} (RTCC_REQUIRE_SERVICES=1)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The Chromium binary; skips (or fails in CI) when it or the built web app is missing."""
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing: apt-get install -y chromium")
    if not web_routes.dist().joinpath("index.html").is_file():
        _missing("the web app is not built: cd web && npm ci && npm run build")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("the playwright package is not installed (pip install -e '.[dev]')")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(settings: Settings, db: Any, monkeypatch: pytest.MonkeyPatch, chromium: Path) -> Iterator[Server]:
    """The app (with the web router) on a free port, demo city seeded, live streams cut every ``STREAM_S``."""
    from rtcc.demo.seed import seed

    runtime = build_runtime(settings)
    runtime.services[live_hub.SERVICE_NAME] = live_hub.LiveHub(runtime.db, heartbeat_s=2.0, max_stream_s=STREAM_S)
    seeded: list[SeedResult] = []

    async def start(rt: Runtime) -> None:
        import anyio

        def work() -> SeedResult:
            with rt.db.uow() as session:
                return seed(session, rt.bus)

        seeded.append(await anyio.to_thread.run_sync(work))

    async def stop(rt: Runtime) -> None:
        return None

    app = app_module.create_app(settings, runtime=runtime, extra_hooks=[(start, stop)])
    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not uv.started:
        assert time.monotonic() < deadline, "server did not start"
        assert thread.is_alive(), "server thread died"
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    srv = Server(base, runtime, seeded[0])
    # the matcher's hotlist index is built from the seeded lists shortly after start: wait until it is
    time.sleep(0.5)
    yield srv
    uv.should_exit = True
    thread.join(15)
    runtime.db.dispose()


def _launch(chromium: Path, request: pytest.FixtureRequest, viewport: dict[str, int]) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="rtcc-chromium-")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=str(chromium),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport=viewport,
            locale="en-US",
            timezone_id="America/Los_Angeles",
        )
        context.set_default_timeout(15_000)
        requests = RequestTracker(context)
        page = context.pages[0] if context.pages else context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(f"{exc} at {(exc.stack or '')[:600]}"))
        try:
            yield Browser(page, context, request.node.name, requests)
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)
        assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def browser(chromium: Path, request: pytest.FixtureRequest) -> Iterator[Browser]:
    """A desktop-sized browser."""
    yield from _launch(chromium, request, {"width": 1440, "height": 900})


@pytest.fixture
def phone(chromium: Path, request: pytest.FixtureRequest) -> Iterator[Browser]:
    """A phone-sized browser (the community portal is made for phones)."""
    yield from _launch(chromium, request, {"width": 390, "height": 844})


@pytest.fixture
def sign_in(server: Server) -> Callable[[Browser, str], None]:
    """``sign_in(browser, "analyst")``: sign in through the staff login screen."""

    def _sign_in(b: Browser, username: str) -> None:
        page = b.page
        page.goto(f"{server.base_url}/app/login")
        page.get_by_label("User name").fill(username)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_label("Password").press("Enter")
        page.locator("#sign-out").wait_for()

    return _sign_in
