"""Cutting off an account or a device at once: its sessions deleted, its tokens revoked, and its open
websockets closed.

HTTP needs nothing more than the database state: every request looks its session or token up, and a disabled
account or revoked device no longer resolves to a principal. Open websockets authenticated once, at their
`hello`; `close_open_connections` is the one place they are told (through the hub's revocation topics,
app/auth/revocation.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.revocation import ACCOUNT_DISABLED, DEVICE_REVOKED, account_topic, device_topic
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
    """Close the open websockets of a disabled account (or one whose password was reset) or a revoked device,
    in every process (the hub relays the close). Called after the change is committed, so a reconnect is
    refused at its hello."""
    topics = []
    if staff_user_id is not None:
        topics.append(account_topic(staff_user_id))
    if device_id is not None:
        topics.append(device_topic(device_id))
    if topics:
        app_state.hub.close_topics(topics, DEVICE_REVOKED if staff_user_id is None else ACCOUNT_DISABLED)
