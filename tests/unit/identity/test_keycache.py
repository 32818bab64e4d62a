"""The per-process API-key cache: what it keeps, for how long, and what makes it forget."""

from __future__ import annotations

import time

from rtcc.identity import keycache
from rtcc.identity.keycache import ApiKeyCache
from rtcc.identity.logic import SENSOR_PERMISSIONS, Principal


def _sensor(key_id: str = "k1") -> Principal:
    return Principal(kind="apikey", id=key_id, name="cam", role="sensor", permissions=SENSOR_PERMISSIONS)


def test_a_resolved_key_is_remembered_until_its_ttl() -> None:
    cache = ApiKeyCache(0.05)
    assert cache.get("rtcc_a_b") is None
    cache.put("rtcc_a_b", _sensor())
    assert cache.get("rtcc_a_b") == _sensor()
    assert cache.get("rtcc_a_c") is None  # another secret, even of the same prefix, is not
    deadline = time.monotonic() + 2
    while cache.get("rtcc_a_b") is not None:
        assert time.monotonic() < deadline, "entry outlived its ttl"
        time.sleep(0.01)


def test_forget_key_drops_every_secret_of_that_key_only() -> None:
    cache = ApiKeyCache(60)
    cache.put("s1", _sensor("k1"))
    cache.put("s2", _sensor("k2"))
    cache.forget_key("k1")
    assert cache.get("s1") is None
    assert cache.get("s2") == _sensor("k2")


def test_ttl_zero_keeps_nothing_and_users_are_never_kept() -> None:
    off = ApiKeyCache(0)
    off.put("s1", _sensor())
    assert off.get("s1") is None
    on = ApiKeyCache(60)
    user = Principal(kind="user", id="u1", name="ana", role="analyst", permissions=frozenset())
    on.put("token", user)
    assert on.get("token") is None


def test_the_cache_is_bounded() -> None:
    cache = ApiKeyCache(60)
    for i in range(keycache.MAX_ENTRIES + 5):
        cache.put(f"s{i}", _sensor(f"k{i}"))
    assert len(cache._entries) <= keycache.MAX_ENTRIES
    assert cache.get(f"s{keycache.MAX_ENTRIES + 4}") is not None  # the newest survive
