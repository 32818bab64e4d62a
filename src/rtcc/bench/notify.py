"""``rtcc bench notify``: a public alert fanned out to 50,000 subscribers, then delivered by concurrent workers
through a channel whose sends fail transiently, counting what each subscriber received.

Setup (not timed): the derived neighborhoods, ``rows`` (default 50,000) community accounts subscribed to burglary
alerts inside the north-west sector (half by neighborhood, half by a radius around their home), plus 10 % more
accounts that must not be reached (another sector, or another category). Accounts are bulk-inserted with one shared
password hash (argon2 per account would dominate the setup).

Timed:
- ``enqueue_s``: ``community.service.send_alert`` (match subscriptions, fan out into the outbox) and its commit.
- baseline, same run: ``raw_insert_s``, a plain executemany of the same number of outbox rows (then removed).
- a retried fan-out of the same alert (``refanout_added`` must be 0).
- ``deliver_s``: 4 worker threads run ``community.delivery.deliver_once`` until nothing is pending; the channel fails
  the first attempt of ~5 % of messages before delivering (a refused connection); failed rows retry with back-off 0.
Keys: subscribers, enqueue_s, duplicates, delivered, retries, deliver_s, raw_insert_s, ratio, database.
"""

from __future__ import annotations

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
from rtcc.community import delivery, service
from rtcc.community.models import CommunityProfile, OutboxMessage, Subscription
from rtcc.community.schemas import AlertArea, AlertCreate
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.identity.logic import SYSTEM
from rtcc.identity.models import User

WORKERS = 4
BATCH = 500
FAIL_SHARE = 0.05


class FlakyRecordingChannel:
    """Records every delivery by recipient; refuses the first attempt of a fixed share of messages."""

    name = "email"

    def __init__(self, fail_share: float, seed: int) -> None:
        self.fail_share = fail_share
        self.seed = seed
        self.received: Counter[str] = Counter()
        self.refused: set[uuid.UUID] = set()
        self.lock = threading.Lock()

    def send(self, message: service.Outbound) -> None:
        doomed = (message.id.int ^ self.seed) % 10_000 < self.fail_share * 10_000
        with self.lock:
            if doomed and message.id not in self.refused:
                self.refused.add(message.id)
                raise ConnectionRefusedError("transient: relay busy")
            self.received[message.recipient] += 1


def _populate(db: Database, n: int, rng: np.random.Generator) -> None:
    with db.uow() as s:
        service.install_default_neighborhoods(s)
        rings = {h.code: h.polygon for h in service.list_neighborhoods(s)}
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


def _baseline(db: Database, n: int) -> float:
    """Plain executemany of ``n`` outbox rows shaped like the fan-out's (same table and indexes), then removed."""
    now = utcnow()
    with db.read() as s:
        user_ids = list(s.scalars(select(CommunityProfile.user_id).limit(n)))
    rows: list[dict[str, Any]] = [
        {"id": uuid.uuid4(), "dedup_key": f"baseline:{i}", "user_id": user_ids[i % len(user_ids)], "alert_id": None,
         "subscription_id": None, "channel": "baseline", "recipient": f"bench{i}@example.org", "category": "burglary",
         "subject": "s", "body": "b", "link": None, "unsubscribe_token": f"baseline-{i}", "status": "pending",
         "attempts": 0, "next_attempt_at": now, "lease_until": None, "leased_by": None, "last_error": None,
         "created_at": now, "sent_at": None}
        for i in range(n)
    ]  # fmt: skip
    t0 = time.perf_counter()
    with db.engine.begin() as conn:
        conn.execute(insert(OutboxMessage), rows)
    elapsed = time.perf_counter() - t0
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
            alert = service.send_alert(s, data, actor=SYSTEM, sender="alerts@cerritos.example")
            alert_id, enqueued = alert.id, alert.recipients
        enqueue_s = time.perf_counter() - t0

        with db.uow() as s:
            again = service.fan_out(s, service.get_alert(s, alert_id))
        refanout_added = again - enqueued

        channel = FlakyRecordingChannel(FAIL_SHARE, seed=20261122)
        delivery_log = logging.getLogger(delivery.__name__)
        level = delivery_log.level
        delivery_log.setLevel(logging.ERROR)  # one warning per refused send would drown the figures
        errors: list[BaseException] = []

        def worker(name: str) -> None:
            try:
                idle = 0
                while idle < 3:
                    r = delivery.deliver_once(
                        db, {"email": channel}, worker=name, batch=BATCH, lease_s=300, max_attempts=5, backoff_s=0
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
    duplicates = sum(c - 1 for c in channel.received.values() if c > 1)
    return {
        "subscribers": enqueued,
        "enqueue_s": round(enqueue_s, 3),
        "raw_insert_s": round(raw_s, 3),
        "ratio": round(enqueue_s / raw_s, 2) if raw_s else 0.0,
        "refanout_added": refanout_added,
        "delivered": len(channel.received),
        "duplicates": duplicates,
        "retries": len(channel.refused),
        "deliver_s": round(deliver_s, 3),
        "left_undelivered": int(left),
        "dead": int(dead),
        "worker_errors": len(errors),
        "workers": WORKERS,
        "database": "postgresql" if database_url and database_url.startswith("postgresql") else "sqlite",
        "accounts": n + n // 10,
    }
