"""What a resident's own device may do without an account: read whether the desk is open, and ask for a video
consultation (throttled per address, idempotent), in the resident's own language."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from app.auth.principal import Principal, Via
from app.consultation import service
from app.consultation.schemas import ConsultationCreate, LiveStatus
from app.deps import CipherDep, ClockDep, DbSession, ResidentKeyed, SettingsDep
from app.enums import Channel, ConsultationStatus
from app.errors import THROTTLED, UNAVAILABLE, InvalidField, TooManyRequests
from app.i18n import SUPPORTED, negotiate, translator
from app.intake.service import open_consultation
from app.live.case_status import with_live_status
from app.live.desk import LiveDesk
from app.mt.service import TranslatorDep
from app.reservation import joining
from app.resident.throttle import throttles
from app.resident.truth import language_truth
from app.topic.models import Topic

router = APIRouter(prefix="/resident", tags=["residents"])

RESIDENT = "resident"


def _language(lang: str | None, request: Request) -> str:
    if lang is not None:
        if lang not in SUPPORTED:
            raise InvalidField(("query", "lang"), f"unknown language {lang!r}", list(SUPPORTED))
        return lang
    return negotiate(request.headers.get("accept-language"))


class DeskStatusRead(BaseModel):
    language: str
    open_now: bool
    next_opening_at: datetime | None = Field(description="when the desk next opens (None while open)")
    language_status: str = Field(
        description="this language now: available_now, later_today, book_ahead, closed"
    )
    language_opens_at: datetime | None = Field(
        description="when this language's own service next opens (its interpreters' hours too)"
    )
    messages: dict[str, str] = Field(description="texts in the resident's language, ready to show")
    languages: dict[str, str] = Field(
        description="each language's status now: available_now, later_today, book_ahead, closed (not now)"
    )


@router.get("/desk", response_model=DeskStatusRead)
async def desk_status(
    request: Request,
    settings: SettingsDep,
    clock: ClockDep,
    mt: TranslatorDep,
    lang: Annotated[str | None, Query(min_length=2, max_length=8)] = None,
) -> DeskStatusRead:
    """Is the desk open now, when does it open next, and what else can the resident do: in their language."""
    code = _language(lang, request)
    tr = translator(code)
    desk: LiveDesk = request.app.state.desk
    hours = desk.engine.policy.desk_hours
    now = clock.now()
    open_now = hours.is_open(now)
    messages = {"hours": tr.opening_hours(hours)}
    next_opening = None if open_now else hours.next_opening(now)
    mine = next((a for a in desk.availability(now) if a.language == code), None)
    truth = await language_truth(
        mine, desk.engine.policy, tr, settings.zone, mt, settings.desk_phone or None, now
    )
    if truth.title is not None:
        messages["title"] = truth.title
    if truth.next_opening is not None:  # this language's own next opening, e.g. Thai at 10:00, not 09:00
        messages["next"] = truth.next_opening
    if settings.desk_phone:
        messages["call"] = tr.t("alt.call", phone=settings.desk_phone)
    statuses = {a.language: a.status.value for a in desk.availability(now)}
    if "reservation" in truth.choices:
        messages["book_ahead"] = tr.t("alt.reserve")
    return DeskStatusRead(
        language=code,
        open_now=open_now,
        next_opening_at=next_opening,
        language_status=truth.status.value,
        language_opens_at=truth.opens_at,
        messages=messages,
        languages=statuses,
    )


class ResidentIntake(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    language: str = Field(min_length=2, max_length=8)
    resident_municipality: str | None = None
    topic_hint: str | None = None
    reservation_token: str | None = Field(
        default=None, max_length=2048, description="the join link of a reservation, at its time"
    )


class ResidentCase(BaseModel):
    id: str
    status: ConsultationStatus
    live: LiveStatus | None


@router.post(
    "/consultations",
    response_model=ResidentCase,
    status_code=status.HTTP_201_CREATED,
    responses={**THROTTLED, **UNAVAILABLE},
)
async def ask_for_video_consultation(
    body: ResidentIntake,
    request: Request,
    db: DbSession,
    cipher: CipherDep,
    settings: SettingsDep,
    clock: ClockDep,
    keyed: ResidentKeyed,
) -> ResidentCase:
    """A resident at home asks for a video consultation; the answer carries the ticket to follow it live."""
    principal = Principal(role=RESIDENT, via=Via.bearer, display_name="resident (own device)")
    limiter = throttles(request).resident_intake
    client = request.client.host if request.client else "unknown"
    wait = limiter.hit(client, clock.monotonic())
    if wait is not None:
        tr = translator(negotiate(request.headers.get("accept-language")))
        raise TooManyRequests(tr.t("error.rate_limited"), wait)
    if body.topic_hint is not None and await db.get(Topic, body.topic_hint) is None:
        codes = list((await db.scalars(select(Topic.code))).all())
        raise InvalidField(("body", "topic_hint"), f"unknown topic {body.topic_hint!r}", codes)
    booked = None
    if body.reservation_token is not None:
        booked = await joining.claim(
            db, settings, body.reservation_token, body.language, clock.now(), keyed.key
        )
    consultation_in = ConsultationCreate(
        channel=Channel.video,
        language=body.language,
        resident_municipality=body.resident_municipality or (booked.municipality_code if booked else None),
        topic_hint=body.topic_hint,
    )
    opened = await open_consultation(
        db, request.app.state.desk, principal, consultation_in, keyed.key, cipher, booking=booked
    )
    keyed.answer(opened.created)
    read = with_live_status(request, service.to_read(opened.consultation, principal, cipher))
    return ResidentCase(id=read.id, status=read.status, live=read.live)
