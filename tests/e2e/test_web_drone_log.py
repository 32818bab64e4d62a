"""The public drone flight log on a phone-sized screen, without signing in: the monthly figures, the definition of
"cleared without patrol", each flight with its call type, reference, outcome and coarsened path, in English and then
in Spanish."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from e2e_support import Browser, Server
from sqlalchemy import select

from rtcc.core.clock import utcnow
from rtcc.drones.flight_models import Flight
from rtcc.drones.models import Drone


def _flights(db: Any) -> None:
    now = utcnow().replace(microsecond=0)
    with db.uow() as s:
        drone = s.scalars(select(Drone).order_by(Drone.code)).first()
        assert drone is not None, "the demo seed has drones"
        for i, (ctype, outcome, cwp) in enumerate((("SHOTS", "gone_on_arrival", True), ("ALARM_BURG_RES", None, None))):
            launched = now - timedelta(hours=2 + i)
            s.add(
                Flight(
                    id=uuid.uuid4(), drone_id=drone.id, drone_code=drone.code, status="landed", launched_at=launched,
                    on_scene_at=launched + timedelta(seconds=95), landed_at=launched + timedelta(minutes=14),
                    call_number=f"26-00042{i}", call_type=ctype, max_alt_m=61.0, camera_down_s=240.0, points=1600,
                    zones_inside=[], zones_alerted=[], flagged=i == 1, flags=["camera_restricted"] if i == 1 else [],
                    call_closed=outcome is not None, outcome=outcome, cleared_without_patrol=cwp,
                    public_path=[[[33.861, -118.071], [33.8632, -118.068], [33.8655, -118.065]]], footage="none",
                    created_by="e2e",
                )
            )  # fmt: skip


def test_the_public_flight_log_on_a_phone(server: Server, phone: Browser, db: Any) -> None:
    _flights(db)
    page = phone.page
    page.goto(f"{server.base_url}/drones/log?lang=en")
    page.get_by_role("heading", name="Drone flight log").wait_for()
    page.get_by_text("Cleared without patrol: the call was closed").wait_for()
    page.get_by_text("26-000420").wait_for()
    page.get_by_text("gone_on_arrival (cleared without patrol)").wait_for()
    page.get_by_text("call still open").wait_for()
    assert page.locator("#flights article").count() == 2
    assert page.locator("#flights svg.path polyline").count() == 2
    assert page.locator("#more").is_hidden()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.get_by_role("button", name="Español").click()
    page.get_by_role("heading", name="Registro de vuelos de drones").wait_for()
    page.get_by_text("Resuelto sin patrulla: la llamada se cerró").wait_for()
    page.get_by_text("llamada aún abierta").wait_for()
    assert page.locator("html").get_attribute("lang") == "es"
