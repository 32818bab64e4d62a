"""The patrol domain through its services and API on a real database: a burglary call becomes a near-repeat alert,
a CSO plan takes it and a resident's house check, the dose delivered is measured from the unit's track and the visit
is logged from it, staff publish the alert to the neighborhood (audited), the resident sees only their own checks
and is told at once when something was found."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta

import pytest
from fastapi.testclient import TestClient
from patrol_support import PARK, SUPERVISOR, make_unit, new_call, person
from sqlalchemy import select

from rtcc.audit.models import AuditEntry
from rtcc.community import accounts, neighborhoods
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.dispatch import positions, units
from rtcc.dispatch.unit_schemas import PositionIn
from rtcc.identity.logic import COMMUNITY_PERMISSIONS, Principal, Role
from rtcc.notify.models import OutboxMessage as Outbound
from rtcc.patrol import housechecks, nearrepeats, plans
from rtcc.patrol.schemas import HouseCheckCreate, PlanCreate, VisitNote
from rtcc.places import service as places
from rtcc.settings import Settings

HOUSE = (PARK[0] + 0.0015, PARK[1] + 0.0015)


def _resident(db: Database, name: str) -> Principal:
    with db.uow() as s:
        uid = accounts.ensure_community_account(
            s,
            username=name,
            display_name=name.title(),
            password="correct horse battery",
            account_type="resident",
            email=f"{name}@example.org",
        )
    return Principal(kind="user", id=str(uid), name=name, role="resident", permissions=COMMUNITY_PERMISSIONS)


def _setup(db: Database, settings: Settings) -> tuple[uuid.UUID, Principal]:
    with db.uow() as s:
        neighborhoods.install_from_profile(s)
    make_unit(db, "C9", "cso", at=PARK, home_area="CER")
    new_call(db, settings, "BURGLARY_RPT", at=PARK)
    resident = _resident(db, "rita_resident")
    today = utcnow().astimezone(places.city_zone()).date()
    with db.uow() as s:
        hc = housechecks.create(
            s,
            HouseCheckCreate(
                address="12 Test Lane",
                lat=HOUSE[0],
                lon=HOUSE[1],
                starts_on=today,
                ends_on=today + timedelta(days=3),
                keyholder_name="Kim",
                keyholder_phone="+15625550100",
                notes="Dog sitter comes at noon",
            ),
            actor=resident,
        )
    return hc.id, resident


def test_an_overnight_plan_checks_the_houses_whose_requests_begin_after_midnight(
    db: Database, settings: Settings
) -> None:
    """A shift from 23:30 to 03:30 (city time) is offered a house check that begins the next day; one that ends
    before midnight is not. (Plans chose by their start's day alone: a CSO's overnight shift skipped the house.)"""
    with db.uow() as s:
        neighborhoods.install_from_profile(s)
    make_unit(db, "C9", "cso", at=PARK, home_area="CER")
    resident = _resident(db, "nora_resident")
    zone = places.city_zone()
    tomorrow = utcnow().astimezone(zone).date() + timedelta(days=1)
    midnight = datetime.combine(tomorrow, time(0, 0), tzinfo=zone)
    with db.uow() as s:
        check = housechecks.create(
            s,
            HouseCheckCreate(address="14 Night Lane", lat=HOUSE[0], lon=HOUSE[1], starts_on=tomorrow, ends_on=tomorrow),
            actor=resident,
        )

    def checks(start: datetime, hours: int) -> set[str]:
        with db.uow() as s:
            plan = plans.create(
                s,
                settings,
                PlanCreate(call_sign="C9", kind="cso", starts_at=start, ends_at=start + timedelta(hours=hours)),
                actor=SUPERVISOR,
            )
        return {st.key for st in plan.stops if st.kind == "house_check"}

    assert checks(midnight - timedelta(minutes=30), 4) == {str(check.id)}
    assert checks(midnight - timedelta(hours=5), 4) == set()


def test_burglary_to_plan_to_dose_and_visit(db: Database, settings: Settings) -> None:
    _check_id, resident = _setup(db, settings)
    with db.uow() as s:
        assert nearrepeats.sync(s, settings) == 1
        assert nearrepeats.sync(s, settings) == 0  # idempotent per call
        [alert] = nearrepeats.list_alerts(s, active_only=True)
    assert alert.rule_source == "configured" and alert.radius_m == settings.patrol_near_repeat_radius_m
    assert alert.neighborhood is not None and alert.active
    start = utcnow() - timedelta(minutes=30)
    with db.uow() as s:
        plan = plans.create(
            s,
            settings,
            PlanCreate(call_sign="C9", kind="cso", starts_at=start, ends_at=start + timedelta(hours=4)),
            actor=SUPERVISOR,
        )
    kinds = {st.kind for st in plan.stops}
    assert {"near_repeat", "house_check", "hotspot"} <= kinds
    assert plan.routing_method == "straight_line" and "straight-line" in plan.routing_note
    assert [st.seq for st in plan.stops] == list(range(1, len(plan.stops) + 1))
    # the unit drives to the burglary's block, stays 10 minutes (a fix a minute), then to the house
    with db.uow() as s:
        unit = units.load(s, "C9")
        t0 = start + timedelta(minutes=5)
        for k in range(11):
            positions.record(
                s, None, unit, PositionIn(lat=PARK[0], lon=PARK[1], at=t0 + timedelta(minutes=k)), source="test"
            )
        for k in range(3):
            at = t0 + timedelta(minutes=12 + k)
            positions.record(s, None, unit, PositionIn(lat=HOUSE[0], lon=HOUSE[1], at=at), source="test")
    with db.uow() as s:
        assert plans.measure(s, settings, plan.id) == 1
        assert plans.measure(s, settings, plan.id) == 0  # once per check and plan
        measured = plans.get(s, plan.id, actor=SUPERVISOR, own_only=False)
    nr = next(st for st in measured.stops if st.kind == "near_repeat")
    assert nr.delivered_min == pytest.approx(12.0)  # 10 one-minute intervals + the 2 minutes until the next fix
    house = next(st for st in measured.stops if st.kind == "house_check")
    assert house.visited_at is not None and house.delivered_min > 0
    assert (
        measured.dose_delivered_min >= nr.delivered_min and measured.track_fixes == 15
    )  # with the position the unit was made at
    with db.read() as s:
        mine = housechecks.mine(s, actor=resident)
        assert [v.source for v in mine[0].visits] == ["track"]
        report = plans.report(s, settings, since=start - timedelta(days=1), until=start + timedelta(days=1))
    assert report.plans == 1 and report.patrolled.cells >= 1 and "next-ranked" in report.rule
    assert report.patrolled.crimes_during >= 1  # the burglary lies in a patrolled hotspot cell
    assert report.comparison.cells == report.patrolled.cells and report.comparison.crimes_during == 0


def test_note_found_tells_the_resident_at_once_and_access_is_own_only(db: Database, settings: Settings) -> None:
    check_id, resident = _setup(db, settings)
    start = utcnow() - timedelta(minutes=10)
    with db.uow() as s:
        plans.create(
            s,
            settings,
            PlanCreate(call_sign="C9", kind="cso", starts_at=start, ends_at=start + timedelta(hours=2)),
            actor=SUPERVISOR,
        )
    cso = person(Role.cso, unit="C9")
    with db.uow() as s:
        ids = plans.plan_ids_with_check(s, "C9", check_id)
        visit = housechecks.note_visit(
            s, check_id, VisitNote(outcome="found", note="Side gate open"), actor=cso, call_sign="C9", plan_ids=ids
        )
    assert visit.outcome == "found"
    with db.read() as s:
        rows = list(s.scalars(select(Outbound).where(Outbound.user_id == uuid.UUID(resident.id))))
        assert any(r.channel == "inbox" and "found" in r.subject for r in rows)
        assert all(r.sent_at is None for r in rows if r.channel != "inbox")  # e-mail waits for the sender
        actions = set(s.scalars(select(AuditEntry.action)))
    assert {"patrol.house_check.requested", "patrol.house_check.visited", "patrol.plan.created"} <= actions
    other = _resident(db, "oscar_other")
    from rtcc.core.errors import NotFound, PermissionDenied

    with db.uow() as s, pytest.raises(NotFound):
        housechecks.cancel(s, check_id, actor=other)
    with db.read() as s:
        assert housechecks.mine(s, actor=other) == []
    with db.uow() as s, pytest.raises(NotFound):  # a unit whose plans do not hold the check
        housechecks.note_visit(s, check_id, VisitNote(outcome="secure"), actor=cso, call_sign="C1", plan_ids=[])
    from rtcc.core.errors import ValidationFailed

    today = utcnow().astimezone(places.city_zone()).date()
    away = HouseCheckCreate(address="1 Far Away", lat=34.2, lon=-118.9, starts_on=today, ends_on=today)
    with db.uow() as s, pytest.raises(ValidationFailed, match="outside"):
        housechecks.create(s, away, actor=other)
    with db.uow() as s, pytest.raises(PermissionDenied):
        housechecks.note_visit(s, check_id, VisitNote(outcome="secure"), actor=cso, call_sign=None, plan_ids=[])


def test_publish_through_the_api_is_explicit_audited_and_once(
    app_client: TestClient, db: Database, settings: Settings, login: Callable[..., dict[str, str]]
) -> None:
    _setup(db, settings)
    sup = login("supervisor")
    cso = login("cso")
    assert app_client.get("/api/v1/patrol/near-repeats", headers=cso).status_code == 403
    assert app_client.post("/api/v1/patrol/near-repeats/sync", headers=sup).json() == {"created": 1}
    [alert] = app_client.get("/api/v1/patrol/near-repeats?active=true", headers=sup).json()
    assert alert["community_alert_id"] is None
    resp = app_client.post(f"/api/v1/patrol/near-repeats/{alert['id']}/publish", headers=sup)
    assert resp.status_code == 200, resp.text
    assert resp.json()["community_alert_id"] is not None
    again = app_client.post(f"/api/v1/patrol/near-repeats/{alert['id']}/publish", headers=sup)
    assert again.status_code == 409
    public = app_client.get("/api/v1/community/alerts").json()
    items = public if isinstance(public, list) else public["items"]
    assert any(a["id"] == resp.json()["community_alert_id"] and a["category"] == "burglary" for a in items)
    with db.read() as s:
        assert "patrol.near_repeat.published" in set(s.scalars(select(AuditEntry.action)))
    bad = app_client.post(
        "/api/v1/patrol/plans",
        headers=sup,
        json={"call_sign": "C9", "kind": "cso", "starts_at": "2026-12-06T10:00:00Z", "ends_at": "2026-12-06T09:00:00Z"},
    )
    assert bad.status_code == 422 and "ends_at" in bad.text
    resident = login("resident")
    assert app_client.get("/api/v1/patrol/me/house-checks", headers=resident).json() == []  # not Rita's
    assert app_client.get("/api/v1/patrol/me/house-checks", headers=sup).status_code == 403
    assert app_client.get("/api/v1/patrol/house-checks", headers=resident).status_code == 403
    day = utcnow().astimezone(places.city_zone()).date()
    due = app_client.get(f"/api/v1/patrol/house-checks?day={day}", headers=sup).json()
    assert [c["keyholder_name"] for c in due] == ["Kim"]
    with db.read() as s:
        assert "patrol.house_check.listed" in set(s.scalars(select(AuditEntry.action)))


def test_the_field_poll_is_conditional_and_audits_only_what_it_sends(
    app_client: TestClient, db: Database, settings: Settings, login: Callable[..., dict[str, str]]
) -> None:
    """The field view polls its plan: an unchanged plan answers 304 with no body and adds no audit entry; the first
    answer, and the answer after the plan changed, disclose the house check's address and are audited."""
    _setup(db, settings)
    start = utcnow() - timedelta(minutes=30)
    with db.uow() as s:
        plan = plans.create(
            s,
            settings,
            PlanCreate(call_sign="C9", kind="cso", starts_at=start, ends_at=start + timedelta(hours=4)),
            actor=SUPERVISOR,
        )
    cso = login("cso", unit="C9")

    def reads() -> int:
        with db.read() as s:
            return len(list(s.scalars(select(AuditEntry.seq).where(AuditEntry.action == "patrol.plan.read"))))

    first = app_client.get("/api/v1/patrol/plans/mine", headers=cso)
    assert first.status_code == 200 and first.json()["id"] == str(plan.id)
    tag = first.headers["ETag"]
    assert reads() == 1
    again = app_client.get("/api/v1/patrol/plans/mine", headers={**cso, "If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == tag
    assert reads() == 1  # nothing disclosed, nothing recorded
    stale = app_client.get("/api/v1/patrol/plans/mine", headers={**cso, "If-None-Match": '"not-the-tag"'})
    assert stale.status_code == 200 and reads() == 2
    with db.uow() as s:  # the unit reaches the house: the plan changes (visit, dose)
        unit = units.load(s, "C9")
        for k in range(3):
            at = start + timedelta(minutes=10 + k)
            positions.record(s, None, unit, PositionIn(lat=HOUSE[0], lon=HOUSE[1], at=at), source="test")
        assert plans.measure(s, settings, plan.id) == 1
    changed = app_client.get("/api/v1/patrol/plans/mine", headers={**cso, "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag and reads() == 3


def test_a_burglary_call_gets_its_near_repeat_alert_as_it_is_taken(
    app_client: TestClient, db: Database, login: Callable[..., dict[str, str]]
) -> None:
    """The patrol service listens for dispatch.call.created: the alert exists within seconds of the call, long before
    the periodic pass (its first run is 30 s after start; it stays the reconciler for a lost event)."""
    import time

    dispatcher = login("dispatcher")
    body = {"call_type": "BURGLARY_RPT", "location": {"kind": "coordinates", "lat": PARK[0], "lon": PARK[1]}}
    taken = app_client.post("/api/v1/dispatch/calls", headers=dispatcher, json={**body, "source": "911"})
    assert taken.status_code == 201, taken.text
    call_id = uuid.UUID(taken.json()["call"]["id"])
    deadline = time.monotonic() + 10
    while True:
        with db.read() as s:
            if nearrepeats.has_alert(s, call_id):
                break
        assert time.monotonic() < deadline, "no near-repeat alert 10 s after the call was taken"
        time.sleep(0.1)
