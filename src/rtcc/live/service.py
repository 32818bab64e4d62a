"""Live-event use cases: ``emit`` stores an event in the ``live_events`` log inside the caller's transaction (its id
becomes the SSE event id) and publishes ``Envelope(type="live.<topic>")`` once that transaction has committed; the
read side gives the live hub and the SSE route the newest id and the events after a client's ``Last-Event-ID``.

A client that may receive alerts (they show plates) opens the stream under a purpose; ``stream_access`` checks it
and gives the hub the recorder of its ``alpr.access`` records (one per replay, then one per batch of live events).

Because the row is written in the same transaction as the change it reports, an event is never lost: a client that
reconnects (or a hub whose bus message went missing) finds it in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from rtcc.audit.service import Actor
from rtcc.bus.base import Bus
from rtcc.bus.envelope import Envelope
from rtcc.bus.outbox import publish_after_commit
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.governance import access
from rtcc.governance.logic import Purpose
from rtcc.live.models import LiveEvent
from rtcc.live.schemas import LiveMessage

logger = logging.getLogger(__name__)

#: Topics the live stream knows; ``hub.visible`` decides who receives each.
TOPICS = ("alerts", "cameras")


def emit(session: Session, bus: Bus, *, topic: str, type: str, data: dict[str, Any]) -> LiveEvent:
    """Store one live event in the caller's transaction and publish it on the bus after commit."""
    return emit_many(session, bus, [(topic, type, data)])[0]


def emit_many(session: Session, bus: Bus, events: Sequence[tuple[str, str, dict[str, Any]]]) -> list[LiveEvent]:
    """Store several live events (topic, type, JSON-ready data) with one bulk insert; publish each after commit."""
    if not events:
        return []
    at = utcnow()
    values = []
    for topic, type_, data in events:
        if not topic or "." in topic or " " in topic:
            raise ValueError(f"invalid live topic {topic!r}")
        values.append({"topic": topic, "type": type_, "at": at, "data": data})
    ids = session.scalars(
        insert(LiveEvent).returning(LiveEvent.id, sort_by_parameter_order=True), values
    ).all()  # one statement, ids in input order: hits arrive in bursts
    rows = [LiveEvent(id=i, **v) for i, v in zip(ids, values, strict=True)]
    for row in rows:
        message = LiveMessage(id=row.id, topic=row.topic, type=row.type, at=row.at, data=row.data)
        publish_after_commit(
            session,
            bus,
            Envelope(type=f"live.{row.topic}", source="live", observed_at=at, payload=message.model_dump(mode="json")),
        )
    logger.debug("live events %s emitted", ids)
    return rows


def latest_id(session: Session) -> int:
    """The id of the newest stored live event (0 when there is none)."""
    return int(session.scalar(select(func.max(LiveEvent.id))) or 0)


def events_after(session: Session, after: int, *, upto: int | None = None, limit: int = 500) -> list[LiveMessage]:
    """Stored events with ``after < id <= upto``, in id order, at most ``limit`` of them."""
    q = select(LiveEvent).where(LiveEvent.id > after)
    if upto is not None:
        q = q.where(LiveEvent.id <= upto)
    rows = session.scalars(q.order_by(LiveEvent.id).limit(limit))
    return [LiveMessage.model_validate(r) for r in rows]


def stream_access(
    db: Database, actor: Actor, *, shows_plates: bool, purpose: str | None, case_number: str | None
) -> Callable[[str, list[str]], None] | None:
    """The access recorder of one stream: None when the client receives no plates and names no purpose; otherwise
    the purpose is checked first (ValidationFailed/PermissionDenied naming the field) and every batch of plates the
    stream shows becomes one ``alpr.access`` entry under it."""
    if not shows_plates and not purpose:
        return None
    with db.read() as session:
        declared: Purpose = access.check(session, purpose=purpose, case_number=case_number)

    def record(surface: str, plates: list[str]) -> None:
        with db.uow() as session:
            access.record(session, actor, surface=surface, purpose=declared, case_number=case_number, plates=plates)

    return record
