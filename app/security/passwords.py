"""Password hashing with Argon2id (argon2-cffi), upgrading old parameters on the next sign-in.

Argon2 is deliberately slow (tens of milliseconds of CPU). On the event loop it would stall every request,
websocket and the phone's audio clock, so the server hashes and verifies only through `HASHING`: a small pool
of threads (argon2-cffi releases the GIL) with a bounded queue; when the queue is full the caller is told to
come back (`HashingBusy`) rather than piling up work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
T = TypeVar("T")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    return str(_hasher.hash(password))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return bool(_hasher.check_needs_rehash(password_hash))


class HashingBusy(Exception):
    """More sign-ins are waiting for a hashing thread than the pool accepts; the caller answers 503."""


class HashingPool:
    """At most `workers` Argon2 computations at once, off the event loop, and at most `max_waiting` queued."""

    def __init__(self, workers: int, max_waiting: int) -> None:
        self.workers = workers
        self.max_waiting = max_waiting
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        self._in_flight = 0  # touched only from event loops' threads, one statement at a time

    @property
    def in_flight(self) -> int:
        return self._in_flight

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._run(verify_password, password_hash, password)

    async def hash(self, password: str) -> str:
        return await self._run(hash_password, password)

    async def _run(self, work: Callable[..., T], *args: str) -> T:
        if self._in_flight >= self.workers + self.max_waiting:
            raise HashingBusy("too many sign-ins are being checked at once; try again in a moment")
        self._in_flight += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work, *args)
        finally:
            self._in_flight -= 1


HASHING = HashingPool(workers=2, max_waiting=64)

# A real hash to verify against when the user does not exist, so timing does not reveal usernames.
DUMMY_HASH = _hasher.hash("madoguchi-no-such-user")
