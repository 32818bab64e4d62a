"""Outbound requests to user-supplied URLs connect to the address that was checked (``rtcc.core.egress``; security
issue 15: DNS rebinding made the camera snapshot probe reach 127.0.0.1)."""

from __future__ import annotations

import asyncio
import socket
import uuid

import httpx
import pytest

from rtcc.cameras import jobs
from rtcc.core import egress

PUBLIC = "93.184.216.34"


class Rebinding:
    """A resolver stub: a public address the first time, 127.0.0.1 every time after."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        return [PUBLIC] if len(self.calls) == 1 else ["127.0.0.1"]


def _client(seen: list[httpx.Request]) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"jpg")

    return httpx.AsyncClient(transport=httpx.MockTransport(handler), follow_redirects=False)


def _probe(
    url: str, resolver: egress.Resolver, policy: egress.EgressPolicy | None = None
) -> tuple[jobs.ProbeOutcome, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    async def run() -> jobs.ProbeOutcome:
        async with _client(seen) as client:
            return await jobs.probe_one(
                client, uuid.uuid4(), "C-1", url, policy=policy or egress.EgressPolicy(), resolver=resolver
            )

    return asyncio.run(run()), seen


def test_dns_rebinding_cannot_reach_loopback() -> None:
    resolver = Rebinding()
    outcome, seen = _probe("http://cam.example.com:8080/snap.jpg?token=x", resolver)
    assert outcome.error is None and resolver.calls == ["cam.example.com"]  # resolved once
    (request,) = seen
    assert request.url.host == PUBLIC and request.url.port == 8080  # the connection goes to the first answer
    assert request.url.raw_path == b"/snap.jpg?token=x" and request.headers["host"] == "cam.example.com:8080"


def test_resolution_failure_fails_closed() -> None:
    async def broken(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    outcome, seen = _probe("http://nowhere.example/snap.jpg", broken)
    assert outcome.error is not None and outcome.error.startswith("refused: the host could not be resolved")
    assert seen == []

    async def empty(host: str, port: int) -> list[str]:
        return []

    assert (
        _probe("http://nowhere.example/snap.jpg", empty)[0].error
        == "refused: the host could not be resolved (no address)"
    )


def test_any_internal_answer_is_refused() -> None:
    async def mixed(host: str, port: int) -> list[str]:
        return [PUBLIC, "169.254.169.254"]

    outcome, seen = _probe("http://cam.example.com/snap.jpg", mixed, egress.EgressPolicy(allow_private=True))
    assert outcome.error == "refused: the URL points at an internal address (link-local)" and seen == []


@pytest.mark.parametrize(
    ("address", "lan", "reason"),
    [
        ("127.0.0.1", True, "loopback"),
        ("::1", True, "loopback"),
        ("::ffff:127.0.0.1", True, "loopback"),
        ("169.254.169.254", True, "link-local"),
        ("fe80::1%eth0", True, "link-local"),
        ("fd00:ec2::254", True, "cloud metadata"),
        ("0.0.0.0", True, "unspecified"),
        ("224.0.0.1", True, "multicast"),
        ("240.0.0.1", True, "reserved"),
        ("10.20.0.5", False, "private"),
        ("192.168.1.20", False, "private"),
        ("100.64.0.1", False, "private"),
        ("10.20.0.5", True, None),
        ("192.168.1.20", True, None),
        (PUBLIC, False, None),
        ("2606:4700::1111", False, None),
    ],
)
def test_policy(address: str, lan: bool, reason: str | None) -> None:
    assert egress.EgressPolicy(allow_private=lan).refusal(address) == reason


def test_allowed_networks_are_exact_exceptions() -> None:
    policy = egress.EgressPolicy.of(allow_private=False, allowed_networks=["10.20.0.0/16", "127.0.0.1/32"])
    assert policy.refusal("10.20.3.4") is None and policy.refusal("127.0.0.1") is None
    assert policy.refusal("10.21.0.1") == "private" and policy.refusal("127.0.0.2") == "loopback"
    with pytest.raises(ValueError):
        egress.EgressPolicy.of(allow_private=False, allowed_networks=["not-a-network"])


def test_https_keeps_the_name_for_sni_and_literals_are_not_resolved() -> None:
    resolver = Rebinding()
    pinned = asyncio.run(egress.pin("https://user:pw@cam.example.com/snap.jpg", egress.EgressPolicy(), resolver))
    assert pinned.url == f"https://user:pw@{PUBLIC}/snap.jpg" and pinned.sni_hostname == "cam.example.com"
    assert pinned.host_header == "cam.example.com"
    literal = asyncio.run(egress.pin("http://[2606:4700::1111]:81/x", egress.EgressPolicy(), resolver))
    assert literal.url == "http://[2606:4700::1111]:81/x" and literal.sni_hostname is None
    assert resolver.calls == ["cam.example.com"]
    for bad in ("ftp://cam.example.com/x", "http:///x"):
        with pytest.raises(egress.EgressRefused):
            asyncio.run(egress.pin(bad, egress.EgressPolicy(), resolver))
