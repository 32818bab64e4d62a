"""HTTP Strict Transport Security: tell browsers to use HTTPS only, on every answer that went out over TLS.

A request came over TLS when the server itself speaks TLS (ASGI scheme ``https``) or when it came through a proxy we
trust (its address is in ``RTCC_TRUSTED_PROXIES``) that says so in ``X-Forwarded-Proto: https``. The header is never
sent over plain http (RFC 6797 section 7.2: a browser ignores it there, and a demo on http://localhost must not pin
itself to https), and a client that is not a trusted proxy cannot switch it on by sending the forwarded header.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from ipaddress import ip_address, ip_network
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _trusted(peer: str | None, networks: list[Any]) -> bool:
    if not peer or not networks:
        return False
    try:
        addr = ip_address(peer)
    except ValueError:
        return False
    return any(addr in net for net in networks)


def over_tls(scope: Scope, networks: list[Any]) -> bool:
    """True when the request came over TLS: ASGI scheme https, or a trusted proxy's ``X-Forwarded-Proto: https``."""
    if scope.get("scheme") in ("https", "wss"):
        return True
    client = scope.get("client")
    if not _trusted(client[0] if client else None, networks):
        return False
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-proto":
            return bool(value.split(b",")[0].strip().lower() == b"https")
    return False


class StrictTransport:
    """ASGI middleware adding ``Strict-Transport-Security`` to answers of requests that came over TLS."""

    def __init__(self, app: ASGIApp, *, max_age_s: int, trusted_proxies: Iterable[str]) -> None:
        self.app = app
        self.value = f"max-age={max_age_s}; includeSubDomains".encode()
        self.enabled = max_age_s > 0
        self.networks = [ip_network(p, strict=False) for p in trusted_proxies]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.enabled or not over_tls(scope, self.networks):
            await self.app(scope, receive, send)
            return

        async def send_with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"strict-transport-security"]
                headers.append((b"strict-transport-security", self.value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_hsts)
