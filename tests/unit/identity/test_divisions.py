"""Who sees which division (``rtcc.identity.divisions``) and the repository helper that applies it
(``rtcc.core.divisions``), on the Los Angeles profile (21 divisions) and Cerritos' (one station)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Column, MetaData, String, Table, select

from rtcc.core import divisions as scope
from rtcc.core.clock import utcnow
from rtcc.core.errors import PermissionDenied, ValidationFailed
from rtcc.identity.divisions import decide, home
from rtcc.identity.logic import Perm, Principal, Role, permissions_for
from rtcc.live.hub import in_division
from rtcc.live.schemas import LiveMessage
from rtcc.places import service as places

NOW = utcnow()


def _user(role: str, division: str | None = None, kind: str = "user") -> Principal:
    return Principal(kind=kind, id="u", name="u", role=role, permissions=permissions_for(role), division=division)


@pytest.fixture
def la() -> Iterator[None]:
    before = places.current().source
    places.activate("los_angeles")
    yield
    places.activate(before)


def test_divisional_users_see_their_division_and_rtcc_wide_roles_all(la: None) -> None:
    assert home(_user("analyst", "01")) == frozenset({"01"})
    assert home(_user("supervisor", "08")) == frozenset({"08"})
    assert home(_user("analyst")) == frozenset()  # no division set: nothing (deny by default)
    for role in (Role.admin, Role.rtcc_analyst, Role.rtcc_supervisor, Role.auditor):
        assert Perm.divisions_all in permissions_for(role.value) and home(_user(role.value, "01")) is None
    assert home(_user("resident")) is None  # community accounts: their own records decide
    assert home(Principal(kind="apikey", id="k", name="k", role="sensor", permissions=frozenset())) is None


def test_reaching_into_another_division_needs_a_purpose(la: None) -> None:
    me = _user("analyst", "01")
    assert decide(me, None, None).codes == frozenset({"01"})
    assert decide(me, "01", None) == scope_reach({"01"})
    with pytest.raises(PermissionDenied, match="purpose"):
        decide(me, "08", None)
    with pytest.raises(PermissionDenied):
        decide(me, "08", "  x ")  # too short once trimmed
    with pytest.raises(ValidationFailed, match="division"):
        decide(me, "99", "mutual aid")
    reach = decide(me, "08", "mutual aid  26-1")
    assert (reach.codes, reach.reached, reach.purpose) == (frozenset({"08"}), "08", "mutual aid 26-1")
    wide = decide(_user("rtcc_analyst"), "08", None)  # narrowing needs no purpose and is no reach
    assert (wide.codes, wide.reached) == (frozenset({"08"}), None)


def scope_reach(codes: set[str]) -> object:
    from rtcc.identity.divisions import Reach

    return Reach(frozenset(codes))


def test_a_one_division_profile_restricts_nothing() -> None:
    places.activate("cerritos")
    assert home(_user("analyst")) is None and home(_user("analyst", "CER")) is None
    assert places.division_of(0.0, 0.0) == "CER"  # the only station, wherever the point lies


def test_the_repository_helper_filters_only_inside_a_scope() -> None:
    t = Table("things", MetaData(), Column("id", String), Column("division", String))
    stmt = select(t.c.id)
    assert scope.current() is None and scope.scoped(stmt, t.c.division) is stmt
    with scope.scope({"08", "01"}):
        sql = str(scope.scoped(stmt, t.c.division).compile(compile_kwargs={"literal_binds": True}))
        assert "things.division IN ('01', '08')" in sql
        assert scope.setting_value(scope.current()) == "01,08"
        assert scope.allows("01") and not scope.allows("02") and not scope.allows(None)
    with scope.scope(set()):
        assert scope.setting_value(scope.current()) == scope.NO_DIVISION
    assert scope.current() is None and scope.setting_value(None) is None


def test_live_events_of_another_division_do_not_reach_a_divisional_user(la: None) -> None:
    me = _user("analyst", "01")
    own = LiveMessage(id=1, topic="alerts", type="alert.created", at=NOW, data={"camera": {"division": "01"}})
    other = LiveMessage(id=2, topic="alerts", type="alert.created", at=NOW, data={"camera": {"division": "08"}})
    call = LiveMessage(id=3, topic="dispatch", type="call.updated", at=NOW, data={"division": "08"})
    unit_topic = LiveMessage(id=4, topic="unit-8A1", type="assignment", at=NOW, data={})
    assert in_division(me, own) and not in_division(me, other) and not in_division(me, call)
    assert in_division(me, unit_topic)  # a unit's own topic is scoped to that unit
    assert in_division(_user("rtcc_analyst"), other)


def test_points_are_put_in_their_division_at_once_as_one_at_a_time(la: None) -> None:
    """``places.divisions_of`` (aggregates over rows without a division column) agrees with ``division_of``, and
    ``in_scope``/``scope_boundary`` follow the scope."""
    import numpy as np

    min_lon, min_lat, max_lon, max_lat = places.boundary().bbox()
    rng = np.random.default_rng(15)
    lats = rng.uniform(min_lat, max_lat, 400).tolist()
    lons = rng.uniform(min_lon, max_lon, 400).tolist()
    many = places.divisions_of(lats, lons)
    assert many == [places.division_of(a, b) for a, b in zip(lats, lons, strict=True)]
    assert {"01", "08"} <= set(many) and None in many  # the box holds points outside every division
    assert places.in_scope(lats, lons).all() and places.scope_boundary() is places.boundary()
    with scope.scope({"01"}):
        assert places.in_scope(lats, lons).tolist() == [d == "01" for d in many]
        central = places.scope_boundary()
        assert central.contains(34.0537, -118.2427) and not central.contains(34.045, -118.445)
