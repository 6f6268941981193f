"""The live status shown with a case: its place in the queue, and the watch ticket for a video case."""

from __future__ import annotations

from fastapi import Request

from app.consultation.schemas import ConsultationRead, LiveStatus
from app.enums import Channel
from app.live.desk import LiveDesk
from app.live.frames import FallbackChoices
from app.live.tickets import issue_watch_ticket


def fallback_choices(desk: LiveDesk, consultation_id: str) -> FallbackChoices | None:
    """The fallbacks routing offered a case that still waits (None in a call, closed, or never offered)."""
    offered = desk.engine.fallback_offer(consultation_id)
    if offered is None:
        return None
    return FallbackChoices(
        reason=offered.reason.value,
        options=tuple(option.value for option in offered.options),
        queued=offered.queued,
    )


def with_live_status(request: Request, read: ConsultationRead) -> ConsultationRead:
    """`read` with where the case stands live (absent once it has ended)."""
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
