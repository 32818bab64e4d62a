"""RTCC-initiated calls from ALPR hits: only a verified hit becomes a call, placed at the camera that read it, with
the alert as its source; asking again returns the same call; opening the alert is an audited access."""

from __future__ import annotations

import uuid

import pytest
from dispatch_support import CORNER, DISPATCHER

from rtcc.alerts.models import Alert
from rtcc.alpr import cameras
from rtcc.alpr.schemas import CameraCreate
from rtcc.audit import service as audit
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.errors import Conflict
from rtcc.dispatch.from_alert import call_from_alert
from rtcc.identity.logic import SYSTEM
from rtcc.settings import Settings


def _alert(db: Database, state: str) -> uuid.UUID:
    now = utcnow()
    with db.uow() as s:
        where = CameraCreate(code=f"cam-{uuid.uuid4().hex[:6]}", name="Alondra", lat=CORNER[0], lon=CORNER[1])
        cam = cameras.register_camera(s, where, actor=SYSTEM)
        alert = Alert(
            kind="hit", state=state, title="Stolen vehicle (NCIC)", plate_read="7ABC123", plate_listed="7ABC123",
            camera_id=cam.id, first_seen_at=now, last_seen_at=now, created_at=now, updated_at=now,
        )  # fmt: skip
        s.add(alert)
        s.flush()
        return alert.id


def test_a_verified_hit_becomes_one_call_at_its_camera(db: Database, settings: Settings) -> None:
    alert_id = _alert(db, "verified")
    with db.uow() as s:
        made = call_from_alert(s, None, settings, alert_id, actor=DISPATCHER)
    call = made.call
    assert call.source == "rtcc_alpr" and call.source_ref == str(alert_id) and call.call_type == "ALPR_HIT"
    assert (call.location.lat, call.location.lon) == CORNER and "7ABC123" in (call.narrative or "")
    with db.uow() as s:
        again = call_from_alert(s, None, settings, alert_id, actor=DISPATCHER)
    assert again.call.id == call.id
    with db.read() as s:
        views = [e.actor for e in audit.search(s, action="alert.view", target_id=str(alert_id))]
    assert views == [DISPATCHER.audit_name]


@pytest.mark.parametrize("state", ["new", "rejected"])
def test_an_unverified_or_rejected_hit_is_not_acted_on(db: Database, settings: Settings, state: str) -> None:
    alert_id = _alert(db, state)
    with db.uow() as s, pytest.raises(Conflict, match="verify"):
        call_from_alert(s, None, settings, alert_id, actor=DISPATCHER)
