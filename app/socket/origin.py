"""Which pages may open ``/ws``: a browser always sends its page's Origin, so a socket from another site's
page (cross-site websocket hijacking: riding the staff session cookie) is refused before it is accepted.

The service's own origin is the one the browser reached it by (the Host header); a deployment that serves
the pages from another origin lists it in ``MADOGUCHI_WS_ALLOWED_ORIGINS``. A client without an Origin header
is no browser page (a tablet app, an API client with a bearer token) and goes on to authenticate as usual.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

__all__ = ["origin_allowed"]

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def _address(netloc: str, scheme: str) -> tuple[str, int] | None:
    """(host, port) of ``netloc``, the scheme's default port when none is written."""
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        return None
    if not parts.hostname or port is None:
        return None
    return parts.hostname.lower(), port


def _normalised(origin: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(origin.strip())
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or parts.path not in ("", "/") or parts.query or parts.username:
        return None
    address = _address(parts.netloc, scheme)
    return None if address is None else (scheme, *address)


def origin_allowed(origin: str | None, host: str | None, allowed: Iterable[str] = ()) -> bool:
    """Whether a socket opened from page ``origin`` to ``host`` (the Host header) may be accepted.

    The scheme is not compared with ours: behind a TLS proxy the page is https while we are spoken to in http.
    """
    if origin is None:
        return True
    page = _normalised(origin)
    if page is None:
        return False  # "null" (a sandboxed frame, a file), or not an origin at all
    if any(_normalised(item) == page for item in allowed):
        return True
    own = _address(host or "", page[0])  # no port in Host: the page's scheme's default port
    return own is not None and page[1:] == own
