"""The audit trail of sign-ins that fail: a wrong password, or an account that is (or just became) locked.

Both sign-in doors (the JSON API and the browser's form) call this where they catch the failure; it commits,
because the failed request's own transaction is rolled back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.staff.models import StaffUser

MAX_USERNAME_KEPT = 64


async def record_failed_sign_in(
    db: AsyncSession, username: str, now: datetime, client_ip: str | None, via: str
) -> None:
    """`auth.login_locked` when the account is locked now (this failure locked it, or it was locked before),
    else `auth.login_failed`; the entity is the account when one has that name."""
    found = (
        await db.execute(select(StaffUser.id, StaffUser.locked_until).where(StaffUser.username == username))
    ).first()
    user_id, locked_until = found if found is not None else (None, None)
    locked = locked_until is not None and locked_until > now
    detail: dict[str, str] = {"username": username[:MAX_USERNAME_KEPT], "via": via}
    if locked and locked_until is not None:
        detail["locked_until"] = locked_until.isoformat()
    action = "auth.login_locked" if locked else "auth.login_failed"
    await record(db, None, action, "staff_user", user_id, detail, client_ip, anonymous=True)
    await db.commit()
