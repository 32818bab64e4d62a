"""One pass of outbox delivery, shared by the background loop (jobs), ``rtcc notify outbox run`` and the bench.

A pass claims a batch of due rows under a lease in its own unit of work, sends each through its channel outside any
transaction, then records the outcome in a second unit of work: sent rows are marked sent (only while this worker
still holds the lease), failed rows go back to pending with back-off and keep their id, so the retry is the same
message. While the batch is being sent a keeper thread, every quarter of the lease, records the rows sent so far as
sent and renews the lease of the others, so a slow batch (a slow relay, a long batch) keeps its rows: another worker
takes a row over only when its lease really expired (the sender died, stalled or lost the database). Before each send
the sender checks that it still holds the row's lease with at least half of it to spare; a sender that lost it
stops, gives back the rows it has not sent, and sends nothing more, so it does not send a row another worker may be
sending. (A send that itself stalls longer than that margin can still overlap a takeover: leases bound, not exclude,
that case; the lease length is the knob.) A crash between sending and recording leaves the rows leased; after the lease
expires they are sent again with the same Message-ID / idempotency key (at-least-once transport, exactly-once to
receivers that honour it). Channels that are not configured (no SMS provider) send nothing: their due rows stay
pending, never ``sent``, with the reason recorded (``rtcc.notify.schemas.NO_SMS_PROVIDER``).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.notify import service
from rtcc.notify.channels import ChannelSender, senders_from_settings, unsendable_from_settings
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
    #: claimed rows given back unsent because the lease was lost before sending them
    released: int = 0
    #: due rows of an unconfigured channel newly marked with the reason they are not sent
    not_sent: int = 0


#: The keeper renews a batch's lease every ``lease_s * RENEW_EVERY``; a row is sent only while at least
#: ``lease_s * SEND_MARGIN`` of the lease is left (the margin covers a send, or the recording of it, that stalls).
RENEW_EVERY = 0.25
SEND_MARGIN = 0.5


class LeaseKeeper:
    """Holds the lease of one claimed batch: from a thread, records the rows sent so far as sent and renews the lease
    of the others, and tells the sender whether a row may still be sent (still leased to this worker, and the lease
    has time to spare). Lease ends are wall-clock times, as stored and compared by every worker."""

    def __init__(self, db: Database, ids: list[uuid.UUID], *, worker: str, lease_s: float, until: datetime) -> None:
        self.db = db
        self.worker = worker
        self.lease_s = lease_s
        self.renewals = 0
        self._held = set(ids)
        self._sent: list[uuid.UUID] = []  # sent, not yet recorded
        self._until = until
        self._margin = timedelta(seconds=lease_s * SEND_MARGIN)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{worker}", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def holds(self, message_id: uuid.UUID) -> bool:
        """Whether this worker may send the row now."""
        with self._lock:
            return message_id in self._held and utcnow() + self._margin < self._until

    def sent(self, message_id: uuid.UUID) -> None:
        """Note a row delivered by the channel (the next renewal records it as sent)."""
        with self._lock:
            self._sent.append(message_id)
            self._held.discard(message_id)

    def unrecorded(self) -> list[uuid.UUID]:
        """Rows sent but not yet recorded as sent (the pass records them at its end)."""
        with self._lock:
            return list(self._sent)

    def renew(self) -> None:
        """Record the rows sent so far and extend the lease of the rest, in one unit of work (a row another worker
        took over is dropped from the batch)."""
        with self._lock:
            ids, done = list(self._held), list(self._sent)
        with self.db.uow() as session:
            marked = service.mark_sent(session, done, worker=self.worker)
            kept, until = service.renew_leases(session, ids, worker=self.worker, lease_s=self.lease_s)
        if marked < len(done):
            logger.warning("outbox worker %s sent %d rows it no longer leased", self.worker, len(done) - marked)
        with self._lock:
            self._sent = self._sent[len(done) :]
            self._held &= kept
            self._until = max(self._until, until)
            self.renewals += 1

    def _run(self) -> None:
        while not self._stop.wait(self.lease_s * RENEW_EVERY):
            try:
                self.renew()
            except Exception:  # the sender stops at the old deadline; the rows are retried after the lease
                logger.warning("outbox lease renewal by %s failed", self.worker, exc_info=True)


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
    unavailable: Mapping[str, str] | None = None,
) -> PassResult:
    """Claim, send and record one batch; returns the counts (``claimed == 0`` means nothing was due).

    ``unavailable`` maps a channel that cannot send (not configured) to the reason: its due rows are left pending,
    never sent, with that reason as their ``last_error``."""
    not_sent = 0
    if unavailable:
        with db.read() as session:  # a read first: most passes find nothing new, and need no write lock
            todo = {c: r for c, r in unavailable.items() if service.has_unmarked(session, c, r)}
        if todo:
            with db.uow() as session:
                for channel, reason in todo.items():
                    not_sent += service.mark_unsendable(session, channel, reason)
    if not channels:
        return PassResult(0, 0, 0, 0, not_sent=not_sent)
    with db.uow() as session:
        claimed = service.claim_due(session, channels=list(channels), limit=batch, worker=worker, lease_s=lease_s)
    if not claimed:
        return PassResult(0, 0, 0, 0, not_sent=not_sent)
    until = claimed[0].lease_until or utcnow()
    sent = 0
    failures: list[tuple[uuid.UUID, str]] = []
    unsent: list[uuid.UUID] = []
    with LeaseKeeper(db, [m.id for m in claimed], worker=worker, lease_s=lease_s, until=until) as lease:
        for message in claimed:
            if unsent or not lease.holds(message.id):
                unsent.append(message.id)  # lost the lease: send nothing more, another worker owns these rows
                continue
            try:
                channels[message.channel].send(message)
            except Exception as exc:
                logger.warning("outbox message %s (%s) failed: %s", message.id, message.channel, type(exc).__name__)
                failures.append((message.id, f"{type(exc).__name__}: {exc}"))
            else:
                lease.sent(message.id)
                sent += 1
    if unsent:
        logger.warning("outbox worker %s lost its lease; %d claimed rows left unsent", worker, len(unsent))
    dead = 0
    remaining = lease.unrecorded()
    with db.uow() as session:
        marked = service.mark_sent(session, remaining, worker=worker)
        for message_id, error in failures:
            outcome = service.mark_failed(
                session, message_id, error, worker=worker, max_attempts=max_attempts, backoff_s=backoff_s
            )
            dead += outcome == "dead"
        released = service.release_leases(session, unsent, worker=worker)
    if marked < len(remaining):
        logger.warning("outbox worker %s sent %d rows it no longer leased", worker, len(remaining) - marked)
    return PassResult(
        claimed=len(claimed), sent=sent, failed=len(failures), dead=dead, released=released, not_sent=not_sent
    )


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
        unavailable=unavailable_channels(settings),
    )


def unavailable_channels(settings: Settings) -> dict[str, str]:
    """Channels the settings leave without a way to send, with the reason their messages are not sent."""
    return unsendable_from_settings(sms_provider=settings.sms_provider)
