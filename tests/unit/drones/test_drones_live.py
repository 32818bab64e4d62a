"""The live topic ``drones`` (launch decisions and requests) reaches the drone program's staff (``drones:read``:
pilots, dispatchers, supervisors) and no one else."""

from __future__ import annotations

from datetime import UTC, datetime

from rtcc.identity.logic import Principal, Role, permissions_for
from rtcc.live.hub import visible
from rtcc.live.schemas import LiveMessage


def _who(role: Role) -> Principal:
    return Principal(kind="user", id="u", name=role.value, role=role.value, permissions=permissions_for(role.value))


def test_drones_topic_visibility() -> None:
    msg = LiveMessage(
        id=1, topic="drones", type="drones.launch.requested", at=datetime.now(UTC), data={"state": "pending"}
    )
    allowed = {r for r in Role if visible(_who(r), msg)}
    assert allowed == {Role.admin, Role.supervisor, Role.rtcc_supervisor, Role.dispatcher, Role.pilot, Role.auditor}
