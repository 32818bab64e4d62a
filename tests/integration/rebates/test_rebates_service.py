"""Rebate use cases on the real database: automatic checks (failing and fixed), one rebate per household, the
budget with its FIFO waitlist and promotion, payment, re-checks on approval, notifications, audit and timeline,
the council report and the registration-commitment list."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from rebates_support import STAFF, Resident, apply_fixture, body, resident_fixture  # noqa: F401 (fixtures)
from sqlalchemy import select

from rtcc.audit.models import AuditEntry
from rtcc.cameras import service as cameras
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.core.errors import Conflict, NotFound, ValidationFailed
from rtcc.notify import service as notify
from rtcc.places import service as places
from rtcc.rebates import budget, proofs, reports, review, service
from rtcc.settings import Settings

Make = Callable[..., Resident]
Apply = Callable[..., uuid.UUID]


def _get(db: Database, app_id: uuid.UUID) -> Any:
    with db.uow() as s:
        return review.staff_view(s, app_id, actor=STAFF)


def _failed(db: Database, app_id: uuid.UUID) -> set[str]:
    return {c.code for c in _get(db, app_id).checks if not c.ok}


def _approve(db: Database, settings: Settings, app_id: uuid.UUID) -> Any:
    with db.uow() as s:
        return review.approve(s, settings, app_id, actor=STAFF)


def _budget(db: Database, settings: Settings, total: int) -> Any:
    with db.uow() as s:
        return budget.set_budget(s, settings, total, actor=STAFF)


def _program(db: Database, settings: Settings) -> Any:
    with db.read() as s:
        return budget.program(s, settings)


def test_a_good_application_becomes_eligible_with_timeline_notice_and_audit(
    db: Database, settings: Settings, resident: Make, apply: Apply
) -> None:
    res = resident()
    app_id = apply(res)
    app = _get(db, app_id)
    assert app.status == "eligible"
    assert all(c.ok for c in app.checks) and len(app.checks) == 8
    assert app.rebate_cents == 20_000  # 249.99 paid, capped at 200.00
    assert app.neighborhood  # a sector of the city at least
    assert [e.status for e in app.timeline] == ["draft", "draft", "submitted", "eligible"]
    with db.read() as s:
        bodies = [m.body for m in notify.inbox(s, res.principal)]
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.target_id == str(app_id))))
    assert any("waiting for staff review" in b for b in bodies)
    assert {"rebate.create", "rebate.proof", "rebate.submit"} <= set(actions)


def test_failing_checks_give_reasons_and_a_fixed_application_can_resubmit(
    db: Database, settings: Settings, resident: Make, apply: Apply
) -> None:
    res = resident()
    app_id = apply(res, proof=False, lat=33.95, lon=-118.20)  # no proof, outside Cerritos
    assert _get(db, app_id).status == "ineligible"
    assert _failed(db, app_id) == {"inside_city", "proof_uploaded"}
    with db.read() as s:
        assert any("outside the city boundary" in m.body for m in notify.inbox(s, res.principal))

    from rebates_support import PDF

    with proofs.stage_proof(settings, PDF, filename="r.pdf") as staged, db.uow() as s:
        service.attach_proof(s, app_id, staged, actor=res.principal)
    with db.uow() as s:
        service.submit(s, settings, app_id, actor=res.principal)
    assert _failed(db, app_id) == {"inside_city"}  # the pin is still outside


def test_old_purchase_and_zero_amount_are_ineligible(
    db: Database, settings: Settings, resident: Make, apply: Apply
) -> None:
    res = resident()
    old = apply(res, purchase_date=(utcnow() - timedelta(days=400)).date(), amount_cents=0)
    assert _failed(db, old) == {"purchase_date", "amount"}


def test_camera_must_be_the_applicants_shared_home_camera(
    db: Database, settings: Settings, resident: Make, apply: Apply
) -> None:
    alice, bob = resident(), resident()
    with pytest.raises(ValidationFailed, match="camera_id"), db.uow() as s:
        service.create_application(s, settings, body(alice, camera_id=bob.camera_id), actor=alice.principal)
    with pytest.raises(ValidationFailed, match="camera_id"), db.uow() as s:
        service.create_application(s, settings, body(alice, camera_id=uuid.uuid4()), actor=alice.principal)

    app_id = apply(alice, submit=False)
    with db.uow() as s:
        cameras.withdraw_own_camera(s, alice.camera_id, owner=alice.principal)
    with db.uow() as s:
        service.submit(s, settings, app_id, actor=alice.principal)
    assert _failed(db, app_id) == {"camera_shared"}

    shop = resident(owner_type="business")
    assert _failed(db, apply(shop)) == {"camera_type"}


def test_one_rebate_per_household_whatever_the_spelling(
    db: Database, settings: Settings, resident: Make, apply: Apply
) -> None:
    first, second, neighbour = resident(), resident(), resident()
    a = apply(first, address="12 Main Street, Apt. 4")
    b = apply(second, address="12 main st #4")
    c = apply(neighbour, address="12 Main St #5")
    assert _get(db, a).status == "eligible"
    assert _failed(db, b) == {"one_per_household"}
    assert _get(db, c).status == "eligible"
    # the claim is released when the first withdraws: the household may apply again
    with db.uow() as s:
        service.withdraw(s, settings, a, actor=first.principal)
    with db.uow() as s:
        service.submit(s, settings, b, actor=second.principal)
    assert _get(db, b).status == "eligible"


def test_budget_waitlist_fifo_promotion_and_payment(
    db: Database, settings: Settings, resident: Make, apply: Apply
) -> None:
    _budget(db, settings, 45_000)  # room for two $200 rebates
    residents = [resident() for _ in range(4)]
    ids = [apply(r, i=i) for i, r in enumerate(residents)]
    statuses = [_approve(db, settings, i).status for i in ids]
    assert statuses == ["approved", "approved", "waitlisted", "waitlisted"]
    p = _program(db, settings)
    assert (p.total_cents, p.committed_cents, p.paid_cents, p.available_cents) == (45_000, 40_000, 0, 5_000)
    assert (p.waitlisted, p.waitlisted_cents) == (2, 40_000)
    assert _get(db, ids[2]).waitlist_position == 1 and _get(db, ids[3]).waitlist_position == 2

    # paying moves money from committed to paid; nobody is promoted
    with db.uow() as s:
        review.mark_paid(s, settings, ids[0], "CHK-1001", actor=STAFF)
    p = _program(db, settings)
    assert (p.committed_cents, p.paid_cents, p.available_cents, p.waitlisted) == (20_000, 20_000, 5_000, 2)

    # denying a committed one frees $200: the first in line (submitted earlier) is promoted, not the later one
    with db.uow() as s:
        review.deny(s, settings, ids[1], "Receipt is for a doorbell chime, not a camera.", actor=STAFF)
    assert _get(db, ids[2]).status == "approved"
    assert _get(db, ids[3]).status == "waitlisted" and _get(db, ids[3]).waitlist_position == 1
    p = _program(db, settings)
    assert (p.committed_cents, p.paid_cents, p.waitlisted) == (20_000, 20_000, 1)
    with db.read() as s:
        assert any("Funds became available" in m.body for m in notify.inbox(s, residents[2].principal))
        assert any("doorbell chime" in m.body for m in notify.inbox(s, residents[1].principal))

    # the budget cannot be cut below committed + paid; a raise promotes the rest
    with pytest.raises(ValidationFailed, match="total_cents"), db.uow() as s:
        budget.set_budget(s, settings, 39_999, actor=STAFF)
    _budget(db, settings, 60_000)
    assert _get(db, ids[3]).status == "approved"
    p = _program(db, settings)
    assert (p.total_cents, p.committed_cents, p.paid_cents, p.available_cents, p.waitlisted) == (
        60_000,
        40_000,
        20_000,
        0,
        0,
    )


def test_a_new_approval_queues_behind_the_waitlist_even_when_it_would_fit(
    db: Database, settings: Settings, resident: Make, apply: Apply
) -> None:
    _budget(db, settings, 30_000)
    big, small = resident(), resident()
    first = apply(resident(), i=1)
    assert _approve(db, settings, first).status == "approved"  # 10,000 left
    waiting = apply(big, i=2)
    assert _approve(db, settings, waiting).status == "waitlisted"  # 20,000 does not fit
    cheap = apply(small, i=3, amount_cents=5_000)
    assert _approve(db, settings, cheap).status == "waitlisted"  # would fit, but may not jump the line


def test_withdrawal_of_an_approved_rebate_promotes_the_waitlist(
    db: Database, settings: Settings, resident: Make, apply: Apply
) -> None:
    _budget(db, settings, 20_000)
    a, b = resident(), resident()
    ida, idb = apply(a, i=1), apply(b, i=2)
    assert [_approve(db, settings, x).status for x in (ida, idb)] == ["approved", "waitlisted"]
    with db.uow() as s:
        service.withdraw(s, settings, ida, actor=a.principal)
    assert _get(db, idb).status == "approved"
    with pytest.raises(Conflict), db.uow() as s:
        service.withdraw(s, settings, ida, actor=a.principal)


def test_transitions_are_guarded(db: Database, settings: Settings, resident: Make, apply: Apply) -> None:
    res = resident()
    draft = apply(res, submit=False)
    with pytest.raises(Conflict, match="eligible"):
        _approve(db, settings, draft)
    with pytest.raises(Conflict), db.uow() as s:
        review.mark_paid(s, settings, draft, "X", actor=STAFF)
    with pytest.raises(NotFound):
        _approve(db, settings, uuid.uuid4())


def test_approval_rechecks_the_camera(db: Database, settings: Settings, resident: Make, apply: Apply) -> None:
    res = resident()
    app_id = apply(res)
    with db.uow() as s:
        cameras.withdraw_own_camera(s, res.camera_id, owner=res.principal)
    with pytest.raises(Conflict, match="withdrawn"):
        _approve(db, settings, app_id)
    assert _get(db, app_id).status == "eligible"


def test_owner_isolation_in_the_service(db: Database, settings: Settings, resident: Make, apply: Apply) -> None:
    alice, mallory = resident(), resident()
    app_id = apply(alice)
    with db.read() as s:
        assert service.my_applications(s, actor=mallory.principal) == []
        with pytest.raises(NotFound):
            service.my_application(s, app_id, actor=mallory.principal)
    with pytest.raises(NotFound), db.uow() as s:
        service.withdraw(s, settings, app_id, actor=mallory.principal)


def test_compliance_flags_rebated_cameras_withdrawn_within_the_commitment(
    db: Database, settings: Settings, resident: Make, apply: Apply
) -> None:
    keeper, leaver = resident(), resident()
    ok_id, bad_id = apply(keeper, i=1), apply(leaver, i=2)
    _approve(db, settings, ok_id)
    _approve(db, settings, bad_id)
    with db.uow() as s:
        review.mark_paid(s, settings, bad_id, "CHK-7", actor=STAFF)
    with db.read() as s:
        assert reports.compliance(s, settings) == []
    with db.uow() as s:
        cameras.withdraw_own_camera(s, leaver.camera_id, owner=leaver.principal)
    with db.read() as s:
        rows = reports.compliance(s, settings)
    assert [(r.application_id, r.problem, r.rebate_cents) for r in rows] == [(bad_id, "camera_withdrawn", 20_000)]
    # with no commitment at all, nothing is flagged
    relaxed = settings.model_copy(update={"rebate_commitment_years": 0})
    with db.read() as s:
        assert reports.compliance(s, relaxed) == []


def test_report_figures(db: Database, settings: Settings, resident: Make, apply: Apply) -> None:
    _budget(db, settings, 50_000)
    rs = [resident() for _ in range(5)]
    ids = [apply(r, i=i * 9, amount_cents=15_000 + i) for i, r in enumerate(rs)]
    apply(resident(), i=40, proof=False)  # ineligible
    for x in ids[:4]:
        _approve(db, settings, x)  # 3 fit (45,003), the 4th waits
    with db.uow() as s:
        review.mark_paid(s, settings, ids[0], "CHK-1", actor=STAFF)
    with db.uow() as s:
        review.deny(s, settings, ids[4], "Duplicate receipt.", actor=STAFF)
    today = utcnow().date()
    with db.read() as s:
        rep = reports.report(s, start=today, end=today)
        empty = reports.report(s, start=today - timedelta(days=30), end=today - timedelta(days=1))
    assert (rep.applications, rep.approvals, rep.denials, rep.ineligible, rep.waitlisted_now) == (6, 3, 1, 1, 1)
    assert rep.committed_cents == 15_000 + 15_001 + 15_002
    assert rep.paid_cents == 15_000
    assert rep.cameras_added == 3 == sum(r.cameras for r in rep.by_neighborhood)
    assert sum(r.rebate_cents for r in rep.by_neighborhood) == rep.committed_cents
    assert (empty.applications, empty.approvals, empty.committed_cents, empty.cameras_added) == (0, 0, 0, 0)
    csv_text = reports.report_csv(rep)
    assert "total,applications,6," in csv_text and "total,committed,,45003" in csv_text
    with pytest.raises(ValidationFailed), db.read() as s:
        reports.report(s, start=today, end=today - timedelta(days=1))


def test_neighborhood_comes_from_the_city_profile(
    db: Database, settings: Settings, resident: Make, apply: Apply
) -> None:
    """The neighbourhood stored on an application is the city profile's (rtcc.places) area holding the pin, with no
    community install step."""
    app_id = apply(resident(), i=1)
    row = _get(db, app_id)
    hood = places.neighborhood_of(row.lat, row.lon)
    assert hood is not None and row.neighborhood == hood.name and hood.name.endswith(" Cerritos")
    with db.read() as s:
        assert reports.report(s, start=None, end=None).neighborhood_source == "profile"
