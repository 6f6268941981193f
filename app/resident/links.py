"""Signed links that bring a resident without an account to the desk: a poster's QR code, a personal
invitation from staff, or the join link of a reservation.

The link carries its own claims (who it is for, which language, until when), signed with a key derived from
the app's secret, so nothing needs to be stored to check one. Expiry is checked only after the signature, so a
forged token is always "invalid", never "expired".
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from app.config import Settings

__all__ = [
    "DEFAULT_VALIDITY",
    "MAX_VALIDITY",
    "LinkClaims",
    "LinkError",
    "LinkExpired",
    "LinkInvalid",
    "LinkKind",
    "ResidentLink",
    "issue_link",
    "read_link",
]

_SALT = "madoguchi-resident-link-v1"


class LinkKind(StrEnum):
    poster = "poster"  # printed at a municipality's office or site: long validity, anyone may use it
    invite = "invite"  # made by staff for one resident: short validity
    reservation = "reservation"  # the join link of one booked slot


DEFAULT_VALIDITY: dict[LinkKind, timedelta] = {
    LinkKind.poster: timedelta(days=365),
    LinkKind.invite: timedelta(days=3),
    LinkKind.reservation: timedelta(days=1),
}
MAX_VALIDITY: dict[LinkKind, timedelta] = {
    LinkKind.poster: timedelta(days=2 * 366),
    LinkKind.invite: timedelta(days=14),
    LinkKind.reservation: timedelta(days=62),  # booked up to two months ahead
}


class LinkError(Exception):
    """The link cannot be used."""


class LinkInvalid(LinkError):
    """Forged, damaged, of an unknown format, or of a kind this page does not take."""


class LinkExpired(LinkError):
    """Genuine but past its expiry; `link` still says what it was (e.g. its language, for the error page)."""

    def __init__(self, link: ResidentLink) -> None:
        super().__init__(f"the {link.kind} link expired at {link.expires_at.isoformat()}")
        self.link = link


@dataclass(frozen=True)
class LinkClaims:
    """What a new link says. `expires_at` None means the kind's default validity."""

    kind: LinkKind
    municipality: str | None = None  # JIS code
    site: str | None = None  # site code
    language: str | None = None
    reservation_id: str | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class ResidentLink:
    """A verified link."""

    link_id: str
    kind: LinkKind
    municipality: str | None
    site: str | None
    language: str | None
    reservation_id: str | None
    issued_at: datetime
    expires_at: datetime


def _serializer(settings: Settings) -> URLSafeSerializer:
    key = hashlib.sha256(b"madoguchi-resident-link-key-v1:" + settings.secret_key.encode()).digest()
    return URLSafeSerializer(key, salt=_SALT)


def _epoch(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("link times must be timezone-aware")
    return int(moment.timestamp())


def issue_link(settings: Settings, claims: LinkClaims, now: datetime) -> str:
    """A URL-safe token for `claims`; ValueError for an expiry in the past or beyond the kind's limit."""
    kind = LinkKind(claims.kind)
    expires_at = claims.expires_at or now + DEFAULT_VALIDITY[kind]
    if expires_at <= now:
        raise ValueError("a link must expire after it is issued")
    if expires_at - now > MAX_VALIDITY[kind]:
        raise ValueError(f"a {kind} link may be valid for at most {MAX_VALIDITY[kind].days} days")
    if kind is LinkKind.reservation and not claims.reservation_id:
        raise ValueError("a reservation link needs a reservation_id")
    payload: dict[str, Any] = {"v": 1, "k": kind.value, "i": secrets.token_urlsafe(6)}
    payload["t"] = _epoch(now)
    payload["e"] = _epoch(expires_at)
    for short, value in (
        ("m", claims.municipality),
        ("s", claims.site),
        ("l", claims.language),
        ("r", claims.reservation_id),
    ):
        if value is not None:
            payload[short] = value
    return str(_serializer(settings).dumps(payload))


def _optional_str(payload: dict[str, Any], short: str) -> str | None:
    value = payload.get(short)
    if value is None or isinstance(value, str):
        return value
    raise LinkInvalid(f"malformed link field {short!r}")


def _decode(payload: object) -> ResidentLink:
    if not isinstance(payload, dict) or payload.get("v") != 1:
        raise LinkInvalid("unknown link format")
    try:
        kind = LinkKind(payload["k"])
        issued, expires = payload["t"], payload["e"]
        if not isinstance(issued, int) or not isinstance(expires, int) or not isinstance(payload["i"], str):
            raise LinkInvalid("malformed link times")
        return ResidentLink(
            link_id=payload["i"],
            kind=kind,
            municipality=_optional_str(payload, "m"),
            site=_optional_str(payload, "s"),
            language=_optional_str(payload, "l"),
            reservation_id=_optional_str(payload, "r"),
            issued_at=datetime.fromtimestamp(issued, UTC),
            expires_at=datetime.fromtimestamp(expires, UTC),
        )
    except (KeyError, ValueError, OverflowError, OSError):
        raise LinkInvalid("malformed link") from None


def read_link(
    settings: Settings, token: str, now: datetime, kinds: frozenset[LinkKind] | None = None
) -> ResidentLink:
    """Verify a token: LinkInvalid (forged, damaged, or not one of `kinds`), LinkExpired, else the link."""
    try:
        payload = _serializer(settings).loads(token)
    except (BadSignature, UnicodeError, ValueError):
        raise LinkInvalid("this link was not issued by this desk, or it is damaged") from None
    link = _decode(payload)
    if kinds is not None and link.kind not in kinds:
        raise LinkInvalid(f"a {link.kind} link cannot be used here")
    if now >= link.expires_at:
        raise LinkExpired(link)
    return link
