"""Creating staff accounts with checked role, scope and languages."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.enums import Role
from app.errors import Conflict, InvalidField
from app.geography.models import Municipality, Site
from app.language.models import Language
from app.security.passwords import hash_password
from app.staff.models import StaffUser


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str | None = None,
    municipality_code: str | None = None,
    site_code: str | None = None,
    language_codes: Sequence[str] = (),
) -> StaffUser:
    if await session.scalar(select(StaffUser).where(StaffUser.username == username)) is not None:
        raise Conflict(f"a user named {username!r} already exists")
    if municipality_code is not None and role is not Role.coordinator:
        raise InvalidField(("municipality",), "only coordinators have a municipality scope")
    if municipality_code is not None and await session.get(Municipality, municipality_code) is None:
        codes = (await session.scalars(select(Municipality.code))).all()
        raise InvalidField(("municipality",), f"unknown municipality {municipality_code!r}", list(codes))
    site_id = None
    if site_code is not None:
        site = await session.scalar(select(Site).where(Site.code == site_code))
        if site is None:
            codes = (await session.scalars(select(Site.code))).all()
            raise InvalidField(("site",), f"unknown site {site_code!r}", list(codes))
        site_id = site.id
    languages = list((await session.scalars(select(Language).where(Language.code.in_(language_codes)))).all())
    missing = sorted(set(language_codes) - {lang.code for lang in languages})
    if missing:
        codes = (await session.scalars(select(Language.code))).all()
        raise InvalidField(("languages",), f"unknown language(s) {', '.join(missing)}", list(codes))
    try:
        password_hash = hash_password(password)
    except ValueError as exc:
        raise InvalidField(("password",), str(exc)) from None
    user = StaffUser(
        username=username,
        display_name=display_name or username,
        password_hash=password_hash,
        role=role,
        municipality_code=municipality_code,
        site_id=site_id,
        languages=languages,
    )
    session.add(user)
    await session.flush()
    return user
