"""Taking permission away at once: sign-out, a disabled account, a revoked device.

Every open websocket listens on the revocation topics of the principal it signed in as (its browser session,
its staff account, its device). Taking the permission away changes the database, commits, and then closes
the sockets on those topics through the hub, in this process and (relayed) in every other process of a
cluster. Each privileged frame also re-checks the socket's credential (app/socket/dispatch.py), so a
socket that missed the close still cannot read anything afterwards.

The hub is passed in as a `SocketCloser`: the auth domain sits below the live desk and never imports it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.device.models import Device
from app.errors import NotFound
from app.staff.models import ApiToken, StaffSession, StaffUser

SIGNED_OUT = "signed out"
ACCOUNT_DISABLED = "account disabled"
DEVICE_REVOKED = "device revoked"


class SocketCloser(Protocol):
    """The hub (app/live/hub.py): closes every socket subscribed to the topics, in every process."""

    def close_topics(self, topics: Iterable[str], reason: str) -> int: ...


def account_topic(staff_user_id: int) -> str:
    return f"auth:staff-{staff_user_id}"


def device_topic(device_id: int) -> str:
    return f"auth:device-{device_id}"


def session_topic(session_id: int) -> str:
    return f"auth:session-{session_id}"


def topics_of(principal: Principal) -> list[str]:
    """The revocation topics a socket signed in as `principal` listens on."""
    found = []
    if principal.staff_user_id is not None:
        found.append(account_topic(principal.staff_user_id))
    if principal.device_id is not None:
        found.append(device_topic(principal.device_id))
    if principal.session_id is not None:
        found.append(session_topic(principal.session_id))
    return found


async def revoke_account(db: AsyncSession, closer: SocketCloser, staff_user_id: int, now: datetime) -> None:
    """Disable a staff account: it cannot sign in, its sessions and API tokens end, and its open sockets close
    within a moment. Commits (the sockets close only once no process can accept the account any more)."""
    user = await db.get(StaffUser, staff_user_id)
    if user is None:
        raise NotFound(f"no staff account {staff_user_id}")
    user.active = False
    await db.execute(delete(StaffSession).where(StaffSession.staff_user_id == staff_user_id))
    await db.execute(
        update(ApiToken)
        .where(ApiToken.staff_user_id == staff_user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    await db.commit()
    closer.close_topics([account_topic(staff_user_id)], ACCOUNT_DISABLED)


async def revoke_device(db: AsyncSession, closer: SocketCloser, device_id: int, now: datetime) -> None:
    """Revoke a counter tablet's token; its open sockets close within a moment. Commits."""
    device = await db.get(Device, device_id)
    if device is None:
        raise NotFound(f"no device {device_id}")
    if device.revoked_at is None:
        device.revoked_at = now
    await db.commit()
    closer.close_topics([device_topic(device_id)], DEVICE_REVOKED)


def close_session_sockets(closer: SocketCloser, session_id: int | None) -> None:
    """After sign-out (committed): close the sockets that browser session opened."""
    if session_id is not None:
        closer.close_topics([session_topic(session_id)], SIGNED_OUT)
