"""The hand-over from intake to routing, and the live status shown with a case."""

from __future__ import annotations

import logging
from datetime import datetime

from fastapi import Request

from app.consultation.models import Consultation
from app.consultation.schemas import ConsultationRead, LiveStatus
from app.enums import Channel
from app.live.desk import LiveDesk, requested_event
from app.live.tickets import issue_watch_ticket
from app.reservation.models import Reservation
from app.reservation.routing_fields import with_booking
from routing import RoutingConflict

log = logging.getLogger(__name__)


async def route_new_consultation(request: Request, consultation: Consultation) -> None:
    """Hand a stored case to routing; if routing refuses, the case stays stored (status requested)."""
    desk: LiveDesk = request.app.state.desk
    try:
        await desk.submit(requested_event(consultation, at=desk.clock.now()))
    except RoutingConflict as exc:
        log.error("routing refused consultation %s: %s", consultation.public_id, exc)


async def route_reserved(
    request: Request, consultation: Consultation, reservation: Reservation, now: datetime
) -> None:
    """Route the stored case (requested at `now`) with its reservation, so the reserved interpreter is
    offered it first."""
    desk: LiveDesk = request.app.state.desk
    event = with_booking(requested_event(consultation, at=now), reservation)
    try:
        await desk.submit(event)
    except RoutingConflict as exc:
        log.error("routing refused reserved consultation %s: %s", consultation.public_id, exc)


def with_live_status(request: Request, read: ConsultationRead) -> ConsultationRead:
    desk: LiveDesk = request.app.state.desk
    position = desk.position(read.id)
    ticket = None
    if read.channel is Channel.video and read.ended_at is None:
        ticket = issue_watch_ticket(request.app.state.settings.room_secret, read.id, desk.clock.now())
    if position is None and ticket is None:
        return read
    return read.model_copy(
        update={
            "live": LiveStatus(
                position=position.position if position else None,
                estimated_wait_s=position.estimated_wait_s if position else None,
                watch_ticket=ticket,
            )
        }
    )
