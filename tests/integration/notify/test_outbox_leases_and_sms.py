"""Outbox delivery under slow channels and without an SMS gateway, against the real database (both dialects):
a lease is renewed while a slow batch is sent, so a second worker never sends the batch again; a sender that lost its
lease stops before sending; and with no SMS provider configured (the default) an SMS is never marked sent: it stays
pending with the reason "no SMS provider configured", shown to staff (outbox status) and to the resident (inbox)."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from typing import Any

from sqlalchemy import select, update

from rtcc.community import accounts, neighborhoods, public_alerts, subscriptions
from rtcc.community.schemas import AlertArea, AlertCreate, SubscriptionCreate
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.identity.logic import SYSTEM, Principal, permissions_for
from rtcc.notify import delivery
from rtcc.notify import service as notify
from rtcc.notify.models import OutboxMessage
from rtcc.notify.schemas import NO_SMS_PROVIDER, Outbound
from rtcc.settings import Settings

CENTER = (33.8667, -118.0686)


def _account(db: Database, name: str, *, phone: str | None = None) -> Principal:
    with db.uow() as s:
        uid = accounts.ensure_community_account(
            s,
            username=name,
            display_name=name.title(),
            password="correct horse battery",
            account_type="resident",
            email=f"{name}@example.org",
            phone=phone,
            lat=CENTER[0],
            lon=CENTER[1],
        )
    return Principal(kind="user", id=str(uid), name=name, role="resident", permissions=permissions_for("resident"))


def _rows(db: Database, **where: Any) -> list[OutboxMessage]:
    with db.read() as s:
        q = select(OutboxMessage)
        for key, value in where.items():
            q = q.where(getattr(OutboxMessage, key) == value)
        found = list(s.scalars(q))
        s.expunge_all()
        return found


def _emails(db: Database, n: int) -> None:
    for i in range(n):
        who = _account(db, f"slow{i}")
        with db.uow() as s:
            notify.enqueue(s, accounts.recipient(s, uuid.UUID(who.id)), subject=f"Notice {i}", body="b", category="c")


class SlowChannel:
    """Delivers every message, slowly (a relay that takes ``delay_s`` per message)."""

    name = "email"

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.delivered: list[uuid.UUID] = []
        self.started = threading.Event()
        self.lock = threading.Lock()

    def send(self, message: Outbound) -> None:
        self.started.set()
        time.sleep(self.delay_s)
        with self.lock:
            self.delivered.append(message.id)


def test_a_slow_batch_renews_its_lease_so_a_second_worker_never_sends_it_again(db: Database) -> None:
    # 5 messages at 0.6 s each take 3 s, longer than the 2 s lease: without renewal the second worker reclaims the
    # rows still marked 'sending' after 2 s and sends them again.
    _emails(db, 5)
    lease_s = 2.0
    channel = SlowChannel(delay_s=0.6)
    results: dict[str, delivery.PassResult] = {}

    def first() -> None:
        results["a"] = delivery.deliver_once(
            db, {"email": channel}, worker="a", batch=10, lease_s=lease_s, max_attempts=5, backoff_s=0
        )

    a = threading.Thread(target=first)
    a.start()
    assert channel.started.wait(10)
    b_claimed = 0
    while a.is_alive():  # the second worker polls all along the slow batch
        b_claimed += delivery.deliver_once(
            db, {"email": channel}, worker="b", batch=10, lease_s=lease_s, max_attempts=5, backoff_s=0
        ).claimed
        time.sleep(0.1)
    a.join()
    for _ in range(20):  # whatever the first worker gave back (a stalled machine) is sent by the second
        if not delivery.deliver_once(
            db, {"email": channel}, worker="b", batch=10, lease_s=lease_s, max_attempts=5, backoff_s=0
        ).claimed:
            break
    counts = Counter(channel.delivered)
    assert len(counts) == 5 and set(counts.values()) == {1}, f"sent twice: {counts}"
    assert {r.status for r in _rows(db, channel="email")} == {"sent"}
    assert results["a"].sent + b_claimed >= 5


def test_a_sender_that_lost_its_lease_stops_before_sending(db: Database) -> None:
    _emails(db, 4)
    lease_s = 0.8

    class Thief:
        """On the first send, another worker takes the other rows over (as after an expired lease); the send lasts
        long enough for the lease keeper to notice."""

        name = "email"

        def __init__(self) -> None:
            self.delivered: list[uuid.UUID] = []

        def send(self, message: Outbound) -> None:
            if not self.delivered:
                with db.uow() as s:
                    s.execute(
                        update(OutboxMessage)
                        .where(OutboxMessage.id != message.id, OutboxMessage.channel == "email")
                        .values(leased_by="thief", lease_until=utcnow().replace(year=2100))
                    )
                time.sleep(lease_s * delivery.RENEW_EVERY * 3)
            self.delivered.append(message.id)

    channel = Thief()
    result = delivery.deliver_once(
        db, {"email": channel}, worker="a", batch=10, lease_s=lease_s, max_attempts=5, backoff_s=0
    )
    assert len(channel.delivered) == 1, "the worker went on sending rows another worker had taken over"
    assert (result.claimed, result.sent, result.released) == (4, 1, 0)
    rows = _rows(db, channel="email")
    assert sorted((r.status, r.leased_by) for r in rows) == [("sending", "thief")] * 3 + [("sent", "a")]


def test_unsent_rows_a_sender_gave_up_go_back_to_pending_without_an_attempt(db: Database) -> None:
    _emails(db, 1)
    with db.uow() as s:
        claimed = notify.claim_due(s, channels=["email"], limit=10, worker="a", lease_s=60)
    with db.uow() as s:
        assert notify.release_leases(s, [claimed[0].id], worker="b") == 0  # not b's to give back
        assert notify.release_leases(s, [claimed[0].id], worker="a") == 1
    (row,) = _rows(db, channel="email")
    assert (row.status, row.attempts, row.leased_by) == ("pending", 0, None)


def test_without_an_sms_provider_sms_is_never_marked_sent_and_says_why(db: Database, settings: Settings) -> None:
    assert Settings().sms_provider == "none"  # the default ships no gateway
    with db.uow() as s:
        neighborhoods.install_from_profile(s)
    ann = _account(db, "ann", phone="+15625550100")
    texter = _account(db, "texter", phone="+15625550101")
    with db.uow() as s:
        subscriptions.subscribe(
            s,
            texter,
            SubscriptionCreate(lat=CENTER[0], lon=CENTER[1], radius_m=800, categories=["burglary"], channels=["sms"]),
        )
        notify.enqueue(
            s, accounts.recipient(s, uuid.UUID(ann.id)), subject="Footage request", body="b", category="footage"
        )
        public_alerts.send_alert(
            s,
            AlertCreate(
                category="burglary",
                headline="Break-ins",
                body="Lock up",
                area=AlertArea(lat=CENTER[0], lon=CENTER[1], radius_m=500),
            ),
            actor=SYSTEM,
            sender="alerts@example.org",
        )
    for provider in ("none", "log"):  # 'log', the old default, sent nothing and marked texts sent
        configured = settings.model_copy(update={"sms_provider": provider, "smtp_host": None})
        channels = delivery.senders(configured)
        assert "sms" not in channels
        result = delivery.deliver_settings_pass(db, configured, channels, "w")
        assert result.sent == 0
    sms = _rows(db, channel="sms")
    assert len(sms) == 2
    assert {(r.status, r.last_error, r.sent_at) for r in sms} == {("pending", NO_SMS_PROVIDER, None)}
    with db.read() as s:
        status = notify.outbox_status(s)
        assert status.not_sent == {"sms": {NO_SMS_PROVIDER: 2}}
        assert "sent" not in status.by_channel["sms"]
        ann_inbox = notify.inbox(s, ann)
        texter_inbox = notify.inbox(s, texter)
    assert [m.subject for m in ann_inbox] == ["Footage request"]
    sms_copy = [d for d in ann_inbox[0].deliveries if d.channel == "sms"]
    assert [(d.status, d.reason) for d in sms_copy] == [("pending", NO_SMS_PROVIDER)]
    # the SMS-only subscriber still sees the alert in the portal, with why no text came
    assert [m.alert_id is not None for m in texter_inbox] == [True]
    assert [(d.channel, d.status, d.reason) for d in texter_inbox[0].deliveries] == [
        ("sms", "pending", NO_SMS_PROVIDER)
    ]
    assert texter_inbox[0].model_dump(mode="json")["deliveries"][0]["reason"] == "no SMS provider configured"
