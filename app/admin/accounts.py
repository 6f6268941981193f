"""Staff accounts: create, change role and scope, disable (sessions and tokens end at once), new password."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.admin import references
from app.admin.revocation import end_sessions_and_tokens
from app.admin.schemas import StaffCreate, StaffUpdate
from app.audit.service import record
from app.auth.principal import Principal
from app.enums import Role
from app.errors import Conflict, InvalidField, NotFound
from app.geography.models import Site
from app.security.passwords import hash_password
from app.staff.models import ApiToken, StaffSession, StaffUser
from app.staff.service import create_user


async def facts(session: AsyncSession, user: StaffUser) -> dict[str, Any]:
    """What an audit row says an account was or became (never its password)."""
    site = await session.get(Site, user.site_id) if user.site_id is not None else None
    return {
        "display_name": user.display_name,
        "role": user.role.value,
        "municipality": user.municipality_code,
        "site": site.code if site else None,
        "languages": [lang.code for lang in user.languages],
        "active": user.active,
    }


async def session_counts(session: AsyncSession, now: datetime) -> tuple[dict[int, int], dict[int, int]]:
    sessions = dict(
        (
            await session.execute(
                select(StaffSession.staff_user_id, func.count())
                .where(StaffSession.expires_at > now)
                .group_by(StaffSession.staff_user_id)
            )
        ).all()
    )
    tokens = dict(
        (
            await session.execute(
                select(ApiToken.staff_user_id, func.count())
                .where(ApiToken.revoked_at.is_(None))
                .group_by(ApiToken.staff_user_id)
            )
        ).all()
    )
    return sessions, tokens


async def _get(session: AsyncSession, user_id: int) -> StaffUser:
    user = await session.get(StaffUser, user_id)
    if user is None:
        raise NotFound(f"no staff account {user_id}")
    return user


async def create_account(session: AsyncSession, actor: Principal | None, body: StaffCreate) -> StaffUser:
    user = await create_user(
        session,
        username=body.username,
        password=body.password,
        role=body.role,
        display_name=body.display_name,
        municipality_code=body.municipality,
        site_code=body.site,
        language_codes=body.languages,
    )
    await record(
        session, actor, "admin.staff.create", "staff_user", user.id, {"after": await facts(session, user)}
    )
    return user


async def _last_admin_guard(session: AsyncSession, user: StaffUser) -> None:
    """The desk must keep one active admin, or nobody could undo the change."""
    if user.role is not Role.admin or not user.active:
        return
    others = await session.scalar(
        select(func.count()).where(
            StaffUser.role == Role.admin, StaffUser.active.is_(True), StaffUser.id != user.id
        )
    )
    if not others:
        raise Conflict("this is the last active admin account; make another admin first")


async def update_account(
    session: AsyncSession, actor: Principal | None, user_id: int, body: StaffUpdate
) -> StaffUser:
    """Role, scope, site, languages, name. Rights are read afresh on every request, so they apply at once."""
    user = await _get(session, user_id)
    before = await facts(session, user)
    role = body.role or user.role
    if body.role is not None and body.role is not user.role:
        await _last_admin_guard(session, user)
        user.role = body.role
    if body.municipality is not None:
        await references.municipality(session, body.municipality)
        user.municipality_code = body.municipality
    elif body.clear_municipality or role is not Role.coordinator:
        user.municipality_code = None
    if user.municipality_code is not None and role is not Role.coordinator:
        raise InvalidField(("municipality",), "only coordinators have a municipality scope")
    if body.site is not None:
        user.site_id = (await references.site(session, body.site)).id
    elif body.clear_site:
        user.site_id = None
    if body.languages is not None:
        user.languages = await references.languages(session, body.languages)
    if body.display_name is not None:
        user.display_name = body.display_name
    await session.flush()
    after = await facts(session, user)
    changed = {k: v for k, v in after.items() if before[k] != v}
    await record(
        session,
        actor,
        "admin.staff.update",
        "staff_user",
        user.id,
        {"before": {k: before[k] for k in changed}, "after": changed},
    )
    return user


async def set_active(
    session: AsyncSession, actor: Principal | None, user_id: int, active: bool, now: datetime
) -> StaffUser:
    user = await _get(session, user_id)
    if actor is not None and actor.staff_user_id == user.id and not active:
        raise Conflict("you cannot disable your own account")
    if not active:
        await _last_admin_guard(session, user)
        await end_sessions_and_tokens(session, user.id, now)
    was = user.active
    user.active = active
    if active:
        user.failed_logins, user.locked_until = 0, None
    await session.flush()
    action = "admin.staff.enable" if active else "admin.staff.disable"
    await record(
        session,
        actor,
        action,
        "staff_user",
        user.id,
        {"before": {"active": was}, "after": {"active": active}},
    )
    return user


async def reset_password(
    session: AsyncSession, actor: Principal | None, user_id: int, password: str, now: datetime
) -> StaffUser:
    user = await _get(session, user_id)
    try:
        user.password_hash = hash_password(password)
    except ValueError as exc:
        raise InvalidField(("password",), str(exc)) from None
    user.failed_logins, user.locked_until = 0, None
    await end_sessions_and_tokens(session, user.id, now)
    await session.flush()
    await record(
        session, actor, "admin.staff.reset_password", "staff_user", user.id, {"sessions_ended": True}
    )
    return user
