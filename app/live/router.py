"""Live desk API: the queue, availability per language, offers, presence, and moving a case along."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, status
from pydantic import BaseModel, ConfigDict, Field

from app.auth.principal import DEVICE, Principal
from app.consultation.service import case_in_scope
from app.deps import DbSession, require_roles
from app.enums import Role
from app.errors import Conflict, Forbidden
from app.live.desk import LiveDesk
from app.live.gateway import Gateway, interpreter_id_of
from app.live.schemas import LiveQueueRead, SiteQueueRead
from routing import (
    CallEnded,
    ConsultationAbandoned,
    ConsultationCancelled,
    FallbackAccepted,
    FallbackOption,
    RoutingConflict,
    to_data,
)

router = APIRouter(tags=["live desk"])

Staff = Annotated[Principal, Depends(require_roles(Role.counselor, Role.admin))]
Front = Annotated[Principal, Depends(require_roles(Role.counselor, Role.admin, Role.counter_staff, DEVICE))]
Interpreting = Annotated[Principal, Depends(require_roles(Role.interpreter))]
Presence = Annotated[Principal, Depends(require_roles(Role.interpreter, Role.counselor))]


def get_desk(request: Request) -> LiveDesk:
    desk: LiveDesk = request.app.state.desk
    return desk


def get_gateway(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


DeskDep = Annotated[LiveDesk, Depends(get_desk)]
GatewayDep = Annotated[Gateway, Depends(get_gateway)]


class LanguageAvailabilityRead(BaseModel):
    language: str
    mode: str
    status: Literal["available_now", "book_ahead", "closed"]
    queue_length: int
    estimated_wait_s: int | None
    opens_at: datetime | None


@router.get("/availability", response_model=list[LanguageAvailabilityRead])
async def language_availability(desk: DeskDep) -> list[LanguageAvailabilityRead]:
    """Per language, right now: available now, book ahead or closed, with the queue and the expected wait."""
    return [LanguageAvailabilityRead.model_validate(to_data(a)) for a in desk.availability()]


@router.get("/queue", response_model=LiveQueueRead | SiteQueueRead)
async def live_queue(desk: DeskDep, principal: Front) -> LiveQueueRead | SiteQueueRead:
    """The live queue (dispatch order, positions, waits), offers in flight, calls and who is present.

    Counter staff and tablets see their own site's entries only, and no roster.
    """
    snapshot = to_data(desk.snapshot())
    if principal.role in (Role.counselor, Role.admin):
        return LiveQueueRead.model_validate(snapshot)
    site = str(principal.site_id)
    return SiteQueueRead.model_validate(
        {"at": snapshot["at"], "queue": [entry for entry in snapshot["queue"] if entry["site_id"] == site]}
    )


class PresenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: Literal["available", "away"]


@router.post("/presence", status_code=status.HTTP_204_NO_CONTENT)
async def set_presence(body: PresenceIn, db: DbSession, gateway: GatewayDep, principal: Presence) -> None:
    """Go available or away (the console's websocket does the same and also keeps you present)."""
    assert principal.staff_user_id is not None
    now = gateway.desk.clock.now()
    if principal.role == Role.interpreter:
        interpreter_id = await interpreter_id_of(db, principal.staff_user_id)
        if interpreter_id is None:
            raise Forbidden("this account is not linked to an interpreter profile")
        await gateway.interpreter_state(interpreter_id, body.state, now)
    else:
        await gateway.counselor_state(principal.staff_user_id, body.state, now)


async def _interpreter_id(db: DbSession, principal: Principal) -> int:
    assert principal.staff_user_id is not None
    interpreter_id = await interpreter_id_of(db, principal.staff_user_id)
    if interpreter_id is None:
        raise Forbidden("this account is not linked to an interpreter profile")
    return interpreter_id


@router.post("/offers/{offer_id}/accept", status_code=status.HTTP_204_NO_CONTENT)
async def accept_offer(offer_id: str, db: DbSession, gateway: GatewayDep, principal: Interpreting) -> None:
    """Take the call you are being offered; the room invitation arrives on your websocket."""
    await gateway.answer_offer(await _interpreter_id(db, principal), offer_id, True, gateway.desk.clock.now())


@router.post("/offers/{offer_id}/decline", status_code=status.HTTP_204_NO_CONTENT)
async def decline_offer(offer_id: str, db: DbSession, gateway: GatewayDep, principal: Interpreting) -> None:
    """Pass on this call; the next interpreter is offered it at once."""
    await gateway.answer_offer(
        await _interpreter_id(db, principal), offer_id, False, gateway.desk.clock.now()
    )


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Literal["cancelled", "abandoned"] = Field(
        default="cancelled", description="abandoned: the resident left before being served"
    )


@router.post("/consultations/{consultation_id}/cancel", status_code=status.HTTP_204_NO_CONTENT)
async def cancel_consultation(
    consultation_id: str, body: CancelIn, db: DbSession, desk: DeskDep, principal: Front
) -> None:
    """Take a waiting consultation out of the queue (the record stays, with its outcome)."""
    case = await case_in_scope(db, principal, consultation_id)
    event_type = ConsultationAbandoned if body.reason == "abandoned" else ConsultationCancelled
    try:
        await desk.submit(event_type(at=desk.clock.now(), request_id=case.public_id))
    except RoutingConflict as exc:
        raise Conflict(f"this consultation cannot be cancelled now: {exc}") from None


class FallbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    option: FallbackOption


@router.post("/consultations/{consultation_id}/fallback", status_code=status.HTTP_204_NO_CONTENT)
async def accept_fallback(
    consultation_id: str, body: FallbackIn, db: DbSession, desk: DeskDep, principal: Front
) -> None:
    """The resident chose machine-translated chat, a callback or a reservation instead of waiting."""
    case = await case_in_scope(db, principal, consultation_id)
    try:
        await desk.submit(
            FallbackAccepted(at=desk.clock.now(), request_id=case.public_id, option=body.option)
        )
    except RoutingConflict as exc:
        raise Conflict(f"no fallback can be taken for this consultation now: {exc}") from None


@router.post("/consultations/{consultation_id}/end", status_code=status.HTTP_204_NO_CONTENT)
async def end_call(
    consultation_id: str, db: DbSession, desk: DeskDep, gateway: GatewayDep, principal: Staff
) -> None:
    """End the call for everyone; the consultation is served and its call legs are closed."""
    case = await case_in_scope(db, principal, consultation_id)
    now = desk.clock.now()
    try:
        await desk.submit(CallEnded(at=now, request_id=case.public_id))
    except RoutingConflict as exc:
        raise Conflict(f"this consultation is not in a call: {exc}") from None
    await gateway.close_room(case.public_id, now)
