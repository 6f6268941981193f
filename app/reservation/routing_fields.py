"""A case opened from a reservation carries it into routing (the reserved interpreter is offered it first).

Kept apart from the live desk so the desk may use it too (e.g. when it routes cases stored before a restart)
without an import cycle.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.reservation.models import Reservation
from routing import ConsultationRequested


def with_booking(event: ConsultationRequested, reservation: Reservation) -> ConsultationRequested:
    """The routing request of a case, with its reservation and reserved interpreter."""
    reserved = str(reservation.interpreter_id) if reservation.interpreter_id is not None else None
    return dataclasses.replace(event, reservation_id=reservation.code, reserved_interpreter_id=reserved)


async def with_reservation(
    session: AsyncSession, consultation_id: int, event: ConsultationRequested
) -> ConsultationRequested:
    """`event` with the reservation of the case `consultation_id`, if it was opened from one."""
    reservation = await session.scalar(
        select(Reservation).where(Reservation.consultation_id == consultation_id)
    )
    return event if reservation is None else with_booking(event, reservation)
