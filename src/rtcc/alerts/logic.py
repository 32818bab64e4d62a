"""Pure rules of the alert lifecycle: states, the allowed transitions, the verification checklist, reject reasons,
the de-duplication key and window, priority and titles, and which alerts field units may see.

A hit alert goes ``new -> verified | rejected``, then ``verified -> dispatched``, and ``verified | dispatched ->
closed``; ``rejected`` and ``closed`` are terminal. A camera-offline alert goes ``new -> closed`` (resolved). Verifying
a hit requires every item of the checklist that prevents wrongful stops. No I/O here: the use-case modules (``hits``,
``lifecycle``, ``offline``, ``queue``) apply these rules.

Sightings: one alert per vehicle, not one per read. A later read of the same hotlist entry with the same plate as
read, at any camera, is a *sighting* on the vehicle's alert while that alert is new, verified, dispatched or rejected
and the gap since its last sighting is within the window (``RTCC_ALERT_DEDUP_WINDOW_S``, 12 hours by default). A
sighting on a verified or dispatched alert is news for the officer: it is pushed on the live stream as
``alert.updated`` (and notified, like every event of a verified hit). A read opens a new alert instead when the
vehicle's alert is closed, when the gap is longer than the window, when it matched a different hotlist entry, or when
the plate as read differs (another vehicle, or another misread that a person must check against its own crop).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import StrEnum

from rtcc.core.errors import Conflict, ValidationFailed, field_error, invalid
from rtcc.core.plates import normalise
from rtcc.identity.logic import Perm, Principal

#: The actor of what the system does on its own: raising alerts for hits and camera outages, closing resolved ones.
SYSTEM_ACTOR = "system"


class AlertKind(StrEnum):
    hit = "hit"
    camera_offline = "camera_offline"
    drone_geofence = "drone_geofence"  # a drone entered a no-fly zone or crossed a camera-restricted one (drones)


class AlertState(StrEnum):
    new = "new"
    verified = "verified"
    rejected = "rejected"
    dispatched = "dispatched"
    closed = "closed"


class Action(StrEnum):
    """What a person (or the system) does to an alert."""

    verify = "verify"
    reject = "reject"
    dispatch = "dispatch"
    close = "close"


class MatchKind(StrEnum):
    exact = "exact"
    ocr = "ocr"
    fuzzy = "fuzzy"


class RejectReason(StrEnum):
    """Why a hit was rejected; ``other`` needs a note saying why."""

    misread = "misread"
    wrong_state = "wrong_state"
    entry_not_current = "entry_not_current"
    vehicle_mismatch = "vehicle_mismatch"
    duplicate = "duplicate"
    other = "other"


TERMINAL: frozenset[AlertState] = frozenset({AlertState.rejected, AlertState.closed})

#: (kind, current state, action) -> next state. Anything absent is illegal.
_TRANSITIONS: dict[tuple[AlertKind, AlertState, Action], AlertState] = {
    (AlertKind.hit, AlertState.new, Action.verify): AlertState.verified,
    (AlertKind.hit, AlertState.new, Action.reject): AlertState.rejected,
    (AlertKind.hit, AlertState.verified, Action.dispatch): AlertState.dispatched,
    (AlertKind.hit, AlertState.verified, Action.close): AlertState.closed,
    (AlertKind.hit, AlertState.dispatched, Action.close): AlertState.closed,
    (AlertKind.camera_offline, AlertState.new, Action.close): AlertState.closed,
    (AlertKind.drone_geofence, AlertState.new, Action.close): AlertState.closed,
}

#: Hit states a field unit (``alerts:read_verified`` only) may see: a person has confirmed the hit. A closed hit was
#: necessarily verified first (rejected ones end in ``rejected``), so closed hits are visible too.
FIELD_VISIBLE_STATES: frozenset[AlertState] = frozenset({AlertState.verified, AlertState.dispatched, AlertState.closed})


def allowed_actions(kind: str, state: str) -> list[Action]:
    """The actions that are legal on an alert of ``kind`` in ``state`` (empty for terminal states)."""
    return [a for (k, s, a) in _TRANSITIONS if k == kind and s == state]


def next_state(kind: str, state: str, action: str) -> AlertState:
    """The state ``action`` leads to; raises Conflict when the transition is not allowed."""
    try:
        key = (AlertKind(kind), AlertState(state), Action(action))
    except ValueError as exc:
        raise Conflict(f"unknown alert kind, state or action ({kind}, {state}, {action})") from exc
    target = _TRANSITIONS.get(key)
    if target is None:
        legal = ", ".join(allowed_actions(kind, state)) or "none (terminal)"
        raise Conflict(f"cannot {action} a {kind} alert that is {state}; allowed: {legal}")
    return target


@dataclass(frozen=True)
class Checklist:
    """What a person confirms before a hit may reach the field. Every item must be true to verify."""

    plate_matches_crop: bool = False  # the plate characters were compared with the image crop
    state_confirmed: bool = False  # the state (region) of the plate agrees with the entry
    entry_current: bool = False  # the hotlist entry is still current (checked with the source)
    vehicle_consistent: bool = False  # the vehicle seen is consistent with the entry's description

    @classmethod
    def items(cls) -> list[str]:
        """The names of the checklist items, in order."""
        return [f.name for f in fields(cls)]

    @classmethod
    def from_mapping(cls, values: Mapping[str, object] | None) -> Checklist:
        """A checklist from a mapping; unknown keys are ignored, only ``True`` counts as confirmed."""
        values = values or {}
        return cls(**{name: values.get(name) is True for name in cls.items()})

    def missing(self) -> list[str]:
        """The items not confirmed."""
        return [name for name in self.items() if not getattr(self, name)]

    def as_dict(self) -> dict[str, bool]:
        """The items as a plain mapping (stored on the alert and in the audit entry)."""
        return {name: bool(getattr(self, name)) for name in self.items()}


def require_complete(checklist: Checklist | None) -> Checklist:
    """Return the checklist when every item is confirmed; raise ValidationFailed naming the unchecked items."""
    checklist = checklist or Checklist()
    missing = checklist.missing()
    if missing:
        raise ValidationFailed(
            "verification needs every checklist item confirmed; unchecked: " + ", ".join(missing),
            errors=[field_error(f"checklist.{name}", "not confirmed") for name in missing],
        )
    return checklist


def require_reject_reason(reason: str | None, note: str | None) -> RejectReason:
    """Validate a reject reason (``other`` needs a note); raise ValidationFailed otherwise."""
    if reason is None:
        raise invalid("reason", "a reject reason is required")
    try:
        parsed = RejectReason(reason)
    except ValueError as exc:
        allowed = ", ".join(r.value for r in RejectReason)
        raise invalid("reason", f"unknown reject reason {reason!r}; one of: {allowed}") from exc
    if parsed is RejectReason.other and not (note or "").strip():
        raise invalid("note", "reason 'other' needs a note saying why")
    return parsed


def hit_dedup_key(entry_id: int, plate_read: str) -> str:
    """The key that makes later reads of one vehicle (the same hotlist entry, the same plate as read) sightings on
    one alert, at any camera. The plate is hashed so that the key (which may reach a log or an error) holds none."""
    digest = hashlib.sha256(normalise(plate_read).encode()).hexdigest()[:16]
    return f"{entry_id}:{digest}"


def holds_key(state: str) -> bool:
    """True while an alert in ``state`` takes later sightings of its vehicle: new, verified, dispatched, and also
    rejected (the same misread car seen again is a sighting on the rejected alert, not a new queue item). A closed
    alert takes none: the case is over, and a later read is news."""
    return state != AlertState.closed


def offline_dedup_key(camera_id: object) -> str:
    """The key that keeps one open camera-offline alert per camera."""
    return f"offline:{camera_id}"


def within_window(last_seen_at: datetime, observed_at: datetime, window_s: int) -> bool:
    """True when a read observed at ``observed_at`` is a sighting on an alert last seen at ``last_seen_at``.

    The window (the longest gap between two sightings, ``RTCC_ALERT_DEDUP_WINDOW_S``) slides with every sighting;
    a read older than the alert's last sighting also belongs to it. After a longer gap the vehicle is news again and
    opens a new alert.
    """
    return observed_at - last_seen_at <= timedelta(seconds=window_s)


def alert_priority(hotlist_priority: int) -> int:
    """The alert priority from the hotlist's (1 = most urgent), clamped to 1..5."""
    return max(1, min(5, int(hotlist_priority)))


def hit_title(*, category: str, hotlist_name: str, match_kind: str, camera_code: str) -> str:
    """A title without the plate (safe for logs and notifications): what, which list, how it matched, where."""
    how = {"exact": "exact", "ocr": "OCR-equivalent", "fuzzy": "FUZZY"}.get(match_kind, match_kind)
    words = category.replace("_", " ").strip() or "hotlist"
    return f"{words[:1].upper()}{words[1:]} hit ({how}) on {hotlist_name} at {camera_code}"[:255]


def offline_title(camera_code: str, camera_name: str) -> str:
    """The title of a camera-offline alert."""
    return f"Camera {camera_code} offline ({camera_name})"[:255]


def field_visible(kind: str, state: str) -> bool:
    """True when a field unit (``alerts:read_verified`` only) may see a hit alert in ``state``."""
    return kind == AlertKind.hit and state in FIELD_VISIBLE_STATES


def can_see(principal: Principal, kind: str, state: str) -> bool:
    """What a principal may see: the whole queue with ``alerts:read``; camera-offline alerts with
    ``cameras:read``; otherwise only hits a person has verified (``alerts:read_verified``)."""
    if principal.can(Perm.alerts_read):
        return True
    if kind == AlertKind.camera_offline:
        return principal.can(Perm.cameras_read)
    return principal.can(Perm.alerts_read_verified) and field_visible(kind, state)


#: The permission each action needs (checked by the routes and again by ``lifecycle.transition``).
ACTION_PERMISSION: dict[Action, Perm] = {
    Action.verify: Perm.alerts_verify,
    Action.reject: Perm.alerts_verify,
    Action.dispatch: Perm.alerts_dispatch,
    Action.close: Perm.alerts_close,
}
