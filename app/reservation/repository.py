"""Statements over reservations; scoping is SQL, so a filter can never widen what a role may see."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import roles
from app.auth.principal import Principal
from app.enums import Role
from app.interpreter.models import Interpreter
from app.language.models import Language
from app.reservation.models import HOLDS_SEAT, Reservation, ReservationStatus


def scoped(principal: Principal, own_interpreter_id: int | None) -> Select[Reservation]:
    """Counselors and admins see every booking, a coordinator their municipality's, an interpreter theirs."""
    query = select(Reservation)
    if principal.role in roles.COUNSELORS:
        return query
    if principal.role == Role.coordinator:
        if principal.municipality_code is None:
            return query
        return query.where(Reservation.municipality_code == principal.municipality_code)
    if principal.role == Role.interpreter and own_interpreter_id is not None:
        return query.where(Reservation.interpreter_id == own_interpreter_id)
    return query.where(false())


async def holding_seats(session: AsyncSession, starts: datetime, ends: datetime) -> Sequence[Reservation]:
    """Every booking (any language) that holds a seat overlapping [starts, ends)."""
    query = (
        select(Reservation)
        .where(Reservation.status.in_(HOLDS_SEAT))
        .where(Reservation.starts_at < ends, Reservation.ends_at > starts)
    )
    return (await session.scalars(query)).all()


async def qualified_interpreters(session: AsyncSession, language: str) -> Sequence[Interpreter]:
    query = (
        select(Interpreter)
        .where(Interpreter.active.is_(True))
        .where(Interpreter.languages.any(Language.code == language))
        .order_by(Interpreter.id)
    )
    return (await session.scalars(query)).all()


async def by_code(session: AsyncSession, code: str) -> Reservation | None:
    return await session.scalar(select(Reservation).where(Reservation.code == code))


async def by_idempotency_key(session: AsyncSession, key: str) -> Reservation | None:
    return await session.scalar(select(Reservation).where(Reservation.idempotency_key == key))


async def due_for_settling(session: AsyncSession, now: datetime) -> Sequence[Reservation]:
    """Booked reservations that may have connected or ended: joined ones, and those whose slot is over."""
    query = (
        select(Reservation)
        .where(Reservation.status == ReservationStatus.booked)
        .where((Reservation.consultation_id.is_not(None)) | (Reservation.ends_at <= now))
    )
    return (await session.scalars(query)).all()
