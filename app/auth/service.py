"""Sign-in, sessions and bearer tokens: statements and decisions, no HTTP."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, Via
from app.device.models import Device
from app.errors import Unauthenticated
from app.security.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from app.security.tokens import API_PREFIX, DEVICE_PREFIX, SESSION_PREFIX, new_token, token_digest
from app.staff.models import ApiToken, StaffSession, StaffUser

LOCKOUT = timedelta(minutes=15)
DEVICE_SEEN_EVERY = timedelta(minutes=1)
WRONG_CREDENTIALS = "wrong username or password"


async def authenticate_password(
    session: AsyncSession, username: str, password: str, *, max_failures: int, now: datetime
) -> StaffUser:
    """Check a password; lock the account for a while after too many failures in a row."""
    user = await session.scalar(select(StaffUser).where(StaffUser.username == username))
    if user is None or not user.active:
        verify_password(DUMMY_HASH, password)  # same cost as a real check
        raise Unauthenticated(WRONG_CREDENTIALS)
    if user.locked_until is not None and user.locked_until > now:
        raise Unauthenticated(
            f"this account is locked after {max_failures} failed sign-ins; try again after "
            f"{user.locked_until:%H:%M} UTC or ask an admin"
        )
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until, user.failed_logins = now + LOCKOUT, 0
        # The request fails and its transaction rolls back, but the failure count must survive it.
        await session.commit()
        raise Unauthenticated(WRONG_CREDENTIALS)
    user.failed_logins, user.locked_until = 0, None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    await session.flush()
    return user


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


async def close_session(session: AsyncSession, token: str) -> None:
    await session.execute(delete(StaffSession).where(StaffSession.token_hash == token_digest(token)))


def staff_principal(user: StaffUser, via: Via, csrf_token: str | None = None) -> Principal:
    return Principal(
        role=user.role.value,
        via=via,
        display_name=user.display_name,
        staff_user_id=user.id,
        municipality_code=user.municipality_code,
        site_id=user.site_id,
        csrf_token=csrf_token,
    )


async def principal_from_session_cookie(session: AsyncSession, token: str, now: datetime) -> Principal | None:
    row = await session.scalar(select(StaffSession).where(StaffSession.token_hash == token_digest(token)))
    if row is None or row.expires_at <= now:
        return None
    user = await session.get(StaffUser, row.staff_user_id)
    if user is None or not user.active:
        return None
    return staff_principal(user, Via.cookie, row.csrf_token)


async def principal_from_bearer(session: AsyncSession, token: str, now: datetime) -> Principal | None:
    digest = token_digest(token)
    if token.startswith(DEVICE_PREFIX):
        device = await session.scalar(select(Device).where(Device.token_hash == digest))
        if device is None or device.revoked_at is not None:
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
        if user is None or not user.active:
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


async def register_device(session: AsyncSession, site_id: int, name: str) -> tuple[str, Device]:
    token = new_token(DEVICE_PREFIX)
    device = Device(name=name, site_id=site_id, token_hash=token_digest(token))
    session.add(device)
    await session.flush()
    return token, device
