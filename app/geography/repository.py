from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.geography.models import Municipality, Site


async def list_municipalities(session: AsyncSession) -> Sequence[Municipality]:
    return (await session.scalars(select(Municipality).order_by(Municipality.sort_order))).all()


async def list_sites(session: AsyncSession) -> Sequence[Site]:
    return (await session.scalars(select(Site).order_by(Site.id))).all()


async def site_by_code(session: AsyncSession, code: str) -> Site | None:
    return await session.scalar(select(Site).where(Site.code == code))
