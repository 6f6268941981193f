"""Live desk API: the queue, availability per language, offers, presence, and taking a case off the queue."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.audit.service import record
from app.auth.principal import Principal
from app.consultation.service import case_in_scope
from app.deps import DbSession, DeskDep, Front, GatewayDep, Interpreter, PoolMember, SettingsDep
from app.enums import Role
from app.errors import UNAVAILABLE, Conflict, Forbidden
from app.live.gateway import interpreter_id_of
from app.live.interpreter_console import counselors_free, interpreter_today
from app.live.schemas import LiveQueueRead, SiteQueueRead
from app.mt.service import TranslatorDep
from app.resident.choices import Choice, language_choices
from routing import (
    AbandonReason,
    ConsultationAbandoned,
    ConsultationCancelled,
    RoutingConflict,
    to_data,
)

router = APIRouter(tags=["live desk"], responses=UNAVAILABLE)


class LanguageAvailabilityRead(BaseModel):
    language: str
    mode: str
    status: Literal["available_now", "later_today", "book_ahead", "closed"] = Field(
        description="served now; its service opens later today; by reservation only; or not now"
    )
    queue_length: int
    estimated_wait_s: int | None = Field(description="the wait a new arrival faces: the console's estimate")
    opens_at: datetime | None = Field(
        description="when this language's own service next opens (desk and, for remote, its interpreters)"
    )
    choices: list[Choice] = Field(
        default_factory=list, description="what the resident can do instead, when it is not served now"
    )


@router.get("/availability", response_model=list[LanguageAvailabilityRead])
async def language_availability(
    desk: DeskDep, settings: SettingsDep, translator: TranslatorDep
) -> list[LanguageAvailabilityRead]:
    """Per language, right now: served now (with the expected wait), later today, by reservation or not now,
    each with its own next opening and the choices that really exist."""
    policy = desk.engine.policy
    phone = settings.desk_phone or None
    return [
        LanguageAvailabilityRead.model_validate(
            {**to_data(a), "choices": await language_choices(a, policy, translator, phone)}
        )
        for a in desk.availability()
    ]


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
async def set_presence(body: PresenceIn, db: DbSession, gateway: GatewayDep, principal: PoolMember) -> None:
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
async def accept_offer(offer_id: str, db: DbSession, gateway: GatewayDep, principal: Interpreter) -> None:
    """Take the call you are being offered; the room invitation arrives on your websocket."""
    await gateway.answer_offer(await _interpreter_id(db, principal), offer_id, True, gateway.desk.clock.now())


@router.post("/offers/{offer_id}/decline", status_code=status.HTTP_204_NO_CONTENT)
async def decline_offer(offer_id: str, db: DbSession, gateway: GatewayDep, principal: Interpreter) -> None:
    """Pass on this call; the next interpreter is offered it at once."""
    await gateway.answer_offer(
        await _interpreter_id(db, principal), offer_id, False, gateway.desk.clock.now()
    )


class InterpreterTodayRead(BaseModel):
    date: str = Field(description="the desk's local date (ISO), per the desk's clock and time zone")
    calls: int = Field(description="calls joined today (distinct consultations)")
    minutes: int = Field(description="whole minutes in calls today; a running call counts up to now")


class InterpreterConsoleRead(BaseModel):
    counselors_free: int = Field(
        description="counselors present and not in a call (an interpreted call needs one before a ring)"
    )
    today: InterpreterTodayRead


@router.get("/interpreter/console", response_model=InterpreterConsoleRead)
async def interpreter_console_state(
    db: DbSession, gateway: GatewayDep, settings: SettingsDep, principal: Interpreter
) -> InterpreterConsoleRead:
    """What the interpreter console shows beside the ring: whether a counselor is free, and today's calls."""
    interpreter_id = await _interpreter_id(db, principal)
    desk = gateway.desk
    today = await interpreter_today(db, interpreter_id, desk.clock.now(), settings.zone)
    return InterpreterConsoleRead(
        counselors_free=counselors_free(desk.snapshot()),
        today=InterpreterTodayRead(date=today.day.isoformat(), calls=today.calls, minutes=today.minutes),
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


class RemoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=1,
        max_length=200,
        description="why the case leaves the queue (e.g. the resident is no longer at the counter); audited",
    )

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("say why the case leaves the queue")
        return value.strip()


@router.post("/consultations/{consultation_id}/remove", status_code=status.HTTP_204_NO_CONTENT)
async def remove_from_queue(
    consultation_id: str, body: RemoveIn, request: Request, db: DbSession, desk: DeskDep, principal: Front
) -> None:
    """Staff take a waiting case off the queue (its offers are withdrawn). Counted as abandoned (removed by
    staff) in the statistics; the reason is kept in the audit log. Not for tablets, nor a case in a call."""
    if principal.role not in (Role.counselor, Role.admin, Role.counter_staff):
        raise Forbidden("only counselors and front staff can remove a case from the queue")
    case = await case_in_scope(db, principal, consultation_id)
    event = ConsultationAbandoned(
        at=desk.clock.now(), request_id=case.public_id, reason=AbandonReason.STAFF_REMOVED
    )
    try:
        await desk.submit(event)
    except RoutingConflict as exc:
        raise Conflict(f"this consultation cannot be removed from the queue now: {exc}") from None
    client_ip = request.client.host if request.client else None
    await record(
        db,
        principal,
        "consultation.removed_from_queue",
        "consultation",
        case.public_id,
        {"reason": body.reason},
        client_ip,
    )
