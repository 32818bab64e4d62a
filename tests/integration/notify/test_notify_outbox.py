"""The notification outbox against the real database: ``enqueue`` to an account that community resolves (contract
C5), alert fan-out exactly once per account and channel (a retried fan-out adds nothing), lease-based claiming by
concurrent workers, retries that keep the message id, one-click unsubscribe, and real e-mail delivery to a local SMTP
server (aiosmtpd)."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections import Counter
from email import message_from_bytes
from typing import Any

import pytest
from sqlalchemy import select

from rtcc.community import accounts, neighborhoods, public_alerts, subscriptions
from rtcc.community.schemas import AlertArea, AlertCreate, SignupRequest, SubscriptionCreate
from rtcc.core.db import Database
from rtcc.identity.logic import SYSTEM, Principal, permissions_for
from rtcc.notify import delivery
from rtcc.notify import service as notify
from rtcc.notify.channels import MemorySmsProvider, SmsChannel, SmtpEmailChannel
from rtcc.notify.models import OutboxMessage
from rtcc.notify.schemas import Outbound

CENTER = (33.8667, -118.0686)


def _setup(db: Database) -> None:
    with db.uow() as s:
        neighborhoods.install_from_profile(s)


def _account(
    db: Database, name: str, *, phone: str | None = None, lat: float = CENTER[0], lon: float = CENTER[1]
) -> Principal:
    """An operator-created account (address taken as verified, so no confirmation message is queued)."""
    with db.uow() as s:
        uid = accounts.ensure_community_account(
            s,
            username=name,
            display_name=name.title(),
            password="correct horse battery",
            account_type="resident",
            email=f"{name}@example.org",
            phone=phone,
            lat=lat,
            lon=lon,
        )
    return Principal(kind="user", id=str(uid), name=name, role="resident", permissions=permissions_for("resident"))


def _rows(db: Database, **where: Any) -> list[OutboxMessage]:
    with db.read() as s:
        q = select(OutboxMessage)
        for key, value in where.items():
            q = q.where(getattr(OutboxMessage, key) == value)
        found = list(s.scalars(q))
        s.expunge_all()  # detached before the read session rolls back, so attributes stay loaded
        return found


class FlakyChannel:
    """Records deliveries; fails the first attempt of every ``fail_every``-th message (before delivering it)."""

    def __init__(self, name: str, fail_every: int = 3) -> None:
        self.name = name
        self.fail_every = fail_every
        self.delivered: list[tuple[uuid.UUID, str]] = []
        self.failed_once: set[uuid.UUID] = set()
        self.seen = 0
        self.lock = threading.Lock()

    def send(self, message: Outbound) -> None:
        with self.lock:
            self.seen += 1
            if self.seen % self.fail_every == 0 and message.id not in self.failed_once:
                self.failed_once.add(message.id)
                raise ConnectionError("transient")
            self.delivered.append((message.id, message.recipient))


def test_enqueue_to_an_account_reaches_inbox_and_channels_once_per_key(db: Database) -> None:
    _setup(db)
    ann = _account(db, "ann", phone="+1 562 555 0100")
    uid = uuid.UUID(ann.id)
    with db.uow() as s:
        notify.enqueue(
            s,
            accounts.recipient(s, uid),
            subject="Footage request",
            body="Please",
            category="footage",
            link="/x",
            dedup_key="req-1",
        )
        notify.enqueue(
            s,
            accounts.recipient(s, uid),
            subject="Footage request",
            body="Please",
            category="footage",
            link="/x",
            dedup_key="req-1",
        )
    rows = _rows(db, user_id=uid)
    assert sorted((r.channel, r.status) for r in rows) == [("email", "pending"), ("inbox", "sent"), ("sms", "pending")]
    assert {r.recipient for r in rows if r.channel == "email"} == {"ann@example.org"}
    with db.read() as s:
        assert [m.subject for m in notify.inbox(s, ann)] == ["Footage request"]
    # without a key every call is a new message; a muted category only reaches the inbox
    with db.uow() as s:
        notify.enqueue(s, accounts.recipient(s, uid), subject="Second", body="b", category="footage")
    assert len(_rows(db, user_id=uid)) == 6
    email = next(r for r in _rows(db, user_id=uid) if r.channel == "email")
    with db.uow() as s:
        assert subscriptions.unsubscribe_by_token(s, email.unsubscribe_token).what == "category:footage"
    with db.uow() as s:
        notify.enqueue(s, accounts.recipient(s, uid), subject="Third", body="b", category="footage")
    assert sorted(r.channel for r in _rows(db, user_id=uid) if r.subject == "Third") == ["inbox"]


def test_enqueue_to_a_staff_account_reaches_its_inbox_only(db: Database) -> None:
    from rtcc.identity import service as identity
    from rtcc.identity.logic import Role
    from rtcc.identity.schemas import UserCreate

    with db.uow() as s:
        staff = identity.create_user(
            s,
            UserCreate(username="pat", display_name="Pat", password="correct horse battery", role=Role.program_staff),
            actor=SYSTEM,
        )
        notify.enqueue(s, accounts.recipient(s, staff.id), subject="New rebate", body="b", category="rebates")
    assert [(r.channel, r.status) for r in _rows(db, user_id=staff.id)] == [("inbox", "sent")]


def test_alert_fan_out_is_exactly_once_per_account_and_channel_and_idempotent(db: Database) -> None:
    _setup(db)
    near = _account(db, "near", phone="+15625550101")
    far = _account(db, "far", lat=33.95, lon=-118.30)
    other = _account(db, "other")
    with db.uow() as s:
        # two overlapping subscriptions of one account: still one message per channel
        subscriptions.subscribe(
            s,
            near,
            SubscriptionCreate(
                lat=CENTER[0], lon=CENTER[1], radius_m=800, categories=["burglary"], channels=["email", "sms"]
            ),
        )
        subscriptions.subscribe(
            s, near, SubscriptionCreate(neighborhood_code="nw", categories=["burglary", "traffic"], channels=["email"])
        )
        subscriptions.subscribe(
            s,
            far,
            SubscriptionCreate(lat=33.95, lon=-118.30, radius_m=500, categories=["burglary"], channels=["email"]),
        )
        subscriptions.subscribe(
            s,
            other,
            SubscriptionCreate(lat=CENTER[0], lon=CENTER[1], radius_m=800, categories=["traffic"], channels=["email"]),
        )
        alert = public_alerts.send_alert(
            s,
            AlertCreate(
                category="burglary",
                headline="Break-ins",
                body="Lock up",
                area=AlertArea(lat=CENTER[0], lon=CENTER[1], radius_m=300),
            ),
            actor=SYSTEM,
            sender="alerts@example.org",
        )
        alert_id = alert.id
        assert alert.recipients == 2
    rows = _rows(db, alert_id=alert_id)
    assert sorted((r.recipient, r.channel) for r in rows) == [("+15625550101", "sms"), ("near@example.org", "email")]
    with db.uow() as s:
        again = public_alerts.fan_out(s, public_alerts.get_alert(s, alert_id))
    assert again == 2 and len(_rows(db, alert_id=alert_id)) == 2


def test_two_workers_deliver_each_message_once_with_retries_keeping_the_id(db: Database) -> None:
    _setup(db)
    people = [_account(db, f"p{i}") for i in range(12)]
    with db.uow() as s:
        for p in people:
            subscriptions.subscribe(
                s, p, SubscriptionCreate(neighborhood_code="nw", categories=["traffic"], channels=["email"])
            )
        public_alerts.send_alert(
            s,
            AlertCreate(
                category="traffic", headline="Road closed", body="Detour", area=AlertArea(neighborhood_code="nw")
            ),
            actor=SYSTEM,
            sender="alerts@example.org",
        )
    channel = FlakyChannel("email", fail_every=4)

    def work(name: str) -> None:
        for _ in range(200):
            r = delivery.deliver_once(
                db, {"email": channel}, worker=name, batch=5, lease_s=60, max_attempts=5, backoff_s=0
            )
            if r.claimed == 0 and not _rows(db, status="pending"):
                return

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = Counter(recipient for _id, recipient in channel.delivered)
    assert len(counts) == 12 and set(counts.values()) == {1}
    assert channel.failed_once, "some sends failed and were retried"
    retried = {r.id: r for r in _rows(db) if r.id in channel.failed_once}
    assert all(r.status == "sent" and r.attempts == 2 for r in retried.values())
    delivered_ids = {i for i, _ in channel.delivered}
    assert channel.failed_once <= delivered_ids  # the retry carried the same message id


def test_failed_sends_back_off_and_die_after_max_attempts(db: Database) -> None:
    _setup(db)
    ann = _account(db, "ann")
    with db.uow() as s:
        notify.enqueue(s, accounts.recipient(s, uuid.UUID(ann.id)), subject="s", body="b", category="c")

    class Down:
        name = "email"

        def send(self, message: Outbound) -> None:
            raise OSError("relay down")

    r1 = delivery.deliver_once(db, {"email": Down()}, worker="w", batch=10, lease_s=60, max_attempts=2, backoff_s=3600)
    assert (r1.claimed, r1.failed, r1.dead) == (1, 1, 0)
    # backing off: nothing due now
    assert (
        delivery.deliver_once(
            db, {"email": Down()}, worker="w", batch=10, lease_s=60, max_attempts=2, backoff_s=3600
        ).claimed
        == 0
    )
    row = _rows(db, channel="email")[0]
    assert row.status == "pending" and row.attempts == 1 and "relay down" in (row.last_error or "")
    with db.uow() as s:
        s.get(OutboxMessage, row.id).next_attempt_at = row.created_at  # type: ignore[union-attr]
    r2 = delivery.deliver_once(db, {"email": Down()}, worker="w", batch=10, lease_s=60, max_attempts=2, backoff_s=3600)
    assert r2.dead == 1 and _rows(db, channel="email")[0].status == "dead"


def test_an_expired_lease_is_reclaimed_and_the_old_worker_cannot_mark_it(db: Database) -> None:
    _setup(db)
    ann = _account(db, "ann")
    with db.uow() as s:
        notify.enqueue(s, accounts.recipient(s, uuid.UUID(ann.id)), subject="s", body="b", category="c")
    with db.uow() as s:
        first = notify.claim_due(s, channels=["email"], limit=10, worker="crashed", lease_s=0)
    assert len(first) == 1
    time.sleep(0.01)
    with db.uow() as s:
        again = notify.claim_due(s, channels=["email"], limit=10, worker="new", lease_s=60)
    assert [m.id for m in again] == [first[0].id]
    with db.uow() as s:
        assert notify.mark_sent(s, [first[0].id], worker="crashed") == 0
        assert notify.mark_sent(s, [first[0].id], worker="new") == 1


def test_unsubscribe_token_ends_the_subscription_and_cancels_its_pending_messages(db: Database) -> None:
    _setup(db)
    ann = _account(db, "ann")
    with db.uow() as s:
        sub = subscriptions.subscribe(
            s, ann, SubscriptionCreate(neighborhood_code="nw", categories=["traffic"], channels=["email"])
        )
        for n in range(2):
            public_alerts.send_alert(
                s,
                AlertCreate(
                    category="traffic", headline=f"Closure {n}", body="x", area=AlertArea(neighborhood_code="nw")
                ),
                actor=SYSTEM,
                sender="a@example.org",
            )
    token = _rows(db, channel="email")[0].unsubscribe_token
    with db.uow() as s:
        assert subscriptions.unsubscribe_by_token(s, token).what == "subscription"
    assert {r.status for r in _rows(db, channel="email")} == {"cancelled"}
    with db.read() as s:
        assert [x.active for x in subscriptions.list_subscriptions(s, ann)] == [False]
        assert sub.id in {x.id for x in subscriptions.list_subscriptions(s, ann)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_email_goes_through_a_real_smtp_server_with_one_click_unsubscribe_headers(db: Database) -> None:
    pytest.importorskip("aiosmtpd")
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received: list[bytes] = []

    class Keep(Message):  # type: ignore[misc]
        def handle_message(self, message: Any) -> None:
            received.append(message.as_bytes())

    port = _free_port()
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        _setup(db)
        ann = _account(db, "ann", phone="+15625550100")
        with db.uow() as s:
            notify.enqueue(
                s,
                accounts.recipient(s, uuid.UUID(ann.id)),
                subject="Meeting Tuesday",
                body="Bring a neighbor",
                category="watch_group",
                link="/api/v1/community/groups",
            )
        sms = MemorySmsProvider()
        channels = {
            "email": SmtpEmailChannel(
                host="127.0.0.1", port=port, sender="Alerts <alerts@cerritos.example>", base_url="https://rtcc.example"
            ),
            "sms": SmsChannel(sms, base_url="https://rtcc.example"),
        }
        result = delivery.deliver_once(db, channels, worker="w", batch=10, lease_s=60, max_attempts=3, backoff_s=1)
        assert (result.sent, result.failed) == (2, 0)
    finally:
        controller.stop()
    assert len(received) == 1
    mail = message_from_bytes(received[0])
    row = next(r for r in _rows(db) if r.channel == "email")
    assert mail["To"] == "ann@example.org"
    assert mail["Subject"] == "Meeting Tuesday"
    assert mail["Message-ID"] == f"<{row.id}@cerritos.example>"
    assert (
        "".join(mail["List-Unsubscribe"].split())
        == f"<https://rtcc.example/api/v1/community/unsubscribe/{row.unsubscribe_token}>"
    )
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "https://rtcc.example/api/v1/community/groups" in mail.get_payload()
    sms_row = next(r for r in _rows(db) if r.channel == "sms")
    assert list(sms.sent) == [str(sms_row.id)]
    to, text = sms.sent[str(sms_row.id)]
    assert to == "+15625550100" and "Meeting Tuesday" in text and sms_row.unsubscribe_token in text
    assert {r.status for r in _rows(db) if r.channel != "inbox"} == {"sent"}


def test_unreachable_smtp_server_is_a_retryable_failure(db: Database) -> None:
    _setup(db)
    ann = _account(db, "ann")
    with db.uow() as s:
        notify.enqueue(s, accounts.recipient(s, uuid.UUID(ann.id)), subject="s", body="b", category="c")
    channel = SmtpEmailChannel(
        host="127.0.0.1", port=_free_port(), sender="a@example.org", base_url="http://x", timeout_s=2
    )
    result = delivery.deliver_once(
        db, {"email": channel}, worker="w", batch=10, lease_s=60, max_attempts=3, backoff_s=1
    )
    assert result.failed == 1
    assert _rows(db, channel="email")[0].status == "pending"


@pytest.mark.parametrize("shape", ["circle", "neighborhood"])
def test_database_fan_out_agrees_with_the_reference_geometry(db: Database, shape: str) -> None:
    import numpy as np

    from rtcc.community import logic
    from rtcc.community.models import Subscription

    _setup(db)
    owner = _account(db, "owner")
    rng = np.random.default_rng(7)
    lats = rng.uniform(33.850, 33.885, 120)
    lons = rng.uniform(-118.105, -118.035, 120)
    radii = rng.uniform(50, 900, 120)
    with db.uow() as s:
        # one account per subscription would need 120 sign-ups; the reach of each row is checked via subscription_id
        rings = {n.code: tuple((x, y) for x, y in n.polygon) for n in neighborhoods.list_neighborhoods(s)}
        for i in range(120):
            s.add(
                Subscription(
                    user_id=uuid.UUID(owner.id), area_kind="radius",
                    neighborhood_code=logic.neighborhood_of(float(lats[i]), float(lons[i]), rings),
                    lat=float(lats[i]), lon=float(lons[i]), radius_m=float(radii[i]),
                    categories=["burglary"], channels=["email"], active=True, created_at=_now(),
                )
            )  # fmt: skip
    area = AlertArea(lat=33.868, lon=-118.07, radius_m=1500) if shape == "circle" else AlertArea(neighborhood_code="nw")
    ref_area = logic.Area(lat=33.868, lon=-118.07, radius_m=1500) if shape == "circle" else logic.Area(ring=rings["nw"])
    expected = logic.radius_subscribers_reached(ref_area, lats, lons, radii)
    assert 5 < int(expected.sum()) < 115  # the area splits the population
    with db.read() as s:
        subs = {(round(x.lat, 9), round(x.lon, 9)): x.id for x in subscriptions.list_subscriptions(s, owner)}
    reached = set()
    for i in range(120):
        # one alert per subscription isolates each row's reach (dedup is per account)
        with db.uow() as s:
            for sub in subscriptions.list_subscriptions(s, owner):
                sub.active = sub.id == subs[(round(float(lats[i]), 9), round(float(lons[i]), 9))]
            alert = public_alerts.send_alert(
                s, AlertCreate(category="burglary", headline=f"A {i}", body="b", area=area), actor=SYSTEM, sender="x"
            )
            if alert.recipients:
                reached.add(i)
    assert reached == {i for i in range(120) if expected[i]}


def _now() -> Any:
    from rtcc.core.clock import utcnow

    return utcnow()


def test_enqueue_to_an_unknown_account_is_not_found_and_leaves_the_transaction_usable(db: Database) -> None:
    from rtcc.core.errors import NotFound

    _setup(db)
    ann = _account(db, "ann")
    with db.uow() as s:
        with pytest.raises(NotFound):
            notify.enqueue(s, accounts.recipient(s, uuid.uuid4()), subject="s", body="b", category="c")
        notify.enqueue(s, accounts.recipient(s, uuid.UUID(ann.id)), subject="still works", body="b", category="c")
    assert [r.subject for r in _rows(db, channel="inbox")] == ["still works"]


def test_self_service_addresses_get_only_the_confirmation_until_verified(db: Database) -> None:
    _setup(db)
    with db.uow() as s:
        prof = accounts.signup(
            s,
            SignupRequest(account_type="business", username="shop", display_name="Shop", email="shop@example.org",
                          password="correct horse battery", lat=CENTER[0], lon=CENTER[1]),
            client_ip="10.0.0.1",
            per_ip_hour=5,
        )  # fmt: skip
        uid, token = prof.user_id, prof.email_verify_token
    shop = Principal(kind="user", id=str(uid), name="shop", role="business", permissions=permissions_for("business"))
    confirm = [r for r in _rows(db, user_id=uid) if r.channel == "email"]
    assert [(r.category, r.link) for r in confirm] == [("email_verification", f"/api/v1/community/verify/{token}")]
    alert = AlertCreate(category="burglary", headline="Break-ins", body="b", area=AlertArea(neighborhood_code="nw"))
    with db.uow() as s:
        subscriptions.subscribe(
            s, shop, SubscriptionCreate(neighborhood_code="nw", categories=["burglary"], channels=["email"])
        )
        assert public_alerts.send_alert(s, alert, actor=SYSTEM, sender="x").recipients == 0
        notify.enqueue(s, accounts.recipient(s, uid), subject="Direct", body="b", category="footage")
    assert [r.channel for r in _rows(db, user_id=uid) if r.subject == "Direct"] == ["inbox"]
    with db.uow() as s:
        assert token is not None and accounts.verify_email(s, token).email_verified is True
    with db.uow() as s:
        assert public_alerts.send_alert(s, alert, actor=SYSTEM, sender="x").recipients == 1
    from rtcc.core.errors import NotFound

    with db.uow() as s, pytest.raises(NotFound):
        accounts.verify_email(s, token)  # used
