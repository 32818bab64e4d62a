"""The demo's dispatch seed: Cerritos' priority change as a dated rule, the mixed fleet at named places, the demo
field accounts signed on to their units; idempotent."""

from __future__ import annotations

from datetime import UTC, datetime

from dispatch_support import new_call

from rtcc.core.db import Database
from rtcc.demo import seed_dispatch
from rtcc.dispatch import calltypes, units
from rtcc.identity import service as identity
from rtcc.settings import Settings


def test_the_demo_dispatch_seed(db: Database, settings: Settings) -> None:
    with db.uow() as s:
        first = seed_dispatch.seed(s)
    with db.uow() as s:
        again = seed_dispatch.seed(s)
    assert first == {"rules": 1, "units": len(seed_dispatch.FLEET), "signed_on": 3, "alarm_homes": 5}
    assert again == {"rules": 0, "units": 0, "signed_on": 0, "alarm_homes": 0}
    with db.read() as s:
        (rule,) = calltypes.list_rules(s, "ALARM_BURG_RES")
        fleet = {u.call_sign: u for u in units.list_units(s)}
        guard = identity.principal_of(next(u for u in identity.list_users(s) if u.username == "guard"))
    assert rule.priority == "Priority" and rule.created_by == "supervisor"
    assert all(u.lat is not None for u in fleet.values()) and fleet["G1"].unit_type == "guard"
    assert guard.unit == "G1" and fleet["G1"].current_user_id is not None
    before = new_call(db, settings, received_at=datetime(2024, 10, 20, tzinfo=UTC)).call
    after = new_call(db, settings, received_at=datetime(2024, 11, 20, tzinfo=UTC)).call
    assert (before.priority, after.priority) == ("Routine", "Priority")
