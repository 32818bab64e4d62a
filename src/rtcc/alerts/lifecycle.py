"""The alert lifecycle: verification and disposition by named users (verify, reject, dispatch, close), and the one
step every change of state takes (``apply``), which the system's own closes (a camera reporting again) use too.

Who may take which step, and in which order, are pure rules (``rtcc.alerts.logic``): an illegal transition is a
conflict before any other check, a verification needs the whole checklist and a hotlist entry still current, a
rejection a reason (``other`` with a note saying why), a dispatch the unit sent. Each step writes an
``AlertTransition`` row and an audit entry in the caller's transaction and publishes a live event after commit.
Closing or rejecting frees the alert's de-duplication key unless the state keeps collecting sightings
(``logic.holds_key``).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy.orm import Session

from rtcc.alerts import present, repository
from rtcc.alerts.logic import (
    ACTION_PERMISSION,
    Action,
    AlertState,
    Checklist,
    can_see,
    holds_key,
    next_state,
    require_complete,
    require_reject_reason,
)
from rtcc.alerts.models import Alert, AlertTransition
from rtcc.alerts.schemas import AlertRead
from rtcc.audit import service as audit
from rtcc.bus.base import Bus
from rtcc.core.clock import utcnow
from rtcc.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, invalid
from rtcc.identity.logic import Principal

logger = logging.getLogger(__name__)


def apply(
    session: Session,
    bus: Bus,
    alert: Alert,
    action: Action,
    *,
    actor_name: str,
    actor_role: str,
    details: dict[str, Any],
    note: str | None,
) -> AlertRead:
    """Move ``alert`` along ``action`` (already validated): state, transition row, audit entry, live event."""
    target = next_state(alert.kind, alert.state, action)
    now = utcnow()
    from_state = alert.state
    alert.state = target.value
    alert.updated_at = now
    if target in (AlertState.closed, AlertState.rejected):
        alert.closed_at = now
        if not holds_key(target):
            alert.dedup_key = None  # a later read opens a new alert
    if note:
        alert.note = note
    step = {"action": action.value, **details}
    if note:
        step["note"] = note
    session.add(
        AlertTransition(
            alert_id=alert.id, at=now, actor=actor_name, from_state=from_state, to_state=target.value, details=step
        )
    )
    audit.record(
        session,
        actor=actor_name,
        actor_role=actor_role,
        action=f"alert.{action.value}",
        target_type="alert",
        target_id=str(alert.id),
        details={"kind": alert.kind, "from": from_state, "to": target.value, **step},
    )
    session.flush()
    read = present.to_reads(session, [alert])[0]
    present.emit(session, bus, [read], ["alert.updated"])
    return read


def _entry_is_current(session: Session, alert: Alert) -> bool:
    if alert.entry_id is None:
        return False
    standing = repository.entry_standing(session, alert.entry_id)
    if standing is None:
        return False
    expires_at, list_active = standing
    return present.is_current(expires_at, list_active, utcnow())


def transition(
    session: Session,
    bus: Bus,
    alert_id: uuid.UUID,
    action: str,
    *,
    actor: Principal,
    checklist: Checklist | None = None,
    reason: str | None = None,
    note: str | None = None,
    unit: str | None = None,
) -> AlertRead:
    """Verify, reject, dispatch or close an alert as a named user; audited, with a live event."""
    try:
        act = Action(action)
    except ValueError as exc:
        raise ValidationFailed(f"unknown action {action!r}") from exc
    needed = ACTION_PERMISSION[act]
    if not actor.can(needed):
        raise PermissionDenied(f"your role ({actor.role}) lacks permission {needed.value}")
    alert = repository.get_alert(session, alert_id, lock=True)
    if alert is None or not can_see(actor, alert.kind, alert.state):
        raise NotFound(f"alert {alert_id} not found")
    next_state(alert.kind, alert.state, act)  # illegal transitions are a conflict before any other check
    note = (note or "").strip() or None
    details: dict[str, Any] = {}
    if act is Action.verify:
        confirmed = require_complete(checklist)
        if not _entry_is_current(session, alert):
            raise Conflict(
                "the hotlist entry is no longer current (removed, expired or its list deactivated); "
                "reject the alert with reason entry_not_current"
            )
        details["checklist"] = confirmed.as_dict()
        alert.checklist = {**confirmed.as_dict(), "by": actor.audit_name, "at": utcnow().isoformat()}
    elif act is Action.reject:
        parsed = require_reject_reason(reason, note)
        alert.reject_reason = parsed.value
        details["reason"] = parsed.value
    elif act is Action.dispatch:
        unit = (unit or "").strip()
        if not unit:
            raise invalid("unit", "dispatch needs the unit sent")
        alert.dispatched_to = unit[:64]
        details["unit"] = alert.dispatched_to
    result = apply(
        session, bus, alert, act, actor_name=actor.audit_name, actor_role=actor.role, details=details, note=note
    )
    logger.info("alert %s: %s by %s -> %s", alert.id, act.value, actor.audit_name, result.state)
    return result
