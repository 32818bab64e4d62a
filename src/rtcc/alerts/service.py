"""Alert use cases: turning hotlist hits into alerts (``record_hits``), camera-offline alerts, the audited
lifecycle transitions by named users, and the role-filtered listing and viewing of alerts (with their sightings).

A later read of an alert's vehicle is a sighting on it (see ``rtcc.alerts.logic`` for when it opens a new alert
instead); its read is linked to the alert through the match row, which is what ``sightings`` lists.

Every change writes an ``AlertTransition`` row, an audit entry (same transaction) and a live event (topic ``alerts``
for hits, ``cameras`` for camera-offline alerts). ``record_hits`` is idempotent and safe with several match workers:
the match row of a (read, entry) is inserted only once (``ON CONFLICT DO NOTHING``), an open alert is locked before a
repeat read is folded into it, and a second worker that creates the alert for the same vehicle at the same
time loses on the unique ``dedup_key`` inside a SAVEPOINT and folds its reads into the winner's alert instead.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rtcc.alerts import repository
from rtcc.alerts.logic import (
    ACTION_PERMISSION,
    FIELD_VISIBLE_STATES,
    Action,
    AlertKind,
    AlertState,
    Checklist,
    alert_priority,
    allowed_actions,
    can_see,
    hit_dedup_key,
    hit_title,
    holds_key,
    next_state,
    offline_dedup_key,
    offline_title,
    require_complete,
    require_reject_reason,
    within_window,
)
from rtcc.alerts.models import Alert, AlertTransition
from rtcc.alerts.schemas import (
    AlertFilters,
    AlertPage,
    AlertRead,
    CameraInfo,
    EntryInfo,
    HitInput,
    PageParams,
    ReadInfo,
    SightingRead,
    TransitionRead,
)
from rtcc.audit import service as audit
from rtcc.bus.base import Bus
from rtcc.core import metrics
from rtcc.core.clock import utcnow
from rtcc.core.db import after_commit
from rtcc.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rtcc.identity.logic import Perm, Principal
from rtcc.live import service as live

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "system"
#: The most sightings an alert's detail lists (``read_count`` says how many there are in all).
MAX_SIGHTINGS = 200
_MAX_RACE_RETRIES = 5


def topic_for(kind: str) -> str:
    """The live topic that carries alerts of ``kind``."""
    return "cameras" if kind == AlertKind.camera_offline else "alerts"


# ---------------------------------------------------------------------------------------------------- read models


def _is_current(expires_at: datetime | None, list_active: bool | None, now: datetime) -> bool:
    return (list_active is None or bool(list_active)) and (expires_at is None or expires_at > now)


def _entry_info(entry: dict[str, Any], hotlist: dict[str, Any] | None, now: datetime) -> EntryInfo:
    return EntryInfo(
        **entry,
        hotlist_name=hotlist["name"] if hotlist else None,
        category=hotlist["category"] if hotlist else None,
        current=_is_current(entry["expires_at"], hotlist["active"] if hotlist else None, now),
    )


def to_reads(
    session: Session, alerts: Sequence[Alert], *, with_transitions: bool = True, with_sightings: bool = False
) -> list[AlertRead]:
    """``AlertRead`` models of these alerts, with their read, camera and entry (one query), where the vehicle was
    seen last, their history and (``with_sightings``) every sighting."""
    if not alerts:
        return []
    now = utcnow()
    related = repository.related(session, alerts)
    last = repository.last_sightings(session, alerts)
    transitions = repository.transitions_for(session, [a.id for a in alerts]) if with_transitions else {}
    out = []
    for a in alerts:
        seen = last.get(a.id)
        sightings = repository.sightings(session, a.id, limit=MAX_SIGHTINGS) if with_sightings else []
        rel = related.get(a.id, {})
        read, cam, entry = rel.get("read"), rel.get("camera"), rel.get("entry")
        out.append(
            AlertRead(
                id=a.id,
                kind=a.kind,
                state=a.state,
                priority=a.priority,
                title=a.title,
                camera_id=a.camera_id,
                hotlist_id=a.hotlist_id,
                entry_id=a.entry_id,
                read_id=a.read_id,
                last_read_id=a.last_read_id,
                plate_read=a.plate_read,
                plate_listed=a.plate_listed,
                match_kind=a.match_kind,
                fuzzy=a.match_kind == "fuzzy",
                diff_positions=list(a.diff_positions or []),
                read_count=a.read_count,
                first_seen_at=a.first_seen_at,
                last_seen_at=a.last_seen_at,
                checklist=dict(a.checklist or {}),
                reject_reason=a.reject_reason,
                dispatched_to=a.dispatched_to,
                note=a.note,
                created_at=a.created_at,
                updated_at=a.updated_at,
                closed_at=a.closed_at,
                allowed_actions=[x.value for x in allowed_actions(a.kind, a.state)],
                camera=CameraInfo(**cam) if cam else None,
                read=ReadInfo(**read) if read else None,
                entry=_entry_info(entry, rel.get("hotlist"), now) if entry else None,
                last_sighting=SightingRead(**seen) if seen else None,
                sightings=[SightingRead(**x) for x in sightings],
                transitions=[TransitionRead.model_validate(t) for t in transitions.get(a.id, [])],
            )
        )
    return out


def live_data(alert: AlertRead) -> dict[str, Any]:
    """The data of an alert's live event: the alert as JSON, without its transition history (which is shown,
    audited, when a person opens the alert)."""
    return alert.model_dump(mode="json", exclude={"transitions", "sightings"})


def _emit(session: Session, bus: Bus, reads: Sequence[AlertRead], types: Sequence[str]) -> None:
    live.emit_many(
        session,
        bus,
        [(topic_for(r.kind), t, live_data(r)) for r, t in zip(reads, types, strict=True)],
    )


# ---------------------------------------------------------------------------------------------------- hits


@dataclass
class _Draft:
    """The alert a group of hits lands in: an existing open alert, or one to create."""

    key: str
    alert: Alert
    is_new: bool
    hits: list[HitInput] = field(default_factory=list)


def _new_hit_alert(h: HitInput, key: str, now: datetime) -> Alert:
    return Alert(
        id=uuid.uuid4(),
        kind=AlertKind.hit.value,
        state=AlertState.new.value,
        priority=alert_priority(h.priority),
        title=hit_title(
            category=h.category, hotlist_name=h.hotlist_name, match_kind=h.match_kind, camera_code=h.camera_code
        ),
        camera_id=h.camera_id,
        hotlist_id=h.hotlist_id,
        entry_id=h.entry_id,
        read_id=h.read_id,
        last_read_id=h.read_id,
        plate_read=h.plate_read[:16],
        plate_listed=h.plate_listed[:16],
        match_kind=h.match_kind,
        diff_positions=list(h.diff_positions),
        read_count=1,
        first_seen_at=h.observed_at,
        last_seen_at=h.observed_at,
        dedup_key=key,
        checklist={},
        created_at=now,
        updated_at=now,
    )


def _fold(alert: Alert, h: HitInput, now: datetime) -> None:
    """Count a repeat read into an alert. The plate and match shown stay those of the first read (what a person
    verifies); the latest read is remembered in ``last_read_id``."""
    alert.read_count = (alert.read_count or 0) + 1
    if h.observed_at >= alert.last_seen_at:
        alert.last_seen_at = h.observed_at
        alert.last_read_id = h.read_id
    if h.observed_at < alert.first_seen_at:
        alert.first_seen_at = h.observed_at
    alert.updated_at = now


def _copy_new(alert: Alert) -> Alert:
    """A fresh transient copy of a not-yet-inserted alert (after its SAVEPOINT was rolled back)."""
    cols = [c.key for c in Alert.__table__.columns]
    return Alert(**{c: getattr(alert, c) for c in cols})


def _plan(
    by_key: dict[str, list[HitInput]], open_alerts: dict[str, Alert], window_s: int, now: datetime
) -> list[_Draft]:
    """Group each key's hits (in observation order) into the open alert or new alerts, the window sliding."""
    drafts: list[_Draft] = []
    for key in sorted(by_key):
        existing = open_alerts.get(key)
        current = _Draft(key, existing, False) if existing is not None else None
        for h in by_key[key]:
            if current is not None and within_window(current.alert.last_seen_at, h.observed_at, window_s):
                _fold(current.alert, h, now)
                current.hits.append(h)
                continue
            if current is not None:
                current.alert.dedup_key = None  # out of the window: it stays as it is but takes no more reads
                if current.hits:
                    drafts.append(current)
            current = _Draft(key, _new_hit_alert(h, key, now), True, [h])
        if current is not None and current.hits:
            drafts.append(current)
    return drafts


def _insert_one(session: Session, draft: _Draft, window_s: int, now: datetime) -> _Draft:
    """Insert one new alert in a SAVEPOINT; if another worker created the same key meanwhile, fold into theirs."""
    alert = draft.alert
    for _ in range(_MAX_RACE_RETRIES):
        try:
            with session.begin_nested():
                session.add(alert)
                session.flush()
            return _Draft(draft.key, alert, True, draft.hits)
        except IntegrityError:
            alert = _copy_new(alert)
            theirs = repository.open_alerts_by_keys(session, [draft.key]).get(draft.key)
            if theirs is None:
                continue  # closed in the meantime: try to insert again
            first = min(h.observed_at for h in draft.hits)
            if within_window(theirs.last_seen_at, first, window_s):
                for h in draft.hits:
                    _fold(theirs, h, now)
                session.flush()  # outside any SAVEPOINT, so that a later rollback of one cannot undo it
                logger.debug("alert %s created concurrently; %d reads folded into it", theirs.id, len(draft.hits))
                return _Draft(draft.key, theirs, False, draft.hits)
            theirs.dedup_key = None
            session.flush()
    raise Conflict(f"could not record the alert for key {draft.key} after {_MAX_RACE_RETRIES} concurrent attempts")


def _insert_new(session: Session, drafts: list[_Draft], window_s: int, now: datetime) -> list[_Draft]:
    """Insert the new alerts: all at once in one SAVEPOINT, or one by one when a concurrent worker got in first."""
    new = [d for d in drafts if d.is_new]
    if not new:
        return drafts
    try:
        with session.begin_nested():
            session.add_all([d.alert for d in new])
            session.flush()
        return drafts
    except IntegrityError:
        logger.info("concurrent alert creation detected; inserting %d alerts one by one", len(new))
    out = []
    for d in drafts:
        if d.is_new:
            d.alert = _copy_new(d.alert)
            out.append(_insert_one(session, d, window_s, now))
        else:
            out.append(d)
    return out


def record_hits(session: Session, bus: Bus, hits: Sequence[HitInput], *, dedup_window_s: int) -> list[Alert]:
    """Record matches and raise or update alerts for them (idempotent; safe with concurrent match workers).

    Returns the alerts created or updated. A (read, entry) pair already recorded is skipped entirely.
    """
    if not hits:
        return []
    now = utcnow()
    unique: dict[tuple[uuid.UUID, int], HitInput] = {}
    for h in hits:
        unique.setdefault((h.read_id, h.entry_id), h)
    ordered = sorted(unique.items(), key=lambda kv: (str(kv[0][0]), kv[0][1]))  # one lock order for every worker
    inserted = repository.insert_matches(
        session,
        [
            {
                "read_id": h.read_id,
                "entry_id": h.entry_id,
                "hotlist_id": h.hotlist_id,
                "kind": h.match_kind,
                "diff_positions": list(h.diff_positions),
                "alert_id": None,
                "created_at": now,
            }
            for _, h in ordered
        ],
    )
    fresh = [h for pair, h in ordered if pair in inserted]
    if not fresh:
        logger.debug("%d hits already recorded; nothing to do", len(unique))
        return []
    repository.mark_reads_hit(session, [h.read_id for h in fresh])

    by_key: dict[str, list[HitInput]] = defaultdict(list)
    for h in fresh:
        by_key[hit_dedup_key(h.entry_id, h.plate_read)].append(h)
    for group in by_key.values():
        group.sort(key=lambda h: h.observed_at)
    open_alerts = repository.open_alerts_by_keys(session, by_key)
    drafts = _plan(by_key, open_alerts, dedup_window_s, now)
    session.flush()  # keys released by alerts that fell out of the window, before new alerts take them
    drafts = _insert_new(session, drafts, dedup_window_s, now)
    session.flush()

    created = [d for d in drafts if d.is_new]
    repository.add_transitions(  # one bulk insert: nothing for the ORM to track
        session,
        [
            {
                "alert_id": d.alert.id,
                "at": now,
                "actor": SYSTEM_ACTOR,
                "from_state": None,
                "to_state": AlertState.new.value,
                "details": {"action": "create", "read_id": str(d.hits[0].read_id), "match_kind": d.hits[0].match_kind},
            }
            for d in created
        ],
    )
    repository.link_matches(session, [(h.read_id, h.entry_id, d.alert.id) for d in drafts for h in d.hits])
    audit.record_many(  # one chain append for the whole batch: hits come in bursts
        session,
        [
            audit.AuditDraft(
                actor=SYSTEM_ACTOR,
                actor_role=SYSTEM_ACTOR,
                action="alert.create",
                target_type="alert",
                target_id=str(d.alert.id),
                details={
                    "kind": AlertKind.hit.value,
                    "hotlist_id": str(d.alert.hotlist_id),
                    "entry_id": d.alert.entry_id,
                    "camera_id": str(d.alert.camera_id),
                    "read_id": str(d.alert.read_id),
                    "match_kind": d.alert.match_kind,
                    "reads": len(d.hits),
                },
            )
            for d in created
        ],
    )
    session.flush()
    alerts = [d.alert for d in drafts]
    _emit(
        session,
        bus,
        to_reads(session, alerts, with_transitions=False),
        ["alert.created" if d.is_new else "alert.updated" for d in drafts],
    )

    n_created = len(created)
    n_folded = len(fresh) - n_created
    kinds = [h.match_kind for h in fresh]
    received = {h.read_id: h.received_at for h in fresh}

    def _metrics() -> None:
        done = utcnow()
        for kind in kinds:
            metrics.MATCHES.labels(kind).inc()
        if n_created:
            metrics.ALERTS.labels(AlertKind.hit.value).inc(n_created)
        if n_folded:
            metrics.ALERTS_UPDATED.inc(n_folded)
        for at in received.values():
            metrics.READ_TO_ALERT_SECONDS.observe(max(0.0, (done - at).total_seconds()))

    after_commit(session, _metrics)
    logger.info(
        "recorded %d hits: %d alerts created, %d reads folded into open alerts", len(fresh), n_created, n_folded
    )
    return alerts


# ---------------------------------------------------------------------------------------------------- camera offline


def raise_camera_offline(
    session: Session,
    bus: Bus,
    *,
    camera_id: uuid.UUID,
    camera_code: str,
    camera_name: str,
    last_seen_at: datetime | None,
) -> Alert | None:
    """Open a camera-offline alert, unless one is open for this camera already (then None)."""
    key = offline_dedup_key(camera_id)
    if repository.open_alerts_by_keys(session, [key]):
        return None
    now = utcnow()
    alert = Alert(
        id=uuid.uuid4(),
        kind=AlertKind.camera_offline.value,
        state=AlertState.new.value,
        priority=3,
        title=offline_title(camera_code, camera_name),
        camera_id=camera_id,
        read_count=0,
        first_seen_at=now,
        last_seen_at=last_seen_at or now,
        dedup_key=key,
        diff_positions=[],
        checklist={},
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(alert)
            session.flush()
    except IntegrityError:
        logger.debug("camera-offline alert for %s raised concurrently", camera_code)
        return None
    details = {"camera_code": camera_code, "last_seen_at": last_seen_at.isoformat() if last_seen_at else None}
    session.add(
        AlertTransition(
            alert_id=alert.id,
            at=now,
            actor=SYSTEM_ACTOR,
            from_state=None,
            to_state=AlertState.new.value,
            details={"action": "create", **details},
        )
    )
    audit.record(
        session,
        actor=SYSTEM_ACTOR,
        actor_role=SYSTEM_ACTOR,
        action="alert.create",
        target_type="alert",
        target_id=str(alert.id),
        details={"kind": AlertKind.camera_offline.value, "camera_id": str(camera_id), **details},
    )
    session.flush()
    _emit(session, bus, to_reads(session, [alert], with_transitions=False), ["alert.created"])
    after_commit(session, lambda: metrics.ALERTS.labels(AlertKind.camera_offline.value).inc())
    logger.info("camera %s offline: alert %s raised", camera_code, alert.id)
    return alert


def resolve_camera_offline(session: Session, bus: Bus, *, camera_id: uuid.UUID) -> None:
    """Close the open camera-offline alert of this camera (by the system), if there is one."""
    key = offline_dedup_key(camera_id)
    alert = repository.open_alerts_by_keys(session, [key]).get(key)
    if alert is None:
        return
    _apply(
        session,
        bus,
        alert,
        Action.close,
        actor_name=SYSTEM_ACTOR,
        actor_role=SYSTEM_ACTOR,
        details={"resolved": True},
        note="resolved: the camera reports again",
    )
    logger.info("camera-offline alert %s resolved", alert.id)


# ---------------------------------------------------------------------------------------------------- lifecycle


def _apply(
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
    read = to_reads(session, [alert])[0]
    _emit(session, bus, [read], ["alert.updated"])
    return read


def _entry_is_current(session: Session, alert: Alert) -> bool:
    if alert.entry_id is None:
        return False
    found = repository.entries_by_ids(session, [alert.entry_id]).get(alert.entry_id)
    if found is None:
        return False
    entry, hotlist = found
    return _is_current(entry.expires_at, hotlist.active if hotlist is not None else None, utcnow())


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
            raise ValidationFailed(
                "dispatch needs the unit sent", errors=[{"loc": ["body", "unit"], "msg": "required"}]
            )
        alert.dispatched_to = unit[:64]
        details["unit"] = alert.dispatched_to
    result = _apply(
        session, bus, alert, act, actor_name=actor.audit_name, actor_role=actor.role, details=details, note=note
    )
    logger.info("alert %s: %s by %s -> %s", alert.id, act.value, actor.audit_name, result.state)
    return result


# ---------------------------------------------------------------------------------------------------- queries


def list_alerts(session: Session, principal: Principal, filters: AlertFilters, page: PageParams) -> AlertPage:
    """A page of the alerts this principal may see, newest first (field units: verified hits only)."""
    field_states = [s.value for s in FIELD_VISIBLE_STATES] if principal.can(Perm.alerts_read_verified) else []
    rows, total = repository.list_alerts(
        session,
        everything=principal.can(Perm.alerts_read),
        field_states=field_states,
        offline=principal.can(Perm.cameras_read),
        state=filters.state.value if filters.state else None,
        kind=filters.kind.value if filters.kind else None,
        since=filters.since,
        limit=page.limit,
        offset=page.offset,
    )
    return AlertPage(items=to_reads(session, rows), total=total, limit=page.limit, offset=page.offset)


def get_alert(session: Session, principal: Principal, alert_id: uuid.UUID) -> AlertRead:
    """One alert with its read, entry, sightings and history; opening it is an audited access to ALPR data."""
    alert = repository.get_alert(session, alert_id)
    if alert is None or not can_see(principal, alert.kind, alert.state):
        raise NotFound(f"alert {alert_id} not found")
    audit.record(
        session,
        actor=principal.audit_name,
        actor_role=principal.role,
        action="alert.view",
        target_type="alert",
        target_id=str(alert.id),
        details={"kind": alert.kind, "state": alert.state},
    )
    return to_reads(session, [alert], with_sightings=True)[0]


def read_in_visible_alert(session: Session, principal: Principal, read_id: uuid.UUID) -> bool:
    """True when ``read_id`` is a read (first, latest or a sighting) of an alert ``principal`` may see: the alert
    queue's way to a read's images. A field unit sees only hits a person has verified (``logic.can_see``)."""
    return any(can_see(principal, kind, state) for kind, state in repository.alerts_of_read(session, read_id))
