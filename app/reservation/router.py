"""Reservations over HTTP.

Residents (no account, but a resident link from a poster or an invitation): read the open slots, book one
(idempotent, throttled), cancel with the booking's own token, and read where their join link stands. Staff:
the day's list (scoped per role and municipality; interpreters see their own), the 'starting soon' list for
the consoles, booking for a phone caller, (re)assigning the interpreter, cancelling and marking no-shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.bounds import ACCEPTED_DAYS, Day
from app.config import Settings
from app.consultation.models import Consultation
from app.consultation.schemas import ConsultationCreate, PersonalData
from app.deps import CallerKeyed, CipherDep, ClockDep, Counselor, DbSession, ResidentKeyed, SettingsDep, Staff
from app.enums import Channel
from app.errors import THROTTLED, UNAVAILABLE, Forbidden, InvalidField, NotFound, error_responses
from app.i18n import SUPPORTED, negotiate, translator
from app.idempotency import IdempotencyKey
from app.intake.service import open_consultation
from app.reservation import joining, repository, service
from app.reservation.models import Reservation
from app.reservation.schemas import (
    AssignIn,
    ReservationCreate,
    ReservationRead,
    ResidentReservationRead,
    SlotDay,
    SlotRead,
    SlotsRead,
    StaffReservationCreate,
    StartedCallRead,
    UpcomingRead,
)
from app.reservation.slots import Slot, SlotRules
from app.reservation.views import (
    ENTRY_LINKS,
    day_list,
    own_interpreter,
    policy_of,
    resident_view,
    staff_views,
    throttle,
    upcoming,
)
from app.resident import link_registry
from app.resident.links import LinkError, ResidentLink, read_link
from app.security.tokens import same

resident_router = APIRouter(prefix="/resident", tags=["residents"])
staff_router = APIRouter(tags=["reservations"])

_MAX_DAYS = 31
# a resident link (or join link) that is expired, forged or of another kind
_LINK_REFUSED = error_responses(403)

ResidentLinkHeader = Annotated[
    str,
    Header(alias="X-Resident-Link", description="the resident link (poster or invitation) the page opened"),
]


# -- helpers ---------------------------------------------------------------------------------------------


def _resident_lang(lang: str | None, request: Request) -> str:
    return lang if lang in SUPPORTED else negotiate(request.headers.get("accept-language"))


async def _entry_link(
    db: AsyncSession, settings: Settings, token: str, now: datetime, lang: str
) -> ResidentLink:
    try:
        link = read_link(settings, token, now, ENTRY_LINKS)
    except LinkError:
        raise Forbidden(translator(lang).t("error.link_expired")) from None
    if await link_registry.is_revoked(db, link.link_id):
        raise Forbidden(translator(lang).t("error.link_revoked"))
    return link


def _days(settings: Settings, now: datetime, first: date | None, last: date | None) -> tuple[date, date]:
    today = now.astimezone(settings.zone).date()
    first = first or today
    last = last or first + timedelta(days=13)
    if last < first:
        raise InvalidField(("query", "to"), "'to' must not be before 'from'")
    if (last - first).days >= _MAX_DAYS:
        raise InvalidField(("query", "to"), f"ask for at most {_MAX_DAYS} days at a time")
    return first, last


def _slot_days(
    settings: Settings, lang: str, language: str, slots: Sequence[Slot], rules: SlotRules
) -> SlotsRead:
    tr = translator(lang)
    days: dict[date, list[SlotRead]] = {}
    for slot in slots:
        local = slot.starts_at.astimezone(settings.zone)
        days.setdefault(local.date(), []).append(
            SlotRead(
                starts_at=local,
                ends_at=slot.ends_at.astimezone(settings.zone),
                time=tr.format_time(local),
                seats=slot.seats,
            )
        )
    return SlotsRead(
        language=language,
        timezone=settings.timezone,
        slot_minutes=int(rules.length.total_seconds() // 60),
        days=[SlotDay(date=day, label=tr.format_date(day), slots=items) for day, items in days.items()],
    )


def _booking_in(
    body: ReservationCreate, municipality: str | None, interpreter_id: int | None
) -> service.BookingIn:
    return service.BookingIn(
        language=body.language,
        starts_at=body.starts_at,
        channel=Channel(body.channel),
        municipality=body.municipality or municipality,
        contact=service.Contact(body.contact.name, body.contact.phone, body.contact.email),
        interpreter_id=interpreter_id,
    )


# -- residents ---------------------------------------------------------------------------------------------


@resident_router.get("/reservation-slots", response_model=SlotsRead, responses=_LINK_REFUSED)
async def resident_reservation_slots(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    link: ResidentLinkHeader,
    lang: Annotated[str, Query(min_length=2, max_length=8, description="the language to book")],
    first: Annotated[
        Day | None, Query(alias="from", description=f"first local day, {ACCEPTED_DAYS} (default today)")
    ] = None,
    last: Annotated[Day | None, Query(alias="to", description="last local day (default 13 days on)")] = None,
) -> SlotsRead:
    """Open slots for a language, day by day in the desk's time zone, with times written in that language."""
    now = clock.now()
    ui = _resident_lang(lang, request)
    await _entry_link(db, settings, link, now, ui)
    if lang not in SUPPORTED:
        raise InvalidField(("query", "lang"), f"unknown language {lang!r}", list(SUPPORTED))
    first, last = _days(settings, now, first, last)
    rules = service.rules_from(settings)
    slots = await service.list_slots(db, policy_of(request), rules, lang, first, last, now)
    return _slot_days(settings, ui, lang, slots, rules)


@resident_router.post(
    "/reservations",
    response_model=ResidentReservationRead,
    status_code=status.HTTP_201_CREATED,
    responses={**_LINK_REFUSED, **THROTTLED},
)
async def book_reservation(
    body: ReservationCreate,
    request: Request,
    db: DbSession,
    cipher: CipherDep,
    settings: SettingsDep,
    clock: ClockDep,
    link: ResidentLinkHeader,
    keyed: ResidentKeyed,
) -> ResidentReservationRead:
    """Book a slot; the answer has the reservation code, the join link and the token to cancel it."""
    now = clock.now()
    ui = _resident_lang(body.language, request)
    entry = await _entry_link(db, settings, link, now, ui)
    throttle(request, settings, clock, ui)
    booking = _booking_in(body, entry.municipality, None)
    tr = translator(ui)
    try:
        result = await service.book(
            db,
            policy_of(request),
            service.rules_from(settings),
            now,
            booking,
            keyed.key,
            None,
            cipher,
        )
    except service.SlotTaken:
        raise service.SlotTaken(tr.t("reservation.taken")) from None
    except service.SlotUnavailable as exc:
        raise service.SlotUnavailable(
            exc.refusal, f"{tr.t('reservation.unavailable')} ({exc.message})"
        ) from None
    keyed.answer(result.created)
    return resident_view(settings, result.reservation, now, ui, with_manage_token=True)


@resident_router.delete("/reservations/{code}", status_code=status.HTTP_204_NO_CONTENT)
async def cancel_own_reservation(
    code: str,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    token: Annotated[str, Header(alias="X-Reservation-Token", description="the manage_token of the booking")],
) -> None:
    """Cancel your own booking with the token you got when you booked."""
    if not same(token, service.manage_token(settings, code)):
        raise NotFound(f"no reservation {code!r} for this token")
    reservation = await service.get(db, code)
    await service.cancel(db, reservation, clock.now(), None)


@resident_router.get("/reservations/by-link", response_model=ResidentReservationRead, responses=_LINK_REFUSED)
async def reservation_of_join_link(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    link: Annotated[str, Header(alias="X-Resident-Link", description="the reservation's join link")],
    lang: Annotated[str | None, Query(min_length=2, max_length=8)] = None,
) -> ResidentReservationRead:
    """Where a join link stands: 200 when it may be used now, else 409 saying when (too early) or why not."""
    ui = _resident_lang(lang, request)
    now = clock.now()
    reservation = await joining.reservation_of_link(db, settings, link, now, ui)
    joining.check_window(settings, reservation, now, ui)
    return resident_view(settings, reservation, now, ui, with_manage_token=False)


# -- staff ------------------------------------------------------------------------------------------


async def _scoped_one(db: AsyncSession, principal: Principal, code: str) -> Reservation:
    query = repository.scoped(principal, await own_interpreter(db, principal)).where(Reservation.code == code)
    reservation = await db.scalar(query)
    if reservation is None:
        raise NotFound(f"no reservation {code!r} within your scope")
    return reservation


@staff_router.get("/reservations", response_model=list[ReservationRead])
async def list_reservations(
    request: Request,
    db: DbSession,
    cipher: CipherDep,
    settings: SettingsDep,
    clock: ClockDep,
    principal: Staff,
    day: Annotated[Day | None, Query(description=f"local day, {ACCEPTED_DAYS} (default today)")] = None,
    language: Annotated[str | None, Query(min_length=2, max_length=8)] = None,
) -> list[ReservationRead]:
    """A day's reservations within your scope; contact details for counselors and admins (audited)."""
    now = clock.now()
    rows = await day_list(db, settings, principal, day or now.astimezone(settings.zone).date(), language, now)
    return await staff_views(db, principal, cipher, rows, request.client.host if request.client else None)


@staff_router.get("/reservations/upcoming", response_model=list[UpcomingRead])
async def upcoming_reservations(
    db: DbSession,
    clock: ClockDep,
    principal: Staff,
    within_minutes: Annotated[int, Query(ge=1, le=24 * 60)] = 60,
) -> list[UpcomingRead]:
    """Reservations starting within the next minutes or under way (for the consoles; no contact details)."""
    return await upcoming(db, principal, clock.now(), timedelta(minutes=within_minutes))


@staff_router.get("/reservation-slots", response_model=SlotsRead)
async def staff_reservation_slots(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    principal: Counselor,
    lang: Annotated[str, Query(min_length=2, max_length=8)],
    first: Annotated[Day | None, Query(alias="from", description=f"first local day, {ACCEPTED_DAYS}")] = None,
    last: Annotated[Day | None, Query(alias="to", description="last local day")] = None,
) -> SlotsRead:
    """Open slots for booking on a caller's behalf (staff may book up to the slot's start)."""
    now = clock.now()
    first, last = _days(settings, now, first, last)
    rules = _staff_rules(settings)
    slots = await service.list_slots(db, policy_of(request), rules, lang, first, last, now)
    return _slot_days(settings, "ja", lang, slots, rules)


def _staff_rules(settings: Settings) -> SlotRules:
    rules = service.rules_from(settings)
    return SlotRules(
        length=rules.length, lead=timedelta(0), horizon=rules.horizon, join_early=rules.join_early
    )


@staff_router.post("/reservations", response_model=ReservationRead, status_code=status.HTTP_201_CREATED)
async def book_for_caller(
    body: StaffReservationCreate,
    request: Request,
    db: DbSession,
    cipher: CipherDep,
    settings: SettingsDep,
    clock: ClockDep,
    principal: Counselor,
    keyed: CallerKeyed,
) -> ReservationRead:
    """Book a slot for a resident on the phone (or at the counter); the code is read out to them."""
    booking = _booking_in(body, None, body.interpreter_id)
    result = await service.book(
        db,
        policy_of(request),
        _staff_rules(settings),
        clock.now(),
        booking,
        keyed.key,
        principal,
        cipher,
    )
    keyed.answer(result.created)
    client_ip = request.client.host if request.client else None
    (read,) = await staff_views(db, principal, cipher, [result.reservation], client_ip)
    return read


@staff_router.get("/reservations/{code}", response_model=ReservationRead)
async def read_reservation(
    code: str, request: Request, db: DbSession, cipher: CipherDep, principal: Staff
) -> ReservationRead:
    """One reservation within your scope; contact details for counselors and admins (audited)."""
    reservation = await _scoped_one(db, principal, code)
    client_ip = request.client.host if request.client else None
    (read,) = await staff_views(db, principal, cipher, [reservation], client_ip)
    return read


@staff_router.post("/reservations/{code}/assign", status_code=status.HTTP_204_NO_CONTENT)
async def assign_interpreter(
    code: str, body: AssignIn, request: Request, db: DbSession, principal: Counselor
) -> None:
    """Give the booking to another interpreter (who speaks the language, works then and is free)."""
    reservation = await _scoped_one(db, principal, code)
    await service.assign(db, policy_of(request), reservation, body.interpreter_id, principal)


@staff_router.post("/reservations/{code}/cancel", status_code=status.HTTP_204_NO_CONTENT)
async def cancel_reservation(code: str, db: DbSession, clock: ClockDep, principal: Counselor) -> None:
    """Cancel a booking (the resident asked by phone, or the desk cannot serve it); the seat is freed."""
    reservation = await _scoped_one(db, principal, code)
    await service.cancel(db, reservation, clock.now(), principal)


@staff_router.post("/reservations/{code}/no-show", status_code=status.HTTP_204_NO_CONTENT)
async def mark_no_show(code: str, db: DbSession, clock: ClockDep, principal: Counselor) -> None:
    """The resident did not come (slots that end without a join are marked so by themselves too)."""
    reservation = await _scoped_one(db, principal, code)
    await service.mark_no_show(db, reservation, clock.now(), principal)


@staff_router.post(
    "/reservations/{code}/start",
    status_code=status.HTTP_201_CREATED,
    response_model=StartedCallRead,
    responses=UNAVAILABLE,
)
async def start_reserved_call(
    code: str,
    request: Request,
    db: DbSession,
    cipher: CipherDep,
    settings: SettingsDep,
    clock: ClockDep,
    principal: Counselor,
) -> StartedCallRead:
    """At the time of a phone booking, open its case: routing rings the reserved interpreter first, and the
    counselor who takes it calls the resident (the name and number are on the case, encrypted)."""
    reservation = await _scoped_one(db, principal, code)
    now = clock.now()
    joining.check_window(settings, reservation, now, "en")
    # A double click, or two counselors at the same moment, open one case: the key is the reservation's own
    # (for its previous case, so a call started again after one ended opens a new case), and whoever loses
    # the insert race is answered with the winner's case.
    key = IdempotencyKey.shared(
        f"reservation:{reservation.code}",
        settings.secret_key,
        "reservation.start",
        str(reservation.consultation_id or 0),
    )
    if reservation.consultation_id is not None:
        case = await db.get(Consultation, reservation.consultation_id)
        if service.is_open_case(case):
            assert case is not None
            return StartedCallRead(consultation_id=case.public_id)
    consultation_in = ConsultationCreate(
        channel=Channel.phone,
        language=reservation.language_code,
        resident_municipality=reservation.municipality_code,
        personal=PersonalData(
            resident_name=cipher.decrypt(reservation.contact_name_enc),
            resident_contact=cipher.decrypt(reservation.contact_phone_enc)
            or cipher.decrypt(reservation.contact_email_enc),
        ),
    )
    opened = await open_consultation(
        db, request.app.state.desk, principal, consultation_in, key, cipher, booking=reservation
    )
    if opened.created:
        await record(db, principal, "reservation.start", "reservation", reservation.code)
    return StartedCallRead(consultation_id=opened.consultation.public_id)
