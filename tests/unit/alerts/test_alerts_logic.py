"""The pure alert rules: every legal and illegal transition, the checklist, reject reasons, window, visibility."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from rtcc.alerts.logic import (
    FIELD_VISIBLE_STATES,
    Action,
    AlertKind,
    AlertState,
    Checklist,
    RejectReason,
    allowed_actions,
    can_see,
    field_visible,
    hit_dedup_key,
    hit_title,
    next_state,
    require_complete,
    require_reject_reason,
    within_window,
)
from rtcc.core.errors import Conflict, ValidationFailed
from rtcc.identity.logic import ROLE_PERMISSIONS, Principal, Role

LEGAL = {
    (AlertKind.hit, AlertState.new, Action.verify): AlertState.verified,
    (AlertKind.hit, AlertState.new, Action.reject): AlertState.rejected,
    (AlertKind.hit, AlertState.verified, Action.dispatch): AlertState.dispatched,
    (AlertKind.hit, AlertState.verified, Action.close): AlertState.closed,
    (AlertKind.hit, AlertState.dispatched, Action.close): AlertState.closed,
    (AlertKind.camera_offline, AlertState.new, Action.close): AlertState.closed,
    (AlertKind.drone_geofence, AlertState.new, Action.close): AlertState.closed,
}


@pytest.mark.parametrize(("kind", "state", "action"), list(itertools.product(AlertKind, AlertState, Action)))
def test_every_transition_is_legal_exactly_as_specified(kind: AlertKind, state: AlertState, action: Action) -> None:
    expected = LEGAL.get((kind, state, action))
    if expected is None:
        with pytest.raises(Conflict):
            next_state(kind, state, action)
        assert action not in allowed_actions(kind, state)
    else:
        assert next_state(kind.value, state.value, action.value) is expected
        assert action in allowed_actions(kind, state)


def test_terminal_states_allow_nothing() -> None:
    for kind in AlertKind:
        assert allowed_actions(kind, AlertState.closed) == []
        assert allowed_actions(kind, AlertState.rejected) == []


def test_unknown_action_is_a_conflict() -> None:
    with pytest.raises(Conflict):
        next_state("hit", "new", "escalate")


def test_checklist_needs_every_item_and_names_the_missing_ones() -> None:
    assert require_complete(Checklist(True, True, True, True)).missing() == []
    with pytest.raises(ValidationFailed) as exc:
        require_complete(Checklist(plate_matches_crop=True, entry_current=True))
    assert "state_confirmed" in exc.value.detail and "vehicle_consistent" in exc.value.detail
    assert "plate_matches_crop" not in exc.value.detail
    assert [e["loc"][-1] for e in exc.value.errors] == ["state_confirmed", "vehicle_consistent"]
    with pytest.raises(ValidationFailed) as none:
        require_complete(None)
    assert len(none.value.errors) == 4


def test_checklist_from_mapping_counts_only_true() -> None:
    c = Checklist.from_mapping({"plate_matches_crop": "yes", "state_confirmed": True, "bogus": True})
    assert c.missing() == ["plate_matches_crop", "entry_current", "vehicle_consistent"]


def test_reject_reasons() -> None:
    for reason in RejectReason:
        if reason is RejectReason.other:
            continue
        assert require_reject_reason(reason.value, None) is reason
    assert require_reject_reason("other", "camera blinded by sun") is RejectReason.other
    with pytest.raises(ValidationFailed):
        require_reject_reason("other", "   ")
    with pytest.raises(ValidationFailed):
        require_reject_reason("looked fine", None)
    with pytest.raises(ValidationFailed):
        require_reject_reason(None, None)


def test_window_slides_from_the_last_read() -> None:
    t = datetime(2025, 1, 1, 12, tzinfo=UTC)
    assert within_window(t, t + timedelta(seconds=600), 600)
    assert not within_window(t, t + timedelta(seconds=601), 600)
    assert within_window(t, t - timedelta(hours=1), 600)  # a late, older read belongs to the open alert


def test_dedup_key_and_title_hold_no_plate() -> None:
    key = hit_dedup_key(42, "7abc-123")
    assert key.startswith("42:") and "7ABC123" not in key.upper()
    assert key == hit_dedup_key(42, "7ABC123")  # the same vehicle however the plate was written
    assert key != hit_dedup_key(42, "7A8C123") and key != hit_dedup_key(43, "7ABC123")
    title = hit_title(category="stolen_vehicle", hotlist_name="CA SVS", match_kind="fuzzy", camera_code="CAM-1")
    assert title == "Stolen vehicle hit (FUZZY) on CA SVS at CAM-1"


def _principal(role: Role) -> Principal:
    return Principal(kind="user", id="u", name="u", role=role.value, permissions=ROLE_PERMISSIONS[role])


def test_field_units_see_only_verified_hits() -> None:
    officer = _principal(Role.officer)
    analyst = _principal(Role.analyst)
    for state in AlertState:
        assert field_visible("hit", state) is (state in FIELD_VISIBLE_STATES)
        assert can_see(officer, "hit", state) is (state in {AlertState.verified, AlertState.dispatched, "closed"})
        assert can_see(analyst, "hit", state)
    assert not can_see(officer, "hit", "new") and not can_see(officer, "hit", "rejected")
    assert can_see(officer, "camera_offline", "new")  # camera status is not ALPR data
    auditor = _principal(Role.auditor)
    assert can_see(auditor, "hit", "new")  # alerts:read
