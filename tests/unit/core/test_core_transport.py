"""HSTS only on answers served over TLS, and a forwarded https believed only from a configured proxy (issue 15)."""

from __future__ import annotations

import asyncio
from typing import Any

from rtcc.core.transport import StrictTransport


async def _inner(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]})
    await send({"type": "http.response.body", "body": b"ok"})


def _headers(scope: dict[str, Any], *, proxies: list[str], max_age: int = 600) -> dict[bytes, bytes]:
    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    asyncio.run(StrictTransport(_inner, max_age_s=max_age, trusted_proxies=proxies)(scope, receive, send))
    return dict(sent[0]["headers"])


def _scope(scheme: str, client: str, forwarded: str | None = None) -> dict[str, Any]:
    headers = [(b"x-forwarded-proto", forwarded.encode())] if forwarded else []
    return {"type": "http", "scheme": scheme, "client": (client, 5000), "headers": headers, "path": "/"}


def test_https_gets_hsts_and_http_does_not() -> None:
    hsts = _headers(_scope("https", "203.0.113.9"), proxies=[])
    assert hsts[b"strict-transport-security"] == b"max-age=600; includeSubDomains"
    assert b"strict-transport-security" not in _headers(_scope("http", "203.0.113.9"), proxies=[])


def test_forwarded_https_counts_only_from_a_trusted_proxy() -> None:
    spoofed = _scope("http", "203.0.113.9", "https")
    assert b"strict-transport-security" not in _headers(spoofed, proxies=["10.0.0.0/8"])
    proxied = _scope("http", "10.1.2.3", "https, http")
    assert b"strict-transport-security" in _headers(proxied, proxies=["10.0.0.0/8"])
    plain = _scope("http", "10.1.2.3", "http")
    assert b"strict-transport-security" not in _headers(plain, proxies=["10.0.0.0/8"])
    named = _scope("http", "testclient", "https")  # a peer that is no address is never trusted
    assert b"strict-transport-security" not in _headers(named, proxies=["10.0.0.0/8"])


def test_zero_max_age_disables_it() -> None:
    assert b"strict-transport-security" not in _headers(_scope("https", "203.0.113.9"), proxies=[], max_age=0)
