"""``rtcc bench notify``: a public alert fanned out to 50,000 subscribers, then delivered by concurrent workers
through a slow channel that fails in both ways a real relay does, counting what each subscriber received.

Setup (not timed): the derived neighborhoods, ``rows`` (default 50,000) community accounts subscribed to burglary
alerts inside the north-west sector (half by neighborhood, half by a radius around their home), plus 10 % more
accounts that must not be reached (another sector, or another category). Accounts are bulk-inserted with one shared
password hash (argon2 per account would dominate the setup).

Timed:
- ``enqueue_s``: ``community.public_alerts.send_alert`` (match subscriptions, fan out into the outbox) and its commit.
- baseline, same run: ``raw_insert_s``, the driver's own ``executemany`` of the same number of outbox rows (one
  ``INSERT`` statement through the DB-API cursor, no SQLAlchemy in between; then removed).
- a retried fan-out of the same alert (``refanout_added`` must be 0).
- ``deliver_s``: ``WORKERS`` threads run ``notify.delivery.deliver_once`` until nothing is pending, with a lease
  (``lease_s``) shorter than the time one batch takes to send (``BATCH`` messages at ``send_latency_ms`` each), so
  every batch outlives its first lease and is only kept by renewing it. The channel's first attempt at a fixed share of
  messages fails *before* delivering (``refused_before_delivery``: a refused connection) and at another share fails
  *after* delivering (``failed_after_delivery``: the message reached the recipient, then a timeout came back instead of
  the acknowledgement), as SMTP relays and SMS gateways do. Failed rows retry with back-off 0.

Duplicates are counted as a receiver that ignores the Message-ID / idempotency key would see them: ``duplicates``
is every delivery beyond the first of the same message. A failure after delivery makes the outbox retry a message the
recipient already has, so each one can add a duplicate that no sender can avoid (it cannot know the message arrived);
those are ``duplicates_after_failed_delivery`` (the retry carries the same message id, so a receiver honouring it drops
them). Every other duplicate is ``duplicates_unexplained`` (a second send by the outbox itself, e.g. of a row whose
lease expired during a slow batch) and must be 0. ``lost`` counts messages no recipient received.
Keys: subscribers, enqueue_s, raw_insert_s, ratio, refanout_added, delivered, duplicates,
duplicates_after_failed_delivery, duplicates_unexplained, duplicates_counting, failed_after_delivery,
refused_before_delivery, lost, deliver_s, lease_s, send_latency_ms, batch, left_undelivered, dead, worker_errors,
workers, database, accounts.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections import Counter
from typing import Any

import numpy as np
from argon2 import PasswordHasher
from sqlalchemy import delete, func, insert, select

from rtcc.bench._support import scratch_database
from rtcc.community import neighborhoods, public_alerts
from rtcc.community.models import CommunityProfile, Subscription
from rtcc.community.schemas import AlertArea, AlertCreate
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.identity.logic import SYSTEM
from rtcc.identity.models import User
from rtcc.notify import delivery
from rtcc.notify.models import OutboxMessage
from rtcc.notify.schemas import Outbound

WORKERS = 4
BATCH = 500
#: Shares of messages whose first attempt fails before delivering (refused) and after delivering (ack lost).
REFUSE_SHARE = 0.05
LOSE_ACK_SHARE = 0.02
#: One send takes this long (a relay's round trip), so a batch of BATCH takes BATCH * SEND_LATENCY_S to send ...
SEND_LATENCY_S = 0.005
#: ... longer than the lease (2.5 s against 2 s), which only renewing keeps.
LEASE_S = 2.0


class FlakyRecordingChannel:
    """Records every delivery by message id and recipient. The first attempt at a fixed share of messages is refused
    before delivery; the first attempt at another share delivers and then raises (the acknowledgement is lost).

    Which messages fail is drawn from a hash of the seed and the recipient (the bench's accounts are seeded), not from
    the message id (random on both databases), so the same run fails the same messages: a tiny run cannot draw none."""

    name = "email"

    def __init__(self, refuse_share: float, lose_ack_share: float, seed: int, latency_s: float = 0.0) -> None:
        self.refuse_share = refuse_share
        self.lose_ack_share = lose_ack_share
        self.seed = seed
        self.latency_s = latency_s
        self.received: Counter[uuid.UUID] = Counter()
        self.recipients: Counter[str] = Counter()
        self.refused: set[uuid.UUID] = set()
        self.ack_lost: set[uuid.UUID] = set()
        self.lock = threading.Lock()

    def send(self, message: Outbound) -> None:
        digest = hashlib.blake2b(f"{self.seed}:{message.recipient}".encode(), digest_size=8).digest()
        draw = (int.from_bytes(digest, "big") % 10_000) / 10_000
        if self.latency_s:
            time.sleep(self.latency_s)
        with self.lock:
            first = message.id not in self.refused and message.id not in self.ack_lost
            if first and draw < self.refuse_share:
                self.refused.add(message.id)
                raise ConnectionRefusedError("transient: relay busy")
            self.received[message.id] += 1
            self.recipients[message.recipient] += 1
            if first and draw < self.refuse_share + self.lose_ack_share:
                self.ack_lost.add(message.id)
                raise TimeoutError("delivered, but the acknowledgement timed out")

    def duplicates(self) -> tuple[int, int, int]:
        """(all duplicates, those of messages whose delivery was followed by a failure, the rest)."""
        with self.lock:
            extra = {mid: n - 1 for mid, n in self.received.items() if n > 1}
            after_failure = sum(min(n, 1) for mid, n in extra.items() if mid in self.ack_lost)
            total = sum(extra.values())
        return total, after_failure, total - after_failure


def _populate(db: Database, n: int, rng: np.random.Generator) -> None:
    with db.uow() as s:
        neighborhoods.install_from_profile(s)
        rings = {h.code: h.polygon for h in neighborhoods.list_neighborhoods(s)}
    xs, ys = [p[0] for p in rings["nw"]], [p[1] for p in rings["nw"]]
    (x0, y0), (x1, y1) = (min(xs), min(ys)), (max(xs), max(ys))
    extra = n // 10
    total = n + extra
    password_hash = PasswordHasher().hash("bench-password-not-used")
    now = utcnow()
    lats = rng.uniform(min(y0, y1) + 0.001, max(y0, y1) - 0.001, size=total)
    lons = rng.uniform(min(x0, x1) + 0.001, max(x0, x1) - 0.001, size=total)
    users, profiles, subs = [], [], []
    for i in range(total):
        uid = uuid.uuid4()
        reached = i < n
        users.append(
            {"id": uid, "username": f"bench{i}", "display_name": f"Bench {i}", "password_hash": password_hash,
             "role": "resident", "unit": None, "division": None, "is_active": True, "created_at": now,
             "last_login_at": None}
        )  # fmt: skip
        profiles.append(
            {"user_id": uid, "username": f"bench{i}", "display_name": f"Bench {i}", "account_type": "resident",
             "email": f"bench{i}@example.org", "phone": None, "address": None, "lat": float(lats[i]),
             "lon": float(lons[i]), "neighborhood_code": "nw", "email_opt_in": True, "sms_opt_in": False,
             "muted_categories": [], "email_verified_at": now, "email_verify_token": None, "signup_ip": None,
             "created_at": now, "updated_at": now}
        )  # fmt: skip
        by_radius = i % 2 == 1
        if reached:
            code, cats = "nw", ["burglary", "traffic"]  # a radius subscription records its centre's neighborhood
        else:  # not reached: another sector, or another category
            code, cats = ("se", ["burglary"]) if i % 2 == 0 else ("nw", ["traffic"])
            by_radius = False
        subs.append(
            {"id": uuid.uuid4(), "user_id": uid, "area_kind": "radius" if by_radius else "neighborhood",
             "neighborhood_code": code, "lat": float(lats[i]) if by_radius else None,
             "lon": float(lons[i]) if by_radius else None, "radius_m": 300.0 if by_radius else None,
             "categories": cats, "channels": ["email"], "active": True, "created_at": now, "ended_at": None}
        )  # fmt: skip
    with db.engine.begin() as conn:
        for i in range(0, total, 5000):
            conn.execute(insert(User), users[i : i + 5000])
            conn.execute(insert(CommunityProfile), profiles[i : i + 5000])
            conn.execute(insert(Subscription), subs[i : i + 5000])


_OUTBOX_COLS = (
    "id", "dedup_key", "user_id", "alert_id", "subscription_id", "channel", "recipient", "category", "subject", "body",
    "link", "unsubscribe_token", "status", "attempts", "next_attempt_at", "lease_until", "leased_by", "last_error",
    "created_at", "sent_at",
)  # fmt: skip


def _baseline(db: Database, n: int) -> float:
    """The driver's own bulk insert of ``n`` outbox rows shaped like the fan-out's (same table and indexes): SQLite
    ``executemany`` on the DB-API cursor, PostgreSQL ``COPY``; then removed."""
    now = utcnow()
    with db.read() as s:
        user_ids = list(s.scalars(select(CommunityProfile.user_id).limit(n)))
    sqlite = db.dialect == "sqlite"
    stamp: Any = now.replace(tzinfo=None).isoformat(sep=" ") if sqlite else now

    def key(u: uuid.UUID) -> Any:
        return u.hex if sqlite else u

    rows = [
        (key(uuid.uuid4()), f"baseline:{i}", key(user_ids[i % len(user_ids)]), None, None, "baseline",
         f"bench{i}@example.org", "burglary", "s", "b", None, f"baseline-{i}", "pending", 0, stamp, None, None, None,
         stamp, None)
        for i in range(n)
    ]  # fmt: skip
    cols = ", ".join(_OUTBOX_COLS)
    raw = db.engine.raw_connection()
    try:
        cur: Any = raw.cursor()
        t0 = time.perf_counter()
        if sqlite:
            cur.execute("BEGIN")
            cur.executemany(
                f"INSERT INTO community_outbox ({cols}) VALUES ({', '.join('?' * len(_OUTBOX_COLS))})", rows
            )
            cur.execute("COMMIT")
        else:
            with cur.copy(f"COPY community_outbox ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            raw.commit()
        elapsed = time.perf_counter() - t0
    finally:
        raw.close()
    with db.engine.begin() as conn:
        conn.execute(delete(OutboxMessage).where(OutboxMessage.channel == "baseline"))
    return elapsed


def run(*, rows: int | None = None, database_url: str | None = None) -> dict[str, Any]:
    """Measure fan-out and delivery of one alert to ``rows`` subscribers; return the figures."""
    n = rows or 50_000
    rng = np.random.default_rng(20261122)
    with scratch_database(database_url) as url:
        db = Database(url)
        _populate(db, n, rng)
        raw_s = _baseline(db, n)

        data = AlertCreate(
            category="burglary",
            headline="Burglaries in the north-west",
            body="Several break-ins were reported overnight. Lock doors and report anything suspicious.",
            area=AlertArea(neighborhood_code="nw"),
        )
        t0 = time.perf_counter()
        with db.uow() as s:
            alert = public_alerts.send_alert(s, data, actor=SYSTEM, sender="alerts@cerritos.example")
            alert_id, enqueued = alert.id, alert.recipients
        enqueue_s = time.perf_counter() - t0

        with db.uow() as s:
            again = public_alerts.fan_out(s, public_alerts.get_alert(s, alert_id))
        refanout_added = again - enqueued

        channel = FlakyRecordingChannel(REFUSE_SHARE, LOSE_ACK_SHARE, seed=20261122, latency_s=SEND_LATENCY_S)
        delivery_log = logging.getLogger(delivery.__name__)
        level = delivery_log.level
        delivery_log.setLevel(logging.ERROR)  # one warning per failed send would drown the figures
        errors: list[BaseException] = []

        def worker(name: str) -> None:
            try:
                idle = 0
                while idle < 3:
                    r = delivery.deliver_once(
                        db, {"email": channel}, worker=name, batch=BATCH, lease_s=LEASE_S, max_attempts=5, backoff_s=0
                    )
                    idle = idle + 1 if r.claimed == 0 else 0
            except BaseException as exc:  # reported below, the bench asserts nothing
                errors.append(exc)

        t0 = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(f"bench-{i}",)) for i in range(WORKERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        deliver_s = time.perf_counter() - t0
        delivery_log.setLevel(level)

        with db.read() as s:
            left = s.scalar(select(func.count()).where(OutboxMessage.status.in_(["pending", "sending"]))) or 0
            dead = s.scalar(select(func.count()).where(OutboxMessage.status == "dead")) or 0
        db.dispose()
    duplicates, after_failure, unexplained = channel.duplicates()
    return {
        "subscribers": enqueued,
        "enqueue_s": round(enqueue_s, 3),
        "raw_insert_s": round(raw_s, 3),
        "ratio": round(enqueue_s / raw_s, 2) if raw_s else 0.0,
        "refanout_added": refanout_added,
        "delivered": len(channel.received),
        "duplicates": duplicates,
        "duplicates_after_failed_delivery": after_failure,
        "duplicates_unexplained": unexplained,
        "duplicates_counting": (
            "every delivery beyond the first of a message id (a receiver ignoring Message-ID); "
            "after_failed_delivery: retries of messages whose first send delivered then raised a timeout "
            "(unavoidable for the sender, dropped by a receiver honouring the id); unexplained: all others"
        ),
        "failed_after_delivery": len(channel.ack_lost),
        "refused_before_delivery": len(channel.refused),
        "lost": enqueued - len(channel.received),
        "deliver_s": round(deliver_s, 3),
        "lease_s": LEASE_S,
        "send_latency_ms": SEND_LATENCY_S * 1000,
        "batch": BATCH,
        "left_undelivered": int(left),
        "dead": int(dead),
        "worker_errors": len(errors),
        "workers": WORKERS,
        "database": "postgresql" if database_url and database_url.startswith("postgresql") else "sqlite",
        "accounts": n + n // 10,
    }
