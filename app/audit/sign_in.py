"""The audit trail of sign-ins that fail: a wrong password, or an account that is (or just became) locked.

Both sign-in doors (the JSON API and the browser's form) call this where they catch the failure; it commits,
because the failed request's own transaction is rolled back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.staff.models import SignInLock, StaffUser

MAX_USERNAME_KEPT = 64


async def record_failed_sign_in(
    db: AsyncSession, username: str, now: datetime, client_ip: str | None, via: str
) -> None:
    """`auth.login_locked` when the account is locked now for this address (this failure locked it, or it was
    locked before),
    else `auth.login_failed`; the entity is the account when one has that name."""
    user_id = await db.scalar(select(StaffUser.id).where(StaffUser.username == username))
    locked_until = (
        await db.scalar(
            select(SignInLock.locked_until).where(
                SignInLock.staff_user_id == user_id, SignInLock.address == (client_ip or "unknown")
            )
        )
        if user_id is not None
        else None
    )
    locked = locked_until is not None and locked_until > now
    detail: dict[str, str] = {"username": username[:MAX_USERNAME_KEPT], "via": via}
    if locked and locked_until is not None:
        detail["locked_until"] = locked_until.isoformat()
    action = "auth.login_locked" if locked else "auth.login_failed"
    await record(db, None, action, "staff_user", user_id, detail, client_ip, anonymous=True)
    await db.commit()
