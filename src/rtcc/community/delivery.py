"""One pass of outbox delivery, shared by the background loop (jobs), ``rtcc community outbox run`` and the bench.

A pass claims a batch of due rows under a lease in its own unit of work, sends each through its channel outside any
transaction, then records the outcome in a second unit of work: sent rows are marked sent (only while this worker
still holds the lease), failed rows go back to pending with back-off and keep their id, so the retry is the same
message. A crash between sending and recording leaves the rows leased; after the lease expires they are sent again
with the same Message-ID / idempotency key (at-least-once transport, exactly-once to receivers that honour it).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from rtcc.community import service
from rtcc.community.channels import ChannelSender, senders_from_settings
from rtcc.core.db import Database
from rtcc.places import service as places
from rtcc.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PassResult:
    """What one delivery pass did."""

    claimed: int
    sent: int
    failed: int
    dead: int


def worker_name() -> str:
    """A name unique to this process and pass loop (host, pid, random suffix)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def senders(settings: Settings) -> dict[str, ChannelSender]:
    """The channels configured by the settings."""
    return senders_from_settings(
        smtp_host=settings.smtp_host,
        smtp_port=settings.smtp_port,
        smtp_from=settings.smtp_from or places.alert_senders().email_from,
        smtp_timeout_s=settings.smtp_timeout_s,
        smtp_starttls=settings.smtp_starttls,
        smtp_username=settings.smtp_username,
        smtp_password=settings.smtp_password,
        sms_provider=settings.sms_provider,
        public_base_url=settings.public_base_url,
    )


def deliver_once(
    db: Database,
    channels: Mapping[str, ChannelSender],
    *,
    worker: str,
    batch: int,
    lease_s: float,
    max_attempts: int,
    backoff_s: float,
) -> PassResult:
    """Claim, send and record one batch; returns the counts (``claimed == 0`` means nothing was due)."""
    if not channels:
        return PassResult(0, 0, 0, 0)
    with db.uow() as session:
        claimed = service.claim_due(session, channels=list(channels), limit=batch, worker=worker, lease_s=lease_s)
    if not claimed:
        return PassResult(0, 0, 0, 0)
    sent: list[uuid.UUID] = []
    failures: list[tuple[uuid.UUID, str]] = []
    for message in claimed:
        try:
            channels[message.channel].send(message)
        except Exception as exc:
            logger.warning("outbox message %s (%s) failed: %s", message.id, message.channel, type(exc).__name__)
            failures.append((message.id, f"{type(exc).__name__}: {exc}"))
        else:
            sent.append(message.id)
    dead = 0
    with db.uow() as session:
        service.mark_sent(session, sent, worker=worker)
        for message_id, error in failures:
            outcome = service.mark_failed(
                session, message_id, error, worker=worker, max_attempts=max_attempts, backoff_s=backoff_s
            )
            dead += outcome == "dead"
    return PassResult(claimed=len(claimed), sent=len(sent), failed=len(failures), dead=dead)


def deliver_settings_pass(
    db: Database, settings: Settings, channels: Mapping[str, ChannelSender], worker: str
) -> PassResult:
    """One pass with the batch, lease and retry policy of the settings."""
    return deliver_once(
        db,
        channels,
        worker=worker,
        batch=settings.community_outbox_batch,
        lease_s=settings.community_outbox_lease_s,
        max_attempts=settings.community_outbox_max_attempts,
        backoff_s=settings.community_outbox_backoff_s,
    )
