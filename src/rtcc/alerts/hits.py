"""Hit alerts: the alerts that new hotlist hits raise, or the open alerts they become sightings on.

The matching domain records each hit once (its match row per (read, entry), ``matching.service.record_hits``) and
hands the hits new in its transaction to ``raise_alerts``. Hits are grouped by vehicle (``logic.hit_dedup_key``:
the same entry and plate as read) and, in observation order, folded into the vehicle's open alert while the gap since
its last sighting is within the window, or into a new alert (``rtcc.alerts.logic`` says when). The caller links each
hit's match row to the alert it landed in: that is what an alert's sightings list.

Safe with several match workers: an open alert is locked before a repeat read is folded into it, and a second worker
that creates the alert for the same vehicle at the same time loses on the unique ``dedup_key`` inside a SAVEPOINT and
folds its reads into the winner's alert instead. Each new alert writes its ``AlertTransition`` and audit entry (one
bulk insert and one audit chain append per batch: hits come in bursts) and every alert touched a live event.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rtcc.alerts import present, repository
from rtcc.alerts.logic import (
    SYSTEM_ACTOR,
    AlertKind,
    AlertState,
    alert_priority,
    hit_dedup_key,
    hit_title,
    within_window,
)
from rtcc.alerts.models import Alert
from rtcc.alerts.schemas import AlertRead, HitInput
from rtcc.audit import service as audit
from rtcc.bus.base import Bus
from rtcc.core import metrics
from rtcc.core.clock import utcnow
from rtcc.core.db import after_commit
from rtcc.core.errors import Conflict

logger = logging.getLogger(__name__)

_MAX_RACE_RETRIES = 5


@dataclass(frozen=True)
class Raised:
    """An alert that hits landed in: created for them or updated with them, and the hits (its new sightings)."""

    alert: AlertRead
    created: bool
    hits: tuple[HitInput, ...]


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


def _record_created(session: Session, created: Sequence[_Draft], now: datetime) -> None:
    """The creation transition and audit entry of each new alert, one bulk insert and one chain append in all."""
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
    audit.record_many(
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


def raise_alerts(
    session: Session, bus: Bus, hits: Sequence[HitInput], *, dedup_window_s: int, now: datetime
) -> list[Raised]:
    """Raise new alerts for hits recorded just now, or fold them into their vehicles' open alerts (in the caller's
    transaction; safe with concurrent match workers). Each hit must be new: recorded once, by its match row."""
    if not hits:
        return []
    by_key: dict[str, list[HitInput]] = defaultdict(list)
    for h in hits:
        by_key[hit_dedup_key(h.entry_id, h.plate_read)].append(h)
    for group in by_key.values():
        group.sort(key=lambda h: h.observed_at)
    open_alerts = repository.open_alerts_by_keys(session, by_key)
    drafts = _plan(by_key, open_alerts, dedup_window_s, now)
    session.flush()  # keys released by alerts that fell out of the window, before new alerts take them
    drafts = _insert_new(session, drafts, dedup_window_s, now)
    session.flush()

    created = [d for d in drafts if d.is_new]
    _record_created(session, created, now)
    session.flush()
    reads = present.to_reads(session, [d.alert for d in drafts], with_transitions=False)
    present.emit(session, bus, reads, ["alert.created" if d.is_new else "alert.updated" for d in drafts])

    n_created = len(created)
    n_folded = len(hits) - n_created
    received = {h.read_id: h.received_at for h in hits}

    def _metrics() -> None:
        done = utcnow()
        if n_created:
            metrics.ALERTS.labels(AlertKind.hit.value).inc(n_created)
        if n_folded:
            metrics.ALERTS_UPDATED.inc(n_folded)
        for at in received.values():
            metrics.READ_TO_ALERT_SECONDS.observe(max(0.0, (done - at).total_seconds()))

    after_commit(session, _metrics)
    logger.info("%d hits: %d alerts created, %d reads folded into open alerts", len(hits), n_created, n_folded)
    return [Raised(r, d.is_new, tuple(d.hits)) for r, d in zip(reads, drafts, strict=True)]
