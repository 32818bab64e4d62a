"""What the browser tests share besides fixtures: the running server handle and the browser handle."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from rtcc.demo.accounts import DEMO_PASSWORD
from rtcc.demo.seed import SeedResult
from rtcc.runtime import Runtime

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("RTCC_E2E_SCREENSHOTS", ROOT / "var" / "e2e" / "screenshots"))


@dataclass
class Server:
    """The running app: its base URL, runtime and what the demo seed created."""

    base_url: str
    runtime: Runtime
    seeded: SeedResult
    read_seq: list[int] = field(default_factory=lambda: [0])

    @property
    def password(self) -> str:
        return DEMO_PASSWORD

    def inject_read(self, plate: str, camera: str = "CER-ALPR-01", *, region: str = "CA", confidence: float = 93.0,
                    vehicle: dict[str, str] | None = None) -> None:  # fmt: skip
        """POST one read through the real ingest API with the demo sensor key (as a camera would)."""
        from rtcc.demo import world

        cam = world.camera(camera)
        self.read_seq[0] += 1
        body = {
            "reads": [
                {
                    "plate": plate,
                    "region": region,
                    "confidence": confidence,
                    "observed_at": datetime.now(UTC).isoformat(),
                    "camera": camera,
                    "lat": cam.lat,
                    "lon": cam.lon,
                    "vehicle": vehicle or {"make": "Honda", "model": "Civic", "color": "silver", "type": "sedan"},
                    "crop_ref": f"e2e://crops/{camera}/{self.read_seq[0]}.jpg",
                    "id": f"e2e-{uuid.uuid4().hex}",
                }
            ]
        }
        resp = httpx.post(f"{self.base_url}/api/v1/reads", json=body, headers={"X-API-Key": self.seeded.api_key})
        assert resp.status_code == 202, resp.text
        assert resp.json()["accepted"] == 1, resp.text

    def token(self, username: str) -> dict[str, str]:
        """Authorization headers of a demo user (for API calls that set up a scenario)."""
        resp = httpx.post(f"{self.base_url}/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
        assert resp.status_code == 200, resp.text
        return {"Authorization": f"Bearer {resp.json()['token']}"}

    def api(self, method: str, path: str, user: str, **kw: Any) -> httpx.Response:
        return httpx.request(method, f"{self.base_url}{path}", headers=self.token(user), timeout=30, **kw)

    def has_api(self, path: str) -> bool:
        return path in self.api("GET", "/api/v1/web/api-paths", "admin").json()


class RequestTracker:
    """The requests a browser context has in flight, counted from the context's own request events.

    Playwright's ``networkidle`` load state waits for no connection at all, which a screen that polls or holds the
    live feed open (an EventSource) may never give on a slow machine; a test that only needs a screen's data drawn
    waits with :meth:`settle` instead: no fetch in flight for a quiet spell, the long-lived streams left out.
    """

    STREAMS = frozenset({"eventsource", "websocket"})

    def __init__(self, context: Any) -> None:
        self.inflight: dict[Any, str] = {}
        self.changed = time.monotonic()
        context.on("request", self._started)
        context.on("requestfinished", self._ended)
        context.on("requestfailed", self._ended)

    def _started(self, request: Any) -> None:
        if request.resource_type not in self.STREAMS:
            self.inflight[request] = request.url
            self.changed = time.monotonic()

    def _ended(self, request: Any) -> None:
        if self.inflight.pop(request, None) is not None:
            self.changed = time.monotonic()

    def settle(self, page: Any, *, quiet_s: float = 0.5, timeout_s: float = 30.0) -> None:
        """Wait until no request has been in flight for ``quiet_s``; on time-out, name the ones still open."""
        deadline = time.monotonic() + timeout_s
        while True:
            page.wait_for_timeout(100)  # lets Playwright deliver the request events
            if not self.inflight and time.monotonic() - self.changed >= quiet_s:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"requests still in flight after {timeout_s} s: {sorted(self.inflight.values())}")


class HeldAnswers:
    """Answers to a screen's requests held back until the test lets them go, to play a slow first answer arriving
    after a newer one: every request matching ``url_glob`` for which ``hold(request)`` is true waits in
    :attr:`routes` (the screen's opening, unfiltered list; a broad search), the others go through (the filtered
    list or the narrower search asked for after it)."""

    def __init__(self, page: Any, url_glob: str, *, hold: Callable[[Any], bool]) -> None:
        self.routes: list[Any] = []
        self._hold = hold
        page.route(url_glob, self._route)

    def _route(self, route: Any) -> None:
        if self._hold(route.request):
            self.routes.append(route)
        else:
            route.continue_()

    def release(self) -> None:
        """Let the held answers through (the test fails if none was asked for: it would prove nothing)."""
        assert self.routes, "the screen did not ask for the answer this test holds back"
        for route in self.routes:
            route.continue_()


@dataclass
class Browser:
    """One fresh Chromium profile and page; ``shot(name)`` saves a screenshot, ``settle()`` waits out the fetches."""

    page: Any
    context: Any
    test_name: str
    requests: RequestTracker

    def settle(self, page: Any = None) -> None:
        """Wait until the page's fetches are done (see :class:`RequestTracker`); ``page`` defaults to the main one."""
        self.requests.settle(page or self.page)

    def shot(self, name: str, *, full_page: bool = False) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path
