"""The division picker of the aggregate screens in the browser, on the Los Angeles profile: an RTCC-wide analyst
narrows the response-time KPIs and the forecasts to one division (the screens ask with ``?division=``); a divisional
analyst gets no picker (their own division is what the server gives them)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from e2e_support import Browser, Server

import rtcc.app as app_module
from rtcc.core.db import Database
from rtcc.demo.accounts import DEMO_PASSWORD
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM, Role
from rtcc.identity.schemas import UserCreate
from rtcc.places import service as places
from rtcc.runtime import build_runtime
from rtcc.settings import Settings

LONG = 30_000  # ms


@pytest.fixture
def server(settings: Settings, db: Any, chromium: Path) -> Iterator[Server]:
    """The app on the Los Angeles profile on a free port, nothing seeded (the demo seed is Cerritos')."""
    runtime = build_runtime(settings.model_copy(update={"city_profile": "los_angeles"}))
    app = app_module.create_app(runtime.settings, runtime=runtime)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not uv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}", runtime, None)  # type: ignore[arg-type]  # nothing seeded
    uv.should_exit = True
    thread.join(15)
    runtime.db.dispose()
    places.activate(settings.city_profile)


def _user(db: Database, name: str, role: Role, division: str | None = None) -> str:
    with db.uow() as s:
        data = UserCreate(username=name, display_name=name, password=DEMO_PASSWORD, role=role, division=division)
        identity.create_user(s, data, actor=SYSTEM)
    return name


def test_an_rtcc_wide_analyst_picks_a_division_on_the_kpi_and_forecast_screens(
    server: Server, browser: Browser, sign_in: Callable[[Browser, str], None]
) -> None:
    page = browser.page
    # A divisional analyst gets no picker: their division is what the server gives them.
    sign_in(browser, _user(server.runtime.db, "centralist", Role.analyst, "01"))
    page.goto(f"{server.base_url}/app/oversight")
    page.locator("table.ov-kpis, .ov-empty").first.wait_for(timeout=LONG)
    assert page.locator("#division-pick").count() == 0
    page.locator("#sign-out").click()
    page.wait_for_url("**/app/login*")

    sign_in(browser, _user(server.runtime.db, "rtccwide", Role.rtcc_analyst))
    page.goto(f"{server.base_url}/app/oversight")
    pick = page.locator("#division-pick")
    pick.wait_for(timeout=LONG)
    pick.select_option("01")
    with page.expect_request(lambda r: "/api/v1/oversight/kpis" in r.url and "division=01" in r.url):
        page.get_by_role("button", name="Show").click()
    page.get_by_label("Group by").select_option("division")  # the city split by division is one grouping away

    page.goto(f"{server.base_url}/app/analytics")
    page.locator("#division-pick").wait_for(timeout=LONG)
    with page.expect_request(lambda r: "/api/v1/analytics/forecasts" in r.url and "division=08" in r.url):
        page.locator("#division-pick").select_option("08")
    page.wait_for_url("**/app/analytics?*division=08*")
    assert page.locator("#division-pick").input_value() == "08"
