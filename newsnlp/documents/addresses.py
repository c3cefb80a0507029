"""Which addresses a fetch may connect to. A public address is one on the internet at large:
never loopback, private, link-local, shared (CGNAT), multicast, reserved, unspecified or a
documentation range, in any of the forms that embed an IPv4 address in IPv6 (IPv4-mapped
::ffff:a.b.c.d, IPv4-compatible ::7f00:1, NAT64 64:ff9b::/96, 6to4 2002::/16) or the site-local
fec0::/10 that Python's `is_global` lets through.

The policy: a URL the user names on the command line may be private (their intranet); once a
fetch has reached a public address, every later connection of it (a redirect, a robots.txt) must
be public too. The server names no private start at all (`public_only`)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]  # a host and port to its addresses, as text

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: local-use translation
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
_COMPATIBLE = ipaddress.ip_network("::/96")  # IPv4-compatible (deprecated): ::7f00:1 is 127.0.0.1
_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # SIIT (RFC 2765)
_SITE_LOCAL = ipaddress.ip_network("fec0::/10")
_TEREDO = ipaddress.ip_network("2001::/32")
_SHARED = ipaddress.ip_network("100.64.0.0/10")


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries, in the forms that route to it."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    number = int(address)
    if address in _COMPATIBLE or address in _TRANSLATED or address in _NAT64:
        return ipaddress.IPv4Address(number & 0xFFFFFFFF)
    if address in _SIX_TO_FOUR:
        return ipaddress.IPv4Address((number >> 80) & 0xFFFFFFFF)
    return None


def is_public_address(address: IPAddress) -> bool:
    """An address on the internet at large (see the module's docstring for what is not)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return False
        carried = embedded_ipv4(address)
        if carried is not None:
            return is_public_address(carried)
        if any(address in net for net in (_NAT64_LOCAL, _SITE_LOCAL, _TEREDO)):
            return False
    elif address in _SHARED:
        return False
    special = (address.is_private, address.is_loopback, address.is_link_local, address.is_multicast, address.is_reserved, address.is_unspecified)
    return address.is_global and not any(special)


def system_resolver(host: str, port: int) -> list[str]:
    """The system's addresses for a host (getaddrinfo), in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def parse_address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return None


@dataclass(frozen=True)
class AddressPolicy:
    """Where a fetcher may connect: `private_start` lets a fetch start at a private address (a
    URL the user named); `allow_hosts` are exempt from every check (the server's tests);
    `resolver` and `is_public` are injectable (tests stage a "public" host on loopback)."""

    private_start: bool = True
    allow_hosts: frozenset[str] = field(default_factory=frozenset)
    resolver: Resolver = system_resolver
    is_public: Callable[[IPAddress], bool] = is_public_address

    def refusal(self, address: IPAddress, public_seen: bool) -> str | None:
        """Why a connection to `address` is refused, or None if it is allowed."""
        if self.is_public(address):
            return None
        if not self.private_start:
            return f"resolves to {address}, a loopback, private or link-local address, which is never fetched"
        if public_seen:
            return f"redirected from a public address to {address}, a loopback, private or link-local address, which is refused"
        return None


def public_only(
    allow_hosts: list[str] | None = None, *, resolver: Resolver | None = None, is_public: Callable[[IPAddress], bool] | None = None
) -> AddressPolicy:
    """The server's policy: every connection to a public address only (`allow_hosts` exempt)."""
    return AddressPolicy(
        private_start=False,
        allow_hosts=frozenset(allow_hosts or ()),
        resolver=resolver or system_resolver,
        is_public=is_public or is_public_address,
    )
