"""A short-lived, per-process memory of API keys already checked, so a camera's every request is not a database query.

Cameras send one read per request, many times a second, always with the same key. Resolving that key (a read
transaction, a query, a hash comparison) cost more than storing the read. ``ApiKeyCache`` remembers, for
``ttl_s`` seconds (``RTCC_API_KEY_CACHE_S``, default 2; 0 turns it off), the principal a key resolved to. It is keyed
by the SHA-256 of the secret, so the process never holds a secret it did not already receive, and only keys that
resolved are kept: an unknown or malformed key is looked up every time.

Expiry: when a key's entry ran out, every request of that key arriving before it was resolved again looked it up on
its own, and all of them waited for the database (a camera fleet at speed: dozens at once, every ``ttl_s``: a stall
that set the acknowledgement p99). Two things prevent that (``rtcc.identity.deps``): a key in use is renewed ahead,
by one background lookup started once its entry is past ``RENEW_AFTER`` of its life (requests go on with the entry,
which is still valid), and requests that do have to wait (a cold key) share one lookup (``inflight``). A renewal
that finds the key revoked forgets it at once.

Revocation: revoking a key through this process (``DELETE /api/v1/api-keys/{id}``) forgets it at once
(``forget_key``); a revocation made elsewhere (another server, ``rtcc apikeys revoke``) takes effect here within
``ttl_s``. That bound is the price of the cache, and why its default is short. A key's ``last_used_at`` is still
moved on a lookup that is due (every 30 s at most), so a cache hit never needs to write.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from rtcc.core.errors import NotAuthenticated
from rtcc.identity.logic import Principal

#: Key of the process's cache in ``Runtime.services``.
SERVICE_KEY = "identity.apikeys"
#: Fraction of an entry's life after which the next request that uses it starts renewing it (in the background).
RENEW_AFTER = 0.5
#: Most keys remembered (a city has hundreds of cameras; past this the oldest entries are dropped).
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class _Entry:
    principal: Principal
    expires: float
    renew_at: float


class ApiKeyCache:
    """Principals of recently resolved API keys, each for ``ttl_s`` seconds (thread-safe)."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[bytes, _Entry] = {}
        self._lock = threading.Lock()
        #: The lookup in progress for a key's digest, shared by the requests that present it meanwhile (an
        #: ``asyncio`` task of the event loop that started it; ``shared``).
        self.inflight: dict[bytes, asyncio.Task[Principal]] = {}

    @staticmethod
    def digest(secret: str) -> bytes:
        """What the cache keys a secret by (its SHA-256)."""
        return hashlib.sha256(secret.encode()).digest()

    def get(self, secret: str) -> Principal | None:
        """The principal ``secret`` resolved to less than ``ttl_s`` ago, else None."""
        return self.lookup(secret)[0]

    def lookup(self, secret: str) -> tuple[Principal | None, bool]:
        """``get``, and whether the entry is due for renewal (past ``RENEW_AFTER`` of its life)."""
        if self.ttl_s <= 0:
            return None, False
        digest = self.digest(secret)
        entry = self._entries.get(digest)
        if entry is None:
            return None, False
        now = time.monotonic()
        if entry.expires <= now:
            with self._lock:
                self._entries.pop(digest, None)
            return None, False
        return entry.principal, entry.renew_at <= now

    def shared(self, secret: str, resolve: Callable[[], Coroutine[Any, Any, Principal]]) -> asyncio.Task[Principal]:
        """The lookup of ``secret`` in progress on the running event loop, or a new one, ``resolve()``: the requests
        presenting that key meanwhile share it instead of each sending its own query. A lookup that ends with
        ``NotAuthenticated`` (the key was revoked or changed) forgets the key's entry at once."""
        digest = self.digest(secret)
        loop = asyncio.get_running_loop()
        pending = self.inflight.get(digest)
        if pending is None or pending.get_loop() is not loop:
            pending = loop.create_task(resolve())
            self.inflight[digest] = pending
            pending.add_done_callback(lambda done: self._settled(secret, digest, done))
        return pending

    def _settled(self, secret: str, digest: bytes, done: asyncio.Task[Principal]) -> None:
        """A shared lookup ended: the next one may start. Its outcome is retrieved here, so a lookup whose waiters
        all went away leaves no unretrieved exception behind."""
        if self.inflight.get(digest) is done:
            del self.inflight[digest]
        if not done.cancelled() and isinstance(done.exception(), NotAuthenticated):
            self.forget(secret)

    def forget(self, secret: str) -> None:
        """Drop ``secret``'s entry (it no longer resolves)."""
        with self._lock:
            self._entries.pop(self.digest(secret), None)

    def put(self, secret: str, principal: Principal) -> None:
        """Remember that ``secret`` resolved to ``principal`` (only API-key principals are kept)."""
        if self.ttl_s <= 0 or principal.kind != "apikey":
            return
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                for digest in list(self._entries)[: MAX_ENTRIES // 10]:
                    del self._entries[digest]
            now = time.monotonic()
            self._entries[self.digest(secret)] = _Entry(principal, now + self.ttl_s, now + self.ttl_s * RENEW_AFTER)

    def forget_key(self, key_id: str) -> None:
        """Drop every entry of the key ``key_id`` (it was revoked or changed in this process)."""
        with self._lock:
            for digest in [d for d, e in self._entries.items() if e.principal.id == key_id]:
                del self._entries[digest]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
