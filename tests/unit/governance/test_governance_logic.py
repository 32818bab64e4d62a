"""Pure governance rules: purpose checks, the sharing decision (allow and every deny reason), policy text blocks."""

from __future__ import annotations

import pytest

from rtcc.core.errors import PermissionDenied, ValidationFailed
from rtcc.governance.logic import (
    DEFAULT_PURPOSES,
    AgencyPolicy,
    check_purpose,
    decide_sharing,
    purposes_by_code,
    text_blocks,
    within_case_free_bounds,
)

P = purposes_by_code(DEFAULT_PURPOSES)
LBPD = AgencyPolicy("LBPD", True, frozenset({"reads_hit"}), frozenset({"stolen_vehicle", "amber_alert"}))


def test_check_purpose_names_the_field() -> None:
    assert check_purpose(P, "stolen_vehicle", "2026-0001").code == "stolen_vehicle"
    assert check_purpose(P, "amber_alert", None).code == "amber_alert"
    with pytest.raises(ValidationFailed, match=r"^purpose"):
        check_purpose(P, "looking around", None)
    with pytest.raises(ValidationFailed, match=r"^case_number"):
        check_purpose(P, "stolen_vehicle", None)
    with pytest.raises(PermissionDenied):
        check_purpose(P, "immigration_enforcement", "2026-1")


def test_sharing_allows_only_what_the_policy_lists() -> None:
    d = decide_sharing(LBPD, P, data_class="reads_hit", purpose="stolen_vehicle", case_number="2026-0001")
    assert d.allowed and d.reason_code == "allowed"


@pytest.mark.parametrize(
    ("agency", "data_class", "purpose", "case", "code"),
    [
        (None, "reads_hit", "stolen_vehicle", "2026-1", "unknown_agency"),
        (
            AgencyPolicy("LBPD", False, LBPD.data_classes, LBPD.purposes),
            "reads_hit",
            "stolen_vehicle",
            "C-1",
            "inactive_agency",
        ),
        (LBPD, "everything", "stolen_vehicle", "2026-1", "unknown_data_class"),
        (LBPD, "images", "stolen_vehicle", "2026-1", "data_class_not_allowed"),
        (LBPD, "reads_hit", "curiosity", "2026-1", "unknown_purpose"),
        (LBPD, "reads_hit", "felony_investigation", "2026-1", "purpose_not_allowed"),
        (LBPD, "reads_hit", "stolen_vehicle", None, "case_required"),
        (LBPD, "reads_hit", "stolen_vehicle", "x", "malformed_case_number"),
        (LBPD, "reads_hit", "immigration_enforcement", "2026-1", "forbidden_purpose"),
        (None, "reads_hit", "immigration_enforcement", None, "forbidden_purpose"),
    ],
)
def test_sharing_denies_by_default(
    agency: AgencyPolicy | None, data_class: str, purpose: str, case: str | None, code: str
) -> None:
    d = decide_sharing(agency, P, data_class=data_class, purpose=purpose, case_number=case)
    assert not d.allowed and d.decision == "deny" and d.reason_code == code and d.reason


def test_text_blocks_keep_text_plain() -> None:
    blocks = text_blocks("# Title\n\nline one\nline two\n\n## Part\n- item <b>\n")
    assert blocks == [("h1", "Title"), ("p", "line one line two"), ("h2", "Part"), ("li", "item <b>")]


def test_case_free_bounds_of_area_and_plate_searches() -> None:
    safety, review = P["officer_safety"], P["audit_review"]  # 1000 m and 4 h; no bounds (always a case)
    # an area search: reach and window both count; an unbounded reach (cameras anywhere) never fits
    assert within_case_free_bounds(safety, radius_m=800, window_h=3)
    assert not within_case_free_bounds(safety, radius_m=5000, window_h=3)
    assert not within_case_free_bounds(safety, radius_m=None, window_h=1)
    # a plate search: only the window counts (an area only narrows it); no start (None) is all time
    assert within_case_free_bounds(safety, radius_m=None, window_h=4, area=False)
    assert not within_case_free_bounds(safety, radius_m=None, window_h=4.5, area=False)
    assert not within_case_free_bounds(safety, radius_m=None, window_h=None, area=False)
    assert not within_case_free_bounds(review, radius_m=None, window_h=0.5, area=False)
