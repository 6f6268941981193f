"""What a resident's own device may do without an account: read whether the desk is open, and ask for a video
consultation (throttled per address, idempotent), in the resident's own language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from app.auth.principal import DEVICE, Principal, Via
from app.auth.service import principal_from_bearer
from app.config import Mode, Settings
from app.consultation import service
from app.consultation.schemas import ConsultationCreate, LiveStatus
from app.deps import CipherDep, ClockDep, DbSession, ResidentKeyed, SettingsDep
from app.enums import Channel, ConsultationStatus, SiteKind
from app.errors import THROTTLED, UNAVAILABLE, ErrorRead, InvalidField, TooManyRequests, Unauthenticated
from app.geography.models import Site
from app.i18n import SUPPORTED, negotiate, translator
from app.intake.service import open_consultation
from app.live.case_status import with_live_status
from app.live.desk import LiveDesk
from app.mt.service import TranslatorDep
from app.reservation import joining
from app.resident import link_registry
from app.resident.links import LinkExpired, LinkInvalid, LinkKind, ResidentLink, read_link
from app.resident.throttle import throttles
from app.resident.truth import language_truth
from app.security.client_address import client_address
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
    link: str | None = Field(
        default=None,
        min_length=1,
        max_length=2048,
        description="the resident link's token (the page /r/<token>): it decides the municipality and site; "
        "required unless a counter tablet sends its device token",
    )
    topic_hint: str | None = None
    reservation_token: str | None = Field(
        default=None, max_length=2048, description="a reservation's join link (same as link)"
    )


class ResidentCase(BaseModel):
    id: str
    status: ConsultationStatus
    live: LiveStatus | None


@dataclass(frozen=True)
class IntakeSource:
    """Where a resident's request comes from, as its credential says: never from the request body."""

    municipality: str | None
    site: str | None
    link: ResidentLink | None  # None for a counter tablet (device token)
    token: str | None


def _refused(language: str, key: str) -> Unauthenticated:
    return Unauthenticated(translator(language if language in SUPPORTED else "en").t(key))


async def _source(
    request: Request, db: DbSession, settings: Settings, body: ResidentIntake, now: datetime
) -> IntakeSource:
    """The signed resident link (or, for a counter tablet, its device token) that admits this request."""
    if body.link and body.reservation_token and body.link != body.reservation_token:
        raise InvalidField(("body", "reservation_token"), "reservation_token and link name different links")
    token = body.link or body.reservation_token
    if token is None:
        authorization = request.headers.get("authorization", "")
        scheme, _, bearer = authorization.partition(" ")
        device = (
            await principal_from_bearer(db, bearer.strip(), now, demo_allowed=settings.mode is Mode.demo)
            if scheme.lower() == "bearer" and bearer.strip()
            else None
        )
        if device is None or device.role != DEVICE or device.site_id is None:
            raise _refused(body.language, "resident.link_invalid")
        site = await db.get(Site, device.site_id)
        assert site is not None
        # a satellite counter serves its own municipality's residents; the central desk serves the whole area
        own = site.municipality_code if site.kind is SiteKind.satellite_counter else None
        return IntakeSource(own, site.code, None, None)
    try:
        link = read_link(settings, token, now)
    except LinkExpired as exc:
        if exc.link.kind is not LinkKind.reservation:  # a reservation's own window decides (claim says why)
            raise _refused(body.language, "error.link_expired") from None
        link = exc.link
    except LinkInvalid:
        if body.link is None:  # the reservation field names the link: say which field was wrong
            raise InvalidField(("body", "reservation_token"), "not a reservation's join link") from None
        raise _refused(body.language, "resident.link_invalid") from None
    if body.reservation_token is not None and link.kind is not LinkKind.reservation:
        raise InvalidField(("body", "reservation_token"), f"a {link.kind} link is not a reservation's")
    if await link_registry.is_revoked(db, link.link_id):  # withdrawn by staff: it admits nobody any more
        raise _refused(body.language, "error.link_revoked")
    return IntakeSource(link.municipality, link.site, link, token)


@router.post(
    "/consultations",
    response_model=ResidentCase,
    status_code=status.HTTP_201_CREATED,
    responses={
        **THROTTLED,
        **UNAVAILABLE,
        401: {"model": ErrorRead, "description": "no valid resident link (or device token)"},
    },
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
    """A resident asks for a video consultation through their signed link (or at a counter tablet); the link
    decides the municipality and site. The answer carries the ticket to follow the case live."""
    principal = Principal(role=RESIDENT, via=Via.bearer, display_name="resident (own device)")
    source = await _source(request, db, settings, body, clock.now())
    if source.link is not None:  # a link can be shared: throttled; a tablet is a known device
        wait = throttles(request).resident_intake.hit(client_address(request), clock.monotonic())
        if wait is not None:
            tr = translator(negotiate(request.headers.get("accept-language")))
            raise TooManyRequests(tr.t("error.rate_limited"), wait)
    if body.topic_hint is not None and await db.get(Topic, body.topic_hint) is None:
        codes = list((await db.scalars(select(Topic.code))).all())
        raise InvalidField(("body", "topic_hint"), f"unknown topic {body.topic_hint!r}", codes)
    booked = None
    if source.link is not None and source.link.kind is LinkKind.reservation:
        assert source.token is not None
        booked = await joining.claim(db, settings, source.token, body.language, clock.now(), keyed.key)
    consultation_in = ConsultationCreate(
        channel=Channel.video,
        language=body.language,
        site=source.site,
        resident_municipality=booked.municipality_code if booked else source.municipality,
        topic_hint=body.topic_hint,
    )
    opened = await open_consultation(
        db, request.app.state.desk, principal, consultation_in, keyed.key, cipher, booking=booked
    )
    keyed.answer(opened.created)
    read = with_live_status(request, service.to_read(opened.consultation, principal, cipher))
    return ResidentCase(id=read.id, status=read.status, live=read.live)
