"""Pure rebate rules: the household key, every eligibility check failing and passing, the rebate cap, the budget and
strict-FIFO waitlist promotion, the registration commitment and the sector fallback."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from rtcc.rebates import logic
from rtcc.rebates.logic import Budget, CameraFacts, EligibilityInput

TODAY = date(2026, 11, 22)
GOOD = EligibilityInput(
    inside_city=True,
    household_taken=False,
    purchase_date=date(2026, 11, 1),
    today=TODAY,
    max_age_days=90,
    program_start=date(2026, 7, 1),
    amount_cents=14_999,
    proof_uploaded=True,
    camera=CameraFacts(found=True, owned_by_applicant=True, withdrawn=False, owner_type="residential"),
)


def _failing(inp: EligibilityInput) -> set[str]:
    return {c.code for c in logic.eligibility(inp) if not c.ok}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("12 Main Street, Apt. 4", "12 main st #4"),
        ("12 Main St Unit 4", "12 MAIN ST. APT 4"),
        ("18000 Bloomfield Avenue", "18000  bloomfield ave."),
        ("12 North Main Street", "12 N. Main St"),
        ("12 Main St, Cerritos, CA 90703", "12 main street"),
        ("12 Main St, Springfield, IL 62701", "12 main street"),  # any state: the program is one city's
        ("12 Main St #4, Austin, Texas", "12 main st unit 4"),
        ("12 Main Boulevard", "12 main blvd"),
    ],
)
def test_household_key_treats_spellings_of_one_address_alike(a: str, b: str) -> None:
    assert logic.household_key(a) == logic.household_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("12 Main St #4", "12 Main St #5"),  # apartments are separate households
        ("12 Main St", "14 Main St"),
        ("12 Main St", "12 Main Ave"),
        ("12 N Main St", "12 S Main St"),
    ],
)
def test_household_key_tells_households_apart(a: str, b: str) -> None:
    assert logic.household_key(a) != logic.household_key(b)


def test_household_key_form() -> None:
    assert logic.household_key("12 main street, apt. 4b") == "12 MAIN ST UNIT 4B"


def test_all_checks_pass_for_a_good_application() -> None:
    checks = logic.eligibility(GOOD)
    assert [c.code for c in checks] == list(logic.CHECK_CODES)
    assert logic.is_eligible(checks)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"inside_city": False}, "inside_city"),
        ({"household_taken": True}, "one_per_household"),
        ({"purchase_date": date(2026, 11, 23)}, "purchase_date"),  # future
        ({"purchase_date": date(2026, 6, 30)}, "purchase_date"),  # before the program started
        ({"purchase_date": date(2026, 8, 23), "program_start": None}, "purchase_date"),  # 91 days old
        ({"amount_cents": 0}, "amount"),
        ({"proof_uploaded": False}, "proof_uploaded"),
        ({"camera": CameraFacts(found=True, owned_by_applicant=False, owner_type="residential")}, "camera_registered"),
        (
            {"camera": CameraFacts(found=True, owned_by_applicant=True, withdrawn=True, owner_type="residential")},
            "camera_shared",
        ),
        ({"camera": CameraFacts(found=True, owned_by_applicant=True, owner_type="business")}, "camera_type"),
    ],
)
def test_each_check_fails_alone(change: dict[str, object], code: str) -> None:
    inp = replace(GOOD, **change)  # type: ignore[arg-type]
    assert _failing(inp) == {code}
    failed = next(c for c in logic.eligibility(inp) if c.code == code)
    assert failed.message and not logic.is_eligible(logic.eligibility(inp))


def test_purchase_date_edges() -> None:
    assert not _failing(replace(GOOD, purchase_date=date(2026, 8, 24), program_start=None))  # exactly 90 days
    assert not _failing(replace(GOOD, purchase_date=TODAY))
    assert not _failing(replace(GOOD, purchase_date=date(2026, 7, 1), max_age_days=365))  # program start day itself


def test_unknown_camera_fails_every_camera_check() -> None:
    assert _failing(replace(GOOD, camera=CameraFacts(found=False))) == {
        "camera_registered",
        "camera_shared",
        "camera_type",
    }


def test_rebate_is_capped() -> None:
    assert logic.rebate_amount(14_999, 20_000) == 14_999
    assert logic.rebate_amount(20_000, 20_000) == 20_000
    assert logic.rebate_amount(34_900, 20_000) == 20_000
    assert logic.rebate_amount(0, 20_000) == 0


def test_budget_arithmetic() -> None:
    b = Budget(total=100_000, committed=30_000, paid=50_000)
    assert b.available == 20_000
    assert logic.fits(b, 20_000) and not logic.fits(b, 20_001)


def test_promotions_are_strict_fifo() -> None:
    b = Budget(total=50_000, committed=0, paid=0)
    assert logic.promotions(b, [20_000, 20_000, 20_000]) == 2
    # the head does not fit: a smaller later one must not jump the line
    assert logic.promotions(Budget(total=15_000, committed=0, paid=0), [20_000, 5_000]) == 0
    assert logic.promotions(b, []) == 0


def test_commitment_breach() -> None:
    approved = datetime(2026, 1, 10, tzinfo=UTC)
    assert logic.commitment_breach(approved, 2, camera_found=True, withdrawn_at=None) is None
    assert (
        logic.commitment_breach(approved, 2, camera_found=True, withdrawn_at=datetime(2027, 6, 1, tzinfo=UTC))
        == "camera_withdrawn"
    )
    assert (
        logic.commitment_breach(approved, 2, camera_found=True, withdrawn_at=datetime(2028, 1, 11, tzinfo=UTC)) is None
    )
    assert logic.commitment_breach(approved, 2, camera_found=False, withdrawn_at=None) == "camera_deleted"


def test_add_years_handles_leap_day() -> None:
    assert logic.add_years(datetime(2028, 2, 29, tzinfo=UTC), 1) == datetime(2029, 2, 28, tzinfo=UTC)


def test_sector() -> None:
    center = (33.87, -118.06)
    assert logic.sector(33.88, -118.05, center) == "Northeast sector"
    assert logic.sector(33.86, -118.07, center) == "Southwest sector"
