"""Signing in with a password, shared by the JSON API and the HTML form: the cheap per-address check first,
then the account's check (Argon2 off the event loop), then the failure counted for the address."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from app.audit.sign_in import record_failed_sign_in
from app.auth.service import LockPolicy, authenticate_password
from app.clock import Clock
from app.config import Mode, Settings
from app.errors import ServiceUnavailable, TooManyRequests, Unauthenticated
from app.resident.throttle import throttles
from app.security.client_address import client_address as trusted_client_address
from app.security.passwords import HashingBusy
from app.staff.models import StaffUser

ADDRESS_WAIT = "too many failed sign-ins from this address; try again later"


def client_address(request: Request) -> str:
    """The client's address as every per-address limit sees it (proxy headers only from trusted proxies)."""
    return trusted_client_address(request)


async def sign_in(
    request: Request,
    db: AsyncSession,
    settings: Settings,
    clock: Clock,
    username: str,
    password: str,
    via: str,
) -> StaffUser:
    """The signed-in user, or Unauthenticated (one message for every failure), TooManyRequests (this address
    failed too often: refused before any hashing) or ServiceUnavailable (the hashing queue is full).
    Every failure is audited (`via`: which door, "api" or "form")."""
    address = client_address(request)
    failures = throttles(request).sign_in_failures
    wait = failures.wait(address, clock.monotonic())
    if wait is not None:
        raise TooManyRequests(ADDRESS_WAIT, wait)
    policy = LockPolicy(settings.login_max_failures, settings.login_account_ceiling)
    try:
        return await authenticate_password(
            db,
            username,
            password,
            address=address,
            policy=policy,
            now=clock.now(),
            demo_allowed=settings.mode is Mode.demo,
        )
    except Unauthenticated:
        failures.hit(address, clock.monotonic())
        await record_failed_sign_in(db, username, clock.now(), address, via)
        raise
    except HashingBusy as exc:
        raise ServiceUnavailable(str(exc)) from None
