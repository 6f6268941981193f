"""What a resident may do with their own consultation, holding only its watch ticket: cancel while waiting,
and fetch the call invitation again (a call that started before their page was listening is not lost)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Request, Response, status
from pydantic import BaseModel

from app.deps import ClockDep
from app.errors import UNAVAILABLE, Forbidden, NotFound, error_responses
from app.live import topics
from app.live.desk import RESIDENT_INVITE_TTL_S, LiveDesk
from app.live.tickets import TicketError, verify_watch_ticket
from realtime.protocol import encode
from realtime.signaling import make_invite
from routing import ConsultationCancelled

router = APIRouter(prefix="/resident", tags=["residents"], responses={**UNAVAILABLE, **error_responses(403)})
WatchTicket = Annotated[
    str, Header(alias="X-Watch-Ticket", description="the live.watch_ticket of the resident's request")
]


def _check(request: Request, consultation_id: str, ticket: str, now: datetime) -> LiveDesk:
    try:
        verify_watch_ticket(request.app.state.settings.room_secret, ticket, consultation_id, now)
    except TicketError:
        raise Forbidden("this watch ticket is not valid for this consultation") from None
    desk: LiveDesk = request.app.state.desk
    return desk


@router.post("/consultations/{consultation_id}/cancel", status_code=status.HTTP_204_NO_CONTENT)
async def cancel_own_consultation(
    consultation_id: str, request: Request, clock: ClockDep, ticket: WatchTicket
) -> None:
    """The resident stops waiting; the case stays on record as cancelled. 409 once it is past waiting."""
    now = clock.now()
    desk = _check(request, consultation_id, ticket, now)
    await desk.submit(ConsultationCancelled(at=now, request_id=consultation_id))  # a RoutingConflict is a 409


class RoomInviteRead(BaseModel):
    """The `room.invite` frame, as JSON over HTTP: the same bytes the websocket would carry."""

    type: Literal["room.invite"]
    room_id: str
    consultation_id: str
    role: Literal["resident"]
    token: str
    offer_id: str | None = None


@router.get("/consultations/{consultation_id}/invite", responses={200: {"model": RoomInviteRead}})
async def own_call_invite(
    consultation_id: str, request: Request, clock: ClockDep, ticket: WatchTicket
) -> Response:
    """A fresh `room.invite` frame for the consultation's call, as the resident; 404 while no call is open."""
    desk = _check(request, consultation_id, ticket, clock.now())
    room = await desk.rooms.store.open_room_of(consultation_id)
    if room is None:
        raise NotFound("no call is open for this consultation")
    participant = topics.resident_participant(consultation_id)
    secret = request.app.state.settings.room_secret
    invite = make_invite(secret, room, participant, "resident", clock.now(), ttl_s=RESIDENT_INVITE_TTL_S)
    return Response(encode(invite), media_type="application/json", headers={"Cache-Control": "no-store"})
