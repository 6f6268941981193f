"""What the phone line refuses before it spends a port on a request, and how much one source may hold.

Pure checks with no SIP library in them, so the rules can be read (and tested) on their own:

- a request is well formed: a Content-Length that is a number and matches the datagram's body, a Request-URI
  that is a ``sip:``/``sips:``/``tel:`` URI (else 400);
- the caller's media address can be served: an IPv4 unicast address on the family our RTP sockets use, and a
  port that is not 0 (else 488), so no call is answered whose every audio frame would fail;
- the source may talk to us at all (``MADOGUCHI_PHONE_SIP_ALLOWED_SOURCES``: the trunk's addresses) and holds
  no more than its share of dialogs that are not yet confirmed (a flood of INVITEs that are never ACKed cannot
  take every RTP port and starve real callers);
- a log line repeated every 20 ms is written once per interval with a count of the ones left out.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "RepeatFilter",
    "SourceLimits",
    "ThrottledLog",
    "allowed_networks",
    "content_length_problem",
    "media_target_problem",
    "request_uri_problem",
]

_DIGITS = re.compile(r"^[0-9]{1,7}$")
_URI = re.compile(r"^(sips?:[^\s<>\"]+@?[^\s<>\"]*|tel:\+?[0-9A-Fa-f*#().\-;=a-z]+)$", re.IGNORECASE)
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-]+)(:[0-9]{1,5})?$")


def content_length_problem(declared: str | None, body: bytes) -> str | None:
    """Why the Content-Length is unacceptable (RFC 3261 §18.3 over UDP: it must match), or None."""
    if declared is None:
        return None if not body else "body without Content-Length"
    value = declared.strip()
    if not _DIGITS.match(value):
        return f"Content-Length {value[:20]!r} is not a number"
    if int(value) != len(body):
        return f"Content-Length {int(value)} but the body has {len(body)} bytes"
    return None


def request_uri_problem(uri: str) -> str | None:
    """Why the Request-URI is not a SIP/tel URI we can route, or None."""
    if len(uri) > 512 or not _URI.match(uri):
        return "Request-URI is not a sip:, sips: or tel: URI"
    if uri.lower().startswith("tel:"):
        return None
    rest = uri.split(":", 1)[1].split(";", 1)[0].split("?", 1)[0]
    host = rest.rsplit("@", 1)[-1]
    if not host or not _HOST.match(host):
        return "Request-URI has no usable host"
    if ":" in host and not host.startswith("["):
        port = host.rsplit(":", 1)[1]
        if not 0 < int(port) <= 65535:
            return "Request-URI port out of range"
    return None


def media_target_problem(address: str, port: int) -> str | None:
    """Why RTP cannot be sent to (address, port) from our IPv4 sockets, or None."""
    if not 0 < port <= 65535:
        return f"media port {port} (0 means the stream is refused)"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"media address {address[:60]!r} is not an IP address"
    if ip.version != 4:
        return f"media address {address} is IPv6; the line's RTP is IPv4"
    if ip.is_unspecified or ip.is_multicast or ip == ipaddress.IPv4Address("255.255.255.255"):
        return f"media address {address} is not a unicast address"
    return None


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def allowed_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """The allow-list's CIDRs (a bare address is a /32 or /128); raises ValueError naming a bad entry."""
    networks: list[Network] = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(
                f"MADOGUCHI_PHONE_SIP_ALLOWED_SOURCES: {value!r} is not an address or CIDR"
            ) from exc
    return tuple(networks)


def source_allowed(host: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


@dataclass(slots=True)
class SourceLimits:
    """Dialogs not yet confirmed (INVITE seen, ACK not yet), counted per source host and in all.

    ``admit`` before the line spends anything on an INVITE; ``release`` once the ACK arrives or the dialog is
    over (whichever first; releasing twice is harmless).
    """

    per_source: int
    overall: int
    _by_source: Counter[str] = field(default_factory=Counter)
    _holders: dict[str, str] = field(default_factory=dict)  # call-id -> source host

    def admit(self, call_id: str, host: str) -> bool:
        if call_id in self._holders:
            return True
        if len(self._holders) >= self.overall or self._by_source[host] >= self.per_source:
            return False
        self._holders[call_id] = host
        self._by_source[host] += 1
        return True

    def release(self, call_id: str) -> None:
        host = self._holders.pop(call_id, None)
        if host is None:
            return
        self._by_source[host] -= 1
        if self._by_source[host] <= 0:
            del self._by_source[host]

    @property
    def pending(self) -> int:
        return len(self._holders)

    def pending_from(self, host: str) -> int:
        return self._by_source[host]


class ThrottledLog:
    """Writes a repeated message at most once per ``interval_s`` per key, counting the ones it left out.

    Uses a monotonic counter (not the wall clock): it only spaces log lines.
    """

    def __init__(self, logger: logging.Logger, interval_s: float = 10.0) -> None:
        self._logger = logger
        self._interval_s = interval_s
        self._last: dict[str, float] = {}
        self._skipped: Counter[str] = Counter()

    def warning(self, key: str, message: str, *args: object) -> bool:
        """Log (returns True) or count the message under ``key``."""
        now = time.monotonic()
        last = self._last.get(key)
        if last is not None and now - last < self._interval_s:
            self._skipped[key] += 1
            return False
        skipped = self._skipped.pop(key, 0)
        self._last[key] = now
        if len(self._last) > 1024:  # keys are call ids: forget the oldest
            self._last.pop(next(iter(self._last)))
        suffix = f" ({skipped} more like it not logged)" if skipped else ""
        self._logger.warning(message + suffix, *args)
        return True

    def forget(self, key: str) -> None:
        self._last.pop(key, None)
        self._skipped.pop(key, None)


class RepeatFilter(logging.Filter):
    """For a library's logger: each message template passes once per ``interval_s`` (a hostile peer can make
    the SIP library warn once per datagram)."""

    def __init__(self, interval_s: float = 10.0) -> None:
        super().__init__()
        self._interval_s = interval_s
        self._last: dict[tuple[str, str], float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg))
        now = time.monotonic()
        last = self._last.get(key)
        if last is not None and now - last < self._interval_s:
            return False
        if len(self._last) > 256:
            self._last.clear()
        self._last[key] = now
        return True


def quiet_repeats(*logger_names: str) -> None:
    """Install one RepeatFilter on each named logger (once, however often the line starts)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RepeatFilter) for f in logger.filters):
            logger.addFilter(RepeatFilter())
