"""Looking up the things an admin names (languages, sites, municipalities, accounts) with a 422 that lists the
accepted values when a name is unknown."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import InvalidField
from app.geography.models import Municipality, Site
from app.language.models import Language
from app.staff.models import StaffUser


async def languages(session: AsyncSession, codes: Sequence[str], field: str = "languages") -> list[Language]:
    found = list((await session.scalars(select(Language).where(Language.code.in_(codes)))).all())
    missing = sorted(set(codes) - {lang.code for lang in found})
    if missing:
        accepted = (await session.scalars(select(Language.code).order_by(Language.code))).all()
        raise InvalidField((field,), f"unknown language(s) {', '.join(missing)}", list(accepted))
    return sorted(found, key=lambda lang: list(codes).index(lang.code))


async def site(session: AsyncSession, code: str, field: str = "site") -> Site:
    found = await session.scalar(select(Site).where(Site.code == code))
    if found is None:
        accepted = (await session.scalars(select(Site.code).order_by(Site.code))).all()
        raise InvalidField((field,), f"unknown site {code!r}", list(accepted))
    return found


async def municipality(session: AsyncSession, code: str, field: str = "municipality") -> Municipality:
    found = await session.get(Municipality, code)
    if found is None:
        accepted = (await session.scalars(select(Municipality.code).order_by(Municipality.code))).all()
        raise InvalidField((field,), f"unknown municipality {code!r}", list(accepted))
    return found


async def account(session: AsyncSession, username: str, field: str = "username") -> StaffUser:
    found = await session.scalar(select(StaffUser).where(StaffUser.username == username))
    if found is None:
        raise InvalidField((field,), f"no staff account named {username!r}")
    return found
