"""One Idempotency-Key rule for every create: a key belongs to the caller who sent it, one fingerprint says
whether a retry is the same request, and one replay rule answers it."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.errors import Conflict, InvalidField

_PATTERN = re.compile(r"^[A-Za-z0-9_.:\-]{8,128}$")
RESIDENT = "resident"  # the namespace of anonymous residents (their keys are random per page visit)

T = TypeVar("T")


def namespace_of(caller: Principal | None) -> str:
    """Whose keys these are: a device, a staff user, or (no account) the caller's own kind."""
    if caller is None:
        return RESIDENT
    if caller.device_id is not None:
        return f"device:{caller.device_id}"
    if caller.staff_user_id is not None:
        return f"staff:{caller.staff_user_id}"
    return caller.role


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    """A key within its namespace, so one caller can neither take nor replay another caller's key."""

    namespace: str
    value: str

    @classmethod
    def from_header(cls, header: str | None, caller: Principal | None) -> IdempotencyKey | None:
        """The caller's key from its Idempotency-Key header (None without one); a malformed one is a 422."""
        if header is None:
            return None
        if not _PATTERN.match(header):
            raise InvalidField(
                ("header", "Idempotency-Key"),
                "Idempotency-Key must be 8-128 characters of A-Z a-z 0-9 _ . : -",
            )
        return cls(namespace_of(caller), header)

    @classmethod
    def shared(cls, owner: str, secret_key: str, *parts: str) -> IdempotencyKey:
        """A key the server makes for one thing that anyone allowed may start, once (a booked call two
        counselors open at the same moment): in that thing's own ``shared:`` namespace, which no client's
        Idempotency-Key can name, and an HMAC under the app secret, so nobody can take it in advance."""
        message = "\x1f".join((owner, *parts)).encode()
        return cls(f"shared:{owner}", hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest())

    @property
    def stored(self) -> str:
        """The column value: namespace and a digest of the key, so any key fits and none collides."""
        return f"{self.namespace}/{hashlib.sha256(self.value.encode()).hexdigest()}"


def fingerprint(body: Mapping[str, Any]) -> str:
    """SHA-256 of the request body in canonical JSON: same key + same fingerprint is a retry."""
    payload = json.dumps(body, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def check_replay(stored_fingerprint: str | None, request_fingerprint: str, what: str) -> None:
    """A retry may only repeat the original request; a key reused for another body is a 409."""
    if stored_fingerprint != request_fingerprint:
        raise Conflict(
            f"this Idempotency-Key was already used for a different {what}; "
            f"send a new key for a new {what}, or repeat the original request exactly"
        )


async def store_once(
    session: AsyncSession,
    key: IdempotencyKey | None,
    find: Callable[[str], Awaitable[T | None]],
    store: Callable[[], Awaitable[T]],
) -> tuple[T, bool]:
    """The stored row for this key (not created), else `store()`'s new row; when a concurrent twin with the
    same key wins the insert race, its row is the answer. The caller checks the replay's fingerprint."""
    if key is not None:
        existing = await find(key.stored)
        if existing is not None:
            return existing, False
    try:
        return await store(), True
    except IntegrityError:
        await session.rollback()
        if key is None:
            raise
        existing = await find(key.stored)
        if existing is None:
            raise
        return existing, False
