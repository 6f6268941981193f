"""Short-lived room tokens: the only way into a call room.

A token binds (room_id, participant_id, role) to an expiry and is signed with HMAC-SHA256, so any app process
that knows the secret can admit a participant without shared state. Format: ``<payload>.<signature>``, both
unpadded base64url; the payload is compact JSON. The signature is checked (in constant time) before the
payload is parsed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal

from realtime.roles import Role, is_role

__all__ = ["RoomClaims", "TokenError", "TokenErrorReason", "issue_room_token", "verify_room_token"]

TokenErrorReason = Literal["expired", "bad_signature", "wrong_room", "malformed"]

MIN_SECRET_BYTES: Final = 32
MAX_TOKEN_CHARS: Final = 2048
MAX_TTL_S: Final = 24 * 3600
_B64URL: Final = re.compile(r"[A-Za-z0-9_-]*")
# Domain separation: the same secret must not validate tokens of another purpose.
_CONTEXT: Final = b"madoguchi.room-token.v1."


class TokenError(Exception):
    """A room token was refused; ``reason`` is one of expired, bad_signature, wrong_room, malformed."""

    def __init__(self, reason: TokenErrorReason, message: str) -> None:
        super().__init__(message)
        self.reason: TokenErrorReason = reason


@dataclass(frozen=True, slots=True)
class RoomClaims:
    """What a valid token proves: this participant may enter this room with this role until ``expires_at``."""

    room_id: str
    participant_id: str
    role: Role
    expires_at: datetime


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    # Strict: urlsafe_b64decode silently drops characters outside the alphabet.
    if not _B64URL.fullmatch(text):
        raise ValueError("not unpadded base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: bytes, payload_b64: str) -> bytes:
    return hmac.new(secret, _CONTEXT + payload_b64.encode("ascii"), hashlib.sha256).digest()


def _unix(now: datetime) -> int:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware (UTC)")
    return int(now.timestamp())


def _check_secret(secret: bytes) -> None:
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"room token secret must be at least {MIN_SECRET_BYTES} bytes")


def issue_room_token(
    secret: bytes, room_id: str, participant_id: str, role: Role, ttl_s: int, now: datetime
) -> str:
    """Sign a token admitting ``participant_id`` as ``role`` into ``room_id`` for ``ttl_s`` seconds."""
    _check_secret(secret)
    if not 0 < ttl_s <= MAX_TTL_S:
        raise ValueError(f"ttl_s must be between 1 and {MAX_TTL_S}")
    if not is_role(role):
        raise ValueError(f"unknown role {role!r}")
    payload = {"r": room_id, "p": participant_id, "o": role, "e": _unix(now) + ttl_s}
    payload_b64 = _b64e(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{payload_b64}.{_b64e(_sign(secret, payload_b64))}"


def verify_room_token(
    secret: bytes | Sequence[bytes], token: str, *, room_id: str, now: datetime
) -> RoomClaims:
    """Check a token for ``room_id`` at ``now``; several secrets allow key rotation without downtime."""
    secrets = [secret] if isinstance(secret, bytes) else list(secret)
    if not secrets:
        raise ValueError("at least one secret is needed")
    for s in secrets:
        _check_secret(s)
    now_unix = _unix(now)

    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        raise TokenError("malformed", "token must be two base64url segments joined by '.'")
    payload_b64, sig_b64 = token.split(".")
    try:
        payload_b64.encode("ascii")
        signature = _b64d(sig_b64)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raise TokenError("malformed", "token signature is not base64url") from None
    # Check every secret (no early exit) so timing does not reveal which key matched.
    valid = False
    for s in secrets:
        valid |= hmac.compare_digest(_sign(s, payload_b64), signature)
    if not valid:
        raise TokenError("bad_signature", "token signature does not match")

    try:
        payload = json.loads(_b64d(payload_b64))
    except (binascii.Error, ValueError):
        raise TokenError("malformed", "token payload is not base64url JSON") from None
    if not isinstance(payload, dict):
        raise TokenError("malformed", "token payload is not an object")
    r, p, o, e = payload.get("r"), payload.get("p"), payload.get("o"), payload.get("e")
    if (
        not (isinstance(r, str) and isinstance(p, str) and is_role(o))
        or isinstance(e, bool)
        or not isinstance(e, int)
    ):
        raise TokenError("malformed", "token payload lacks room, participant, role or expiry")
    if not hmac.compare_digest(r.encode(), room_id.encode()):
        raise TokenError("wrong_room", "token was issued for another room")
    if now_unix >= e:
        raise TokenError("expired", "token has expired")
    return RoomClaims(room_id=r, participant_id=p, role=o, expires_at=datetime.fromtimestamp(e, tz=UTC))
