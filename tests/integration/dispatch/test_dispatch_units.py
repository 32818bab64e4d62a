"""Units, rosters and positions on the real database: signing on links a user to a unit, shifts from templates in
city time, overtime shifts drawn from a budget (and refused past it), rostered units count as on duty for the
recommendation, positions over MQTT become the unit's track, and the ``rtcc dispatch`` commands."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from dispatch_support import CORNER, DISPATCHER, PARK, SUPERVISOR, make_unit, new_call
from typer.testing import CliRunner

from rtcc.core.db import Database
from rtcc.core.errors import Conflict, ValidationFailed
from rtcc.dispatch import assignment, rosters, units
from rtcc.dispatch.cli import dispatch as dispatch_cli
from rtcc.dispatch.unit_schemas import BudgetCreate, RosterAdd, ShiftCreate, UnitStatusSet
from rtcc.identity import service as identity
from rtcc.identity.logic import SYSTEM, Role
from rtcc.identity.schemas import UserCreate
from rtcc.settings import Settings, get_settings
from rtcc_testing import require_service


def test_signing_on_links_the_user_and_the_unit(db: Database) -> None:
    make_unit(db, "C1", "cso")
    with db.uow() as s:
        user = identity.create_user(
            s,
            UserCreate(username="casey", display_name="Casey", password="correct horse battery", role=Role.cso),
            actor=SYSTEM,
        )
        me = identity.principal_of(user)
    with db.uow() as s:
        read = units.sign_on(s, None, "C1", actor=me)
    assert read.current_user_id == user.id
    with db.read() as s:
        again = identity.principal_of(identity.get_user(s, user.id))
        mine = units.my_dispatch(s, actor=again)
    assert again.unit == "C1" and mine.unit is not None and mine.unit.call_sign == "C1"
    with db.uow() as s:
        status = units.set_status(s, None, None, UnitStatusSet(status="out_of_service").status, actor=again)
    assert status.status == "out_of_service"
    with db.uow() as s, pytest.raises(Conflict, match="follows the unit's assignment"):
        units.set_status(s, None, "C1", UnitStatusSet(status="on_scene").status, actor=DISPATCHER)
    with db.uow() as s:
        units.sign_off(s, None, "C1", actor=again)
    with db.read() as s:
        assert identity.get_user(s, user.id).unit is None


def test_overtime_shifts_draw_from_their_budget(db: Database) -> None:
    make_unit(db, "41A")
    make_unit(db, "41B")
    make_unit(db, "41C")
    with db.uow() as s:
        budget = rosters.create_budget(
            s,
            BudgetCreate(
                name="Crime suppression FY25",
                total_cents=4_000_000,
                starts_on=date(2025, 7, 1),
                ends_on=date(2026, 6, 30),
            ),
            actor=SUPERVISOR,
        )
        shift = rosters.create_shift(
            s,
            ShiftCreate(
                kind="overtime",
                template="pm",
                on=date(2025, 12, 24),
                budget_id=budget.id,
                hourly_rate_cents=1_250_000 // 8 // 10,
            ),  # $156.25 an hour: $1,250 a shift
            actor=SUPERVISOR,
        )
    assert shift.starts_at.isoformat() == "2025-12-24T22:00:00+00:00"  # 14:00 in Cerritos (PST)
    for sign in ("41A", "41B"):
        with db.uow() as s:
            shift = rosters.add_to_roster(s, shift.id, RosterAdd(unit=sign), actor=SUPERVISOR)
    assert shift.cost_cents == 2 * 125_000 and sorted(r.call_sign for r in shift.roster) == ["41A", "41B"]
    with db.read() as s:
        (b,) = rosters.budgets(s)
    assert (b.used_cents, b.used_minutes, b.available_cents) == (250_000, 960, 3_750_000)
    with db.uow() as s:
        small = rosters.create_budget(
            s,
            BudgetCreate(name="Holiday", total_cents=100_000, starts_on=date(2025, 12, 1), ends_on=date(2025, 12, 31)),
            actor=SUPERVISOR,
        )
        tight = rosters.create_shift(
            s,
            ShiftCreate(
                kind="overtime", template="day", on=date(2025, 12, 24), budget_id=small.id, hourly_rate_cents=15_625
            ),
            actor=SUPERVISOR,
        )
    with db.uow() as s, pytest.raises(Conflict, match="cents left"):
        rosters.add_to_roster(s, tight.id, RosterAdd(unit="41C"), actor=SUPERVISOR)
    with db.uow() as s, pytest.raises(ValidationFailed) as err:
        rosters.create_shift(s, ShiftCreate(kind="overtime", template="day", on=date(2025, 12, 24)), actor=SUPERVISOR)
    assert err.value.errors[0]["field"] == "budget_id"


def test_rostered_units_are_on_duty_for_the_recommendation(db: Database, settings: Settings) -> None:
    from datetime import timedelta

    from rtcc.core.clock import utcnow

    make_unit(db, "41A", at=CORNER)
    make_unit(db, "41B", at=PARK)
    now = utcnow()
    with db.uow() as s:
        shift = rosters.create_shift(
            s,
            ShiftCreate(
                kind="holiday",
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(hours=7),
                name="Holiday patrol",
            ),
            actor=SUPERVISOR,
        )
        rosters.add_to_roster(s, shift.id, RosterAdd(unit="41A"), actor=SUPERVISOR)
    call = new_call(db, settings).call
    with db.read() as s:
        rec = assignment.recommendation(s, call.id, actor=DISPATCHER)
    assert [x.call_sign for x in rec.ranked] == ["41A"]  # 41B is closer but not on a shift
    assert {r.code for r in rec.ineligible[0].reasons} == {"off_duty"}


def test_positions_over_mqtt_become_the_track(db: Database, settings: Settings) -> None:
    require_service("MQTT broker", "127.0.0.1", 1883)
    import paho.mqtt.publish as publish

    from rtcc.dispatch.mqtt import PositionSubscriber, call_sign_of
    from rtcc.runtime import build_runtime

    assert call_sign_of("pfx/units/41A/position", "pfx") == "41A"
    assert call_sign_of("pfx/units/41A/status", "pfx") is None
    make_unit(db, "41A")
    prefix = f"t{uuid.uuid4().hex[:8]}"
    runtime = build_runtime(settings.model_copy(update={"mqtt_url": "mqtt://127.0.0.1:1883"}))
    sub = PositionSubscriber(runtime, topic_prefix=prefix)
    sub.start()
    try:
        assert sub.subscribed.wait(10)
        publish.single(
            f"{prefix}/units/41A/position", json.dumps({"lat": PARK[0], "lon": PARK[1]}), hostname="127.0.0.1"
        )
        publish.single(f"{prefix}/units/41A/position", b"not json", hostname="127.0.0.1")
        publish.single(f"{prefix}/units/ZZ9/position", json.dumps({"lat": 1, "lon": 1}), hostname="127.0.0.1")
        deadline = time.monotonic() + 10
        while (sub.stats.stored < 1 or sub.stats.rejected < 2) and time.monotonic() < deadline:
            time.sleep(0.02)  # waiting for a state, bounded
    finally:
        sub.stop()
        runtime.db.dispose()
    assert (sub.stats.stored, sub.stats.rejected) == (1, 2)
    with db.read() as s:
        unit = units.get(s, "41A")
    assert (unit.lat, unit.lon) == PARK


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("RTCC_DATABASE_URL", database_url)
    monkeypatch.setenv("RTCC_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        yield tmp_path
    finally:
        get_settings.cache_clear()


def test_the_dispatch_commands(db: Database, env: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(dispatch_cli, ["units", "add", "41A", "--type", "deputy_car", "--home-area", "2316"])
    assert out.exit_code == 0, out.output
    bad = runner.invoke(dispatch_cli, ["units", "add", "41B", "--type", "tank"])
    assert bad.exit_code == 1 and "unknown unit type" in bad.output
    add = [
        "rules",
        "add",
        "--call-type",
        "ALARM_BURG_RES",
        "--priority",
        "Priority",
        "--effective",
        "2024-11-01T00:00:00-07:00",
        "--reason",
        "Cerritos council",
    ]
    out = runner.invoke(dispatch_cli, add)
    assert out.exit_code == 0 and "v1 is Priority" in out.output, out.output
    listed = runner.invoke(dispatch_cli, ["rules", "list"])
    assert "ALARM_BURG_RES" in listed.output and "cli:" in listed.output
    types = runner.invoke(dispatch_cli, ["call-types"])
    assert "ALRBA" in types.output and "COLLISION_NONINJ" in types.output
    assert "41A" in runner.invoke(dispatch_cli, ["units", "list"]).output
    assert "Emergent" in runner.invoke(dispatch_cli, ["scheme"]).output
