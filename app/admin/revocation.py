"""Cutting off an account or a device at once: its sessions deleted, its tokens revoked, and its open
websockets closed.

HTTP needs nothing more than the database state: every request looks its session or token up, and a disabled
account or revoked device no longer resolves to a principal. Open websockets authenticated once, at their
`hello`; `close_open_connections` is the one place they are told (the websocket side lands separately).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.staff.models import ApiToken, StaffSession


async def end_sessions_and_tokens(session: AsyncSession, staff_user_id: int, now: datetime) -> None:
    """Delete the account's sessions and revoke its API tokens (a re-enabled account signs in afresh)."""
    await session.execute(delete(StaffSession).where(StaffSession.staff_user_id == staff_user_id))
    await session.execute(
        update(ApiToken)
        .where(ApiToken.staff_user_id == staff_user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def close_open_connections(
    app_state: Any, *, staff_user_id: int | None = None, device_id: int | None = None
) -> None:
    """The single call site for closing the websockets of a disabled account or a revoked device.

    Called after the change is committed. It closes nothing yet: the websocket revocation (`revoke_account`
    / `revoke_device` of the socket layer) plugs in here; until then a socket already open stays open until it
    reconnects, when its hello is refused.
    """
    revoke = getattr(app_state, "revoke_connections", None)
    if revoke is not None:
        await revoke(staff_user_id=staff_user_id, device_id=device_id)
