"""Arranging the desk for the "truth before promise" tests: an interpreter profile, staff going available."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.enums import InterpreterGender
from app.interpreter.models import Interpreter
from app.language.models import Language
from app.staff.models import StaffUser


async def link_interpreter(
    db: AsyncSession, username: str = "interpreter", languages: tuple[str, ...] = ("ne",)
) -> int:
    """Give the `auth` interpreter account its interpreter profile (default vendor hours)."""
    user = await db.scalar(select(StaffUser).where(StaffUser.username == username))
    assert user is not None
    langs = list((await db.scalars(select(Language).where(Language.code.in_(languages)))).all())
    interpreter = Interpreter(
        display_name="Sita",
        vendor="Vendor A",
        gender=InterpreterGender.female,
        staff_user_id=user.id,
        languages=langs,
    )
    db.add(interpreter)
    await db.commit()
    return interpreter.id


async def go_available(client: AsyncClient, headers: dict[str, str]) -> None:
    response = await client.post("/api/v1/presence", json={"state": "available"}, headers=headers)
    assert response.status_code == 204, response.text
