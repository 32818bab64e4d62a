"""What the browser tests share besides fixtures: the running server handle and the browser handle."""

from __future__ import annotations

import os
import uuid
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


@dataclass
class Browser:
    """One fresh Chromium profile and page; ``shot(name)`` saves a screenshot."""

    page: Any
    context: Any
    test_name: str

    def shot(self, name: str, *, full_page: bool = False) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path
