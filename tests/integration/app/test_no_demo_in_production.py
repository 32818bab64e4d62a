"""The production app neither imports the demo nor serves its routes; the demo's own app adds its simulated-crop
route (and only it). The import check runs in a fresh interpreter so that other tests' imports cannot hide it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rtcc.app import api_routes, create_app
from rtcc.settings import Settings

PROBE = """
import sys
from rtcc.app import create_app
from rtcc.settings import Settings
app = create_app(Settings(database_url="sqlite:///{db}"))
demo = sorted(m for m in sys.modules if m == "rtcc.demo" or m.startswith("rtcc.demo."))
print(",".join(demo) or "none")
"""


def test_production_app_does_not_import_the_demo(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(db=tmp_path / "x.db")], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "none", out.stdout


def test_only_the_demo_app_serves_the_crop_route(tmp_path: Path) -> None:
    from rtcc.demo.runner import demo_routers

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}")
    prod = {r.path for r in api_routes(create_app(settings))}
    demo = {r.path for r in api_routes(create_app(settings, extra_routers=demo_routers()))}
    assert not any(p.startswith("/api/v1/demo") for p in prod)
    assert demo - prod == {"/api/v1/demo/crops/{token}"}
