"""The one use case that opens a consultation: key check, store, booking attach, commit, route.

The case must be durable before anyone is rung for it, so this commits before it hands the case to routing;
a retried key returns the stored case and routes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.consultation import service
from app.consultation.models import Consultation
from app.consultation.schemas import ConsultationCreate
from app.idempotency import IdempotencyKey
from app.live.desk import LiveDesk, requested_event
from app.reservation.models import Reservation
from app.reservation.routing_fields import with_booking
from app.security.crypto import PersonalDataCipher
from routing import Decision, RoutingConflict

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Opened:
    consultation: Consultation
    created: bool
    decisions: tuple[Decision, ...] = ()  # routing's answer to a new case (empty on a replay)


async def open_consultation(
    session: AsyncSession,
    desk: LiveDesk,
    principal: Principal,
    consultation_in: ConsultationCreate,
    key: IdempotencyKey | None,
    cipher: PersonalDataCipher,
    booking: Reservation | None = None,
) -> Opened:
    """Store the case (with its reservation, if it fulfils one), commit, then route it."""
    result = await service.create_consultation(session, principal, consultation_in, key, cipher)
    if not result.created:
        return Opened(result.consultation, created=False)
    consultation = result.consultation
    if booking is not None:
        booking.consultation_id = consultation.id
    await session.commit()
    decisions = await route(desk, consultation, booking)
    await session.refresh(consultation)
    return Opened(consultation, created=True, decisions=tuple(decisions))


async def route(desk: LiveDesk, consultation: Consultation, booking: Reservation | None) -> list[Decision]:
    """Hand a stored case to routing (a reserved one rings its interpreter first); if routing refuses, the
    case stays stored with status requested."""
    event = requested_event(consultation, at=desk.clock.now())
    if booking is not None:
        event = with_booking(event, booking)
    try:
        return await desk.submit(event)
    except RoutingConflict as exc:
        log.error("routing refused consultation %s: %s", consultation.public_id, exc)
        return []
