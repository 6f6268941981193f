"""The one answer to "which address is this client?", used by every per-address limit.

Behind a reverse proxy every request comes from the proxy, so one flood would throttle everyone. The proxy's
X-Forwarded-For / Forwarded headers name the real client, but anyone can send those headers: they are believed
only when the peer is a configured trusted proxy (MADOGUCHI_TRUSTED_PROXIES), and then read from the
right (the hop the trusted proxy added) until the first address that is not itself a trusted proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from starlette.requests import HTTPConnection

__all__ = ["UNKNOWN", "client_address", "forwarded_chain", "resolve_client"]

UNKNOWN = "unknown"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(text: str) -> str | None:
    """A bare IP address from a header entry ('1.2.3.4', '"[2001:db8::1]:4711"', '1.2.3.4:80'), else None."""
    value = text.strip().strip('"').strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:  # IPv4 with a port
        value = value.partition(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def forwarded_chain(forwarded: Sequence[str], x_forwarded_for: Sequence[str]) -> list[str | None]:
    """The hops the proxies recorded, client first; None for an entry that is not an address ('unknown',
    an obfuscated name, garbage). RFC 7239 `Forwarded` wins over X-Forwarded-For when both are present."""
    if forwarded:
        hops: list[str | None] = []
        for element in ",".join(forwarded).split(","):
            pairs = (pair.partition("=") for pair in element.split(";"))
            named = {key.strip().lower(): value for key, _, value in pairs}
            hops.append(_address(named["for"]) if "for" in named else None)
        return hops
    return [_address(hop) for hop in ",".join(x_forwarded_for).split(",")] if x_forwarded_for else []


def _trusted(address: str, networks: Iterable[Network]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in networks)


def resolve_client(peer: str | None, chain: Sequence[str | None], trusted: Sequence[Network]) -> str:
    """The client's address: the peer itself unless it is a trusted proxy; then the rightmost hop that is not
    a trusted proxy. A malformed hop stops the walk at the proxy that reported it (it cannot be believed)."""
    if peer is None or _address(peer) is None:
        return peer or UNKNOWN
    current = str(_address(peer))
    for hop in reversed(chain):
        if not _trusted(current, trusted):
            return current
        if hop is None:
            return current
        current = hop
    return current


def client_address(connection: HTTPConnection) -> str:
    """This request's client address, proxy headers believed only from the app's trusted proxies."""
    peer = connection.client.host if connection.client else None
    networks = _networks(tuple(connection.app.state.settings.trusted_proxies))
    if not networks:
        return peer or UNKNOWN
    chain = forwarded_chain(
        connection.headers.getlist("forwarded"), connection.headers.getlist("x-forwarded-for")
    )
    return resolve_client(peer, chain, networks)


_parsed: dict[tuple[str, ...], tuple[Network, ...]] = {}


def _networks(configured: tuple[str, ...]) -> tuple[Network, ...]:
    found = _parsed.get(configured)
    if found is None:
        found = tuple(ipaddress.ip_network(item, strict=False) for item in configured)
        _parsed[configured] = found
    return found
