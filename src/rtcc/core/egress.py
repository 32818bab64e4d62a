"""Outbound HTTP to URLs that people supply (a camera's snapshot URL): resolve the host once, check every address
against the egress policy, and connect to the address that was checked.

Checking a name and then letting the HTTP client resolve it again is open to DNS rebinding: the name answers a
public address to the check and 127.0.0.1 to the connection (security issue 15 reached the server's loopback that
way). ``pin`` resolves once (an IP literal is not resolved), refuses when resolution fails (fail closed) or when any
address is refused by the ``EgressPolicy``, and rewrites the URL to the first address; ``get`` sends the request to
that address with the original ``Host`` header and, for HTTPS, the original name for SNI and certificate checks. The
resolver is a parameter (``Resolver``), so a test can stand in for DNS.

The policy: loopback, link-local (which holds the cloud metadata service, 169.254.169.254), multicast, unspecified
and reserved addresses, and the known metadata addresses, are always refused; private ranges (RFC 1918, unique-local
IPv6, carrier-grade NAT and the other non-global ranges) only unless ``allow_private`` (a city's camera LAN); an
address inside ``allowed_networks`` is accepted whatever it is (an explicit, narrow exception an operator writes down,
e.g. the camera VLAN, or a local camera proxy).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Cloud instance-metadata endpoints outside the link-local range (AWS IPv6, Alibaba, Oracle's is link-local).
METADATA = frozenset(ipaddress.ip_address(a) for a in ("fd00:ec2::254", "100.100.100.200"))


class EgressRefused(Exception):
    """The URL may not be fetched: bad scheme or host, resolution failed, or an address the policy refuses."""


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses of ``host`` from the operating system's resolver (``getaddrinfo``), in its order."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class EgressPolicy:
    """Which addresses outbound requests may reach (see the module docstring)."""

    allow_private: bool = False
    allowed_networks: tuple[Network, ...] = ()

    @classmethod
    def of(cls, *, allow_private: bool, allowed_networks: Sequence[str] = ()) -> EgressPolicy:
        """A policy from settings values (networks as CIDR strings; a bad one raises ValueError naming it)."""
        return cls(allow_private, tuple(ipaddress.ip_network(n, strict=False) for n in allowed_networks))

    def refusal(self, address: str) -> str | None:
        """Why ``address`` may not be reached (e.g. ``"loopback"``), or None when it may."""
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
        if any(ip in net for net in self.allowed_networks):
            return None
        for reason, hit in (
            ("loopback", ip.is_loopback),
            ("link-local", ip.is_link_local),
            ("cloud metadata", ip in METADATA),
            ("multicast", ip.is_multicast),
            ("unspecified", ip.is_unspecified),
            ("reserved", ip.is_reserved),
        ):
            if hit:
                return reason
        if not ip.is_global and not self.allow_private:
            return "private"
        return None


@dataclass(frozen=True)
class Pinned:
    """A URL rewritten to the checked address, with what the request must say about the original host."""

    url: str
    address: str
    host_header: str
    sni_hostname: str | None


async def pin(url: str, policy: EgressPolicy, resolver: Resolver = system_resolver) -> Pinned:
    """Resolve the URL's host once, check every address, and rewrite the URL to the first; ``EgressRefused`` says
    why not."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise EgressRefused("only http and https URLs are fetched")
    host = parts.hostname
    if not host:
        raise EgressRefused("the URL has no host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    literal = _is_ip(host)
    if literal:
        addresses: Sequence[str] = [host]
    else:
        try:
            addresses = await resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise EgressRefused(f"the host could not be resolved ({type(exc).__name__})") from exc
        if not addresses:
            raise EgressRefused("the host could not be resolved (no address)")
    for address in addresses:
        reason = policy.refusal(address)
        if reason is not None:
            raise EgressRefused(f"the URL points at an internal address ({reason})")
    address = addresses[0].split("%", 1)[0]
    hostport = parts.netloc.rpartition("@")[2]
    userinfo = parts.netloc[: len(parts.netloc) - len(hostport)]
    target = f"[{address}]" if ":" in address else address
    netloc = f"{userinfo}{target}:{parts.port}" if parts.port else f"{userinfo}{target}"
    pinned = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    sni = host if parts.scheme == "https" and not literal else None
    return Pinned(url=pinned, address=address, host_header=hostport, sni_hostname=sni)


async def get(
    client: httpx.AsyncClient, url: str, policy: EgressPolicy, resolver: Resolver = system_resolver
) -> httpx.Response:
    """GET ``url`` from the address ``pin`` checked (no second lookup); raises ``EgressRefused`` or httpx errors.
    The client must not follow redirects (a redirect would be a new, unchecked URL)."""
    target = await pin(url, policy, resolver)
    extensions: dict[str, Any] = {"sni_hostname": target.sni_hostname} if target.sni_hostname else {}
    return await client.get(target.url, headers={"Host": target.host_header}, extensions=extensions)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True
