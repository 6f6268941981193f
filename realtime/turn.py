"""TURN credentials in coturn's shared-secret REST API scheme, and the browser's ICE server list.

coturn (``use-auth-secret`` + ``static-auth-secret``) accepts any username of the form
``<expiry_unix>:<user>`` whose password is ``base64(HMAC-SHA1(secret, username))``, so the app can hand out
short-lived TURN credentials without a database shared with coturn.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = [
    "IceServer",
    "TurnCredential",
    "expires_within",
    "ice_server_list",
    "ice_servers",
    "turn_credential",
]

_URL_SCHEMES = ("stun:", "stuns:", "turn:", "turns:")


@dataclass(frozen=True, slots=True)
class IceServer:
    """One RTCIceServer entry as the browser's ``RTCPeerConnection`` (and aiortc) expects it."""

    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None

    def to_dict(self) -> dict[str, str | list[str]]:
        """JSON shape of ``RTCIceServer`` (username/credential only when set)."""
        out: dict[str, str | list[str]] = {"urls": list(self.urls)}
        if self.username is not None:
            out["username"] = self.username
        if self.credential is not None:
            out["credential"] = self.credential
        return out


@dataclass(frozen=True, slots=True)
class TurnCredential:
    """A time-limited TURN username/password pair; coturn rejects it after ``expires_at``."""

    username: str
    credential: str
    expires_at: datetime


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware (UTC)")


def turn_credential(secret: str | bytes, user: str, ttl_s: int, now: datetime) -> TurnCredential:
    """Issue a coturn REST-API credential for ``user`` valid for ``ttl_s`` seconds from ``now``."""
    _require_aware(now)
    if ttl_s <= 0:
        raise ValueError("ttl_s must be positive")
    if not user or ":" in user:
        # coturn splits the username on ':' to find the expiry; keep the user part unambiguous.
        raise ValueError("user must be non-empty and must not contain ':'")
    key = secret.encode() if isinstance(secret, str) else secret
    if not key:
        raise ValueError("TURN secret must not be empty")
    expiry = int(now.timestamp()) + ttl_s
    username = f"{expiry}:{user}"
    digest = hmac.new(key, username.encode(), hashlib.sha1).digest()
    return TurnCredential(
        username=username,
        credential=base64.b64encode(digest).decode("ascii"),
        expires_at=datetime.fromtimestamp(expiry, tz=UTC),
    )


def _check_urls(urls: Sequence[str], allowed: tuple[str, ...]) -> None:
    for url in urls:
        if not url.startswith(allowed):
            raise ValueError(f"ICE server URL {url!r} must start with one of {', '.join(allowed)}")


def ice_server_list(
    *,
    user: str,
    now: datetime,
    stun_urls: Sequence[str] = (),
    turn_urls: Sequence[str] = (),
    turn_secret: str | bytes | None = None,
    ttl_s: int = 3600,
) -> list[IceServer]:
    """ICE servers for one participant: STUN as is, TURN with fresh credentials (empty list on loopback).

    ``user`` only labels the allocation in coturn's logs; ':' (the REST API separator) is replaced by '.'.
    """
    _check_urls(stun_urls, _URL_SCHEMES[:2])
    _check_urls(turn_urls, _URL_SCHEMES[2:])
    servers: list[IceServer] = []
    if stun_urls:
        servers.append(IceServer(urls=tuple(stun_urls)))
    if turn_urls:
        if turn_secret is None:
            raise ValueError("turn_urls given without turn_secret")
        cred = turn_credential(turn_secret, user.replace(":", "."), ttl_s, now)
        servers.append(IceServer(urls=tuple(turn_urls), username=cred.username, credential=cred.credential))
    return servers


def ice_servers(
    *,
    user: str,
    now: datetime,
    stun_urls: Sequence[str] = (),
    turn_urls: Sequence[str] = (),
    turn_secret: str | bytes | None = None,
    ttl_s: int = 3600,
) -> list[dict[str, str | list[str]]]:
    """The browser's ``RTCConfiguration.iceServers`` value for one participant."""
    return [
        s.to_dict()
        for s in ice_server_list(
            user=user, now=now, stun_urls=stun_urls, turn_urls=turn_urls, turn_secret=turn_secret, ttl_s=ttl_s
        )
    ]


def expires_within(cred: TurnCredential, now: datetime, margin: timedelta) -> bool:
    """Whether a credential should be refreshed before a long call outlives it."""
    _require_aware(now)
    return cred.expires_at - now <= margin
