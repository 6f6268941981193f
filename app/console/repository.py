"""Statements for the console: a counselor's own cases (taken in a call, or opened or logged by them)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation.models import CallLeg, Consultation
from app.enums import CallRole


async def own_cases(session: AsyncSession, staff_user_id: int, limit: int) -> Sequence[Consultation]:
    """Newest first: cases this staff member joined as the counselor, or created (intake, phone log)."""
    joined = select(CallLeg.consultation_id).where(
        CallLeg.role == CallRole.counselor, CallLeg.staff_user_id == staff_user_id
    )
    query = (
        select(Consultation)
        .where(or_(Consultation.created_by_staff_id == staff_user_id, Consultation.id.in_(joined)))
        .order_by(Consultation.requested_at.desc(), Consultation.id.desc())
        .limit(limit)
    )
    return (await session.scalars(query)).all()
