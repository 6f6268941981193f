"""Sign-in, sessions and bearer tokens: statements and decisions, no HTTP."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, Via
from app.device.models import Device
from app.errors import Unauthenticated
from app.security.passwords import DUMMY_HASH, HASHING, needs_rehash
from app.security.tokens import API_PREFIX, DEVICE_PREFIX, SESSION_PREFIX, new_token, token_digest
from app.staff.models import ApiToken, SignInLock, StaffSession, StaffUser

LOCKOUT = timedelta(minutes=15)
DEVICE_SEEN_EVERY = timedelta(minutes=1)
WRONG_CREDENTIALS = "wrong username or password"


@dataclass(frozen=True, slots=True)
class LockPolicy:
    """When failed sign-ins lock (docs/architecture.md, "Sign-in"): `max_failures` in a row for one
    account from one address lock that pair for LOCKOUT; once the account has `account_ceiling` failures
    in a row from all addresses together, each address gets one try per LOCKOUT for it (a distributed
    guesser is slowed; the owner, typing the right password at their own address, is never locked out)."""

    max_failures: int
    account_ceiling: int


async def authenticate_password(
    session: AsyncSession,
    username: str,
    password: str,
    *,
    address: str,
    policy: LockPolicy,
    now: datetime,
    demo_allowed: bool,
) -> StaffUser:
    """Check a password. Every failure (unknown or inactive account, a demo account outside demo mode, a
    locked pair, a wrong password) gives the same answer after the same work: one Argon2 verification."""
    user = await session.scalar(select(StaffUser).where(StaffUser.username == username))
    pair = (SignInLock.staff_user_id == (user.id if user else None), SignInLock.address == address)
    lock = await session.scalar(select(SignInLock.locked_until).where(*pair)) if user else None
    # Hand the database connection back while Argon2 runs: a burst of sign-ins must not hold the pool.
    await session.commit()
    if user is None or not user.active or (user.demo and not demo_allowed):
        await HASHING.verify(DUMMY_HASH, password)
        raise Unauthenticated(WRONG_CREDENTIALS)
    if lock is not None and lock > now:
        await HASHING.verify(DUMMY_HASH, password)
        raise Unauthenticated(WRONG_CREDENTIALS)
    if not await HASHING.verify(user.password_hash, password):
        await count_failure(session, user.id, address, policy, now)
        # The request fails and its transaction rolls back, but the failure count must survive it.
        await session.commit()
        raise Unauthenticated(WRONG_CREDENTIALS)
    await session.execute(delete(SignInLock).where(*pair))
    user.failed_logins, user.locked_until = 0, None
    if needs_rehash(user.password_hash):
        user.password_hash = await HASHING.hash(password)
    await session.flush()
    return user


async def count_failure(
    session: AsyncSession, staff_user_id: int, address: str, policy: LockPolicy, now: datetime
) -> int:
    """Count one failure for the account and for the (account, address) pair, each in ONE statement (no
    read-then-write: parallel failures are all counted), and lock the pair when it reached its limit.
    Returns the pair's failures in a row."""
    account_failures = await session.scalar(
        update(StaffUser)
        .where(StaffUser.id == staff_user_id)
        .values(failed_logins=StaffUser.failed_logins + 1)
        .returning(StaffUser.failed_logins)
    )
    pair_failures = await session.scalar(
        _upsert(session)(SignInLock)
        .values(staff_user_id=staff_user_id, address=address, failures=1)
        .on_conflict_do_update(
            index_elements=[SignInLock.staff_user_id, SignInLock.address],
            set_={"failures": SignInLock.failures + 1},
        )
        .returning(SignInLock.failures)
    )
    assert account_failures is not None and pair_failures is not None
    limit = 1 if account_failures >= policy.account_ceiling else policy.max_failures
    if pair_failures >= limit:
        await session.execute(
            update(SignInLock)
            .where(SignInLock.staff_user_id == staff_user_id, SignInLock.address == address)
            .values(locked_until=now + LOCKOUT)
        )
    return int(pair_failures)


def _upsert(session: AsyncSession):  # type: ignore[no-untyped-def]
    """INSERT ... ON CONFLICT of the session's database (SQLite and PostgreSQL both have it)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


async def open_session(
    session: AsyncSession, user: StaffUser, max_age_seconds: int, now: datetime
) -> tuple[str, StaffSession]:
    token = new_token(SESSION_PREFIX)
    row = StaffSession(
        token_hash=token_digest(token),
        csrf_token=secrets.token_urlsafe(24),
        staff_user_id=user.id,
        expires_at=now + timedelta(seconds=max_age_seconds),
    )
    session.add(row)
    await session.flush()
    return token, row


async def close_session(session: AsyncSession, token: str) -> int | None:
    """Delete the session row; its id (to close the sockets it opened), or None if there was none."""
    closed: int | None = await session.scalar(
        delete(StaffSession).where(StaffSession.token_hash == token_digest(token)).returning(StaffSession.id)
    )
    return closed


def staff_principal(
    user: StaffUser, via: Via, csrf_token: str | None = None, session_id: int | None = None
) -> Principal:
    return Principal(
        role=user.role.value,
        via=via,
        display_name=user.display_name,
        staff_user_id=user.id,
        municipality_code=user.municipality_code,
        site_id=user.site_id,
        csrf_token=csrf_token,
        session_id=session_id,
    )


async def principal_from_session_cookie(
    session: AsyncSession, token: str, now: datetime, *, demo_allowed: bool
) -> Principal | None:
    """The session's staff member; a demo account's session works only in demo mode."""
    row = await session.scalar(select(StaffSession).where(StaffSession.token_hash == token_digest(token)))
    if row is None or row.expires_at <= now:
        return None
    user = await session.get(StaffUser, row.staff_user_id)
    if user is None or not user.active or (user.demo and not demo_allowed):
        return None
    return staff_principal(user, Via.cookie, row.csrf_token, row.id)


async def principal_from_bearer(
    session: AsyncSession, token: str, now: datetime, *, demo_allowed: bool
) -> Principal | None:
    """The device or API client behind a bearer token; demo devices and accounts work only in demo mode."""
    digest = token_digest(token)
    if token.startswith(DEVICE_PREFIX):
        device = await session.scalar(select(Device).where(Device.token_hash == digest))
        if device is None or device.revoked_at is not None or (device.demo and not demo_allowed):
            return None
        if device.expires_at is not None and device.expires_at <= now:
            return None
        if device.last_seen_at is None or now - device.last_seen_at >= DEVICE_SEEN_EVERY:
            device.last_seen_at = now  # the admin's list of devices; written at most once a minute
        return Principal(
            role="device",
            via=Via.bearer,
            display_name=device.name,
            device_id=device.id,
            site_id=device.site_id,
        )
    if token.startswith(API_PREFIX):
        api_token = await session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
        if api_token is None or api_token.revoked_at is not None:
            return None
        if api_token.expires_at is not None and api_token.expires_at <= now:
            return None
        user = await session.get(StaffUser, api_token.staff_user_id)
        if user is None or not user.active or (user.demo and not demo_allowed):
            return None
        return staff_principal(user, Via.bearer)
    return None


async def issue_api_token(
    session: AsyncSession, user: StaffUser, name: str, expires_at: datetime | None = None
) -> str:
    token = new_token(API_PREFIX)
    session.add(
        ApiToken(name=name, token_hash=token_digest(token), staff_user_id=user.id, expires_at=expires_at)
    )
    await session.flush()
    return token


async def register_device(
    session: AsyncSession,
    site_id: int,
    name: str,
    expires_at: datetime | None = None,
    *,
    token: str | None = None,
    demo: bool = False,
) -> tuple[str, Device]:
    """A new counter tablet with a new random token (a demo device may be given its stable token)."""
    token = token or new_token(DEVICE_PREFIX)
    device = Device(
        name=name, site_id=site_id, token_hash=token_digest(token), demo=demo, expires_at=expires_at
    )
    session.add(device)
    await session.flush()
    return token, device
