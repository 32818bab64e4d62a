"""Use cases of the notify domain's outbox: enqueue a message for one recipient (``enqueue``, contract C5) or for a
whole audience in one statement (``enqueue_audience``, the fan-out of a community public alert), the portal inbox
of an account, the outbox status, and the delivery bookkeeping the delivery pass (``rtcc.notify.delivery``) uses.

Who a message reaches is decided by the domain that sends it: community resolves an account's contact data and
preferences into a ``Recipient`` and selects the subscribers an alert reaches; notify never reads another domain's
tables. Services take ``session`` and never commit; the route, CLI command or job owns the unit of work. Exactly
once per recipient: every outbox row has a unique ``dedup_key`` (message, account, channel) and enqueueing skips
existing keys, so a retried enqueue adds nothing; a claimed row is leased to one worker and marked sent only by that
worker.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rtcc.core.clock import utcnow
from rtcc.core.errors import NotFound, PermissionDenied
from rtcc.identity.logic import Principal
from rtcc.notify import logic, repository
from rtcc.notify.schemas import (
    Channel,
    DeliveryRead,
    MessageRead,
    MessageRef,
    Outbound,
    OutboxStatus,
    OutboxStatusRead,
    Recipient,
)

logger = logging.getLogger(__name__)


# --- enqueue (contract C5) -------------------------------------------------------------------------------------------


def _outbox_row(
    *,
    user_id: uuid.UUID,
    channel: str,
    recipient: str | None,
    dedup_key: str,
    category: str,
    subject: str,
    body: str,
    link: str | None,
    now: datetime,
) -> dict[str, Any]:
    delivered = channel == Channel.inbox.value
    return {
        "id": uuid.uuid4(),
        "dedup_key": dedup_key,
        "user_id": user_id,
        "alert_id": None,
        "subscription_id": None,
        "channel": channel,
        "recipient": recipient,
        "category": category[:32],
        "subject": subject[:200],
        "body": body,
        "link": link,
        "unsubscribe_token": secrets.token_urlsafe(24),
        "status": OutboxStatus.sent.value if delivered else OutboxStatus.pending.value,
        "attempts": 0,
        "next_attempt_at": now,
        "lease_until": None,
        "leased_by": None,
        "last_error": None,
        "created_at": now,
        "sent_at": now if delivered else None,
    }


def enqueue(
    session: Session,
    recipient: Recipient,
    *,
    subject: str,
    body: str,
    category: str,
    link: str | None = None,
    dedup_key: str | None = None,
) -> None:
    """Enqueue a message to one account (its portal inbox plus its e-mail/SMS channels) in the caller's transaction;
    a repeated ``dedup_key`` adds nothing, an unknown account raises NotFound."""
    now = utcnow()
    key = dedup_key or f"direct:{uuid.uuid4().hex}"
    user_id = recipient.user_id
    addresses: list[tuple[str, str | None]] = []
    if recipient.inbox:
        addresses.append((Channel.inbox.value, None))
    if category not in recipient.muted:
        addresses += [(Channel.email.value, recipient.email), (Channel.sms.value, recipient.phone)]
    rows = [
        _outbox_row(
            user_id=user_id,
            channel=channel,
            recipient=address,
            dedup_key=f"{key}:{user_id}:{channel}",
            category=category,
            subject=subject,
            body=body,
            link=link,
            now=now,
        )
        for channel, address in addresses
        if channel == Channel.inbox.value or address
    ]
    try:
        with session.begin_nested():  # a savepoint: an unknown account must not break the caller's transaction
            repository.insert_outbox(session, rows)
    except IntegrityError as exc:
        raise NotFound(f"account {user_id} not found") from exc


def enqueue_audience(
    session: Session,
    audience: Mapping[str, repository.Audience],
    *,
    key: str,
    category: str,
    subject: str,
    body: str,
    link: str | None,
    alert_id: uuid.UUID | None = None,
) -> None:
    """Enqueue one message for every row of each channel's audience (a SELECT of user id, subscription id and
    address), once per account and channel, with one ``INSERT ... SELECT`` per channel; idempotent per ``key``."""
    now = utcnow()
    for channel, rows in audience.items():
        repository.insert_audience(
            session,
            rows,
            key=key,
            channel=channel,
            alert_id=alert_id,
            category=category[:32],
            subject=subject[:200],
            body=body,
            link=link,
            now=now,
        )


def count_for_alert(session: Session, alert_id: uuid.UUID) -> int:
    """How many outbox rows carry the public alert."""
    return repository.outbox_count_for_alert(session, alert_id)


def message_by_token(session: Session, token: str) -> MessageRef | None:
    """The message an unsubscribe token belongs to, or None."""
    row = repository.outbox_by_token(session, token)
    if row is None:
        return None
    return MessageRef(
        id=row.id,
        user_id=row.user_id,
        category=row.category,
        subscription_id=row.subscription_id,
        alert_id=row.alert_id,
    )


def cancel_pending_for_subscription(session: Session, subscription_id: uuid.UUID) -> None:
    """Cancel the unsent messages an ended subscription caused."""
    repository.cancel_pending_for_subscription(session, subscription_id)


# --- the portal inbox ------------------------------------------------------------------------------------------------


def _user_id(principal: Principal) -> uuid.UUID:
    user_id = principal.user_uuid if principal.kind == "user" else None
    if user_id is None:
        raise PermissionDenied("only signed-in accounts have messages")
    return user_id


def inbox(session: Session, principal: Principal, *, limit: int = 100) -> list[MessageRead]:
    """The caller's portal messages, newest first (community and staff accounts alike): direct messages, and the
    public alerts the outbox has delivered to the caller; each with how its e-mail/SMS copies fared: sent, pending,
    or not sent and why (e.g. "no SMS provider configured")."""
    user_id = _user_id(principal)
    rows = repository.inbox(session, user_id, limit=limit)
    copies = repository.sibling_deliveries(session, user_id, rows)
    out: list[MessageRead] = []
    for row in rows:
        prefix = row.dedup_key.rsplit(":", 1)[0]
        mine = [
            c
            for c in copies
            if (c.alert_id == row.alert_id if row.alert_id is not None else c.dedup_key.rsplit(":", 1)[0] == prefix)
        ]
        message = MessageRead.model_validate(row)
        message.deliveries = [
            DeliveryRead(
                channel=c.channel,
                status=c.status,
                reason=c.last_error if c.status != OutboxStatus.sent.value else None,
            )
            for c in sorted(mine, key=lambda c: c.channel)
        ]
        out.append(message)
    return out


def outbox_status(session: Session) -> OutboxStatusRead:
    """Outbox rows per status and channel, and the oldest pending one."""
    counts: dict[str, int] = {}
    by_channel: dict[str, dict[str, int]] = {}
    for channel, status, n in repository.outbox_counts(session):
        counts[status] = counts.get(status, 0) + n
        by_channel.setdefault(channel, {})[status] = n
    not_sent: dict[str, dict[str, int]] = {}
    for channel, reason, n in repository.unsent_reasons(session):
        not_sent.setdefault(channel, {})[reason] = n
    return OutboxStatusRead(
        counts=counts, by_channel=by_channel, not_sent=not_sent, oldest_pending_at=repository.oldest_pending(session)
    )


# --- delivery bookkeeping (the delivery pass) ------------------------------------------------------------------------


def claim_due(session: Session, *, channels: Sequence[str], limit: int, worker: str, lease_s: float) -> list[Outbound]:
    """Lease due outbox rows on ``channels`` to ``worker`` (pending and due, or with an expired lease)."""
    rows, lease_until = repository.claim_due(
        session, now=utcnow(), channels=channels, limit=limit, worker=worker, lease_s=lease_s
    )
    return [
        Outbound(
            id=r.id,
            channel=r.channel,
            recipient=r.recipient or "",
            category=r.category,
            subject=r.subject,
            body=r.body,
            link=r.link,
            unsubscribe_token=r.unsubscribe_token,
            attempts=r.attempts,
            user_id=r.user_id,
            lease_until=lease_until,
        )
        for r in rows
    ]


def mark_sent(session: Session, ids: Sequence[uuid.UUID], *, worker: str) -> int:
    """Record successful sends of rows this worker leases; returns how many were marked."""
    return repository.mark_sent(session, ids, worker=worker, now=utcnow())


def renew_leases(
    session: Session, ids: Sequence[uuid.UUID], *, worker: str, lease_s: float
) -> tuple[set[uuid.UUID], datetime]:
    """Extend ``worker``'s lease on the rows it still holds by ``lease_s`` from now; returns the ids it holds and the
    lease's new end."""
    until = utcnow() + timedelta(seconds=lease_s)
    return repository.renew_leases(session, ids, worker=worker, lease_until=until), until


def release_leases(session: Session, ids: Sequence[uuid.UUID], *, worker: str) -> int:
    """Give claimed but unsent rows back to pending (a sender that stopped before sending them)."""
    return repository.release_leases(session, ids, worker=worker, now=utcnow())


def has_unmarked(session: Session, channel: str, reason: str) -> bool:
    """Whether pending rows of ``channel`` lack ``reason`` (``mark_unsendable`` would change something)."""
    return repository.has_unmarked(session, channel, reason)


def mark_unsendable(session: Session, channel: str, reason: str) -> int:
    """Record why the pending rows of a channel that cannot send are not sent (they stay pending, never sent)."""
    return repository.mark_unsendable(session, channel, reason)


def mark_failed(
    session: Session, message_id: uuid.UUID, error: str, *, worker: str, max_attempts: int, backoff_s: float
) -> str:
    """Record a failed send: back to pending with back-off (same message id), or ``dead`` after the last attempt."""
    row = repository.outbox_row(session, message_id)
    if row is None or row.leased_by != worker or row.status != OutboxStatus.sending.value:
        return "lost-lease"
    row.last_error = error[:500]
    row.lease_until = None
    if row.attempts >= max_attempts:
        row.status = OutboxStatus.dead.value
        logger.warning("outbox message %s given up after %d attempts", row.id, row.attempts)
    else:
        row.status = OutboxStatus.pending.value
        row.next_attempt_at = utcnow() + timedelta(seconds=logic.retry_delay_s(row.attempts, backoff_s))
    return row.status
