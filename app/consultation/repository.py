"""Statements over consultations; scoping is expressed as SQL so a filter can never widen it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import roles
from app.auth.principal import DEVICE, Principal
from app.consultation.models import CallLeg, Consultation
from app.enums import CallRole, ConsultationStatus, Role

CLOSED = (ConsultationStatus.ended, ConsultationStatus.cancelled, ConsultationStatus.abandoned)


def scoped(principal: Principal) -> Select[Consultation]:
    """The consultations this principal may see at all (least privilege per role and municipality)."""
    query = select(Consultation)
    if principal.role in roles.COUNSELORS:
        return query
    if principal.role == Role.coordinator:
        if principal.municipality_code is None:
            return query
        return query.where(Consultation.resident_municipality_code == principal.municipality_code)
    if principal.role == DEVICE and principal.device_id is not None:
        return query.where(Consultation.created_by_device_id == principal.device_id)  # a tablet: its own
    if principal.role == Role.counter_staff and principal.site_id is not None:
        return query.where(Consultation.site_id == principal.site_id)
    return query.where(false())


def readable(principal: Principal) -> Select[Consultation]:
    """The consultations this principal may read or list: its scope, and for the counter (tablets, counter
    staff) only the cases still open; a counter is no window onto its site's history."""
    query = scoped(principal)
    if principal.role in roles.COUNTER:
        return query.where(Consultation.status.not_in(CLOSED))
    return query


async def get_by_public_id(
    session: AsyncSession, principal: Principal, public_id: str
) -> Consultation | None:
    consultation: Consultation | None = await session.scalar(
        scoped(principal).where(Consultation.public_id == public_id)
    )
    return consultation


async def get_readable(session: AsyncSession, principal: Principal, public_id: str) -> Consultation | None:
    consultation: Consultation | None = await session.scalar(
        readable(principal).where(Consultation.public_id == public_id)
    )
    return consultation


async def get_by_idempotency_key(session: AsyncSession, key: str) -> Consultation | None:
    return await session.scalar(select(Consultation).where(Consultation.idempotency_key == key))


async def list_page(
    session: AsyncSession,
    principal: Principal,
    *,
    limit: int,
    before: int | None,
    status: ConsultationStatus | None,
    language: str | None,
) -> Sequence[Consultation]:
    query = readable(principal)
    if before is not None:
        query = query.where(Consultation.id < before)
    if status is not None:
        query = query.where(Consultation.status == status)
    if language is not None:
        query = query.where(Consultation.language_code == language)
    return (await session.scalars(query.order_by(Consultation.id.desc()).limit(limit))).all()


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
